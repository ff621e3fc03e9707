import type { AmiMessage, AmiValue } from '../ami/message';
import type { CorrelatorSettings } from '../settings';
import { makePbxEvent, type PbxEventName } from './pbx-event';
import { ChannelClassifier, localPairName } from './channel-classifier';
import { Call, Channel, own } from './call-state';
import { ZonedTime, epochSecondsFromCallId, parseAmiTimestamp } from './zoned-time';
import { recordingNameFrom, templateRecordName } from './record-name';
import { rewriteNumber } from './number-rewrite';
import { clean, dialledExten, str, unescape } from './ami-values';
import type { CallContext, CorrelatedEvent, CorrelatorConfig, CorrelatorOptions, EndReason, OriginateRegistration, RungExtension } from './correlator-types';
import { applyRegistration } from './originates';
import { synthesizeNativeTransfer } from './transfers';
import { endCall } from './endcall';

/**
 * The correlator's book of live channels and calls (ami-reference.md §3.1), shared by the
 * modules that handle each concept (dials, answers, pickups, transfers, click-to-dials, the end
 * of calls): the tables, the settings, the clock, how channels are created, joined into calls
 * and moved between them, and how events are emitted. Internal to CallCorrelator.
 *
 * The model: every live channel (by Uniqueid) belongs to one call, keyed by the Linkedid the call
 * started with (= the vendor's `call_id`). Channels are created from any snapshot, re-homed when
 * their Linkedid changes (bridges unify Linkedids, oldest wins), moved at once by a Pickup, and
 * dropped at their Hangup; the call ends when its last channel is gone.
 */

/** No events (shared, frozen: most messages produce none). */
export const NONE: CorrelatedEvent[] = [];
Object.freeze(NONE);
export const NONE_RUNG: RungExtension[] = [];
Object.freeze(NONE_RUNG);

export class CallBook {
  readonly channels = new Map<string, Channel>();
  readonly calls = new Map<string, Call>();
  readonly registrations = new Map<string, { registration: OriginateRegistration; untilMs: number }>();
  /** Click-to-dials by another AMI client, waiting for their number (OriginateResponse). */
  pendingOriginates: Call[] = [];
  callsInProgressCount = 0;

  classifier!: ChannelClassifier;
  time!: ZonedTime;
  options!: CorrelatorSettings;
  recordNameSource!: CorrelatorConfig['recordName'];
  extensionPattern!: RegExp;
  internalContexts!: RegExp;
  externalContexts!: RegExp;

  readonly now: () => number;
  readonly transferWindowMs: number;
  readonly registrationTtlMs: number;

  /** The events produced by the message being ingested. */
  out: CorrelatedEvent[] = NONE;
  /** Extensions that began to ring in reported calls, by the message being ingested. */
  rung: RungExtension[] = NONE_RUNG;
  /** Receipt time of the message being ingested, read once (-1: not read yet). */
  nowMsCache = -1;
  /** Flags for the events produced by the current operation. */
  resyncing = false;
  /** Between `beginResync` and `resync`: channels whose fate the events already told. */
  resyncWindow: { created: Set<string>; gone: Set<string> } | undefined = undefined;

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

  // ---- the clock --------------------------------------------------------------------------

  /** Receipt time of the message being ingested (read once per message). */
  nowMs(): number {
    if (this.nowMsCache < 0) this.nowMsCache = this.now();
    return this.nowMsCache;
  }

  nowMicros(): number {
    return Math.round(this.nowMs() * 1000);
  }

  /** `ts`: the AMI `Timestamp` header when the PBX sends one (unless `tsSource=receipt`), else the time of receipt. */
  eventMicros(m: AmiMessage): number {
    const stamp = m.Timestamp;
    if (stamp !== undefined && this.options.tsSource === 'ami') {
      const parsed = parseAmiTimestamp(str(stamp));
      if (parsed !== undefined) return parsed;
    }
    return this.nowMicros();
  }

  // ---- channels and calls -----------------------------------------------------------------

