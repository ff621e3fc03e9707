import { randomInt } from 'node:crypto';

/**
 * Uniqueids for the channels we originate, in Asterisk's own shape `<epoch>.<suffix>`:
 * the call's call_id (its Linkedid) is then known before the PBX sends a single event,
 * the vendor's `1453378165.749958` form is kept, and `record_name` dates from the epoch.
 *
 * The suffix starts at a random 12-digit value and counts up. Asterisk's own counter
 * (`.91`, `.107`) stays far below it, so our ids cannot collide with the PBX's, nor with
 * those of another Node-RED talking to the same PBX, nor with our own earlier runs.
 */
export function channelIdFactory(now: () => number = Date.now, start: number = randomInt(100_000_000_000, 900_000_000_000)): () => string {
  let counter = 0;
  return () => `${Math.floor(now() / 1000)}.${start + counter++}`;
}

/** The process-wide factory: every call gets its own id, even two in the same millisecond. */
export const newChannelId: () => string = channelIdFactory();
