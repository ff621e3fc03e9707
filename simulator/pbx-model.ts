/**
 * A simulated Asterisk 22 PBX behind the AMI test server: phones 100–105 and a trunk
 * `carrier`, dialplan as in test/fixtures/ami/live/pbx-conf/ (from-internal: 1XX to a
 * phone, 0XXXXXXXXX… out through the trunk), so that `Originate`, `Hangup`,
 * `CoreShowChannels` and `PJSIPShowEndpoint` answer as the live recordings show: the same
 * event sequences (Newchannel, a Dest-only DialBegin for the originated leg, DialEnd,
 * OriginateResponse with its Reason, Newexten, the DialBegin to the trunk, answers,
 * bridges, Hangups with their causes), in the same order.
 *
 * API in brief:
 *   const model = new PbxModel({ timing: { ringMs: 20, remoteRingMs: 20, talkMs: 50 } });
 *   model.attach(amiServer);                 Originate, Hangup, CoreShowChannels, PJSIPShowEndpoint
 *   model.setExtension('101', { outcome: 'busy' });        answer | busy | no_answer | reject | unavailable
 *   model.setNumber('0612345678', { outcome: 'answer', talkMs: null });   answer | busy | no_answer | congestion
 *   await model.originate({ channel: 'PJSIP/101', context: 'from-internal', exten: '0612345678' });
 *   model.placeCall('102', '0612345679');      a call a phone makes (as in ami_hangup)
 *   model.hangupExtension('101');              what the vendor API's /hangup does (returns the channel count)
 *   model.liveChannels / model.callCount / await model.whenIdle()
 *   model.close()                              cancels every timer (tests must end cleanly)
 *
 * Not modelled: ring groups, queues, transfers, pickups (CallTraffic replays those from the
 * recordings), Local channel optimisation (Local channels behave as with `/n`).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { field, fieldList, type AmiMessage } from '../nodes/lib/ami/message';
import type { AmiServer, AmiSession } from './ami-server';
import { AsteriskCounters, type IdSource } from './scenario-renumbering';
import { CAUSE_TEXT, SimChannel } from './sim-channel';

export interface PbxEndpoint {
  exten: string;
  /** The name in the endpoint's `callerid = "Alice" <101>`. */
  name: string;
}

/** The phones of the recordings' PBX (pbx-conf/pjsip.conf). */
export const PBX_ENDPOINTS: readonly PbxEndpoint[] = [
  { exten: '100', name: 'Reception' },
  { exten: '101', name: 'Alice' },
  { exten: '102', name: 'Bob' },
  { exten: '103', name: 'Carol' },
  { exten: '104', name: 'Dave' },
  { exten: '105', name: 'Eve' },
];

/** What a phone does when it rings. `unavailable`: not registered, no channel can be created. */
export type PhoneOutcome = 'answer' | 'busy' | 'no_answer' | 'reject' | 'unavailable';
/** What the called party behind the trunk does. */
export type RemoteOutcome = 'answer' | 'busy' | 'no_answer' | 'congestion';

export interface PhoneBehaviour {
  outcome: PhoneOutcome;
  /** How long it rings before it answers, is busy or rejects (default `timing.ringMs`). */
  afterMs?: number;
  /** When it is the called party: talk time before it hangs up; `null`: until hung up. */
  talkMs?: number | null;
}

export interface RemoteBehaviour {
  outcome: RemoteOutcome;
  /** How long it rings before it answers, is busy or congested (default `timing.remoteRingMs`). */
  afterMs?: number;
  /** Talk time before the remote party hangs up; `null`: until someone else hangs up. */
  talkMs?: number | null;
}

export interface PbxTiming {
  /** A phone rings this long before answering (default 2000 ms, as in the recordings). */
  ringMs: number;
  /** The remote party rings this long before answering (default 3000 ms). */
  remoteRingMs: number;
  /** Talk time before the called party hangs up (default 6000 ms); `null`: until hung up. */
  talkMs: number | null;
  /** The dialplan's Dial() ring timeouts: RINGTIME_INT 15 s and RINGTIME_OUT 25 s. */
  extensionRingTimeoutMs: number;
  trunkRingTimeoutMs: number;
  /** How long after a Hangup action the call comes down (default 10 ms). */
  hangupMs: number;
}

export interface PbxModelOptions {
  endpoints?: readonly PbxEndpoint[];
  timing?: Partial<PbxTiming>;
  /** Where Uniqueid sequences and channel-name counters come from; share it with CallTraffic. */
  ids?: IdSource;
  /** Epoch ms (default `Date.now`). */
  clock?: () => number;
}

/** An Originate as the PBX receives it (from AMI, or from the vendor HTTP API). */
export interface OriginateRequest {
  channel: string;
  context: string;
  exten: string;
  /** ms (default 30 000). */
  timeoutMs?: number;
  /** `"Name" <number>` as AMI's `CallerID` header. */
  callerId?: string;
  channelId?: string;
  otherChannelId?: string;
  /** `NAME=value` items. */
  variables?: string[];
  /** Echoed in the OriginateResponse (which every AMI session receives). */
  actionId?: string;
  /** Send the OriginateResponse event (Async originates; default true). */
  respond?: boolean;
}

/** What the PBX decided about an Originate (what its OriginateResponse says). */
export interface OriginateReport {
  response: 'Success' | 'Failure';
  reason: number;
  channel: string;
  uniqueid: string;
}

const ENDPOINT_CONTEXT = 'from-internal';
const TRUNK = 'carrier';
/** from-internal's `_0XXXXXXXX.` outbound route. */
const OUTBOUND = /^0\d{9,}$/;

