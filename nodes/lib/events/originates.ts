import type { AmiMessage } from '../ami/message';
import { own, type Call, type Channel } from './call-state';
import type { CallBook } from './call-book';
import { endpointOf, localExten } from './channel-classifier';
import { dialledExten, str, UNKNOWN } from './ami-values';
import type { OriginateRegistration } from './correlator-types';
import { endCall } from './endcall';

/**
 * Click-to-dial calls (AMI Originate): our own pbx-dial calls, registered before their Originate,
 * know their caller and number from the start; those sent by another AMI client (a DialBegin
 * without a caller) learn their number from the OriginateResponse or their second leg's
 * DialBegin (option `originateDialOn`). The originating phone answering its own ring is not an
 * answer (ami-reference.md §3.6).
 */

/** Our own pbx-dial call (registered before its Originate): originate, from the extension to the number. */
export function applyRegistration(book: CallBook, call: Call, registration: OriginateRegistration): void {
  call.ownOriginate = true;
  call.callerType = book.options.originateDetection === 'off' ? 'internal' : 'originate';
  call.callerNum = registration.exten;
  call.calledNum = registration.number;
  call.originatorName = registration.extenName ?? '';
  call.callerName = call.originatorName;
  call.addExtension(registration.exten);
}

/** A DialBegin without a caller: Asterisk ringing an Originate's (or call file's) first leg. */
export function onOriginateLegDial(book: CallBook, leg: Channel, ts: number): void {
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
    book.emitDial(call, ts, '', call.calledNum);
    return;
  }
  if (call.dial === 'none' && !call.partial) {
    if (book.options.originateDetection === 'own+dest_only_dialbegin') call.callerType = 'originate';
    call.calledNum = '';
    call.dial = 'pending';
    book.pendingOriginates.push(call);
    // first_leg: report it now that the phone rings (a Local channel's phone: when it is rung).
    if (leg.kind === 'internal') emitOriginateDialEarly(book, call, ts);
  }
}

/** `originateDialOn=first_leg`: a foreign click-to-dial's `dial` as its phone rings, its number still unknown. */
function emitOriginateDialEarly(book: CallBook, call: Call, ts: number): void {
  if (book.options.originateDialOn !== 'first_leg' || call.dial !== 'pending') return;
  call.awaitingNumber = true;
  book.emitDial(call, ts, '', '');
}

/** A foreign click-to-dial's number, from its OriginateResponse or its second leg's DialBegin. */
export function originateNumberKnown(book: CallBook, call: Call, number: string): void {
  call.calledNum = own(number);
  if (call.awaitingNumber) {
    call.awaitingNumber = false;
    book.pendingOriginates = book.pendingOriginates.filter((pending) => pending !== call);
  }
}

/** The phone a Local-channel click-to-dial rings (`Local/101@from-internal;2 → PJSIP/101`). */
export function markOriginatingPhone(book: CallBook, call: Call, phone: Channel, ts: number): void {
  phone.originateLeg = true;
  if (phone.kind !== 'internal') return;
  if (call.originatorName !== '') phone.extenName = call.originatorName;
  if (call.callerNum === '') call.callerNum = phone.exten;
  if (call.callerName === '') call.callerName = phone.extenName;
  call.addExtension(phone.exten);
  emitOriginateDialEarly(book, call, ts);
}

/** The Originate's outcome (sent when the first leg answered or failed): a foreign click-to-dial's number. */
export function onOriginateResponse(book: CallBook, m: AmiMessage): void {
  let call: Call | undefined;
  const uid = str(m.Uniqueid);
  if (uid !== '' && uid !== UNKNOWN) call = book.channels.get(uid)?.call ?? book.calls.get(uid);
  if (call === undefined) {
    // A failed Originate names only the requested channel (`PJSIP/101`), not the one created.
    const requested = `${str(m.Channel)}-`;
    call = book.pendingOriginates.find((pending) =>
      pending.channels.some((channel) => channel.originateLeg && channel.name.startsWith(requested)),
    );
  }
  if (call === undefined) {
    // Our own click-to-dial that failed before any channel existed (phone not registered).
    if (m.Response === 'Failure') failedOwnOriginate(book, m);
    return;
  }
  if (call.dial !== 'pending' && !call.awaitingNumber) return;
  originateNumberKnown(book, call, dialledExten(str(m.Exten)));
  book.emitPendingDial(call, book.eventMicros(m));
}

/**
 * A failed OriginateResponse names the requested channel (`PJSIP/104`, `Local/104@from-internal`)
 * and the number; the oldest registration for that extension and number that never got a
 * channel is its call: it gets its `dial` and `endcall` (nothing answered), as a first leg
 * that rang and failed does.
 */
function failedOwnOriginate(book: CallBook, m: AmiMessage): void {
  const requested = str(m.Channel);
  const exten = requested.startsWith('Local/') ? localExten(requested) : endpointOf(requested);
  const number = str(m.Exten);
  let found: OriginateRegistration | undefined;
  for (const { registration } of book.registrations.values()) {
    if (registration.exten === exten && registration.number === number) {
      found = registration;
      break;
    }
  }
  if (found === undefined) return;
  const call = book.createCall(found.callId, false);
  const ts = book.eventMicros(m);
  book.emitDial(call, ts, '', call.calledNum);
  endCall(book, call, ts, 'hangup');
}
