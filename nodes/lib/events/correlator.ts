import type { AmiMessage, AmiValue } from '../ami/message';
import type { CorrelatorSettings, PbxSettings } from '../settings';
import { makePbxEvent, flag, type PbxEvent, type PbxEventName } from './pbx-event';
import { ChannelClassifier, dialStringNumber, endpointOf, localExten, localPairName } from './channel-classifier';
import { Call, Channel, DialBatch, own } from './call-state';
import { ZonedTime, epochSecondsFromCallId, parseAmiTimestamp } from './zoned-time';
import { mixMonitorRecordName, templateRecordName } from './record-name';
import { rewriteNumber } from './number-rewrite';
import { calledFromChannelList, readChannelListItem, type ChannelListItem } from './resync';

/**
 * CallCorrelator: the raw AMI event stream in, the vendor's six call events out
 * (ami-reference.md §3). Pure and deterministic: no I/O, no timers; the clock is injected.
 *
 * The model: every live channel (by Uniqueid) belongs to one call, keyed by the Linkedid the call
 * started with (= the vendor's `call_id`). Channels are created from any snapshot, re-homed when
 * their Linkedid changes (bridges unify Linkedids, oldest wins), moved at once by a Pickup, and
 * dropped at their Hangup; the call ends when its last channel is gone.
 */

/** What the correlator needs of the PBX's settings (a `PbxSettings` will do). */
export type CorrelatorConfig = Pick<
  PbxSettings,
  'timezone' | 'internalContexts' | 'externalContexts' | 'extensionPattern' | 'trunkPattern' | 'recordName' | 'correlator'
>;

export interface CorrelatorOptions {
  /** Epoch milliseconds (fractions allowed); the time of receipt when an event has no `Timestamp`. */
  now?: () => number;
  /** How long a BlindTransfer waits for the transferee's next DialBegin (ms, default 30 000). */
  transferWindowMs?: number;
  /** How long a pbx-dial registration waits for its call to appear (ms, default 600 000). */
  registrationTtlMs?: number;
}

/** Why an `endcall` was emitted (in `msg.call.reason`). */
export type EndReason = 'hangup' | 'merged' | 'resync' | 'stale';

/** Extra context for a flow, beside the contract's fields (`msg.call`). */
export interface CallContext {
  /** Every extension involved so far: caller, rung, answered, picker, transferer. */
  extensions: string[];
  callerName: string;
  /** The call's start (the epoch in its id), as `ts` is formatted. */
  startedAt: string;
  /** On `endcall`: how the call's end was established. */
  reason?: EndReason;
}

/** One correlated event with its flags (`msg.partial`, `msg.resync`, `msg.call`). */
export interface CorrelatedEvent {
  event: PbxEvent;
  /** The call was first seen mid-flight (after a connect or reconnect): its start is unknown. */
  partial?: true;
  /** Produced by a resync or the stale-call sweep, not by an AMI event for it. */
  resync?: true;
  call: CallContext;
}

/** What pbx-dial tells the correlator before it sends an Originate with `ChannelId: callId`. */
export interface OriginateRegistration {
  callId: string;
  /** The extension that rings first (the caller). */
  exten: string;
  /** The number it then dials (the called number). */
  number: string;
  /** The extension's name as the PBX knows the endpoint (not the caller ID shown on the phone). */
  extenName?: string;
}

export interface CorrelatorStats {
  channels: number;
  calls: number;
  /** Calls whose events are reported (dialled, or first seen mid-flight). */
  callsInProgress: number;
  registrations: number;
  pendingOriginates: number;
}

const NONE: CorrelatedEvent[] = [];
Object.freeze(NONE);

/** How Asterisk prints an empty caller ID or connected line. */
const UNKNOWN = '<unknown>';

export class CallCorrelator {
  private readonly channels = new Map<string, Channel>();
  private readonly calls = new Map<string, Call>();
  private readonly registrations = new Map<string, { registration: OriginateRegistration; untilMs: number }>();
  /** Click-to-dials by another AMI client, waiting for their number (OriginateResponse). */
  private pendingOriginates: Call[] = [];
  private callsInProgressCount = 0;

  private classifier!: ChannelClassifier;
  private time!: ZonedTime;
  private options!: CorrelatorSettings;
  private recordNameSource!: CorrelatorConfig['recordName'];
  private extensionPattern!: RegExp;
  private internalContexts!: RegExp;
  private externalContexts!: RegExp;

  private readonly now: () => number;
  private readonly transferWindowMs: number;
  private readonly registrationTtlMs: number;

  /** The events produced by the message being ingested. */
  private out: CorrelatedEvent[] = NONE;
  /** Receipt time of the message being ingested, read once (-1: not read yet). */
  private nowMsCache = -1;
  /** Flags for the events produced by the current operation. */
  private resyncing = false;
  /** Between `beginResync` and `resync`: channels whose fate the events already told. */
  private resyncWindow: { created: Set<string>; gone: Set<string> } | undefined = undefined;

  constructor(config: CorrelatorConfig, options: CorrelatorOptions = {}) {
    this.now = options.now ?? defaultNow;
    this.transferWindowMs = options.transferWindowMs ?? 30_000;
    this.registrationTtlMs = options.registrationTtlMs ?? 600_000;
    this.configure(config);
  }

  /** Applies (new) settings: a redeployed pbx-config keeps the calls in progress. */
  configure(config: CorrelatorConfig): void {
    this.classifier = new ChannelClassifier(config);
    if (this.time === undefined || this.time.timeZone !== config.timezone) this.time = new ZonedTime(config.timezone);
    this.options = config.correlator;
    this.recordNameSource = config.recordName;
    this.extensionPattern = config.extensionPattern;
    this.internalContexts = config.internalContexts;
    this.externalContexts = config.externalContexts;
  }

  /** Calls whose events are reported and that have not ended. */
  get callsInProgress(): number {
    return this.callsInProgressCount;
  }

  stats(): CorrelatorStats {
    return {
      channels: this.channels.size,
      calls: this.calls.size,
      callsInProgress: this.callsInProgressCount,
      registrations: this.registrations.size,
      pendingOriginates: this.pendingOriginates.length,
    };
  }