  /** The channel of an event's main snapshot, re-homed if its Linkedid changed. */
  touch(m: AmiMessage): Channel | undefined {
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
  callerChannel(m: AmiMessage): Channel | undefined {
    return this.ensureChannel(
      str(m.Uniqueid), str(m.Linkedid), str(m.Channel), str(m.Context),
      str(m.CallerIDNum), str(m.CallerIDName), '', false,
    );
  }

  destChannel(m: AmiMessage): Channel | undefined {
    return this.ensureChannel(
      str(m.DestUniqueid), str(m.DestLinkedid), str(m.DestChannel), str(m.DestContext),
      str(m.DestCallerIDNum), str(m.DestCallerIDName), '', false,
    );
  }

  /** The channel for a snapshot, created (with its call) if unknown, re-homed if its Linkedid changed. */
  ensureChannel(
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

  createCall(callId: string, partial: boolean): Call {
    const nowMs = this.nowMs();
    const call = new Call(own(callId), epochSecondsFromCallId(callId) ?? Math.floor(nowMs / 1000), nowMs);
    this.calls.set(call.id, call);
    const entry = this.registrations.get(callId);
    if (entry !== undefined) {
      this.registrations.delete(callId);
      applyRegistration(this, call, entry.registration);
    } else if (partial) {
      call.partial = true;
      call.callerType = '';
      this.callsInProgressCount++;
    }
    return call;
  }

  /** The call's caller, from its first channel (Uniqueid = Linkedid). */
  applyFirstChannel(call: Call, channel: Channel, exten: string, callerIdNum: string, callerIdName: string): void {
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

  pairLocal(channel: Channel, call: Call): void {
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
  rehome(channel: Channel, linkedid: string): void {
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
      synthesizeNativeTransfer(this, to, channel, consultation);
    } else if (channel.kind === 'internal') {
      // merge_silently: no events, but the call now ends with the transfer target as the answerer.
      to.answered = true;
      to.answeringExten = channel.exten;
    }
  }

  moveChannel(channel: Channel, to: Call): void {
    const from = channel.call;
    from.remove(channel);
    channel.call = to;
    to.channels.push(channel);
    if (channel.kind === 'internal' && (channel.tookPart || channel.answered)) to.addExtension(channel.exten);
    if (from.channels.length === 0 && this.calls.get(from.id) === from) endCall(this, from, this.nowMicros(), 'merged');
  }

  /** `recordName: mixmonitor` / `freepbx`: MIXMONITOR_FILENAME / CALLFILENAME among the channel variables an event carries (`channelvars`). */
  readChanVariables(call: Call, value: AmiValue): void {
    if (this.recordNameSource === 'template') return;
    for (const entry of typeof value === 'string' ? [value] : value) {
      if (call.recordingName !== '') return;
      const equals = entry.indexOf('=');
      if (equals > 0) call.recordingName = own(recordingNameFrom(this.recordNameSource, entry.slice(0, equals), entry.slice(equals + 1)));
    }
  }

  // ---- emitting ---------------------------------------------------------------------------

  emitDial(call: Call, ts: number, transferingExten: string, calledNum: string): void {
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
  emitPendingDial(call: Call, ts: number): void {
    if (call.dial === 'pending' || call.dial === 'due') this.emitDial(call, ts, '', call.calledNum);
  }

  emit(call: Call, name: PbxEventName, ts: number, values: Record<string, string>, reason?: EndReason): void {
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

  /** A reported call began to ring one of its extensions (not for the `dial`'s own first ring). */
  noteRung(call: Call, exten: string): void {
    const rung = { callId: call.id, exten };
    if (this.rung === NONE_RUNG) this.rung = [rung];
    else this.rung.push(rung);
  }

  flush(): CorrelatedEvent[] {
    const out = this.out;
    this.out = NONE;
    return out;
  }

  recordNameOf(call: Call): string {
    if (call.recordName === '') {
      call.recordName = own(
        call.recordingName !== ''
          ? call.recordingName
          : templateRecordName(
            this.time, call.startEpochSeconds,
            rewriteNumber(this.options.numberRewrite, call.callerNum), rewriteNumber(this.options.numberRewrite, call.calledNum),
          ),
      );
    }
    return call.recordName;
  }

  startedAt(call: Call): string {
    return this.time.formatTimestamp(call.startEpochSeconds * 1e6);
  }
}

/** LocalBridge names the two halves of a Local channel: they are one pair of plumbing. */
export function onLocalBridge(book: CallBook, m: AmiMessage): void {
  const one = book.channels.get(str(m.LocalOneUniqueid));
  const two = book.channels.get(str(m.LocalTwoUniqueid));
  if (one === undefined || two === undefined) return;
  one.localPeer = two;
  two.localPeer = one;
}

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}
