import Mustache from 'mustache';
import { AmiActionError, type AmiConnectionApi } from '../ami/connection-api';
import { field, type AmiMessage } from '../ami/message';
import { assertSafeAction } from '../ami/sanitize';
import type { PbxSettings } from '../settings';
import { newChannelId } from './channel-id';
import { prepareDial, type DialRequest } from './dial-request';
import type { EndpointNames } from './endpoint-names';
import { DialInputError, PbxPermissionError, PbxRequestError, PbxUnavailableError } from './errors';
import { isBlank, parseCallId, parseExtension } from './input-rules';
import { originateOutcome } from './originate-result';
import { channelsOfCall, channelsOfExtension } from './channel-match';
import { named, type DialInput, type DialResult, type HangupInput, type HangupResult, type PbxClient } from './pbx-client';

/** What the per-PBX call tracker (pbx-event's correlator) learns about our own Originates. */
export interface OriginateRegistry {
  /**
   * Called before the Originate is sent: the call whose Linkedid is `callId` is a
   * click-to-dial from `exten` (named `extenName` on the PBX) to `number`.
   */
  registerOriginate(originate: { callId: string; exten: string; number: string; extenName: string }): void;
}

export type AmiDialSettings = Pick<
  PbxSettings,
  'originateChannel' | 'originateContext' | 'originateTimeout' | 'internationalPrefix' | 'stripPrefix'
>;

export interface AmiPbxClientOptions {
  connection: AmiConnectionApi;
  settings: AmiDialSettings;
  /** The PBX's names for its extensions (shared per PBX); without it events carry no name. */
  endpointNames?: EndpointNames;
  /** The per-PBX call tracker, told about each Originate before it is sent. */
  originates?: OriginateRegistry;
  /** Uniqueids for originated channels (tests pass a fixed sequence). */
  newChannelId?: () => string;
  /** How much longer than the ring timeout to wait for the OriginateResponse. */
  responseGraceMs?: number;
}

/**
 * Click-to-dial and hangup over AMI. A dial is one `Originate` with `Async: true` and a
 * `ChannelId` of ours, so the call_id is known at once; the result is the
 * OriginateResponse carrying our ActionID (Asterisk broadcasts it to every AMI session).
 */
export class AmiPbxClient implements PbxClient {
  readonly transport = 'ami' as const;

  constructor(private readonly options: AmiPbxClientOptions) {}

  async dial(input: DialInput): Promise<DialResult> {
    const { settings, connection } = this.options;
    const request = prepareDial(input, settings);
    const channel = originateChannel(settings.originateChannel, request.exten);
    this.assertConnected();
    const extenName = this.options.endpointNames ? await this.options.endpointNames.nameOf(connection, request.exten) : '';
    const callId = (this.options.newChannelId ?? newChannelId)();
    const action = originateAction(request, settings, channel, callId);
    // The connection checks again; checking here keeps the tracker clean if it refuses.
    assertSafeAction(action);
    this.options.originates?.registerOriginate({ callId, exten: request.exten, number: request.number, extenName });
    let response: AmiMessage;
    try {
      response = await connection.action(action, {
        completeEvent: 'OriginateResponse',
        timeoutMs: settings.originateTimeout * 1000 + (this.options.responseGraceMs ?? 15_000),
      });
    } catch (err) {
      // A Failure OriginateResponse is the PBX's decision about the call, not an error.
      if (err instanceof AmiActionError && field(err.response, 'Event') === 'OriginateResponse') response = err.response;
      else throw actionFailure(err, 'Originate', 'write=originate');
    }
    const outcome = originateOutcome(response);
    return { call_id: callId, exten: request.exten, number: request.number, result: outcome.result, reason: outcome.reason };
  }

  async hangup(input: HangupInput): Promise<HangupResult> {
    const byCall = !isBlank(input.callId);
    const callId = byCall ? parseCallId(input.callId, named('call_id', input.sources?.callId)) : '';
    const exten = byCall ? '' : isBlank(input.exten) ? missingTarget() : parseExtension(input.exten, named('exten', input.sources?.exten));
    this.assertConnected();
    const { connection } = this.options;
    let channels: AmiMessage[];
    try {
      channels = (await connection.actionList({ Action: 'CoreShowChannels' })).events;
    } catch (err) {
      throw actionFailure(err, 'CoreShowChannels', 'write=reporting');
    }
    const targets = byCall ? channelsOfCall(channels, callId) : channelsOfExtension(channels, exten);
    const outcomes = await Promise.allSettled(targets.map((target) => connection.action({ Action: 'Hangup', Channel: field(target, 'Channel') })));
    let hungup = 0;
    const failures: string[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') hungup++;
      // Gone between the listing and the Hangup (e.g. the other half of a Local pair): nothing to do.
      else if (!(outcome.reason instanceof AmiActionError && /no such channel/i.test(field(outcome.reason.response, 'Message')))) {
        failures.push(`${field(targets[index], 'Channel')}: ${actionFailure(outcome.reason, 'Hangup', 'write=call').message}`);
      }
    });
    if (failures.length > 0) {
      const error = new PbxRequestError(`hung up ${hungup} of ${targets.length} channels; ${failures.join('; ')}`);
      if (outcomes.some((o) => o.status === 'rejected' && isPermissionDenied(o.reason))) throw new PbxPermissionError(error.message);
      throw error;
    }
    const calls = new Set(targets.map((target) => field(target, 'Linkedid')));
    return { exten, call_id: byCall ? callId : calls.size === 1 ? [...calls][0] : '', hungup };
  }

  private assertConnected(): void {
    const { connection } = this.options;
    if (connection.state !== 'connected') {
      const why = connection.status.reason ? `: ${connection.status.reason}` : ` (${connection.state})`;
      throw new PbxUnavailableError(`not connected to the PBX's AMI${why}`);
    }
  }
}

function missingTarget(): never {
  throw new DialInputError('nothing to hang up: give an extension (exten) or a call_id');
}

/** The channel that rings the extension, from the `originateChannel` template. */
export function originateChannel(template: string, exten: string): string {
  const channel = Mustache.render(template, { exten }, {}, { escape: (value: unknown) => String(value) });
  if (!/^[A-Za-z0-9_]+\/[^\s]+$/.test(channel)) {
    throw new PbxRequestError(`originateChannel ${JSON.stringify(template)} gives ${JSON.stringify(channel)}, not a channel like PJSIP/101`);
  }
  return channel;
}

/** The Originate action for a checked request: ring the extension, then run Context/Exten. */
export function originateAction(request: DialRequest, settings: AmiDialSettings, channel: string, callId: string): AmiMessage {
  const action: AmiMessage = {
    Action: 'Originate',
    Channel: channel,
    Context: settings.originateContext,
    Exten: request.number,
    Priority: '1',
    Timeout: String(settings.originateTimeout * 1000),
    CallerID: request.callerId,
    Async: 'true',
    ChannelId: callId,
  };
  if (request.variables.length > 0) action.Variable = request.variables;
  return action;
}

function isPermissionDenied(err: unknown): boolean {
  return err instanceof AmiActionError && /permission denied/i.test(field(err.response, 'Message'));
}

/** Turns an action's rejection into the error a flow author understands. */
function actionFailure(err: unknown, action: string, right: string): Error {
  if (isPermissionDenied(err)) {
    return new PbxPermissionError(`permission denied: the AMI user may not send ${action} (manager.conf needs ${right})`);
  }
  if (err instanceof AmiActionError) {
    return new PbxRequestError(`the PBX refused ${action}: ${field(err.response, 'Message') || 'no reason given'}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