  /**
   * Our own click-to-dial (pbx-dial), announced before its Originate: the call it creates is
   * `caller_type=originate` from `exten` to `number` from its first event on.
   */
  registerOriginate(registration: OriginateRegistration): void {
    const nowMs = this.now();
    this.registrations.set(registration.callId, { registration, untilMs: nowMs + this.registrationTtlMs });
    const existing = this.calls.get(registration.callId);
    if (existing !== undefined && existing.dial !== 'emitted') {
      this.registrations.delete(registration.callId);
      this.applyRegistration(existing, registration);
    }
  }

  /** One AMI event in; the contract events it completes out (often none). */
  ingest(message: AmiMessage): CorrelatedEvent[] {
    this.nowMsCache = -1;
    switch (message.Event) {
      case 'Newchannel':
        this.onNewchannel(message);
        break;
      case 'VarSet':
        this.onVarSet(message);
        break;
      case 'DialBegin':
        this.onDialBegin(message);
        break;
      case 'DialEnd':
        this.onDialEnd(message);
        break;
      case 'Hangup':
        this.onHangup(message);
        break;
      case 'BridgeEnter':
        this.onBridgeEnter(message);
        break;
      case 'BridgeLeave':
        this.onBridgeLeave(message);
        break;
      case 'NewCallerid':
        this.onNewCallerid(message);
        break;
      case 'Pickup':
        this.onPickup(message);
        break;
      case 'BlindTransfer':
        this.onBlindTransfer(message);
        break;
      case 'AttendedTransfer':
        this.onAttendedTransfer(message);
        break;
      case 'LocalBridge':
        this.onLocalBridge(message);
        break;
      case 'OriginateResponse':
        this.onOriginateResponse(message);
        break;
      case 'DialState':
        if (this.options.dialTrigger !== 'first_ringing') return NONE;
        this.onDialState(message);
        break;
      case 'Newstate':
        if (!this.options.answeredIncludesIvr) return NONE;
        this.onNewstate(message);
        break;
      default:
        return NONE;
    }
    return this.flush();
  }

  /**
   * Call before asking for CoreShowChannels; events keep flowing meanwhile. Channels created or
   * hung up between this call and `resync` are judged by their events, not by the list (which
   * may be older or newer than them).
   */
  beginResync(): void {
    this.resyncWindow = { created: new Set(), gone: new Set() };
  }

  /**
   * After a (re)connect: the `CoreShowChannel` items of a CoreShowChannels list. Channels we
   * know that are gone hung up while we were away (their calls end, flagged `resync`); channels
   * we did not know are added, in calls of their own flagged `partial` when the call is new.
   */
  resync(items: AmiMessage[]): CorrelatedEvent[] {
    this.nowMsCache = -1;
    const window = this.resyncWindow;
    this.resyncWindow = undefined;
    this.resyncing = true;
    try {
      const listed = new Map<string, ChannelListItem>();
      for (const message of items) {
        const item = readChannelListItem(message);
        if (item !== undefined && !window?.gone.has(item.uniqueid)) listed.set(item.uniqueid, item);
      }
      const ts = this.nowMicros();
      for (const channel of [...this.channels.values()]) {
        if (!listed.has(channel.uniqueid) && !window?.created.has(channel.uniqueid)) this.hangup(channel, ts, 'resync');
      }
      const newCalls = new Set<Call>();
      const nowMs = this.nowMs();
      for (const item of listed.values()) {
        const known = this.calls.has(item.linkedid) || this.channels.has(item.uniqueid);
        const channel = this.ensureChannel(item.uniqueid, item.linkedid, item.name, item.context, item.callerIdNum, item.callerIdName, '', false);
        if (channel === undefined) continue;
        channel.call.lastActivityMs = nowMs;
        if (item.bridgeId !== '') {
          channel.bridgeId = own(item.bridgeId);
          channel.wasBridged = true;
        }
        if (!known && channel.call.partial) newCalls.add(channel.call);
      }
      for (const call of newCalls) this.completePartialCall(call, listed);
    } finally {
      this.resyncing = false;
    }
    return this.flush();
  }

  /** Ids of calls without any event for `idleMs` (candidates for a resync check). */
  idleCalls(idleMs: number): string[] {
    const limit = this.now() - idleMs;
    const ids: string[] = [];
    for (const call of this.calls.values()) if (call.lastActivityMs < limit) ids.push(call.id);
    return ids;
  }

  /**
   * The stale-call sweep: calls without any event for `maxIdleMs` lost their Hangups (an AMI
   * outage, a restart): they end now, flagged `resync`. Also forgets registrations nobody used.
   */
  sweep(maxIdleMs: number): CorrelatedEvent[] {
    this.nowMsCache = -1;
    const nowMs = this.nowMs();
    for (const [callId, entry] of this.registrations) {
      if (entry.untilMs < nowMs) this.registrations.delete(callId);
    }
    const limit = nowMs - maxIdleMs;
    const ts = this.nowMicros();
    this.resyncing = true;
    try {
      for (const call of [...this.calls.values()]) {
        if (call.lastActivityMs >= limit) continue;
        for (const channel of [...call.channels]) this.hangup(channel, ts, 'stale');
        if (this.calls.get(call.id) === call) this.endCall(call, ts, 'stale');
      }
    } finally {
      this.resyncing = false;
    }
    return this.flush();
  }

  // ---- AMI events -------------------------------------------------------------------------

  private onNewchannel(m: AmiMessage): void {
    const channel = this.ensureChannel(
      str(m.Uniqueid), str(m.Linkedid), str(m.Channel), str(m.Context),
      str(m.CallerIDNum), str(m.CallerIDName), str(m.Exten), true,
    );
    if (channel === undefined || this.options.dialTrigger !== 'newchannel') return;
    const call = channel.call;
    // dialTrigger=newchannel: an inbound call is reported from its arrival (IVR, queue), once its numbers are known.
    if (channel.uniqueid === call.id && call.dial === 'none' && !call.partial && call.callerType === 'external') {
      call.dial = 'due';
      this.emitDialOnArrival(call, this.eventMicros(m));
    }
  }

