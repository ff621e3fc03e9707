import type { AmiMessage } from '../ami/message';
import { own, type Call } from './call-state';
import { CallBook, NONE, NONE_RUNG, onLocalBridge } from './call-book';
import type { CorrelatedEvent, CorrelatorConfig, CorrelatorOptions, CorrelatorStats, OriginateRegistration, RungExtension } from './correlator-types';
import { onDialBegin, onDialState, onNewCallerid, onNewchannel } from './dials';
import { onDialEnd, onNewstate } from './answers';
import { onPickup } from './pickups';
import { onAttendedTransfer, onBlindTransfer, onBridgeEnter, onBridgeLeave } from './transfers';
import { applyRegistration, onOriginateResponse } from './originates';
import { endCall, hangup, onHangup } from './endcall';
import { onVarSet } from './variables';
import { completePartialCall, readChannelListItem, type ChannelListItem } from './resync';

export type {
  CallContext, CorrelatedEvent, CorrelatorConfig, CorrelatorOptions, CorrelatorStats, EndReason, OriginateRegistration, RungExtension,
} from './correlator-types';

/**
 * CallCorrelator: the raw AMI event stream in, the vendor's six call events out
 * (ami-reference.md §3). Pure and deterministic: no I/O, no timers; the clock is injected.
 *
 * It keeps its live channels and calls in a CallBook (call-book.ts: the model, how channels join
 * and leave calls, how events are emitted) and hands each AMI event to the module of its concept:
 * dials.ts (when `dial` comes, batches), answers.ts, pickups.ts, transfers.ts, originates.ts
 * (click-to-dial), endcall.ts (hangup_internal, endcall), variables.ts (VarSet); resync.ts
 * reconciles with CoreShowChannels after a (re)connect.
 */
export class CallCorrelator {
  private readonly book: CallBook;

  constructor(config: CorrelatorConfig, options: CorrelatorOptions = {}) {
    this.book = new CallBook(config, options);
  }

  /** Applies (new) settings: a redeployed pbx-config keeps the calls in progress. */
  configure(config: CorrelatorConfig): void {
    this.book.configure(config);
  }

  /** Calls whose events are reported and that have not ended. */
  get callsInProgress(): number {
    return this.book.callsInProgressCount;
  }

  stats(): CorrelatorStats {
    const book = this.book;
    return {
      channels: book.channels.size,
      calls: book.calls.size,
      callsInProgress: book.callsInProgressCount,
      registrations: book.registrations.size,
      pendingOriginates: book.pendingOriginates.length,
    };
  }

  /**
   * Our own click-to-dial (pbx-dial), announced before its Originate: the call it creates is
   * `caller_type=originate` from `exten` to `number` from its first event on.
   */
  registerOriginate(registration: OriginateRegistration): void {
    const book = this.book;
    const nowMs = book.now();
    book.registrations.set(registration.callId, { registration, untilMs: nowMs + book.registrationTtlMs });
    const existing = book.calls.get(registration.callId);
    if (existing !== undefined && existing.dial !== 'emitted') {
      book.registrations.delete(registration.callId);
      applyRegistration(book, existing, registration);
    }
  }

  /** One AMI event in; the contract events it completes out (often none). */
  ingest(message: AmiMessage): CorrelatedEvent[] {
    const book = this.book;
    book.nowMsCache = -1;
    if (book.rung !== NONE_RUNG) book.rung = NONE_RUNG;
    switch (message.Event) {
      case 'Newchannel':
        onNewchannel(book, message);
        break;
      case 'VarSet':
        onVarSet(book, message);
        break;
      case 'DialBegin':
        onDialBegin(book, message);
        break;
      case 'DialEnd':
        onDialEnd(book, message);
        break;
      case 'Hangup':
        onHangup(book, message);
        break;
      case 'BridgeEnter':
        onBridgeEnter(book, message);
        break;
      case 'BridgeLeave':
        onBridgeLeave(book, message);
        break;
      case 'NewCallerid':
        onNewCallerid(book, message);
        break;
      case 'Pickup':
        onPickup(book, message);
        break;
      case 'BlindTransfer':
        onBlindTransfer(book, message);
        break;
      case 'AttendedTransfer':
        onAttendedTransfer(book, message);
        break;
      case 'LocalBridge':
        onLocalBridge(book, message);
        break;
      case 'OriginateResponse':
        onOriginateResponse(book, message);
        break;
      case 'DialState':
        if (book.options.dialTrigger !== 'first_ringing') return NONE;
        onDialState(book, message);
        break;
      case 'Newstate':
        if (!book.options.answeredIncludesIvr) return NONE;
        onNewstate(book, message);
        break;
      default:
        return NONE;
    }
    return book.flush();
  }

