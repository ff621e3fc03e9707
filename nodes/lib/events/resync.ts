import type { AmiMessage, AmiValue } from '../ami/message';
import { dialStringNumber } from './channel-classifier';
import { DialBatch, own, type Call } from './call-state';
import type { CallBook } from './call-book';

/**
 * Reading a CoreShowChannels list (one `CoreShowChannel` event per live channel) for the resync
 * after a (re)connect (ami-reference.md §4.12). The items carry the channel's *current* dialplan
 * position, not the one it started in, so what they say about a call's caller and called number
 * is a best guess; such calls are flagged `partial`.
 */
export interface ChannelListItem {
  uniqueid: string;
  linkedid: string;
  name: string;
  context: string;
  exten: string;
  callerIdNum: string;
  callerIdName: string;
  channelState: string;
  bridgeId: string;
  application: string;
  applicationData: string;
}

export function readChannelListItem(message: AmiMessage): ChannelListItem | undefined {
  const uniqueid = str(message.Uniqueid);
  const name = str(message.Channel);
  if (uniqueid === '' || name === '') return undefined;
  return {
    uniqueid,
    linkedid: str(message.Linkedid) || uniqueid,
    name,
    context: str(message.Context),
    exten: str(message.Exten),
    callerIdNum: str(message.CallerIDNum),
    callerIdName: str(message.CallerIDName),
    channelState: str(message.ChannelState),
    bridgeId: str(message.BridgeId) || str(message.BridgeID),
    application: str(message.Application),
    applicationData: str(message.ApplicationData),
  };
}

/**
 * The called number of a call found mid-flight, from its first channel: its Exten while it is
 * still in its home context (the digits dialled, the DID), else what its running Dial() dials.
 */
export function calledFromChannelList(first: ChannelListItem, internalContexts: RegExp, externalContexts: RegExp): string {
  const homeContext = internalContexts.test(first.context) || externalContexts.test(first.context);
  if (homeContext && first.exten !== '' && first.exten !== 's') return first.exten;
  if (first.application === 'Dial' && first.applicationData !== '') {
    const target = first.applicationData.split(',')[0].split('&')[0];
    return dialStringNumber(target);
  }
  return '';
}

function str(value: AmiValue | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : (value[0] ?? '');
  return text === '<unknown>' ? '' : text;
}

/** What a CoreShowChannels snapshot tells about a call first seen mid-flight. */
export function completePartialCall(book: CallBook, call: Call, listed: Map<string, ChannelListItem>): void {
  // The caller (if its first channel is still there) was taken from it as for any first channel.
  const first = listed.get(call.id);
  if (first !== undefined && call.calledNum === '') {
    call.calledNum = own(calledFromChannelList(first, book.internalContexts, book.externalContexts));
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
