import assert from 'node:assert/strict';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { readNotifySettings } from '../../nodes/lib/notify/notify-settings';
import { createRequestBuilder } from '../../nodes/lib/notify/request-builder';
import { Receiver, type ReceivedRequest } from '../helpers/receiver';

/**
 * A receiver on 127.0.0.1 and a sender, to see what a notification built from pbx-notify
 * properties looks like when it arrives.
 */
export class DeliveryRig {
  private constructor(
    readonly receiver: Receiver,
    private readonly sender: HttpSender,
  ) {}

  static async start(): Promise<DeliveryRig> {
    const receiver = await Receiver.start();
    return new DeliveryRig(receiver, new HttpSender({ timeout: 2000, tlsVerify: true, maxSockets: 4 }));
  }

  /** Builds the request for `msg` from the node's properties, sends it (it must be delivered) and returns it as received. */
  async deliver(properties: Record<string, unknown>, msg: object): Promise<ReceivedRequest> {
    const builder = createRequestBuilder(readNotifySettings(properties));
    const before = this.receiver.requests.length;
    const outcome = await this.sender.send(builder.build(msg));
    assert.equal(outcome.kind, 'delivered');
    return this.receiver.requests[before];
  }

  async close(): Promise<void> {
    this.sender.close();
    await this.receiver.close();
  }
}