  private onVarSet(m: AmiMessage): void {
    const variable = m.Variable;
    if (
      variable !== 'MIXMONITOR_FILENAME' && variable !== 'BLINDTRANSFER' &&
      variable !== 'TRANSFERERNAME' && variable !== 'FROM_DID' && variable !== '__FROM_DID'
    ) return;
    const channel = this.channels.get(str(m.Uniqueid));
    if (channel === undefined) return;
    const value = str(m.Value);
    const call = channel.call;
    switch (variable) {
      case 'MIXMONITOR_FILENAME':
        if (call.mixMonitorName === '' && value !== '' && this.recordNameSource === 'mixmonitor') {
          call.mixMonitorName = own(mixMonitorRecordName(value));
        }
        break;
      case 'BLINDTRANSFER':
      case 'TRANSFERERNAME':
        // Set on the transferee / the consultation Local channel: the transferer's channel name.
        channel.transferFrom = value === '' ? undefined : this.extenOfChannelName(call, value);
        break;
      default:
        // FreePBX's ext-did sets the DID when the trunk did not put it in the Exten.
        if ((call.dial === 'none' || call.dial === 'due') && call.callerType === 'external' && call.calledNum === '') {
          call.calledNum = own(value);
          this.emitDialOnArrival(call, this.eventMicros(m));
        }
    }
  }

  private onDialBegin(m: AmiMessage): void {
    const callerUid = str(m.Uniqueid);
    if (callerUid === '') {
      const leg = this.destChannel(m);
      if (leg !== undefined) this.onOriginateLegDial(leg, this.eventMicros(m));
      return;
    }
    const caller = this.callerChannel(m);
    const dest = this.destChannel(m);
    if (caller === undefined || dest === undefined) return;
    const call = caller.call;
    call.lastActivityMs = this.nowMs();
    if (m.ChanVariable !== undefined) this.readChanVariables(call, m.ChanVariable);
    if (dest.call !== call) this.moveChannel(dest, call);
    // The dial masquerade after a pickup (Asterisk < 22) is not a new destination.
    if (dest.pickedUp) return;

    // A Local channel's ;2 ringing what is behind it: part of whatever dialled the ;1.
    const peer = caller.localHalf === 2 ? caller.localPeer : undefined;
    if (peer !== undefined && peer.originateLeg) {
      this.markOriginatingPhone(call, dest, this.eventMicros(m));
      return;
    }
    // originateDialOn=first_leg: the click-to-dial's number, known now that its second leg dials it.
    if (call.awaitingNumber) this.originateNumberKnown(call, dialledExten(str(m.Exten)) || this.dialTarget(dest, str(m.DialString)));
    const parentBatch = peer?.batch;

    let transfer: { exten: string; target: string } | undefined;
    let batch: DialBatch;
    if (parentBatch !== undefined) {
      batch = parentBatch;
    } else {
      if (call.reported) transfer = this.transferFor(call, caller);
      batch = this.batchFor(caller, str(m.Exten), transfer !== undefined);
    }
    dest.batch = batch;
    batch.pending++;
    if (dest.kind === 'internal') {
      batch.addMember(dest.exten);
      call.addExtension(dest.exten);
      call.lastInternalBatch = batch;
    } else if (dest.kind === 'local') {
      batch.grouped = true;
    }

    const ts = this.eventMicros(m);
    if (!call.reported) {
      if (call.calledNum === '') {
        // A click-to-dial's second leg dials what the Originate asked for; chan_sip may show `s`.
        call.calledNum = own(dialledExten(str(m.Exten)) || this.dialTarget(dest, str(m.DialString)));
      }
      if (this.dialWaitsForRinging(call)) call.dial = 'due';
      else this.emitDial(call, ts, '', call.calledNum);
    } else if (transfer !== undefined) {
      if (transfer.exten !== '') call.addExtension(transfer.exten);
      this.emitDial(call, ts, transfer.exten, transfer.target || this.dialTarget(dest, str(m.DialString)));
    }
  }

  /** A DialBegin without a caller: Asterisk ringing an Originate's (or call file's) first leg. */
  private onOriginateLegDial(leg: Channel, ts: number): void {
    const call = leg.call;
    // Only the call's first channel; a Local channel a bridge dials (DTMF attended transfer) is plumbing.
    if (leg.uniqueid !== call.id || call.dial === 'emitted' || call.lastInternalBatch !== undefined) return;
    leg.originateLeg = true;
    if (leg.kind === 'internal') {
      leg.tookPart = false; // the originating phone takes part once it answers
      if (call.callerNum === '' || call.dial === 'none') {
        call.callerNum = leg.exten;
        call.callerName = call.originatorName || leg.extenName;
      }
      call.addExtension(leg.exten);
    }
    if (call.calledNum !== '' && call.dial === 'none' && !call.partial) {
      // Our own pbx-dial: everything is known at once.
      this.emitDial(call, ts, '', call.calledNum);
      return;
    }
    if (call.dial === 'none' && !call.partial) {
      if (this.options.originateDetection === 'own+dest_only_dialbegin') call.callerType = 'originate';
      call.calledNum = '';
      call.dial = 'pending';
      this.pendingOriginates.push(call);
      // first_leg: report it now that the phone rings (a Local channel's phone: when it is rung).
      if (leg.kind === 'internal') this.emitOriginateDialEarly(call, ts);
    }
  }

  /** `originateDialOn=first_leg`: a foreign click-to-dial's `dial` as its phone rings, its number still unknown. */
  private emitOriginateDialEarly(call: Call, ts: number): void {
    if (this.options.originateDialOn !== 'first_leg' || call.dial !== 'pending') return;
    call.awaitingNumber = true;
    this.emitDial(call, ts, '', '');
  }

  /** A foreign click-to-dial's number, from its OriginateResponse or its second leg's DialBegin. */
  private originateNumberKnown(call: Call, number: string): void {
    call.calledNum = own(number);
    if (call.awaitingNumber) {
      call.awaitingNumber = false;
      this.pendingOriginates = this.pendingOriginates.filter((pending) => pending !== call);
    }
  }

  /** The phone a Local-channel click-to-dial rings (`Local/101@from-internal;2 → PJSIP/101`). */
  private markOriginatingPhone(call: Call, phone: Channel, ts: number): void {
    phone.originateLeg = true;
    if (phone.kind !== 'internal') return;
    if (call.originatorName !== '') phone.extenName = call.originatorName;
    if (call.callerNum === '') call.callerNum = phone.exten;
    if (call.callerName === '') call.callerName = phone.extenName;
    call.addExtension(phone.exten);
    this.emitOriginateDialEarly(call, ts);
  }

