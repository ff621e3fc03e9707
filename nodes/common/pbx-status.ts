import type { AmiStatus } from '../lib/ami/connection-api';
import type { PbxUserStatus } from '../lib/pbx-config-core';
import { shorten } from './report-error';

/** English texts, used when no translation is found (and in tests, where RED._ echoes keys). */
const ENGLISH: Record<string, string> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  disconnected: 'disconnected',
  auth_failed: 'login refused',
  closed: 'closed',
};

export type Translate = (key: string) => string;

/** The words of a connection state, e.g. `connected`, `disconnected: connect ECONNREFUSED …`. */
export function amiStatusText(status: AmiStatus, translate?: Translate): string {
  const key = `pbx-config.status.${status.state}`;
  const translated = translate ? translate(key) : key;
  const word = translated && translated !== key ? translated : ENGLISH[status.state];
  return status.reason && status.state !== 'connected' ? `${word}: ${status.reason}` : word;
}

/**
 * How a node shows its PBX connection: connecting yellow ring, connected green dot,
 * disconnected / login refused red ring with the reason. Nodes that add their own
 * words (`connected · 3 calls`) build on `amiStatusText` or on this object's text.
 */
export function amiStatusDisplay(status: AmiStatus, translate?: Translate): PbxUserStatus {
  const text = shorten(amiStatusText(status, translate));
  switch (status.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text };
    case 'idle':
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text };
    case 'closed':
      return { fill: 'grey', shape: 'ring', text };
    default:
      return { fill: 'red', shape: 'ring', text };
  }
}
