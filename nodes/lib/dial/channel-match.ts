import { field, type AmiMessage } from '../ami/message';

/**
 * Which live channels (CoreShowChannel items) belong to an extension or a call.
 *
 * An extension's channels are its device channels (`PJSIP/101-00000050`, also `SIP/`,
 * `IAX2/`…) and the Local helper channels dialling it (`Local/101@from-internal-0000001a;1`
 * and `;2`, as FreePBX queues, follow-me and `Local/…` Originates create).
 */
export function channelsOfExtension(channels: AmiMessage[], exten: string): AmiMessage[] {
  const e = escapeRegExp(exten);
  const device = new RegExp(`^(?!Local/)[A-Za-z0-9_]+/${e}-[0-9A-Fa-f]+$`);
  const local = new RegExp(`^Local/${e}@[^;]+-[0-9A-Fa-f]+;[12]$`);
  return channels.filter((channel) => {
    const name = field(channel, 'Channel');
    return device.test(name) || local.test(name);
  });
}

/** A call's channels: every channel carrying its Linkedid. */
export function channelsOfCall(channels: AmiMessage[], callId: string): AmiMessage[] {
  return channels.filter((channel) => field(channel, 'Linkedid') === callId && field(channel, 'Channel') !== '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