  private onDialEnd(m: AmiMessage): void {
    const dest = this.destChannel(m);
    if (dest === undefined) return;
    const call = dest.call;
    call.lastActivityMs = this.nowMs();
    if (!dest.dialEnded) {
      dest.dialEnded = true;
      if (dest.batch !== undefined && dest.batch.pending > 0) dest.batch.pending--;
    }
    if (m.DialStatus !== 'ANSWER') return;
    const caller = str(m.Uniqueid) === '' ? undefined : this.callerChannel(m);
    if (caller !== undefined) caller.connectedTo = dest;
    if (dest.originateLeg) {
      // The originating phone picked up: not an answer event, but it takes part from now on.
      if (dest.kind === 'internal') dest.tookPart = true;
      return;
    }
    if (dest.pickedUp) return; // already reported as call_pickup
    // A channel of another call that this call never dialled: a picker whose Pickup event is
    // still to come (the dial masquerade names it); its call_pickup will report it.
    if (caller !== undefined && dest.call !== caller.call && dest.batch === undefined) return;
    const leg = dest.kind === 'local' ? resolveLocal(dest) : dest;
    if (leg === undefined || leg.answered) return;
    this.reportAnswer(call, leg, this.eventMicros(m));
  }

  /** dialTrigger=first_ringing: a call's `dial` comes when a destination first rings. */
  private onDialState(m: AmiMessage): void {
    if (m.DialStatus !== 'RINGING') return;
    const dest = this.channels.get(str(m.DestUniqueid));
    if (dest !== undefined && dest.call.dial === 'due') this.emitDial(dest.call, this.eventMicros(m), '', dest.call.calledNum);
  }

  /**
   * answeredIncludesIvr: the caller's channel (a trunk or a phone, not a click-to-dial's own
   * phone) brought Up by the PBX itself — Answer() for an IVR, a queue, voicemail, an
   * announcement — makes the call answered (`call_answered`), without an answer event.
   */
  private onNewstate(m: AmiMessage): void {
    if (m.ChannelState !== '6') return;
    const channel = this.channels.get(str(m.Uniqueid));
    if (channel === undefined || channel.uniqueid !== channel.call.id || channel.originateLeg) return;
    if (channel.kind === 'trunk' || channel.kind === 'internal') channel.call.answered = true;
  }

  private onHangup(m: AmiMessage): void {
    const channel = this.channels.get(str(m.Uniqueid));
    if (channel === undefined) return;
    const linkedid = str(m.Linkedid);
    if (linkedid !== '' && linkedid !== channel.linkedid) this.rehome(channel, linkedid);
    this.hangup(channel, this.eventMicros(m), 'hangup');
  }

  private onBridgeEnter(m: AmiMessage): void {
    const channel = this.callerChannel(m);
    if (channel === undefined) return;
    channel.call.lastActivityMs = this.nowMs();
    const bridgeId = own(str(m.BridgeUniqueid));
    channel.bridgeId = bridgeId;
    channel.wasBridged = true;
    for (const other of channel.call.channels) {
      if (other === channel || other.bridgeId !== bridgeId) continue;
      if (other.kind === 'internal') channel.bridgedExten = other.exten;
      if (channel.kind === 'internal') other.bridgedExten = channel.exten;
    }
    if (m.ChanVariable !== undefined) this.readChanVariables(channel.call, m.ChanVariable);
  }

  private onBridgeLeave(m: AmiMessage): void {
    const channel = this.touch(m);
    if (channel !== undefined && channel.bridgeId === str(m.BridgeUniqueid)) channel.bridgeId = '';
  }

  private onNewCallerid(m: AmiMessage): void {
    const channel = this.channels.get(str(m.Uniqueid));
    if (channel === undefined) return;
    const call = channel.call;
    // An inbound call whose trunk sent no caller ID at first (DAHDI pre-ring): take the first one.
    if ((call.dial !== 'none' && call.dial !== 'due') || channel.uniqueid !== call.id || channel.kind !== 'trunk' || call.callerNum !== '') return;
    call.callerNum = own(clean(str(m.CallerIDNum)));
    if (call.callerName === '') call.callerName = own(unescape(clean(str(m.CallerIDName))));
    this.emitDialOnArrival(call, this.eventMicros(m));
  }

  private onPickup(m: AmiMessage): void {
    const picker = this.callerChannel(m);
    const target = this.channels.get(str(m.TargetUniqueid));
    const call = target?.call ?? this.calls.get(str(m.TargetLinkedid));
    if (picker === undefined || call === undefined) return;
    // The picker joins the picked call now; its own Linkedid follows only at the bridge.
    if (picker.call !== call) this.moveChannel(picker, call);
    call.lastActivityMs = this.nowMs();
    picker.pickedUp = true;
    picker.answered = true;
    call.answered = true;
    if (picker.kind === 'internal') {
      picker.tookPart = true;
      call.answeringExten = picker.exten;
      call.addExtension(picker.exten);
    }
    const batch = target?.batch;
    if (batch !== undefined && target !== undefined) {
      batch.answered = true;
      const ringing = target.kind === 'internal' ? target : undefined;
      if (ringing !== undefined) {
        batch.answeredExten = ringing.exten;
        call.lastInternalBatch = batch;
      }
    }
    const ts = this.eventMicros(m);
    this.emit(call, 'call_pickup', ts, {
      called_num: call.calledNum,
      caller_num: call.callerNum,
      caller_name: call.callerName,
      caller_type: call.callerType,
    });
    if (this.options.pickupAlsoAnswerInternal && picker.kind === 'internal') this.emitAnswerInternal(call, picker, ts);
  }

  private onBlindTransfer(m: AmiMessage): void {
    if (m.Result !== 'Success') return;
    const transferee = this.channels.get(str(m.TransfereeUniqueid));
    const transferer = this.channels.get(str(m.TransfererUniqueid));
    const call = transferee?.call ?? this.calls.get(str(m.TransfereeLinkedid)) ?? transferer?.call;
    if (call === undefined) return;
    const exten = transferer === undefined ? '' : extenOf(transferer);
    call.transfer = { exten, target: own(str(m.Extension)), untilMs: this.nowMs() + this.transferWindowMs };
  }

