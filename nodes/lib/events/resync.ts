import type { AmiMessage, AmiValue } from '../ami/message';
import { dialStringNumber } from './channel-classifier';

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