  /**
   * Extensions the last ingested message began to ring in calls already reported (ring-group
   * and queue members after the first): what an extension filter needs to know of a call in
   * which its phone only rings. Valid until the next `ingest`.
   */
  get lastRung(): readonly RungExtension[] {
    return this.book.rung;
  }

  /**
   * Call before asking for CoreShowChannels; events keep flowing meanwhile. Channels created or
   * hung up between this call and `resync` are judged by their events, not by the list (which
   * may be older or newer than them).
   */
  beginResync(): void {
    this.book.resyncWindow = { created: new Set(), gone: new Set() };
  }

  /**
   * After a (re)connect: the `CoreShowChannel` items of a CoreShowChannels list. Channels we
   * know that are gone hung up while we were away (their calls end, flagged `resync`); channels
   * we did not know are added, in calls of their own flagged `partial` when the call is new.
   */
  resync(items: AmiMessage[]): CorrelatedEvent[] {
    const book = this.book;
    book.nowMsCache = -1;
    const window = book.resyncWindow;
    book.resyncWindow = undefined;
    book.resyncing = true;
    try {
      const listed = new Map<string, ChannelListItem>();
      for (const message of items) {
        const item = readChannelListItem(message);
        if (item !== undefined && !window?.gone.has(item.uniqueid)) listed.set(item.uniqueid, item);
      }
      const ts = book.nowMicros();
      for (const channel of [...book.channels.values()]) {
        if (!listed.has(channel.uniqueid) && !window?.created.has(channel.uniqueid)) hangup(book, channel, ts, 'resync');
      }
      const newCalls = new Set<Call>();
      const nowMs = book.nowMs();
      for (const item of listed.values()) {
        const known = book.calls.has(item.linkedid) || book.channels.has(item.uniqueid);
        const channel = book.ensureChannel(item.uniqueid, item.linkedid, item.name, item.context, item.callerIdNum, item.callerIdName, '', false);
        if (channel === undefined) continue;
        channel.call.lastActivityMs = nowMs;
        if (item.bridgeId !== '') {
          channel.bridgeId = own(item.bridgeId);
          channel.wasBridged = true;
        }
        if (!known && channel.call.partial) newCalls.add(channel.call);
      }
      for (const call of newCalls) completePartialCall(book, call, listed);
    } finally {
      book.resyncing = false;
    }
    return book.flush();
  }

  /** Ids of calls without any event for `idleMs` (candidates for a resync check). */
  idleCalls(idleMs: number): string[] {
    const book = this.book;
    const limit = book.now() - idleMs;
    const ids: string[] = [];
    for (const call of book.calls.values()) if (call.lastActivityMs < limit) ids.push(call.id);
    return ids;
  }

  /**
   * The stale-call sweep: calls without any event for `maxIdleMs` lost their Hangups (an AMI
   * outage, a restart): they end now, flagged `resync`. Also forgets registrations nobody used.
   */
  sweep(maxIdleMs: number): CorrelatedEvent[] {
    const book = this.book;
    book.nowMsCache = -1;
    const nowMs = book.nowMs();
    for (const [callId, entry] of book.registrations) {
      if (entry.untilMs < nowMs) book.registrations.delete(callId);
    }
    const limit = nowMs - maxIdleMs;
    const ts = book.nowMicros();
    book.resyncing = true;
    try {
      for (const call of [...book.calls.values()]) {
        if (call.lastActivityMs >= limit) continue;
        for (const channel of [...call.channels]) hangup(book, channel, ts, 'stale');
        if (book.calls.get(call.id) === call) endCall(book, call, ts, 'stale');
      }
    } finally {
      book.resyncing = false;
    }
    return book.flush();
  }
}
