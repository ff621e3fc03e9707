import fs from 'node:fs';
import path from 'node:path';
import { RECORDINGS_DIR } from './recordings';

export type EventPayload = Record<string, string>;

/**
 * Real contract events: every event the live recordings must produce (their
 * `<scenario>.expected.json`), with a real `ts` in place of the wildcard. The notifications
 * the delivery benchmark sends are made of these.
 */
export function recordedPayloads(dir = RECORDINGS_DIR): EventPayload[] {
  const payloads: EventPayload[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.expected.json')) continue;
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as EventPayload[];
    for (const event of events) payloads.push({ ...event, ts: event.ts === '*' ? '2026-11-24T03:34:51.08514+00:00' : event.ts });
  }
  if (payloads.length === 0) throw new Error(`no expected events in ${dir}`);
  return payloads;
}