  private onAttendedTransfer(m: AmiMessage): void {
    if (m.Result !== 'Success') return;
    // Phone-native (REFER) transfers join two calls: remember who transferred the target.
    const target = this.channels.get(str(m.TransferTargetUniqueid));
    const transferer = this.channels.get(str(m.OrigTransfererUniqueid));
    if (target === undefined || transferer === undefined) return;
    const leg = target.kind === 'local' ? resolveLocal(target) ?? target : target;
    leg.transferFrom = extenOf(transferer);
  }

  private onLocalBridge(m: AmiMessage): void {
    const one = this.channels.get(str(m.LocalOneUniqueid));
    const two = this.channels.get(str(m.LocalTwoUniqueid));
    if (one === undefined || two === undefined) return;
    one.localPeer = two;
    two.localPeer = one;
  }

  private onOriginateResponse(m: AmiMessage): void {
    let call: Call | undefined;
    const uid = str(m.Uniqueid);
    if (uid !== '' && uid !== UNKNOWN) call = this.channels.get(uid)?.call ?? this.calls.get(uid);
    if (call === undefined) {
      // A failed Originate names only the requested channel (`PJSIP/101`), not the one created.
      const requested = `${str(m.Channel)}-`;
      call = this.pendingOriginates.find((pending) =>
        pending.channels.some((channel) => channel.originateLeg && channel.name.startsWith(requested)),
      );
    }
    if (call === undefined) {
      // Our own click-to-dial that failed before any channel existed (phone not registered).
      if (m.Response === 'Failure') this.failedOwnOriginate(m);
      return;
    }
    if (call.dial !== 'pending' && !call.awaitingNumber) return;
    this.originateNumberKnown(call, dialledExten(str(m.Exten)));
    this.emitPendingDial(call, this.eventMicros(m));
  }

  /**
   * A failed OriginateResponse names the requested channel (`PJSIP/104`, `Local/104@from-internal`)
   * and the number; the oldest registration for that extension and number that never got a
   * channel is its call: it gets its `dial` and `endcall` (nothing answered), as a first leg
   * that rang and failed does.
   */
  private failedOwnOriginate(m: AmiMessage): void {
    const requested = str(m.Channel);
    const exten = requested.startsWith('Local/') ? localExten(requested) : endpointOf(requested);
    const number = str(m.Exten);
    let found: OriginateRegistration | undefined;
    for (const { registration } of this.registrations.values()) {
      if (registration.exten === exten && registration.number === number) {
        found = registration;
        break;
      }
    }
    if (found === undefined) return;
    const call = this.createCall(found.callId, false);
    const ts = this.eventMicros(m);
    this.emitDial(call, ts, '', call.calledNum);
    this.endCall(call, ts, 'hangup');
  }

  // ---- channels and calls -----------------------------------------------------------------

  /** The channel of an event's main snapshot, re-homed if its Linkedid changed. */
  private touch(m: AmiMessage): Channel | undefined {
    const channel = this.channels.get(str(m.Uniqueid));
    if (channel === undefined) return undefined;
    const linkedid = str(m.Linkedid);
    if (linkedid !== '' && linkedid !== channel.linkedid) this.rehome(channel, linkedid);
    channel.call.lastActivityMs = this.nowMs();
    return channel;
  }

  /**
   * The channel of an event's main snapshot, created if unknown: events of a call already under
   * way when we connected still count (the call is flagged partial). Not for Hangup: a channel
   * that only shows up to leave must not open a call.
   */
  private callerChannel(m: AmiMessage): Channel | undefined {
    return this.ensureChannel(
      str(m.Uniqueid), str(m.Linkedid), str(m.Channel), str(m.Context),
      str(m.CallerIDNum), str(m.CallerIDName), '', false,
    );
  }

  private destChannel(m: AmiMessage): Channel | undefined {
    return this.ensureChannel(
      str(m.DestUniqueid), str(m.DestLinkedid), str(m.DestChannel), str(m.DestContext),
      str(m.DestCallerIDNum), str(m.DestCallerIDName), '', false,
    );
  }

  /** The channel for a snapshot, created (with its call) if unknown, re-homed if its Linkedid changed. */
  private ensureChannel(
    uniqueid: string, linkedid: string, name: string, context: string,
    callerIdNum: string, callerIdName: string, exten: string, isNewchannel: boolean,
  ): Channel | undefined {
    const known = this.channels.get(uniqueid);
    if (known !== undefined) {
      if (linkedid !== '' && linkedid !== known.linkedid) this.rehome(known, linkedid);
      return known;
    }
    if (uniqueid === '' || name === '') return undefined;
    const callId = linkedid || uniqueid;
    let call = this.calls.get(callId);
    // A call whose first channel we did not see being created was already under way.
    if (call === undefined) call = this.createCall(callId, !(isNewchannel && uniqueid === callId));
    const kind = this.classifier.classify(name, context, clean(callerIdNum));
    const channel = new Channel(uniqueid === call.id ? call.id : own(uniqueid), own(name), kind.kind, own(kind.exten), own(unescape(clean(callerIdName))), kind.localHalf, call.id);
    this.channels.set(channel.uniqueid, channel);
    if (this.resyncWindow !== undefined && !this.resyncing) this.resyncWindow.created.add(channel.uniqueid);
    channel.call = call;
    call.channels.push(channel);
    if (kind.localHalf !== 0) this.pairLocal(channel, call);
    if (uniqueid === callId) this.applyFirstChannel(call, channel, exten, callerIdNum, callerIdName);
    return channel;
  }

  private createCall(callId: string, partial: boolean): Call {
    const nowMs = this.nowMs();
    const call = new Call(own(callId), epochSecondsFromCallId(callId) ?? Math.floor(nowMs / 1000), nowMs);
    this.calls.set(call.id, call);
    const entry = this.registrations.get(callId);
    if (entry !== undefined) {
      this.registrations.delete(callId);
      this.applyRegistration(call, entry.registration);
    } else if (partial) {
      call.partial = true;
      call.callerType = '';
      this.callsInProgressCount++;
    }
    return call;
  }

  private applyRegistration(call: Call, registration: OriginateRegistration): void {
    call.ownOriginate = true;
    call.callerType = this.options.originateDetection === 'off' ? 'internal' : 'originate';
    call.callerNum = registration.exten;
    call.calledNum = registration.number;
    call.originatorName = registration.extenName ?? '';
    call.callerName = call.originatorName;
    call.addExtension(registration.exten);
  }