interface Dial {
  caller: SimChannel | null;
  dest: SimChannel;
}

/** One call: the channels sharing a Linkedid. */
class SimCall {
  readonly channels: SimChannel[] = [];
  readonly bridges = new Map<string, SimChannel[]>();
  /** Dials in progress (ringing legs). */
  dials: Dial[] = [];
  /** Channels running dialplan, which get a SoftHangupRequest when their peer hangs up. */
  readonly runners = new Set<SimChannel>();
  ended = false;
  /** A Hangup action was accepted; the call comes down after `timing.hangupMs`. */
  hangupRequested = false;
  originate: { request: OriginateRequest; respond: (report: OriginateReport) => void; decided: boolean; cidNum: string; cidName: string } | null = null;
  private readonly wakers = new Set<() => void>();

  constructor(readonly linkedid: string) {}

  get live(): SimChannel[] {
    return this.channels.filter((channel) => !channel.hungUp);
  }

  addWaker(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  end(): void {
    this.ended = true;
    for (const wake of [...this.wakers]) wake();
    this.wakers.clear();
  }
}

/** Parses `"Name" <num>`, `Name <num>` or `num` as Asterisk's ast_callerid_parse does. */
export function parseCallerIdHeader(text: string): { num: string; name: string } {
  const value = text.trim();
  const match = /^(.*?)\s*<([^>]*)>\s*$/.exec(value);
  if (match) return { name: match[1].trim().replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1'), num: match[2].trim() };
  return /^[0-9+*#]+$/.test(value) ? { num: value, name: '' } : { num: '', name: value };
}

export class PbxModel extends EventEmitter {
  readonly timing: PbxTiming;
  private readonly endpoints = new Map<string, PbxEndpoint>();
  private readonly phones = new Map<string, PhoneBehaviour>();
  private readonly remotes = new Map<string, RemoteBehaviour>();
  private readonly calls = new Set<SimCall>();
  private readonly channelsByName = new Map<string, SimChannel>();
  private readonly callOf = new WeakMap<SimChannel, SimCall>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ids: IdSource;
  private readonly clock: () => number;
  private server: AmiServer | null = null;
  defaultPhone: PhoneBehaviour = { outcome: 'answer' };
  defaultRemote: RemoteBehaviour = { outcome: 'answer' };

  constructor(options: PbxModelOptions = {}) {
    super();
    for (const endpoint of options.endpoints ?? PBX_ENDPOINTS) this.endpoints.set(endpoint.exten, endpoint);
    this.timing = { ringMs: 2000, remoteRingMs: 3000, talkMs: 6000, extensionRingTimeoutMs: 15_000, trunkRingTimeoutMs: 25_000, hangupMs: 10, ...options.timing };
    this.ids = options.ids ?? new AsteriskCounters(1);
    this.clock = options.clock ?? Date.now;
  }

  // ---- configuration -------------------------------------------------------------------

  /** How a phone behaves from now on (`undefined` restores the default). */
  setExtension(exten: string, behaviour: PhoneBehaviour | undefined): this {
    if (behaviour) this.phones.set(exten, behaviour);
    else this.phones.delete(exten);
    return this;
  }

  /** How the party behind the trunk at this number behaves (`undefined` restores the default). */
  setNumber(number: string, behaviour: RemoteBehaviour | undefined): this {
    if (behaviour) this.remotes.set(number, behaviour);
    else this.remotes.delete(number);
    return this;
  }

  /** The endpoint's name as its `callerid` gives it, `undefined` for an unknown one. */
  endpointName(exten: string): string | undefined {
    return this.endpoints.get(exten)?.name;
  }

  /** Channels alive now. */
  get liveChannels(): SimChannel[] {
    return [...this.channelsByName.values()];
  }

  /** Calls in progress. */
  get callCount(): number {
    return this.calls.size;
  }

  /** Resolves once no call is in progress. */
  async whenIdle(timeoutMs = 10_000): Promise<void> {
    if (this.calls.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('idle', onIdle);
        reject(new Error(`calls still in progress after ${timeoutMs} ms: ${this.liveChannels.map((c) => c.name).join(', ')}`));
      }, timeoutMs);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('idle', onIdle);
    });
  }

  // ---- the AMI server ------------------------------------------------------------------

  /** Answers Originate, Hangup, CoreShowChannels and PJSIPShowEndpoint on this server. */
  attach(server: AmiServer): this {
    this.server = server;
    server.onAction('Originate', (action, session) => this.onOriginate(action, session));
    server.onAction('Hangup', (action, session) => this.onHangup(action, session));
    server.onAction('PJSIPShowEndpoint', (action, session) => this.onShowEndpoint(action, session));
    server.onAction('CoreShowChannels', (action, session) => {
      if (!this.mayWrite(session, ['system', 'reporting'])) return session.error(action, 'Permission denied');
      const now = this.clock();
      for (const channel of this.channelsByName.values()) channel.refreshListing(now);
      session.sendList(action, 'CoreShowChannel', server.channels, 'CoreShowChannelsComplete', 'Channels will follow');
    });
    return this;
  }

  /** Cancels every timer and forgets every call, silently (for the end of a test or demo). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const call of this.calls) call.end();
    this.calls.clear();
    for (const channel of this.channelsByName.values()) this.unlist(channel);
    this.channelsByName.clear();
  }

  /** manager.conf `write=` of the session's user (the simulator's users may carry one; default all). */
  private mayWrite(session: AmiSession, classes: string[]): boolean {
    const user = this.server?.users[session.username] as { write?: string } | undefined;
    if (!user || user.write === undefined) return true;
    const granted = user.write.split(',').map((name) => name.trim().toLowerCase());
    return granted.includes('all') || classes.some((name) => granted.includes(name));
  }

