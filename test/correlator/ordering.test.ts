import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import { assertMatchesExpected, expectedEvents, recordedEvents, replay } from './replay';

/**
 * Orderings Asterisk allows that the recordings happen not to show (ami-reference.md §4.8):
 * the same calls give the same events.
 */
const moved = (events: AmiMessage[], which: (m: AmiMessage) => boolean, after: (m: AmiMessage) => boolean): AmiMessage[] => {
  const from = events.findIndex(which);
  const rest = events.filter((_, index) => index !== from);
  const to = rest.findIndex(after) + 1;
  return [...rest.slice(0, to), events[from], ...rest.slice(to)];
};

test('a BlindTransfer that arrives after the follow-on DialBegin: still the transferred dial', () => {
  const events = moved(
    recordedEvents('blind_transfer'),
    (m) => m.Event === 'BlindTransfer',
    (m) => m.Event === 'DialBegin' && m.DestChannel === 'PJSIP/102-00000055',
  );
  assert.ok(events.findIndex((m) => m.Event === 'BlindTransfer') > events.findIndex((m) => m.Event === 'DialBegin' && m.DestChannel === 'PJSIP/102-00000055'));
  assertMatchesExpected(replay(events).out.map((item) => item.event), expectedEvents('blind_transfer'));
});

test('a Pickup that arrives after the picked call\'s DialEnd ANSWER: still call_pickup, no answer_internal', () => {
  const events = moved(recordedEvents('directed_pickup'), (m) => m.Event === 'Pickup', (m) => m.Event === 'DialEnd');
  assertMatchesExpected(replay(events).out.map((item) => item.event), expectedEvents('directed_pickup'));
});

test("a late event carrying a picker's old Linkedid does not split the call", () => {
  const events = recordedEvents('call_pickup');
  const leave = events.findIndex((m) => m.Event === 'BridgeLeave' && m.Channel === 'PJSIP/103-0000005b');
  const late: AmiMessage = { ...events[leave], Event: 'Newstate', Linkedid: '1795491441.103' };
  const { out, correlator } = replay([...events.slice(0, leave + 1), late, ...events.slice(leave + 1)]);
  assertMatchesExpected(out.map((item) => item.event), expectedEvents('call_pickup'));
  assert.equal(correlator.stats().calls, 0);
});