  /** The call's caller, from its first channel (Uniqueid = Linkedid). */
  private applyFirstChannel(call: Call, channel: Channel, exten: string, callerIdNum: string, callerIdName: string): void {
    if (call.ownOriginate) {
      channel.originateLeg = true;
      if (channel.kind === 'internal') {
        // The phone may be shown another caller ID; events name the extension as the PBX knows it.
        if (call.originatorName !== '') channel.extenName = call.originatorName;
        else if (clean(callerIdNum) !== channel.exten) channel.extenName = '';
        if (call.callerName === '') call.callerName = channel.extenName;
      }
      return;
    }
    switch (channel.kind) {
      case 'internal':
        call.callerType = 'internal';
        call.callerNum = channel.exten;
        call.callerName = channel.extenName;
        call.calledNum = own(dialledExten(exten));
        channel.tookPart = true;
        call.addExtension(channel.exten);
        break;
      case 'local':
        // A Local ;1 nobody requested is an Originate (AMI, call file) of a Local channel.
        if (channel.localHalf !== 2 && this.options.originateDetection === 'own+dest_only_dialbegin') {
          call.callerType = 'originate';
          channel.originateLeg = true;
        }
        break;
      default:
        call.callerType = 'external';
        call.callerNum = own(clean(callerIdNum));
        call.callerName = own(unescape(clean(callerIdName)));
        call.calledNum = own(dialledExten(exten));
    }
  }

  private pairLocal(channel: Channel, call: Call): void {
    const pair = localPairName(channel.name);
    for (const other of call.channels) {
      if (other !== channel && other.localHalf !== 0 && other.localHalf !== channel.localHalf && localPairName(other.name) === pair) {
        other.localPeer = channel;
        channel.localPeer = other;
        return;
      }
    }
  }

  /** A channel's Linkedid changed (a bridge unified two calls): it moves to that call. */
  private rehome(channel: Channel, linkedid: string): void {
    channel.linkedid = own(linkedid);
    const from = channel.call;
    if (from.id === linkedid) return;
    const to = this.calls.get(linkedid);
    // An unknown Linkedid is not a call to join: the channel stays in the call it is reported in
    // (a late event carrying a merged pseudo-call's Linkedid must not resurrect it).
    if (to === undefined || to === from) return;
    // Judged before the move: the move may end the consultation call (and forget its state).
    const transferred = channel.answered && from.reported && to.reported && (channel.kind === 'internal' || channel.kind === 'trunk');
    const consultation = { callerType: from.callerType, callerNum: from.callerNum, calledNum: from.calledNum };
    this.moveChannel(channel, to);
    if (!transferred) return;
    if (this.options.attendedNativeMode === 'synthesize') {
      this.synthesizeNativeTransfer(to, channel, consultation);
    } else if (channel.kind === 'internal') {
      // merge_silently: no events, but the call now ends with the transfer target as the answerer.
      to.answered = true;
      to.answeringExten = channel.exten;
    }
  }

  /**
   * A phone-native attended transfer (REFER/Replaces): the consultation call's answered party
   * now talks to the original caller. For the surviving call this is a transferred dial that
   * was answered at once (ami-reference.md §3.5, `attendedNativeMode=synthesize`).
   */
  private synthesizeNativeTransfer(
    call: Call,
    channel: Channel,
    consultation: Pick<Call, 'callerType' | 'callerNum' | 'calledNum'>,
  ): void {
    const ts = this.nowMicros();
    const transferer = channel.transferFrom ?? (consultation.callerType === 'internal' ? consultation.callerNum : '');
    channel.transferFrom = undefined;
    if (transferer !== '') call.addExtension(transferer);
    const batch = new DialBatch('');
    channel.batch = batch;
    if (channel.kind === 'internal') {
      batch.addMember(channel.exten);
      call.addExtension(channel.exten);
      call.lastInternalBatch = batch;
    }
    this.emitDial(call, ts, transferer, channel.kind === 'internal' ? channel.exten : consultation.calledNum);
    this.reportAnswer(call, channel, ts);
  }

  private moveChannel(channel: Channel, to: Call): void {
    const from = channel.call;
    from.remove(channel);
    channel.call = to;
    to.channels.push(channel);
    if (channel.kind === 'internal' && (channel.tookPart || channel.answered)) to.addExtension(channel.exten);
    if (from.channels.length === 0 && this.calls.get(from.id) === from) this.endCall(from, this.nowMicros(), 'merged');
  }

  private hangup(channel: Channel, ts: number, reason: EndReason): void {
    this.channels.delete(channel.uniqueid);
    if (this.resyncWindow !== undefined) this.resyncWindow.gone.add(channel.uniqueid);
    const call = channel.call;
    call.remove(channel);
    call.lastActivityMs = this.nowMs();
    if (channel.localPeer !== undefined && channel.localPeer.localPeer === channel) channel.localPeer.localPeer = undefined;
    if (
      channel.kind === 'internal' &&
      (channel.tookPart || (this.options.hangupInternalFor === 'all' && (channel.batch !== undefined || channel.originateLeg)))
    ) {
      this.emit(call, 'hangup_internal', ts, { exten_num: channel.exten, exten_name: channel.extenName }, reason);
    }
    if (call.channels.length === 0 && this.calls.get(call.id) === call) this.endCall(call, ts, reason);
  }

  /** The call is over (its last channel hung up, moved away, or vanished). */
  private endCall(call: Call, ts: number, reason: EndReason): void {
    this.calls.delete(call.id);
    if (call.dial === 'pending' || call.awaitingNumber) this.pendingOriginates = this.pendingOriginates.filter((pending) => pending !== call);
    if (reason === 'merged') {
      // Pickup pseudo-calls and consultation legs that never dialled vanish without a trace.
      if (!call.reported || this.options.endcallOnMerge === 'suppress') {
        this.forget(call);
        return;
      }
    } else {
      this.emitPendingDial(call, ts);
    }
    if (!call.reported && !this.options.emitDialForUndialedCalls) return;
    const lastDialed = this.lastDialed(call);
    this.emit(call, 'endcall', ts, {
      caller_type: call.callerType,
      caller_num: call.callerNum,
      called_num: call.calledNum,
      call_answered: flag(call.answered),
      answering_exten: call.answeringExten,
      last_dial_answered: flag(lastDialed.answered),
      last_dialed_exten: lastDialed.exten,
    }, reason);
    this.forget(call);
  }

