import type { AmiMessage } from '../ami/message';
import type { Call, Channel } from './call-state';
import type { CallBook } from './call-book';
import { flag } from './pbx-event';
import { str } from './ami-values';
import type { EndReason } from './correlator-types';

/**
 * Hangups and the end of calls: `hangup_internal` for the phones that took part (option
 * `hangupInternalFor`), `endcall` when a call's last channel is gone, with what the call's
 * history says of its answers and its last dialled extension (ami-reference.md §3.8, §3.9).
 */

/** A channel is gone (with its final Linkedid: it may have moved to another call first). */
export function onHangup(book: CallBook, m: AmiMessage): void {
  const channel = book.channels.get(str(m.Uniqueid));
  if (channel === undefined) return;
  const linkedid = str(m.Linkedid);
  if (linkedid !== '' && linkedid !== channel.linkedid) book.rehome(channel, linkedid);
  hangup(book, channel, book.eventMicros(m), 'hangup');
}

/** A channel leaves for good (Hangup, or gone at a resync / the sweep): `hangup_internal`, and the call ends with its last channel. */
export function hangup(book: CallBook, channel: Channel, ts: number, reason: EndReason): void {
  book.channels.delete(channel.uniqueid);
  if (book.resyncWindow !== undefined) book.resyncWindow.gone.add(channel.uniqueid);
  const call = channel.call;
  call.remove(channel);
  call.lastActivityMs = book.nowMs();
  if (channel.localPeer !== undefined && channel.localPeer.localPeer === channel) channel.localPeer.localPeer = undefined;
  if (
    channel.kind === 'internal' &&
    (channel.tookPart || (book.options.hangupInternalFor === 'all' && (channel.batch !== undefined || channel.originateLeg)))
  ) {
    book.emit(call, 'hangup_internal', ts, { exten_num: channel.exten, exten_name: channel.extenName }, reason);
  }
  if (call.channels.length === 0 && book.calls.get(call.id) === call) endCall(book, call, ts, reason);
}

/** The call is over (its last channel hung up, moved away, or vanished). */
export function endCall(book: CallBook, call: Call, ts: number, reason: EndReason): void {
  book.calls.delete(call.id);
  if (call.dial === 'pending' || call.awaitingNumber) book.pendingOriginates = book.pendingOriginates.filter((pending) => pending !== call);
  if (reason === 'merged') {
    // Pickup pseudo-calls and consultation legs that never dialled vanish without a trace.
    if (!call.reported || book.options.endcallOnMerge === 'suppress') {
      forget(book, call);
      return;
    }
  } else {
    book.emitPendingDial(call, ts);
  }
  if (!call.reported && !book.options.emitDialForUndialedCalls) return;
  const last = lastDialed(book, call);
  book.emit(call, 'endcall', ts, {
    caller_type: call.callerType,
    caller_num: call.callerNum,
    called_num: call.calledNum,
    call_answered: flag(call.answered),
    answering_exten: call.answeringExten,
    last_dial_answered: flag(last.answered),
    last_dialed_exten: last.exten,
  }, reason);
  forget(book, call);
}

function forget(book: CallBook, call: Call): void {
  if (call.reported) book.callsInProgressCount--;
  call.dial = 'none';
  call.partial = false;
}

/** `last_dialed_exten` / `last_dial_answered` (ami-reference.md §3.9, live/README.md). */
function lastDialed(book: CallBook, call: Call): { exten: string; answered: boolean } {
  const batch = call.lastInternalBatch;
  if (batch === undefined) return { exten: '', answered: false };
  if (batch.answeredExten !== '') return { exten: batch.answeredExten, answered: batch.answered };
  const last = batch.members[batch.members.length - 1] ?? '';
  if (!batch.grouped) return { exten: last, answered: batch.answered };
  if (book.options.groupLastDialed === 'last_member') return { exten: last, answered: batch.answered };
  if (batch.groupExten !== '') return { exten: batch.groupExten, answered: batch.answered };
  return {
    exten: book.extensionPattern.test(call.calledNum) ? call.calledNum : last,
    answered: batch.answered,
  };
}
