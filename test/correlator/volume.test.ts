import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertMatchesExpected, expectedEvents, interleave, liveScenarios, recordedEvents, renumber, renumberExpected,
  rigSettings, TestClock,
} from './replay';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CallCorrelator } from '../../nodes/lib/events/correlator';

/** A real garbage collection, so heap figures measure what is kept (not garbage). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('10 000 calls in a row: every one reported, the tables empty afterwards', () => {
  const recording = recordedEvents('internal_answered');
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const counts = new Map<string, number>();
  let maxChannels = 0;
  for (let copy = 0; copy < 10_000; copy++) {
    for (const message of renumber(recording, copy)) {
      clock.advance(1);
      for (const item of correlator.ingest(message)) counts.set(item.event.event, (counts.get(item.event.event) ?? 0) + 1);
      maxChannels = Math.max(maxChannels, correlator.stats().channels);
    }
  }
  assert.deepEqual(Object.fromEntries(counts), { dial: 10_000, answer_internal: 10_000, hangup_internal: 20_000, endcall: 10_000 });
  assert.equal(maxChannels, 2, 'one call at a time holds two channels');
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});

test('interleaved concurrent calls of every recorded kind: each call gets exactly its own events', () => {
  const scenarios = liveScenarios();
  const lists = scenarios.map((scenario, copy) => renumber(recordedEvents(scenario), copy));
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const out = [];
  let peak = 0;
  for (const message of interleave(lists)) {
    clock.advance(1);
    out.push(...correlator.ingest(message));
    peak = Math.max(peak, correlator.callsInProgress);
  }
  const expected = scenarios.flatMap((scenario, copy) => renumberExpected(expectedEvents(scenario), copy));
  assertMatchesExpected(out.map((item) => item.event), expected);
  assert.ok(peak >= 12, `most calls were in progress at once (peak ${peak})`);
  assert.equal(correlator.stats().calls, 0);
});

test('live calls stay small: well under 4 KB of memory per call in progress', () => {
  const recording = recordedEvents('inbound_queue_answered');
  // Everything up to the first Hangup (just after the agent answered): 7 live channels per call.
  const firstHangup = recording.findIndex((message) => message.Event === 'Hangup');
  const head = recording.slice(0, firstHangup);
  const calls = 2_000;
  const batches = Array.from({ length: calls }, (_, copy) => renumber(head, copy));
  const clock = new TestClock();
  let correlator: CallCorrelator | undefined = new CallCorrelator(rigSettings(), { now: clock.now });
  for (const batch of batches) for (const message of batch) correlator.ingest(message);
  assert.equal(correlator.callsInProgress, calls);
  assert.equal(correlator.stats().channels, calls * 7);
  // What the correlator holds = the heap with it minus the heap once it is dropped.
  collectGarbage();
  const withCalls = process.memoryUsage().heapUsed;
  correlator = undefined;
  collectGarbage();
  const perCall = (withCalls - process.memoryUsage().heapUsed) / calls;
  assert.equal(batches.length, calls); // the input stays referenced across both measurements
  console.log(`heap per live call: ${Math.round(perCall)} bytes`);
  assert.ok(perCall < 4096, `${Math.round(perCall)} bytes per live call`);
});