  private forget(call: Call): void {
    if (call.reported) this.callsInProgressCount--;
    call.dial = 'none';
    call.partial = false;
  }

  /** `last_dialed_exten` / `last_dial_answered` (ami-reference.md §3.9, live/README.md). */
  private lastDialed(call: Call): { exten: string; answered: boolean } {
    const batch = call.lastInternalBatch;
    if (batch === undefined) return { exten: '', answered: false };
    if (batch.answeredExten !== '') return { exten: batch.answeredExten, answered: batch.answered };
    const last = batch.members[batch.members.length - 1] ?? '';
    if (!batch.grouped) return { exten: last, answered: batch.answered };
    if (this.options.groupLastDialed === 'last_member') return { exten: last, answered: batch.answered };
    if (batch.groupExten !== '') return { exten: batch.groupExten, answered: batch.answered };
    return {
      exten: this.extensionPattern.test(call.calledNum) ? call.calledNum : last,
      answered: batch.answered,
    };
  }

  /** The batch a DialBegin belongs to: a ring group's or queue's DialBegins share one. */
  private batchFor(caller: Channel, callerExten: string, isTransfer: boolean): DialBatch {
    const groupExten = this.extensionPattern.test(callerExten) ? callerExten : '';
    const current = caller.dialing;
    if (
      !isTransfer && current !== undefined && !current.answered &&
      (current.pending > 0 || (groupExten !== '' && groupExten === current.groupExten))
    ) {
      return current;
    }
    const batch = new DialBatch(own(groupExten));
    caller.dialing = batch;
    return batch;
  }

  /** Whether this DialBegin (in a call already dialled) routes a transferred call, and by whom. */
  private transferFor(call: Call, caller: Channel): { exten: string; target: string } | undefined {
    const pending = call.transfer;
    call.transfer = undefined;
    const peer = caller.localPeer;
    if (pending !== undefined && pending.untilMs >= this.nowMs()) {
      caller.transferFrom = undefined;
      return { exten: pending.exten, target: pending.target };
    }
    // The transfer variables (dialplan class): BLINDTRANSFER on the transferee, TRANSFERERNAME on the consultation channel.
    const named = caller.transferFrom ?? peer?.transferFrom;
    if (named !== undefined) {
      caller.transferFrom = undefined;
      if (peer !== undefined) peer.transferFrom = undefined;
      return { exten: named, target: '' };
    }
    if (!call.answered) return undefined;
    // A DTMF attended transfer without VarSet: the consultation Local channel shares a bridge with the transferer.
    if (caller.localHalf === 2 && peer !== undefined && peer.batch === undefined && peer.bridgedExten !== '') {
      return { exten: peer.bridgedExten, target: '' };
    }
    // AMI Redirect and operator panels move a channel out of its bridge without a transfer event.
    if (this.options.detectRedirectTransfers && caller.localHalf === 0 && caller.wasBridged && caller.bridgeId === '') {
      return { exten: caller.bridgedExten, target: '' };
    }
    return undefined;
  }

  // ---- emitting ---------------------------------------------------------------------------

  private reportAnswer(call: Call, leg: Channel, ts: number): void {
    leg.answered = true;
    call.answered = true;
    const batch = leg.batch;
    if (batch !== undefined) batch.answered = true;
    if (leg.kind === 'internal') {
      leg.tookPart = true;
      call.answeringExten = leg.exten;
      call.addExtension(leg.exten);
      if (batch !== undefined) {
        batch.answeredExten = leg.exten;
        call.lastInternalBatch = batch;
      }
      this.emitAnswerInternal(call, leg, ts);
    } else if (leg.kind === 'trunk') {
      this.emit(call, 'answer_external', ts, {
        called_num: call.calledNum,
        caller_num: call.callerNum,
        caller_name: call.callerName,
        caller_type: call.callerType,
      });
    }
  }

  private emitAnswerInternal(call: Call, leg: Channel, ts: number): void {
    this.emit(call, 'answer_internal', ts, {
      exten_num: leg.exten,
      exten_name: leg.extenName,
      caller_num: call.callerNum,
      caller_type: call.callerType,
    });
  }

  private emitDial(call: Call, ts: number, transferingExten: string, calledNum: string): void {
    if (call.dial !== 'emitted' && !call.partial) {
      if (call.dial === 'pending' && !call.awaitingNumber) this.pendingOriginates = this.pendingOriginates.filter((pending) => pending !== call);
      call.dial = 'emitted';
      this.callsInProgressCount++;
    }
    this.emit(call, 'dial', ts, {
      caller_type: call.callerType,
      caller_num: call.callerNum,
      called_num: calledNum,
      transfering_exten: transferingExten,
    });
  }

  /** A `dial` held back (a foreign click-to-dial's number, `dialTrigger`): now, before anything else of the call. */
  private emitPendingDial(call: Call, ts: number): void {
    if (call.dial === 'pending' || call.dial === 'due') this.emitDial(call, ts, '', call.calledNum);
  }

  /** dialTrigger=newchannel: an inbound call's `dial` as soon as both its numbers are known. */
  private emitDialOnArrival(call: Call, ts: number): void {
    if (call.dial === 'due' && this.options.dialTrigger === 'newchannel' && call.callerNum !== '' && call.calledNum !== '') {
      this.emitDial(call, ts, '', call.calledNum);
    }
  }

  /** dialTrigger=first_ringing: a call's first `dial` waits for a destination to ring (not click-to-dials). */
  private dialWaitsForRinging(call: Call): boolean {
    return this.options.dialTrigger === 'first_ringing' && (call.dial === 'none' || call.dial === 'due') &&
      !call.ownOriginate && call.callerType !== 'originate';
  }

