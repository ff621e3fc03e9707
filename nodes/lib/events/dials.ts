import type { AmiMessage } from '../ami/message';
import { DialBatch, own, type Call, type Channel } from './call-state';
import type { CallBook } from './call-book';
import { dialStringNumber } from './channel-classifier';
import { clean, dialledExten, str, unescape } from './ami-values';
import { markOriginatingPhone, onOriginateLegDial, originateNumberKnown } from './originates';
import { transferFor } from './transfers';

/**
 * Dials: when a call's `dial` is emitted (ami-reference.md §3.5, option `dialTrigger`), what it
 * dialled (its called number, the caller's number when it came late), and how DialBegins group
 * into batches (a ring group's or a queue's DialBegins are one batch, one `dial`).
 */

/** A channel is created; the first channel of a call creates the call and says who calls whom. */
export function onNewchannel(book: CallBook, m: AmiMessage): void {
  const channel = book.ensureChannel(
    str(m.Uniqueid), str(m.Linkedid), str(m.Channel), str(m.Context),
    str(m.CallerIDNum), str(m.CallerIDName), str(m.Exten), true,
  );
  if (channel === undefined || book.options.dialTrigger !== 'newchannel') return;
  const call = channel.call;
  // dialTrigger=newchannel: an inbound call is reported from its arrival (IVR, queue), once its numbers are known.
  if (channel.uniqueid === call.id && call.dial === 'none' && !call.partial && call.callerType === 'external') {
    call.dial = 'due';
    emitDialOnArrival(book, call, book.eventMicros(m));
  }
}

/** A channel's caller ID changed: it counts only while an inbound call's `dial` is still to come. */
export function onNewCallerid(book: CallBook, m: AmiMessage): void {
  const channel = book.channels.get(str(m.Uniqueid));
  if (channel === undefined) return;
  const call = channel.call;
  // An inbound call whose trunk sent no caller ID at first (DAHDI pre-ring): take the first one.
  if ((call.dial !== 'none' && call.dial !== 'due') || channel.uniqueid !== call.id || channel.kind !== 'trunk' || call.callerNum !== '') return;
  call.callerNum = own(clean(str(m.CallerIDNum)));
  if (call.callerName === '') call.callerName = own(unescape(clean(str(m.CallerIDName))));
  emitDialOnArrival(book, call, book.eventMicros(m));
}

/**
 * A destination is dialled: the call's first DialBegin gives its `dial` (unless `dialTrigger`
 * waits for more), a transfer's DialBegin gives one more; a ring group's others join the batch.
 */
export function onDialBegin(book: CallBook, m: AmiMessage): void {
  const callerUid = str(m.Uniqueid);
  if (callerUid === '') {
    const leg = book.destChannel(m);
    if (leg !== undefined) onOriginateLegDial(book, leg, book.eventMicros(m));
    return;
  }
  const caller = book.callerChannel(m);
  const dest = book.destChannel(m);
  if (caller === undefined || dest === undefined) return;
  const call = caller.call;
  call.lastActivityMs = book.nowMs();
  if (m.ChanVariable !== undefined) book.readChanVariables(call, m.ChanVariable);
  if (dest.call !== call) book.moveChannel(dest, call);
  // The dial masquerade after a pickup (Asterisk < 22) is not a new destination.
  if (dest.pickedUp) return;

  // A Local channel's ;2 ringing what is behind it: part of whatever dialled the ;1.
  const peer = caller.localHalf === 2 ? caller.localPeer : undefined;
  if (peer !== undefined && peer.originateLeg) {
    markOriginatingPhone(book, call, dest, book.eventMicros(m));
    return;
  }
  // originateDialOn=first_leg: the click-to-dial's number, known now that its second leg dials it.
  if (call.awaitingNumber) originateNumberKnown(book, call, dialledExten(str(m.Exten)) || dialTarget(dest, str(m.DialString)));
  const parentBatch = peer?.batch;

  let transfer: { exten: string; target: string } | undefined;
  let batch: DialBatch;
  if (parentBatch !== undefined) {
    batch = parentBatch;
  } else {
    if (call.reported) transfer = transferFor(book, call, caller);
    batch = batchFor(book, caller, str(m.Exten), transfer !== undefined);
  }
  dest.batch = batch;
  batch.pending++;
  if (dest.kind === 'internal') {
    batch.addMember(dest.exten);
    if (call.addExtension(dest.exten) && call.reported) book.noteRung(call, dest.exten);
    call.lastInternalBatch = batch;
  } else if (dest.kind === 'local') {
    batch.grouped = true;
  }

  const ts = book.eventMicros(m);
  if (!call.reported) {
    if (call.calledNum === '') {
      // A click-to-dial's second leg dials what the Originate asked for; chan_sip may show `s`.
      call.calledNum = own(dialledExten(str(m.Exten)) || dialTarget(dest, str(m.DialString)));
    }
    if (dialWaitsForRinging(book, call)) call.dial = 'due';
    else book.emitDial(call, ts, '', call.calledNum);
  } else if (transfer !== undefined) {
    if (transfer.exten !== '') call.addExtension(transfer.exten);
    book.emitDial(call, ts, transfer.exten, transfer.target || dialTarget(dest, str(m.DialString)));
  }
}

/** dialTrigger=first_ringing: a call's `dial` comes when a destination first rings. */
export function onDialState(book: CallBook, m: AmiMessage): void {
  if (m.DialStatus !== 'RINGING') return;
  const dest = book.channels.get(str(m.DestUniqueid));
  if (dest !== undefined && dest.call.dial === 'due') book.emitDial(dest.call, book.eventMicros(m), '', dest.call.calledNum);
}

/** dialTrigger=newchannel: an inbound call's `dial` as soon as both its numbers are known. */
export function emitDialOnArrival(book: CallBook, call: Call, ts: number): void {
  if (call.dial === 'due' && book.options.dialTrigger === 'newchannel' && call.callerNum !== '' && call.calledNum !== '') {
    book.emitDial(call, ts, '', call.calledNum);
  }
}

/** dialTrigger=first_ringing: a call's first `dial` waits for a destination to ring (not click-to-dials). */
function dialWaitsForRinging(book: CallBook, call: Call): boolean {
  return book.options.dialTrigger === 'first_ringing' && (call.dial === 'none' || call.dial === 'due') &&
    !call.ownOriginate && call.callerType !== 'originate';
}

/** The batch a DialBegin belongs to: a ring group's or queue's DialBegins share one. */
function batchFor(book: CallBook, caller: Channel, callerExten: string, isTransfer: boolean): DialBatch {
  const groupExten = book.extensionPattern.test(callerExten) ? callerExten : '';
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

/** What a transferred call is routed to when no transfer event said it. */
function dialTarget(dest: Channel, dialString: string): string {
  if (dest.kind === 'internal' || dest.kind === 'local') return dest.exten;
  return dialStringNumber(dialString);
}
