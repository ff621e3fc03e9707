import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallCorrelator, type RungExtension } from '../../nodes/lib/events/correlator';
import { recordedEvents, rigSettings, TestClock } from './replay';

/**
 * CallCorrelator.lastRung: the extensions an AMI event began to ring in a call whose `dial` is
 * already out — how a pbx-event node filtering on a ring group's or queue's later member learns
 * of the call while it rings (no contract event names a phone that only rings).
 */
function rungDuring(scenario: string): { rung: RungExtension[]; dialExtensions: string[] } {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const rung: RungExtension[] = [];
  let dialExtensions: string[] = [];
  for (const event of recordedEvents(scenario)) {
    clock.advance(1);
    for (const item of correlator.ingest(event)) if (item.event.event === 'dial') dialExtensions = item.call.extensions;
    rung.push(...correlator.lastRung);
  }
  return { rung, dialExtensions };
}

test('ring group 600 (101, 102, 103): the dial names 101, then 102 and 103 are reported as they ring', () => {
  const { rung, dialExtensions } = rungDuring('inbound_ringgroup_answered');
  assert.deepEqual(dialExtensions, ['101']);
  assert.deepEqual(rung, [{ callId: '1795491333.79', exten: '102' }, { callId: '1795491333.79', exten: '103' }]);
});

test('queue 700 rings its members through Local channels: each member is reported as it rings', () => {
  const { rung, dialExtensions } = rungDuring('inbound_queue_answered');
  const members = rung.map((item) => item.exten).sort();
  assert.deepEqual([...dialExtensions, ...members].sort(), ['104', '105']);
  assert.ok(rung.every((item) => item.callId === '1795491346.83'));
});

test('a call with one destination reports no later ringing, and lastRung empties at the next event', () => {
  assert.deepEqual(rungDuring('internal_answered').rung, []);
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const events = recordedEvents('inbound_ringgroup_answered');
  let index = 0;
  while (correlator.lastRung.length === 0) {
    clock.advance(1);
    correlator.ingest(events[index++]);
  }
  assert.deepEqual(correlator.lastRung, [{ callId: '1795491333.79', exten: '102' }]);
  correlator.ingest({ Event: 'RTCPSent' });
  assert.deepEqual(correlator.lastRung, [], 'valid until the next ingest only');
});