  private emit(call: Call, name: PbxEventName, ts: number, values: Record<string, string>, reason?: EndReason): void {
    if (call.dial === 'pending' || call.dial === 'due') this.emitPendingDial(call, ts);
    else if (!call.reported && name !== 'dial' && this.options.emitDialForUndialedCalls) this.emitDial(call, ts, '', call.calledNum);
    if (!call.reported) return;
    values.ts = this.time.formatTimestamp(ts);
    values.call_id = call.id;
    values.record_name = this.recordNameOf(call);
    const rules = this.options.numberRewrite;
    if (rules.length > 0) {
      if (values.caller_num !== undefined) values.caller_num = rewriteNumber(rules, values.caller_num);
      if (values.called_num !== undefined) values.called_num = rewriteNumber(rules, values.called_num);
    }
    const context: CallContext = {
      extensions: call.extensions.slice(),
      callerName: call.callerName,
      startedAt: this.startedAt(call),
    };
    if (name === 'endcall') context.reason = reason ?? 'hangup';
    const item: CorrelatedEvent = { event: makePbxEvent(name, values), call: context };
    if (call.partial) item.partial = true;
    if (this.resyncing) item.resync = true;
    if (this.out === NONE) this.out = [item];
    else this.out.push(item);
  }

  private flush(): CorrelatedEvent[] {
    const out = this.out;
    this.out = NONE;
    return out;
  }

  private recordNameOf(call: Call): string {
    if (call.recordName === '') {
      call.recordName = own(
        call.mixMonitorName !== ''
          ? call.mixMonitorName
          : templateRecordName(
            this.time, call.startEpochSeconds,
            rewriteNumber(this.options.numberRewrite, call.callerNum), rewriteNumber(this.options.numberRewrite, call.calledNum),
          ),
      );
    }
    return call.recordName;
  }

  private startedAt(call: Call): string {
    return this.time.formatTimestamp(call.startEpochSeconds * 1e6);
  }

  // ---- resync -----------------------------------------------------------------------------

  /** What a CoreShowChannels snapshot tells about a call first seen mid-flight. */
  private completePartialCall(call: Call, listed: Map<string, ChannelListItem>): void {
    // The caller (if its first channel is still there) was taken from it as for any first channel.
    const first = listed.get(call.id);
    if (first !== undefined && call.calledNum === '') {
      call.calledNum = own(calledFromChannelList(first, this.internalContexts, this.externalContexts));
    }
    let ringing: DialBatch | undefined;
    for (const channel of call.channels) {
      const item = listed.get(channel.uniqueid);
      if (item === undefined || channel.uniqueid === call.id) continue;
      if (channel.kind === 'internal' && item.channelState !== '6') {
        // Phones still ringing were dialled together (a ring group when several).
        ringing ??= new DialBatch('');
        ringing.addMember(channel.exten);
        ringing.pending++;
        channel.batch = ringing;
        call.addExtension(channel.exten);
        call.lastInternalBatch ??= ringing;
        continue;
      }
      // A leg that is up and bridged has answered: do not report that answer again later.
      if (item.channelState === '6' && item.bridgeId !== '' && (channel.kind === 'internal' || channel.kind === 'trunk')) {
        channel.answered = true;
        call.answered = true;
        if (channel.kind === 'internal') {
          channel.tookPart = true;
          call.answeringExten = channel.exten;
          call.addExtension(channel.exten);
          const batch = new DialBatch('');
          batch.addMember(channel.exten);
          batch.answered = true;
          batch.answeredExten = channel.exten;
          channel.batch = batch;
          call.lastInternalBatch = batch;
        }
      }
    }
    if (call.callerType === '') {
      // Without its first channel, a call with a trunk leg and no internal caller came in from outside.
      call.callerType = call.channels.some((channel) => channel.kind === 'trunk') ? 'external' : 'internal';
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  private readChanVariables(call: Call, value: AmiValue): void {
    for (const entry of typeof value === 'string' ? [value] : value) {
      if (entry.startsWith('MIXMONITOR_FILENAME=') && call.mixMonitorName === '' && this.recordNameSource === 'mixmonitor') {
        call.mixMonitorName = own(mixMonitorRecordName(entry.slice('MIXMONITOR_FILENAME='.length)));
      }
    }
  }

  /** The extension behind a channel name that a transfer variable carries. */
  private extenOfChannelName(call: Call, name: string): string {
    for (const channel of call.channels) if (channel.name === name) return extenOf(channel);
    for (const channel of this.channels.values()) if (channel.name === name) return extenOf(channel);
    const endpoint = endpointOf(name);
    return this.extensionPattern.test(endpoint) ? endpoint : '';
  }

  /** What a transferred call is routed to when no transfer event said it. */
  private dialTarget(dest: Channel, dialString: string): string {
    if (dest.kind === 'internal' || dest.kind === 'local') return dest.exten;
    return dialStringNumber(dialString);
  }

  private nowMs(): number {
    if (this.nowMsCache < 0) this.nowMsCache = this.now();
    return this.nowMsCache;
  }

  private nowMicros(): number {
    return Math.round(this.nowMs() * 1000);
  }

  /** `ts`: the AMI `Timestamp` header when the PBX sends one, else the time of receipt. */
  private eventMicros(m: AmiMessage): number {
    const stamp = m.Timestamp;
    if (stamp !== undefined && this.options.tsSource === 'ami') {
      const parsed = parseAmiTimestamp(str(stamp));
      if (parsed !== undefined) return parsed;
    }
    return this.nowMicros();
  }
}

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

function str(value: AmiValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (value[0] ?? '');
}

function clean(value: string): string {
  return value === UNKNOWN ? '' : value;
}

/** CallerIDName values are C-escaped by Asterisk (`\"`, `\\`). */
function unescape(value: string): string {
  return value.includes('\\') ? value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : value;
}

/** The digits a phone dialled, as the channel's Exten shows them (`s` is no number). */
function dialledExten(exten: string): string {
  return exten === 's' || exten === UNKNOWN || exten.startsWith('~~') ? '' : exten;
}

/** The extension a channel stands for: itself, or the phone behind a Local chain. */
function extenOf(channel: Channel): string {
  if (channel.kind === 'internal') return channel.exten;
  if (channel.kind === 'local') {
    const leg = resolveLocal(channel);
    return leg !== undefined && leg.kind === 'internal' ? leg.exten : '';
  }
  return '';
}

/** Through Local pairs to the real channel that answered (`;1 → ;2 → PJSIP/105`). */
function resolveLocal(channel: Channel): Channel | undefined {
  let current: Channel | undefined = channel;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current.kind !== 'local') return current;
    const dialler: Channel | undefined = current.localHalf === 1 ? current.localPeer : current;
    current = dialler?.connectedTo;
  }
  return undefined;
}
