import type { AmiMessage } from '../ami/message';
import { resolveLocal, type Call, type Channel } from './call-state';
import type { CallBook } from './call-book';
import { str } from './ami-values';

/**
 * Answers: `answer_internal` (a phone of the PBX, resolved through Local chains) and
 * `answer_external` (a trunk) from DialEnd ANSWER (ami-reference.md §3.6); with
 * `answeredIncludesIvr`, the caller answered by the PBX itself makes the call answered.
 */

/** A dial attempt ended; ANSWER reports the leg that answered (through Local chains to the real phone). */
export function onDialEnd(book: CallBook, m: AmiMessage): void {
  const dest = book.destChannel(m);
  if (dest === undefined) return;
  const call = dest.call;
  call.lastActivityMs = book.nowMs();
  if (!dest.dialEnded) {
    dest.dialEnded = true;
    if (dest.batch !== undefined && dest.batch.pending > 0) dest.batch.pending--;
  }
  if (m.DialStatus !== 'ANSWER') return;
  const caller = str(m.Uniqueid) === '' ? undefined : book.callerChannel(m);
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
  reportAnswer(book, call, leg, book.eventMicros(m));
}

/** A leg answered: `answer_internal` for a phone of the PBX, `answer_external` for a trunk; once per leg. */
export function reportAnswer(book: CallBook, call: Call, leg: Channel, ts: number): void {
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
    emitAnswerInternal(book, call, leg, ts);
  } else if (leg.kind === 'trunk') {
    book.emit(call, 'answer_external', ts, {
      called_num: call.calledNum,
      caller_num: call.callerNum,
      caller_name: call.callerName,
      caller_type: call.callerType,
    });
  }
}

/** `answer_internal` for a phone that answered (or picked up, with `pickupAlsoAnswerInternal`). */
export function emitAnswerInternal(book: CallBook, call: Call, leg: Channel, ts: number): void {
  book.emit(call, 'answer_internal', ts, {
    exten_num: leg.exten,
    exten_name: leg.extenName,
    caller_num: call.callerNum,
    caller_type: call.callerType,
  });
}

/**
 * answeredIncludesIvr: the caller's channel (a trunk or a phone, not a click-to-dial's own
 * phone) brought Up by the PBX itself — Answer() for an IVR, a queue, voicemail, an
 * announcement — makes the call answered (`call_answered`), without an answer event.
 */
export function onNewstate(book: CallBook, m: AmiMessage): void {
  if (m.ChannelState !== '6') return;
  const channel = book.channels.get(str(m.Uniqueid));
  if (channel === undefined || channel.uniqueid !== channel.call.id || channel.originateLeg) return;
  if (channel.kind === 'trunk' || channel.kind === 'internal') channel.call.answered = true;
}
