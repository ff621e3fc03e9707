import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallCorrelator, type CorrelatedEvent } from '../../nodes/lib/events/correlator';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import { ami, type Chan } from './ami-script';
import { expectedEvents, recordedEvents, rigSettings, TestClock, TS_FORMAT } from './replay';

/**
 * After a (re)connect the correlator reconciles what it knows with CoreShowChannels: calls that
 * vanished meanwhile end (flagged resync), calls first seen mid-flight are followed without a
 * dial (flagged partial), and no call stays in memory when its Hangups were lost.
 */
const recording = recordedEvents('internal_answered');
const expected = expectedEvents('internal_answered');
const indexOf = (predicate: (message: AmiMessage) => boolean, from = 0): number =>
  recording.findIndex((message, index) => index >= from && predicate(message));
/** Up to the moment both phones are in the bridge, talking. */
const talking = indexOf((message) => message.Event === 'BridgeEnter' && message.Channel === 'PJSIP/101-00000000') + 1;
const ringing = indexOf((message) => message.Event === 'DialState');

const alice: Chan = {
  name: 'PJSIP/101-00000000', uniqueid: '1795491553.0', linkedid: '1795491553.0',
  num: '101', cidName: 'Alice', context: 'dial-ext', exten: 's', state: 6,
};
const bob: Chan = {
  name: 'PJSIP/102-00000001', uniqueid: '1795491553.1', linkedid: '1795491553.0',
  num: '102', cidName: 'Bob', context: 'from-internal', exten: '', state: 6,
};
const BRIDGE = '030087d2-58a4-4a25-b114-6ff080364c95';
/** What CoreShowChannels lists while Alice and Bob talk. */
const talkingList = [
  ami.coreShowChannel(alice, { bridgeId: BRIDGE, application: 'Dial', data: 'PJSIP/102,15,tT' }),
  ami.coreShowChannel(bob, { bridgeId: BRIDGE }),
];

function feed(correlator: CallCorrelator, clock: TestClock, messages: AmiMessage[]): CorrelatedEvent[] {
  const out: CorrelatedEvent[] = [];
  for (const message of messages) {
    clock.advance(1);
    out.push(...correlator.ingest(message));
  }
  return out;
}

/** An emitted event without its `ts` (checked for format), to compare with an expectation. */
const withoutTs = (event: object): Record<string, string> => {
  const { ts, ...rest } = event as Record<string, string>;
  assert.match(ts, TS_FORMAT);
  return rest;
};
/** An expectation (`ts: "*"`) without its `ts`. */
const expectedWithoutTs = (event: Record<string, string>): Record<string, string> => {
  const { ts, ...rest } = event;
  assert.equal(ts, '*');
  return rest;
};
const field = (item: CorrelatedEvent, key: string): string => (item.event as unknown as Record<string, string>)[key];

test('reconnect mid-call: a call that ended while disconnected ends at the resync, flagged resync', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const before = feed(correlator, clock, recording.slice(0, talking));
  assert.deepEqual(before.map((item) => item.event.event), ['dial', 'answer_internal']);

  clock.advance(30_000); // disconnected; both phones hung up meanwhile
  const out = correlator.resync([]);
  assert.deepEqual(out.map((item) => item.event.event), ['hangup_internal', 'hangup_internal', 'endcall']);
  assert.ok(out.every((item) => item.resync === true && item.partial === undefined));
  assert.deepEqual(out.slice(0, 2).map((item) => field(item, 'exten_num')).sort(), ['101', '102']);
  assert.deepEqual(withoutTs(out[2].event), expectedWithoutTs(expected[4]));
  assert.equal(out[2].call.reason, 'resync');
  assert.deepEqual(correlator.stats().calls, 0);
  assert.deepEqual(correlator.stats().channels, 0);
});

