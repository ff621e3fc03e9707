import type { AmiMessage } from '../ami/message';
import type { CallBook } from './call-book';
import { str } from './ami-values';
import { emitAnswerInternal } from './answers';

/**
 * Pickups (`*8`, `**<ext>`): the Pickup event gives `call_pickup`; the picker joins the picked
 * call at once and its own pseudo-call disappears without events (ami-reference.md §3.7).
 */

/** `*8` / `**<ext>` took a ringing call: `call_pickup`, the picker answers it in place of the phone that rang. */
export function onPickup(book: CallBook, m: AmiMessage): void {
  const picker = book.callerChannel(m);
  const target = book.channels.get(str(m.TargetUniqueid));
  const call = target?.call ?? book.calls.get(str(m.TargetLinkedid));
  if (picker === undefined || call === undefined) return;
  // The picker joins the picked call now; its own Linkedid follows only at the bridge.
  if (picker.call !== call) book.moveChannel(picker, call);
  call.lastActivityMs = book.nowMs();
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
  const ts = book.eventMicros(m);
  book.emit(call, 'call_pickup', ts, {
    called_num: call.calledNum,
    caller_num: call.callerNum,
    caller_name: call.callerName,
    caller_type: call.callerType,
  });
  if (book.options.pickupAlsoAnswerInternal && picker.kind === 'internal') emitAnswerInternal(book, call, picker, ts);
}
