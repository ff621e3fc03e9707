import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';
import { readSettings, type PbxSettings } from '../../nodes/lib/settings';
import { CallCorrelator, type CorrelatedEvent, type CorrelatorOptions } from '../../nodes/lib/events/correlator';

/** The live recordings of a real Asterisk 22, from the compiled test's place in dist/. */
export const LIVE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');

export function liveScenarios(): string[] {
  return readdirSync(LIVE)
    .filter((file) => file.endsWith('.ami'))
    .map((file) => file.slice(0, -'.ami'.length))
    .sort();
}

/** Every event of a recording, in order (responses to the recorder's actions left out). */
export function recordedEvents(scenario: string): AmiMessage[] {
  const text = readFileSync(path.join(LIVE, `${scenario}.ami`), 'utf8');
  const body = text.slice(text.indexOf('\n') + 1); // the banner line
  return splitAmiMessages(body).map(parseAmiMessage).filter((message) => message.Event !== undefined);
}

export type ExpectedEvent = Record<string, string>;

export function expectedEvents(scenario: string): ExpectedEvent[] {
  return JSON.parse(readFileSync(path.join(LIVE, `${scenario}.expected.json`), 'utf8')) as ExpectedEvent[];
}

/** The rig's PBX: UTC, FreePBX-like contexts (the pbx-config defaults). */
export function rigSettings(extra: Record<string, unknown> = {}): PbxSettings {
  return readSettings({ timezone: 'UTC', ...extra });
}

/** A clock the test moves: starts at the recording's first call, 1 ms per event. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 10, 24, 3, 30, 0)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function replay(
  events: AmiMessage[],
  settings: PbxSettings = rigSettings(),
  options: CorrelatorOptions = {},
): { out: CorrelatedEvent[]; correlator: CallCorrelator } {
  const clock = new TestClock();
  const correlator = new CallCorrelator(settings, { now: clock.now, ...options });
  const out: CorrelatedEvent[] = [];
  for (const event of events) {
    clock.advance(1);
    out.push(...correlator.ingest(event));
  }
  return { out, correlator };
}

/** ISO 8601 with fractional seconds and a `+hh:mm` offset (nodes.md). */
export const TS_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,6}[+-]\d{2}:\d{2}$/;

/**
 * The expectation rules of live/README.md: every field equal (`ts: "*"` = any ISO 8601 time with
 * offset), key order as the contract's, order kept within a call_id (not across calls); where two
 * internal legs hang up at once, their hangup_internal events may come in either order.
 */
export function assertMatchesExpected(actual: Record<string, string>[], expected: ExpectedEvent[]): void {
  const byCall = (events: Record<string, string>[]): Map<string, Record<string, string>[]> => {
    const map = new Map<string, Record<string, string>[]>();
    for (const event of events) {
      const list = map.get(event.call_id) ?? [];
      list.push(event);
      map.set(event.call_id, list);
    }
    return map;
  };
  const actualByCall = byCall(actual);
  const expectedByCall = byCall(expected);
  assert.deepEqual([...actualByCall.keys()].sort(), [...expectedByCall.keys()].sort(), 'the same calls');
  for (const [callId, wanted] of expectedByCall) {
    const got = normaliseHangupPairs(actualByCall.get(callId) ?? [], wanted);
    assert.equal(
      got.map((event) => event.event).join(' '),
      wanted.map((event) => event.event).join(' '),
      `event sequence of call ${callId}`,
    );
    for (let i = 0; i < wanted.length; i++) {
      assert.deepEqual(Object.keys(got[i]), Object.keys(wanted[i]), `field order of ${callId} #${i} (${wanted[i].event})`);
      for (const [key, value] of Object.entries(wanted[i])) {
        if (key === 'ts' && value === '*') assert.match(got[i].ts, TS_FORMAT, `ts of ${callId} #${i}`);
        else assert.equal(got[i][key], value, `${key} of ${callId} #${i} (${wanted[i].event})`);
      }
    }
  }
}

/** Adjacent hangup_internal events may swap to follow the expected order (simultaneous hangups). */
function normaliseHangupPairs(got: Record<string, string>[], wanted: ExpectedEvent[]): Record<string, string>[] {
  const result = got.slice();
  for (let i = 0; i + 1 < result.length && i + 1 < wanted.length; i++) {
    const a = result[i];
    const b = result[i + 1];
    if (
      a.event === 'hangup_internal' && b.event === 'hangup_internal' &&
      wanted[i].event === 'hangup_internal' && wanted[i + 1].event === 'hangup_internal' &&
      a.exten_num === wanted[i + 1].exten_num && b.exten_num === wanted[i].exten_num
    ) {
      result[i] = b;
      result[i + 1] = a;
    }
  }
  return result;
}

/**
 * A recording as if it happened again as call number `copy`: every Uniqueid/Linkedid, channel
 * name and bridge id gets a suffix of its own, so copies can run one after another or at once.
 */
export function renumber(events: AmiMessage[], copy: number): AmiMessage[] {
  const tag = `x${copy}`;
  return events.map((message) => {
    const out: AmiMessage = {};
    for (const [key, value] of Object.entries(message)) {
      out[key] = typeof value === 'string' ? renumberValue(key, value, tag) : value.map((item) => renumberValue(key, item, tag));
    }
    return out;
  });
}

const CALL_ID = /\b(\d{9,11}\.\d+|c2d-\d{9,11})\b/g;
const CHANNEL_SUFFIX = /-([0-9a-f]{8})\b/g;

function renumberValue(key: string, value: string, tag: string): string {
  if (/(?:Uniqueid|Linkedid)$/i.test(key)) return value.replace(CALL_ID, `$1${tag}`);
  if (/Channel$|^Value$|^Interface$/.test(key)) return value.replace(CHANNEL_SUFFIX, `-$1${tag}`);
  if (/BridgeUniqueid$/.test(key)) return `${value}-${tag}`;
  return value;
}

/** The expected events of a renumbered copy. */
export function renumberExpected(expected: ExpectedEvent[], copy: number): ExpectedEvent[] {
  return expected.map((event) => ({ ...event, call_id: event.call_id.replace(CALL_ID, `$1x${copy}`) }));
}

/** Several event lists merged one event at a time, each list keeping its own order. */
export function interleave(lists: AmiMessage[][]): AmiMessage[] {
  const out: AmiMessage[] = [];
  const positions = lists.map(() => 0);
  let left = lists.reduce((sum, list) => sum + list.length, 0);
  while (left > 0) {
    for (let i = 0; i < lists.length; i++) {
      if (positions[i] < lists[i].length) {
        out.push(lists[i][positions[i]++]);
        left--;
      }
    }
  }
  return out;
}