  private onOriginate(action: AmiMessage, session: AmiSession): void | Promise<void> {
    if (!this.mayWrite(session, ['originate'])) return session.error(action, 'Permission denied');
    const channel = field(action, 'Channel');
    if (!channel) return session.error(action, 'Channel not specified');
    if (!channel.includes('/')) return session.error(action, 'Invalid channel');
    if (field(action, 'Application')) return session.error(action, 'The simulator models Originate to Context/Exten only');
    const priority = field(action, 'Priority') || '1';
    if (!/^\d+$/.test(priority)) return session.error(action, 'Invalid priority');
    const timeout = field(action, 'Timeout');
    if (timeout && !/^\d+$/.test(timeout)) return session.error(action, 'Invalid timeout');
    const request: OriginateRequest = {
      channel,
      context: field(action, 'Context'),
      exten: field(action, 'Exten'),
      timeoutMs: timeout ? Number(timeout) : 30_000,
      callerId: field(action, 'CallerID'),
      channelId: field(action, 'ChannelId') || undefined,
      otherChannelId: field(action, 'OtherChannelId') || undefined,
      variables: fieldList(action, 'Variable').flatMap((item) => item.split(',')).filter((item) => item.includes('=')),
      actionId: field(action, 'ActionID') || undefined,
    };
    if (/^(true|yes|on|1|y|t)$/i.test(field(action, 'Async'))) {
      session.success(action, { Message: 'Originate successfully queued' });
      void this.originate(request);
      return;
    }
    // Without Async, Asterisk answers only once the call is answered or has failed.
    return this.originate({ ...request, respond: false }).then((report) => {
      if (report.response === 'Success') session.success(action, { Message: 'Originate successfully queued' });
      else session.error(action, 'Originate failed');
    });
  }

