import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One message as a subscriber of the broker received it. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

/**
 * A real MQTT broker (aedes, dev dependency only) on a free port of 127.0.0.1, with its own
 * subscriber: every message published under `subscribeTo` is recorded in `messages`, as an
 * independent instance subscribed to that filter would see it.
 */
export class MqttBroker {
  readonly messages: MqttMessage[] = [];
  /** Every topic filter a client subscribed to (Node-RED's `mqtt in` nodes). */
  readonly subscriptions: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly server: net.Server,
    private readonly close_: () => Promise<void>,
  ) {}

  static async start(subscribeTo = '#'): Promise<MqttBroker> {
    // aedes 1.x is an ES module; a dynamic import keeps this file CommonJS like the rest.
    const { Aedes } = await import('aedes');
    const aedes = await Aedes.createBroker();
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const broker = new MqttBroker((server.address() as AddressInfo).port, server, async () => {
      for (const socket of broker.sockets) socket.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    server.on('connection', (socket) => {
      broker.sockets.add(socket);
      socket.on('close', () => broker.sockets.delete(socket));
    });
    aedes.on('subscribe', (subscriptions) => broker.subscriptions.push(...subscriptions.map((subscription) => subscription.topic)));
    await new Promise<void>((resolve) =>
      aedes.subscribe(
        subscribeTo,
        (packet, done) => {
          broker.messages.push({ topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain });
          done();
        },
        resolve,
      ),
    );
    return broker;
  }

  /** Forgets what was received (between tests). */
  reset(): void {
    this.messages.length = 0;
    this.subscriptions.length = 0;
  }

  close(): Promise<void> {
    return this.close_();
  }
}