test('reconnect mid-call: a call still up at the resync goes on as if nothing happened', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  feed(correlator, clock, recording.slice(0, talking));
  assert.deepEqual(correlator.resync(talkingList), []);
  const after = feed(correlator, clock, recording.slice(talking));
  assert.deepEqual(after.map((item) => withoutTs(item.event)), expected.slice(2).map(expectedWithoutTs));
  assert.ok(after.every((item) => item.partial === undefined && item.resync === undefined));
});

test('connect mid-call: no dial, but the hangups and the endcall come, flagged partial, with what the channels tell', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  assert.deepEqual(correlator.resync(talkingList), [], 'a call found in progress emits nothing by itself');
  assert.equal(correlator.callsInProgress, 1);
  const after = feed(correlator, clock, recording.slice(talking));
  assert.deepEqual(after.map((item) => item.event.event), ['hangup_internal', 'hangup_internal', 'endcall']);
  assert.ok(after.every((item) => item.partial === true && item.resync === undefined));
  // The first channel still says who called and (in its Dial) whom; Bob is up in its bridge.
  assert.deepEqual(after.map((item) => withoutTs(item.event)), expected.slice(2).map(expectedWithoutTs));
  assert.equal(correlator.callsInProgress, 0);
});

test('connect while a call rings: its answer is reported (partial), never a dial', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  correlator.resync([
    ami.coreShowChannel({ ...alice, state: 4 }, { application: 'Dial', data: 'PJSIP/102,15,tT' }),
    ami.coreShowChannel({ ...bob, state: 5 }),
  ]);
  const after = feed(correlator, clock, recording.slice(ringing));
  assert.deepEqual(after.map((item) => item.event.event), ['answer_internal', 'hangup_internal', 'hangup_internal', 'endcall']);
  assert.ok(after.every((item) => item.partial === true));
  assert.deepEqual(after.map((item) => withoutTs(item.event)), expected.slice(1).map(expectedWithoutTs));
});

test('events of a call never listed (seen first mid-flight) are followed too, flagged partial', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const answerAt = indexOf((message) => message.Event === 'DialEnd');
  const out = feed(correlator, clock, recording.slice(answerAt));
  assert.deepEqual(out.map((item) => item.event.event), ['answer_internal', 'hangup_internal', 'hangup_internal', 'endcall']);
  assert.ok(out.every((item) => item.partial === true));
  assert.equal(field(out[3], 'caller_num'), '101');
  assert.equal(field(out[3], 'answering_exten'), '102');
  assert.deepEqual(correlator.stats().calls, 0);
});

test('a call whose Hangups were lost is swept once idle too long, flagged resync; active calls are kept', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now });
  const withoutHangups = recording.filter((message) => message.Event !== 'Hangup');
  feed(correlator, clock, withoutHangups);
  assert.equal(correlator.callsInProgress, 1, 'the call seems to go on');

  clock.advance(30 * 60_000);
  assert.deepEqual(correlator.sweep(60 * 60_000), [], 'idle for 30 min: kept');
  assert.deepEqual(correlator.idleCalls(20 * 60_000), ['1795491553.0']);

  clock.advance(31 * 60_000);
  const swept = correlator.sweep(60 * 60_000);
  assert.deepEqual(swept.map((item) => item.event.event), ['hangup_internal', 'hangup_internal', 'endcall']);
  assert.ok(swept.every((item) => item.resync === true));
  assert.equal(swept[2].call.reason, 'stale');
  assert.deepEqual(withoutTs(swept[2].event), expectedWithoutTs(expected[4]));
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});

test('the sweep also forgets click-to-dial registrations whose call never appeared', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings(), { now: clock.now, registrationTtlMs: 60_000 });
  correlator.registerOriginate({ callId: '1795491600.1234', exten: '101', number: '0612345678', extenName: 'Alice' });
  correlator.sweep(3_600_000);
  assert.equal(correlator.stats().registrations, 1);
  clock.advance(61_000);
  correlator.sweep(3_600_000);
  assert.equal(correlator.stats().registrations, 0);
});