  private onHangup(action: AmiMessage, session: AmiSession): void {
    if (!this.mayWrite(session, ['system', 'call'])) return session.error(action, 'Permission denied');
    const name = field(action, 'Channel');
    if (!name) return session.error(action, 'No channel specified');
    const cause = Number(field(action, 'Cause')) || 16;
    const regex = /^\/(.*)\/$/.exec(name);
    if (regex) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(regex[1]);
      } catch {
        return session.error(action, 'Invalid regex');
      }
      const matching = this.liveChannels.filter((channel) => pattern.test(channel.name));
      session.success(action, { Message: `${matching.length} channels hung up` });
      for (const channel of matching) this.requestHangup(channel, cause);
      return;
    }
    const channel = this.channelsByName.get(name);
    if (!channel) return session.error(action, 'No such channel');
    // Asterisk answers first; the events of the hangup follow (ami_hangup.ami).
    session.success(action, { Message: 'Channel Hungup' });
    this.requestHangup(channel, cause);
  }

  /**
   * A soft hangup, as the Hangup action does: the call comes down a moment later, and until
   * then its other channels still exist (a Hangup for them succeeds too, as on Asterisk).
   */
  private requestHangup(channel: SimChannel, cause: number): void {
    const call = this.callOf.get(channel);
    if (!call || call.hangupRequested) return;
    call.hangupRequested = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.hangupChannel(channel, cause, 'ami');
    }, this.timing.hangupMs);
    this.timers.add(timer);
  }

  private onShowEndpoint(action: AmiMessage, session: AmiSession): void {
    if (!this.mayWrite(session, ['system'])) return session.error(action, 'Permission denied');
    const name = field(action, 'Endpoint');
    if (!name) return session.error(action, 'Endpoint parameter missing.');
    const endpoint = this.endpoints.get(name);
    if (!endpoint) return session.error(action, `Unable to retrieve endpoint ${name}`);
    const actionId = field(action, 'ActionID');
    const id: AmiMessage = actionId ? { ActionID: actionId } : {};
    const inUse = this.liveChannels.filter((channel) => channel.device === `PJSIP/${name}`).length;
    session.send({ Response: 'Success', ...id, EventList: 'start', Message: 'Following are Events for each object associated with the Endpoint' });
    session.send({
      Event: 'EndpointDetail', ...id, ObjectType: 'endpoint', ObjectName: name, Context: ENDPOINT_CONTEXT, Disallow: 'all', Allow: '(ulaw|alaw)',
      DtmfMode: 'rfc4733', Transport: 'transport-udp', Aors: name, Auth: name, DirectMedia: 'false', CallGroup: '1', PickupGroup: '1',
      Callerid: `"${endpoint.name}" <${name}>`, CalleridPrivacy: 'allowed_not_screened', CalleridTag: '', SendPai: 'true', TrustIdInbound: 'true',
      DeviceState: inUse > 0 ? 'In use' : 'Not in use', ActiveChannels: String(inUse),
    });
    session.send({ Event: 'AorDetail', ...id, ObjectType: 'aor', ObjectName: name, MaxContacts: '1', RemoveExisting: 'true', QualifyFrequency: '60', Contacts: `${name}/sip:${name}@127.0.0.1:5080`, EndpointName: name });
    session.send({ Event: 'AuthDetail', ...id, ObjectType: 'auth', ObjectName: name, Username: name, AuthType: 'userpass', EndpointName: name });
    session.send({ Event: 'EndpointDetailComplete', ...id, EventList: 'Complete', ListItems: '3' });
  }

  // ---- what the PBX does ---------------------------------------------------------------

  /**
   * Places an Originate: rings `channel` (PJSIP/<ext> or Local/<ext>@from-internal) and, once
   * it answers, runs `context`/`exten`. Resolves with what the OriginateResponse says, at the
   * moment the PBX decides (the call may go on afterwards).
   */
  originate(request: OriginateRequest): Promise<OriginateReport> {
    const cid = parseCallerIdHeader(request.callerId ?? '');
    return new Promise((resolve) => {
      const first = request.channelId ?? this.nextUniqueid();
      const call = this.newCall(first);
      call.originate = {
        request, decided: false, cidNum: cid.num, cidName: cid.name,
        respond: (report) => {
          if (!call.originate || call.originate.decided) return;
          call.originate.decided = true;
          if (request.respond !== false) {
            this.emit('originate', report);
            this.send('OriginateResponse', {
              ...(request.actionId ? { ActionID: request.actionId } : {}),
              Response: report.response, Channel: report.channel, Context: request.context, Exten: request.exten,
              Reason: String(report.reason), Uniqueid: report.uniqueid,
              CallerIDNum: cid.num || '<unknown>', CallerIDName: cid.name || '<unknown>',
            });
          }
          resolve(report);
        },
      };
      void this.runOriginate(call, request, first).catch((err: unknown) => this.emit('flow-error', err));
    });
  }

  /** A phone dials a number (from-internal), as phone 102 does in ami_hangup. Returns the Linkedid. */
  placeCall(exten: string, number: string): string {
    const endpoint = this.endpoints.get(exten);
    if (!endpoint) throw new Error(`no endpoint ${exten}`);
    const uniqueid = this.nextUniqueid();
    const call = this.newCall(uniqueid);
    const phone = this.newChannel(call, `PJSIP/${exten}`, uniqueid, ENDPOINT_CONTEXT, number, 4, { num: exten, name: endpoint.name });
    void this.runDialplan(call, phone, ENDPOINT_CONTEXT, number, () => undefined).catch((err: unknown) => this.emit('flow-error', err));
    return uniqueid;
  }

  /** Hangs up every channel of an extension (device and Local helpers); returns how many. */
  hangupExtension(exten: string): number {
    const mine = this.liveChannels.filter((channel) => channel.name.startsWith(`PJSIP/${exten}-`) || channel.name.startsWith(`Local/${exten}@`));
    for (const channel of mine) this.requestHangup(channel, 16);
    return mine.length;
  }

  /** Hangs up one channel by name, as the AMI Hangup action does; false if there is none. */
  hangup(name: string, cause = 16): boolean {
    const channel = this.channelsByName.get(name);
    if (!channel) return false;
    this.requestHangup(channel, cause);
    return true;
  }

  private async runOriginate(call: SimCall, request: OriginateRequest, uniqueid: string): Promise<void> {
    const fail = (reason: number): void => {
      call.originate?.respond({ response: 'Failure', reason, channel: request.channel, uniqueid: '<unknown>' });
      this.finishCall(call);
    };
    const device = /^PJSIP\/([^/@]+)$/.exec(request.channel);
    const local = /^Local\/([^@/]+)@([^/]+)(\/n)?$/.exec(request.channel);
    const exten = device?.[1] ?? local?.[1] ?? '';
    const endpoint = this.endpoints.get(exten);
    const phone = this.phoneBehaviour(exten);
    // Reason 0: no channel could be created (unknown endpoint, not registered, id taken).
    const idTaken = [...this.channelsByName.values()].some((channel) => channel.uniqueid === uniqueid);
    if (!endpoint || phone.outcome === 'unavailable' || idTaken || (local && local[2] !== ENDPOINT_CONTEXT)) return fail(0);
    const cid = { num: call.originate!.cidNum, name: call.originate!.cidName };
    const limitMs = request.timeoutMs ?? 30_000;

    if (device) {
      const leg = this.newChannel(call, `PJSIP/${exten}`, uniqueid, ENDPOINT_CONTEXT, 's', 0, { num: exten, name: endpoint.name });
      this.newexten(leg, ENDPOINT_CONTEXT, 's', 1, 'AppDial2', '(Outgoing Line)');
      this.setVariables(leg, request.variables ?? []);
      this.setConnected(leg, cid);
      this.setCaller(leg, cid);
      this.dialBegin(call, null, leg, exten);
      const outcome = await this.ring(call, null, leg, phone, limitMs, this.timing.ringMs);
      if (outcome === 'ended') return;
      if (outcome === 'answer') {
        this.answer(call, null, leg);
        return this.runDialplan(call, leg, request.context, request.exten, () => this.decideAnswered(call, leg));
      }
      // The originating phone never connected: the OriginateResponse comes before its Hangup.
      if (outcome === 'busy') this.dialEnd(call, null, leg, 'BUSY');
      if (outcome === 'reject') this.dialEnd(call, null, leg, 'NOANSWER');
      call.originate?.respond({ response: 'Failure', reason: outcome === 'busy' ? 5 : outcome === 'reject' ? 1 : 3, channel: request.channel, uniqueid: '<unknown>' });
      const [cause, tech] = outcome === 'busy' ? [17, '486'] : outcome === 'reject' ? [21, '603'] : [19, '480'];
      this.hangupOne(call, leg, cause, tech);
      return this.finishCall(call);
    }

    // Local/<ext>@from-internal: `;1` is the originated channel, `;2` runs <ext>@from-internal
    // and dials the phone (FreePBX's way to ring an extension with its dialplan).
    const name = `Local/${exten}@${ENDPOINT_CONTEXT}-${this.channelSuffix('Local')}`;
    const one = this.newChannel(call, '', uniqueid, ENDPOINT_CONTEXT, exten, 0, { num: '', name: '' }, `${name};1`);
    const two = this.newChannel(call, '', request.otherChannelId ?? (request.channelId ? `${uniqueid};2` : this.nextUniqueid()), ENDPOINT_CONTEXT, exten, 4, { num: '', name: '' }, `${name};2`);
    this.setVariables(one, request.variables ?? []);
    this.setConnected(one, cid);
    this.setCaller(one, cid);
    this.setCaller(two, cid);
    this.setConnected(two, cid);
    this.send('LocalBridge', { ...one.snapshot('LocalOne'), ...two.snapshot('LocalTwo'), Context: ENDPOINT_CONTEXT, Exten: exten, LocalOptimization: local![3] ? 'No' : 'Yes' });
    this.dialBegin(call, null, one, `${exten}@${ENDPOINT_CONTEXT}`);
    call.runners.add(two);
    this.newexten(two, ENDPOINT_CONTEXT, exten, 1, 'NoOp', `Internal call ${cid.num} -> ${exten}`);
    this.record(two, cid.num, exten);
    this.newexten(two, ENDPOINT_CONTEXT, exten, 3, 'Gosub', `dial-ext,s,1(${exten},${this.timing.extensionRingTimeoutMs / 1000})`);
    this.newexten(two, 'dial-ext', 's', 1, 'Dial', `PJSIP/${exten},${this.timing.extensionRingTimeoutMs / 1000},tT`);
    const leg = this.newChannel(call, `PJSIP/${exten}`, this.nextUniqueid(), ENDPOINT_CONTEXT, 's', 0, { num: exten, name: endpoint.name });
    this.setConnected(leg, cid);
    this.dialBegin(call, two, leg, exten);
    this.setConnected(two, { num: exten, name: endpoint.name });
    const ringing = (): void => {
      this.setState(one, 5);
      this.dialState(null, one, 'RINGING');
    };
    const outcome = await this.ring(call, two, leg, phone, Math.min(limitMs, this.timing.extensionRingTimeoutMs), this.timing.ringMs, ringing);
    if (outcome === 'ended') return;
    if (outcome === 'answer') {
      this.answer(call, two, leg);
      this.setState(one, 6);
      this.dialEnd(call, null, one, 'ANSWER');
      call.runners.delete(two);
      return this.runDialplan(call, one, request.context, request.exten, () => this.decideAnswered(call, one));
    }
    if (outcome === 'timeout') {
      call.originate?.respond({ response: 'Failure', reason: 3, channel: request.channel, uniqueid: '<unknown>' });
      this.hangupChannel(one, 19, 'remote');
      return;
    }
    const [cause, tech, status, reason] = outcome === 'busy' ? [17, '486', 'BUSY', 5] : [21, '603', 'NOANSWER', 1];
    this.send('HangupRequest', { ...leg.snapshot(), Cause: String(cause), TechCause: tech });
    this.dialEnd(call, two, leg, status);
    this.hangupOne(call, leg, cause, tech);
    this.setState(two, outcome === 'busy' ? 7 : two.state);
    this.dialEnd(call, null, one, status);
    call.originate?.respond({ response: 'Failure', reason, channel: request.channel, uniqueid: '<unknown>' });
    this.hangupOne(call, two, cause);
    this.hangupOne(call, one, cause);
    this.finishCall(call);
  }

  /** The originated channel answered and runs the dialplan: OriginateResponse Success, Reason 4. */
  private decideAnswered(call: SimCall, channel: SimChannel): void {
    call.originate?.respond({ response: 'Success', reason: 4, channel: channel.name, uniqueid: channel.uniqueid });
  }

  /**
   * `channel` (up, or a phone still in Ring) runs `context,exten,1` of pbx-conf's dialplan.
   * `started` is called once the dialplan runs (an Originate's OriginateResponse goes then).
   */
  private async runDialplan(call: SimCall, channel: SimChannel, context: string, exten: string, started: () => void): Promise<void> {
    call.runners.add(channel);
    const endpoint = this.endpoints.get(exten);
    if (context !== ENDPOINT_CONTEXT || (!endpoint && !OUTBOUND.test(exten))) {
      // No such extension: Asterisk runs the context's `i` extension, which hangs up.
      started();
      this.newexten(channel, context, 'i', 1, 'Hangup', '');
      this.hangupChannel(channel, 16, 'dialplan');
      return;
    }
    if (endpoint) {
      this.newexten(channel, context, exten, 1, 'NoOp', `Internal call ${channel.callerNum} -> ${exten}`);
      this.record(channel, channel.callerNum, exten);
      started();
      this.newexten(channel, context, exten, 3, 'Gosub', `dial-ext,s,1(${exten},${this.timing.extensionRingTimeoutMs / 1000})`);
      this.newexten(channel, 'dial-ext', 's', 1, 'Dial', `PJSIP/${exten},${this.timing.extensionRingTimeoutMs / 1000},tT`);
      const phone = this.phoneBehaviour(exten);
      if (phone.outcome === 'unavailable') {
        this.varSet(channel, 'DIALSTATUS', 'CHANUNAVAIL');
        this.hangupChannel(channel, 16, 'dialplan');
        return;
      }
      const dest = this.newChannel(call, `PJSIP/${exten}`, this.nextUniqueid(), ENDPOINT_CONTEXT, 's', 0, { num: exten, name: endpoint.name });
      this.setConnected(dest, { num: channel.callerNum, name: channel.callerName });
      this.dialBegin(call, channel, dest, exten);
      this.setConnected(channel, { num: exten, name: endpoint.name });
      const outcome = await this.ring(call, channel, dest, phone, this.timing.extensionRingTimeoutMs, this.timing.ringMs);
      if (outcome === 'ended') return;
      if (outcome === 'answer') return this.connect(call, channel, dest, phone.talkMs);
      if (outcome === 'timeout') {
        this.dialEnd(call, channel, dest, 'NOANSWER');
        this.hangupOne(call, dest, 0);
        this.hangupChannel(channel, 16, 'dialplan');
        return;
      }
      // Busy or rejected: dial-ext plays Busy() to a busy caller (internal_busy.ami).
      const [cause, tech, status] = outcome === 'busy' ? [17, '486', 'BUSY'] : [21, '603', 'NOANSWER'];
      this.send('HangupRequest', { ...dest.snapshot(), Cause: String(cause), TechCause: tech });
      this.dialEnd(call, channel, dest, status);
      this.hangupOne(call, dest, cause, tech);
      if (outcome === 'busy') this.setState(channel, 7);
      this.hangupChannel(channel, outcome === 'busy' ? 17 : 16, 'dialplan', outcome === 'busy' ? tech : undefined);
      return;
    }

    // Outbound through the trunk (outbound_answered.ami, originate_click2dial_answered.ami).
    this.newexten(channel, context, exten, 1, 'NoOp', `Outbound call ${channel.callerNum} -> ${exten}`);
    this.record(channel, channel.callerNum, exten);
    started();
    this.newexten(channel, context, exten, 3, 'Dial', `PJSIP/${exten}@${TRUNK},${this.timing.trunkRingTimeoutMs / 1000},tT`);
    const remote = this.newChannel(call, `PJSIP/${TRUNK}`, this.nextUniqueid(), 'from-trunk', 's', 0, { num: '', name: '' });
    remote.exten = exten;
    this.setCaller(remote, { num: exten, name: channel.callerName });
    this.setConnected(remote, { num: channel.callerNum, name: channel.callerName });
    this.dialBegin(call, channel, remote, `${exten}@${TRUNK}`);
    this.setConnected(channel, { num: exten, name: remote.callerName });
    const behaviour = this.remoteBehaviour(exten);
    const outcome = await this.ring(call, channel, remote, behaviour, this.timing.trunkRingTimeoutMs, this.timing.remoteRingMs);
    if (outcome === 'ended') return;
    if (outcome === 'answer') return this.connect(call, channel, remote, behaviour.talkMs);
    if (outcome === 'timeout') {
      this.dialEnd(call, channel, remote, 'NOANSWER');
      this.newexten(channel, context, exten, 5, 'Hangup', '');
      this.send('SoftHangupRequest', { ...channel.snapshot(), Cause: '16' });
      this.hangupOne(call, remote, 0);
      this.hangupOne(call, channel, 16);
      return this.finishCall(call);
    }
    const [cause, status] = outcome === 'congestion' ? [34, 'CONGESTION'] : [17, 'BUSY'];
    this.send('HangupRequest', { ...remote.snapshot(), Cause: String(cause) });
    this.dialEnd(call, channel, remote, status);
    this.hangupOne(call, remote, cause);
    this.newexten(channel, context, exten, 5, 'Hangup', '');
    this.hangupChannel(channel, 16, 'dialplan');
  }

  /**
   * The dialled leg rings until its behaviour says (answer / busy / reject after `afterMs`),
   * or until `limitMs` (the ring timeout). `ringing` adds events of a Local chain.
   */
  private async ring(
    call: SimCall, caller: SimChannel | null, dest: SimChannel, behaviour: PhoneBehaviour | RemoteBehaviour, limitMs: number, defaultAfterMs: number,
    ringing?: () => void,
  ): Promise<'answer' | 'busy' | 'reject' | 'congestion' | 'timeout' | 'ended'> {
    this.setState(dest, 5);
    if (dest.device) this.deviceState(dest.device, 'RINGING');
    this.dialState(caller, dest, 'RINGING');
    ringing?.();
    const afterMs = behaviour.afterMs ?? defaultAfterMs;
    const decides = behaviour.outcome !== 'no_answer' && afterMs < limitMs;
    if (!(await this.pause(call, decides ? afterMs : limitMs))) return 'ended';
    if (!decides) return 'timeout';
    return behaviour.outcome as 'answer' | 'busy' | 'reject' | 'congestion';
  }

  /** The dialled leg answers: DialEnd ANSWER (and the ringing phone's own state Up). */
  private answer(call: SimCall, caller: SimChannel | null, dest: SimChannel): void {
    this.setState(dest, 6);
    this.dialEnd(call, caller, dest, 'ANSWER');
    if (dest.device) this.deviceState(dest.device, 'INUSE');
    if (caller) {
      if (caller.state !== 6) this.setState(caller, 6);
      this.bridge(call, dest, caller);
    }
  }

  /** Answered: the two legs are bridged; after the talk time the called party hangs up. */
  private async connect(call: SimCall, caller: SimChannel, dest: SimChannel, talkMs: number | null | undefined): Promise<void> {
    this.answer(call, caller, dest);
    const talk = talkMs === undefined ? this.timing.talkMs : talkMs;
    if (talk === null) return;
    if (await this.pause(call, talk)) this.hangupChannel(dest, 16, 'remote');
  }

  /**
   * A channel hangs up and takes its call down with it: `ami` (the Hangup action),
   * `remote` (the party hung up) or `dialplan` (the dialplan ran out). The order follows
   * ami_hangup.ami and outbound_answered.ami: bridges left and destroyed, the dials in
   * progress ended, then the Hangups of the other channels, the initiator's last.
   */
  private hangupChannel(initiator: SimChannel, cause: number, how: 'ami' | 'remote' | 'dialplan', techCause?: string): void {
    const call = this.callOf.get(initiator);
    if (!call || call.ended || initiator.hungUp) return;
    call.end();
    const tech: AmiMessage = techCause ? { TechCause: techCause } : {};
    const others = call.live.filter((channel) => channel !== initiator).reverse();
    const softHangups = (): void => {
      for (const runner of call.runners) {
        if (runner !== initiator && !runner.hungUp) this.send('SoftHangupRequest', { ...runner.snapshot(), Cause: '16' });
      }
    };
    // When the far end hangs up, Asterisk's threads race: originate_click2dial_answered shows
    // the caller's SoftHangupRequest before BridgeDestroy and its Hangup first, outbound_answered
    // the far end's Hangup first. The model plays each kind of call as it was recorded.
    const farEndFirst = how === 'remote' && !call.originate;
    if (how === 'remote') this.send('HangupRequest', { ...initiator.snapshot(), Cause: String(cause), ...tech });
    for (const [bridgeId, members] of call.bridges) {
      const order = members.includes(initiator) ? [initiator, ...members.filter((m) => m !== initiator)] : [...members];
      let left = order.length;
      for (const member of order) {
        left--;
        member.bridgeId = '';
        this.send('BridgeLeave', { ...this.bridgeBlock(bridgeId, left), ...member.snapshot() });
      }
      if (how === 'remote' && !farEndFirst) softHangups();
      this.send('BridgeDestroy', this.bridgeBlock(bridgeId, 0));
    }
    const bridged = call.bridges.size > 0;
    call.bridges.clear();
    for (const dial of [...call.dials]) {
      this.dialEnd(call, dial.caller, dial.dest, dial.dest === initiator ? dialStatusForCause(cause) : 'CANCEL');
    }
    if (how === 'ami' || how === 'dialplan') this.send('SoftHangupRequest', { ...initiator.snapshot(), Cause: String(how === 'dialplan' ? 16 : cause), ...tech });
    // An originated phone hung up before the PBX decided: Reason 1 (hangup).
    call.originate?.respond({ response: 'Failure', reason: 1, channel: call.originate.request.channel, uniqueid: '<unknown>' });
    if (farEndFirst) {
      this.hangupOne(call, initiator, cause, techCause);
      softHangups();
      for (const channel of others) this.hangupOne(call, channel, 16);
    } else {
      if (!(how === 'remote' && bridged)) softHangups();
      for (const channel of others) this.hangupOne(call, channel, 16);
      this.hangupOne(call, initiator, cause, techCause);
    }
    this.finishCall(call);
  }


  // ---- events --------------------------------------------------------------------------

  private send(event: string, fields: AmiMessage, privilege = 'call,all'): void {
    const message: AmiMessage = { Event: event, Privilege: privilege, ...fields };
    this.emit('event', message);
    this.server?.broadcast(message);
  }

  private newCall(linkedid: string): SimCall {
    const call = new SimCall(linkedid);
    this.calls.add(call);
    return call;
  }

  private finishCall(call: SimCall): void {
    call.end();
    if (!this.calls.delete(call)) return;
    this.emit('call-ended', call.linkedid);
    if (this.calls.size === 0) this.emit('idle');
  }

  private nextUniqueid(): string {
    return `${Math.floor(this.clock() / 1000)}.${this.ids.nextSequence()}`;
  }

  private channelSuffix(tech: string): string {
    return this.ids.nextChannelSuffix(tech).toString(16).padStart(8, '0');
  }

  /** A new channel: `device` (PJSIP/101) names it `PJSIP/101-0000002a`; Local ones pass `name`. */
  private newChannel(
    call: SimCall, device: string, uniqueid: string, context: string, exten: string, state: number, caller: { num: string; name: string }, name?: string,
  ): SimChannel {
    const channel = new SimChannel(name ?? `${device}-${this.channelSuffix(device.split('/')[0])}`, uniqueid, call.linkedid, context, exten, device, this.clock());
    channel.state = state;
    channel.callerNum = caller.num;
    channel.callerName = caller.name;
    this.callOf.set(channel, call);
    call.channels.push(channel);
    this.channelsByName.set(channel.name, channel);
    this.server?.channels.push(channel.refreshListing(this.clock()));
    this.send('Newchannel', channel.snapshot());
    return channel;
  }

  private hangupOne(call: SimCall, channel: SimChannel, cause: number, techCause?: string): void {
    if (channel.hungUp) return;
    channel.hungUp = true;
    call.dials = call.dials.filter((dial) => dial.dest !== channel && dial.caller !== channel);
    call.runners.delete(channel);
    this.send('Hangup', { ...channel.snapshot(), Cause: String(cause), 'Cause-txt': CAUSE_TEXT[cause] ?? 'Unknown', ...(techCause ? { TechCause: techCause } : {}) });
    this.channelsByName.delete(channel.name);
    this.unlist(channel);
    if (channel.device && !this.liveChannels.some((other) => other.device === channel.device)) this.deviceState(channel.device, 'NOT_INUSE');
  }

  private unlist(channel: SimChannel): void {
    const list = this.server?.channels;
    const index = list ? list.indexOf(channel.listing) : -1;
    if (list && index !== -1) list.splice(index, 1);
  }

  private setState(channel: SimChannel, state: number): void {
    channel.state = state;
    this.send('Newstate', channel.snapshot());
  }

  private setCaller(channel: SimChannel, caller: { num: string; name: string }): void {
    // An Originate without CallerID leaves the endpoint's own caller ID.
    if (caller.num === '' && caller.name === '') return;
    if (channel.callerNum === caller.num && channel.callerName === caller.name) return;
    channel.callerNum = caller.num;
    channel.callerName = caller.name;
    this.send('NewCallerid', { ...channel.snapshot(), 'CID-CallingPres': '0 (Presentation Allowed, Not Screened)' });
  }

  private setConnected(channel: SimChannel, connected: { num: string; name: string }): void {
    if (connected.num === '' && connected.name === '') return;
    channel.connectedNum = connected.num;
    channel.connectedName = connected.name;
    this.send('NewConnectedLine', channel.snapshot());
  }

  private newexten(channel: SimChannel, context: string, exten: string, priority: number, application: string, data: string): void {
    Object.assign(channel, { context, exten, priority, application, applicationData: data });
    this.send('Newexten', { ...channel.snapshot(), Extension: exten, Application: application, AppData: data }, 'dialplan,all');
  }

  private varSet(channel: SimChannel, variable: string, value: string): void {
    this.send('VarSet', { ...channel.snapshot(), Variable: variable, Value: value }, 'dialplan,all');
  }

  private setVariables(channel: SimChannel, variables: string[]): void {
    for (const item of variables) {
      const eq = item.indexOf('=');
      this.varSet(channel, item.slice(0, eq).trim(), item.slice(eq + 1).trim());
    }
  }

  /** sub-record: the recording `YYYYMMDD-HHMMSS-caller-called.wav`, once per call. */
  private record(channel: SimChannel, caller: string, called: string): void {
    const t = new Date(this.clock());
    const pad = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}-${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
    const clean = (text: string): string => text.replace(/[^0-9A-Za-z+*#]/g, '');
    const file = `${stamp}-${clean(caller)}-${clean(called)}.wav`;
    const [context, exten, priority] = [channel.context, channel.exten, channel.priority];
    this.newexten(channel, context, exten, 2, 'Gosub', `sub-record,s,1(${caller},${called})`);
    this.newexten(channel, 'sub-record', 's', 2, 'Set', '__REC_STARTED=1');
    this.varSet(channel, '__REC_STARTED', '1');
    this.newexten(channel, 'sub-record', 's', 3, 'Set', `__REC_FILE=${file}`);
    this.varSet(channel, '__REC_FILE', file);
    this.newexten(channel, 'sub-record', 's', 4, 'MixMonitor', `${file},b`);
    this.varSet(channel, 'MIXMONITOR_FILENAME', `/var/spool/asterisk/monitor/${file}`);
    this.send('MixMonitorStart', channel.snapshot());
    this.newexten(channel, 'sub-record', 's', 5, 'Return', '');
    Object.assign(channel, { context, exten, priority });
  }

  private dialBegin(call: SimCall, caller: SimChannel | null, dest: SimChannel, dialString: string): void {
    call.dials.push({ caller, dest });
    // An Originate's own leg has no caller: DialBegin carries the Dest block only.
    this.send('DialBegin', { ...(caller ? caller.snapshot() : {}), ...dest.snapshot('Dest'), DialString: dialString });
  }

  private dialState(caller: SimChannel | null, dest: SimChannel, status: string): void {
    this.send('DialState', { ...(caller ? caller.snapshot() : {}), ...dest.snapshot('Dest'), DialStatus: status });
  }

  private dialEnd(call: SimCall, caller: SimChannel | null, dest: SimChannel, status: string): void {
    call.dials = call.dials.filter((dial) => dial.dest !== dest);
    this.send('DialEnd', { ...(caller ? caller.snapshot() : {}), ...dest.snapshot('Dest'), DialStatus: status });
  }

  private bridge(call: SimCall, first: SimChannel, second: SimChannel): void {
    const bridgeId = randomUUID();
    call.bridges.set(bridgeId, [first, second]);
    this.send('BridgeCreate', this.bridgeBlock(bridgeId, 0));
    [first, second].forEach((member, index) => {
      member.bridgeId = bridgeId;
      this.send('BridgeEnter', { ...this.bridgeBlock(bridgeId, index + 1), ...member.snapshot() });
    });
    this.varSet(first, 'BRIDGEPEER', second.name);
    this.varSet(second, 'BRIDGEPEER', first.name);
  }

  private bridgeBlock(bridgeId: string, count: number): AmiMessage {
    return {
      BridgeUniqueid: bridgeId, BridgeType: 'basic', BridgeTechnology: 'simple_bridge', BridgeCreator: '<unknown>',
      BridgeName: '<unknown>', BridgeNumChannels: String(count), BridgeVideoSourceMode: 'none',
    };
  }

  private deviceState(device: string, state: string): void {
    this.send('DeviceStateChange', { Device: device, State: state });
  }

  private phoneBehaviour(exten: string): PhoneBehaviour {
    return this.phones.get(exten) ?? this.defaultPhone;
  }

  private remoteBehaviour(number: string): RemoteBehaviour {
    return this.remotes.get(number) ?? this.defaultRemote;
  }

  /** Waits `ms`; false at once if the call ends meanwhile (a flow then stops). */
  private pause(call: SimCall, ms: number): Promise<boolean> {
    if (call.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        remove();
        resolve(!call.ended);
      }, ms);
      this.timers.add(timer);
      const remove = call.addWaker(() => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      });
    });
  }
}

/** app_dial's mapping of a hangup cause to DIALSTATUS (ast_hangup_cause_to_dial_status). */
function dialStatusForCause(cause: number): string {
  if (cause === 17) return 'BUSY';
  if (cause === 34) return 'CONGESTION';
  if (cause === 3 || cause === 20) return 'CHANUNAVAIL';
  return 'NOANSWER';
}
