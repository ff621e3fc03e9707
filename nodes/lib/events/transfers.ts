import type { AmiMessage } from '../ami/message';
import { DialBatch, extenOf, own, resolveLocal, type Call, type Channel } from './call-state';
import type { CallBook } from './call-book';
import { endpointOf } from './channel-classifier';
import { str } from './ami-values';
import { reportAnswer } from './answers';

/**
 * Transfers (ami-reference.md §3.5): blind (BlindTransfer event, or the BLINDTRANSFER variable),
 * attended by feature code (the consultation is in the same call), phone-native attended
 * (REFER: the consultation call merges into the original one) and transfers without any event
 * (AMI Redirect, operator panels: told by the bridges a channel left). A transfer gives one
 * more `dial` in the call, with `transfering_exten`.
 */

/** A blind transfer succeeded: the transferee's next DialBegin (within the window) is the transferred dial. */
export function onBlindTransfer(book: CallBook, m: AmiMessage): void {
  if (m.Result !== 'Success') return;
  const transferee = book.channels.get(str(m.TransfereeUniqueid));
  const transferer = book.channels.get(str(m.TransfererUniqueid));
  const call = transferee?.call ?? book.calls.get(str(m.TransfereeLinkedid)) ?? transferer?.call;
  if (call === undefined) return;
  const exten = transferer === undefined ? '' : extenOf(transferer);
  call.transfer = { exten, target: own(str(m.Extension)), untilMs: book.nowMs() + book.transferWindowMs };
}

/** An attended transfer succeeded: the target remembers its transferer for the dial synthesised when it joins. */
export function onAttendedTransfer(book: CallBook, m: AmiMessage): void {
  if (m.Result !== 'Success') return;
  // Phone-native (REFER) transfers join two calls: remember who transferred the target.
  const target = book.channels.get(str(m.TransferTargetUniqueid));
  const transferer = book.channels.get(str(m.OrigTransfererUniqueid));
  if (target === undefined || transferer === undefined) return;
  const leg = target.kind === 'local' ? resolveLocal(target) ?? target : target;
  leg.transferFrom = extenOf(transferer);
}

/** Who shares a bridge with whom: the transferer of a transfer that raises no event. */
export function onBridgeEnter(book: CallBook, m: AmiMessage): void {
  const channel = book.callerChannel(m);
  if (channel === undefined) return;
  channel.call.lastActivityMs = book.nowMs();
  const bridgeId = own(str(m.BridgeUniqueid));
  channel.bridgeId = bridgeId;
  channel.wasBridged = true;
  for (const other of channel.call.channels) {
    if (other === channel || other.bridgeId !== bridgeId) continue;
    if (other.kind === 'internal') channel.bridgedExten = other.exten;
    if (channel.kind === 'internal') other.bridgedExten = channel.exten;
  }
  if (m.ChanVariable !== undefined) book.readChanVariables(channel.call, m.ChanVariable);
}

/** A channel left its bridge (a Redirect, a transfer): a later DialBegin from it may route the call on. */
export function onBridgeLeave(book: CallBook, m: AmiMessage): void {
  const channel = book.touch(m);
  if (channel !== undefined && channel.bridgeId === str(m.BridgeUniqueid)) channel.bridgeId = '';
}

/** Whether this DialBegin (in a call already dialled) routes a transferred call, and by whom. */
export function transferFor(book: CallBook, call: Call, caller: Channel): { exten: string; target: string } | undefined {
  const pending = call.transfer;
  call.transfer = undefined;
  const peer = caller.localPeer;
  if (pending !== undefined && pending.untilMs >= book.nowMs()) {
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
  if (book.options.detectRedirectTransfers && caller.localHalf === 0 && caller.wasBridged && caller.bridgeId === '') {
    return { exten: caller.bridgedExten, target: '' };
  }
  return undefined;
}

/**
 * A phone-native attended transfer (REFER/Replaces): the consultation call's answered party
 * now talks to the original caller. For the surviving call this is a transferred dial that
 * was answered at once (ami-reference.md §3.5, `attendedNativeMode=synthesize`).
 */
export function synthesizeNativeTransfer(
  book: CallBook,
  call: Call,
  channel: Channel,
  consultation: Pick<Call, 'callerType' | 'callerNum' | 'calledNum'>,
): void {
  const ts = book.nowMicros();
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
  book.emitDial(call, ts, transferer, channel.kind === 'internal' ? channel.exten : consultation.calledNum);
  reportAnswer(book, call, channel, ts);
}

/** The extension behind a channel name that a transfer variable carries. */
export function extenOfChannelName(book: CallBook, call: Call, name: string): string {
  for (const channel of call.channels) if (channel.name === name) return extenOf(channel);
  for (const channel of book.channels.values()) if (channel.name === name) return extenOf(channel);
  const endpoint = endpointOf(name);
  return book.extensionPattern.test(endpoint) ? endpoint : '';
}
