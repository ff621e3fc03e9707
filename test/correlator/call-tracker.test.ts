import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { AmiServer, loadTranscript, type TranscriptEvent } from '../../simulator';
import { CallTracker } from '../../nodes/lib/events/call-tracker';
import type { CorrelatedEvent } from '../../nodes/lib/events/correlator';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import { connect, until, waitForState } from '../ami/helpers';
import { ami, type Chan } from './ami-script';
import { assertMatchesExpected, expectedEvents, LIVE, rigSettings } from './replay';

/**
 * The per-PBX call tracker on a real AMI connection to the simulator (TCP on 127.0.0.1):
 * events in, correlated calls out, resync after every (re)connect, the stale-call sweep.
 */
const transcript = (scenario: string): TranscriptEvent[] => loadTranscript(path.join(LIVE, `${scenario}.ami`));

async function withTracker(
  run: (context: { server: AmiServer; tracker: CallTracker; received: CorrelatedEvent[]; logs: string[] }) => Promise<void>,
  options: ConstructorParameters<typeof CallTracker>[1] = {},
  prepare: (server: AmiServer) => void = () => undefined,
): Promise<void> {
  const server = await AmiServer.start();
  prepare(server);
  const logs: string[] = [];
  const tracker = new CallTracker(rigSettings(), { log: (level, message) => logs.push(`${level}: ${message}`), ...options });
  const received: CorrelatedEvent[] = [];
  tracker.onEvent((item) => received.push(item));
  const { connection } = connect(server);
  const release = tracker.attach(connection);
  try {
    await waitForState(connection, 'connected');
    await run({ server, tracker, received, logs });
  } finally {
    release();
    tracker.dispose();
    connection.close();
    await server.close();
  }
}

const BRIDGE = '030087d2-58a4-4a25-b114-6ff080364c95';
const alice: Chan = { name: 'PJSIP/101-00000000', uniqueid: '1795491553.0', linkedid: '1795491553.0', num: '101', cidName: 'Alice', context: 'dial-ext', exten: 's', state: 6 };
const bob: Chan = { name: 'PJSIP/102-00000001', uniqueid: '1795491553.1', linkedid: '1795491553.0', num: '102', cidName: 'Bob', context: 'from-internal', exten: '', state: 6 };
const talkingChannels = (): AmiMessage[] => [
  ami.coreShowChannel(alice, { bridgeId: BRIDGE, application: 'Dial', data: 'PJSIP/102,15,tT' }),
  ami.coreShowChannel(bob, { bridgeId: BRIDGE }),
].map(({ Event, ActionID, ...item }) => item);
const talkingUntil = (events: TranscriptEvent[]): number =>
  events.findIndex((event) => event.name === 'BridgeEnter' && event.text.includes('Channel: PJSIP/101-00000000')) + 1;

test('recordings replayed over a real AMI connection, cut into 3-byte pieces: the expected events', async () => {
  await withTracker(async ({ server, tracker, received }) => {
    await until(() => server.actionsNamed('CoreShowChannels').length === 1, 'the resync at connect');
    const counts: number[] = [];
    tracker.onCallsInProgress((count) => counts.push(count));
    for (const scenario of ['inbound_queue_answered', 'attended_transfer']) {
      const expected = expectedEvents(scenario);
      const before = received.length;
      await server.replay(transcript(scenario), { write: { chunkSize: 3 } });
      await until(() => received.length === before + expected.length, `${scenario}'s ${expected.length} events`, 10_000);
      assertMatchesExpected(received.slice(before).map((item) => item.event), expected);
    }
    assert.equal(tracker.callsInProgress, 0);
    assert.deepEqual(counts, [1, 0, 1, 0], 'the count of calls in progress follows each call');
  });
});

test('reconnect mid-call: the call ended while the link was down ends at the resync, flagged resync', async () => {
  await withTracker(async ({ server, tracker, received }) => {
    const events = transcript('internal_answered');
    await server.replay(events.slice(0, talkingUntil(events)));
    await until(() => received.length === 2 && tracker.callsInProgress === 1, 'dial and answer');
    server.channels.length = 0; // both phones hang up while we are away
    server.dropConnections();
    await until(() => received.length === 5, 'the hangups and the endcall of the resync');
    assert.deepEqual(received.slice(2).map((item) => [item.event.event, item.resync]), [
      ['hangup_internal', true], ['hangup_internal', true], ['endcall', true],
    ]);
    assert.equal(received[4].call.reason, 'resync');
    assert.equal(tracker.callsInProgress, 0);
    assert.ok(server.actionsNamed('CoreShowChannels').length >= 2, 'a resync at each login');
  });
});

test('reconnect mid-call: a call still up goes on; its later events are normal', async () => {
  await withTracker(async ({ server, tracker, received }) => {
    const events = transcript('internal_answered');
    const cut = talkingUntil(events);
    await server.replay(events.slice(0, cut));
    await until(() => received.length === 2, 'dial and answer');
    server.channels.push(...talkingChannels());
    server.dropConnections();
    await until(() => server.actionsNamed('CoreShowChannels').length === 2 && server.loggedInSessions.length === 1, 'the resync after the reconnect');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received.length, 2, 'nothing ended');
    server.channels.length = 0;
    await server.replay(events.slice(cut));
    await until(() => received.length === 5, 'the rest of the call');
    assertMatchesExpected(received.map((item) => item.event), expectedEvents('internal_answered'));
    assert.ok(received.every((item) => item.resync === undefined && item.partial === undefined));
    assert.equal(tracker.callsInProgress, 0);
  });
});

test('connect mid-call: the call found by CoreShowChannels gets no dial, its end is reported flagged partial', async () => {
  await withTracker(
    async ({ server, tracker, received }) => {
      await until(() => tracker.callsInProgress === 1, 'the call found at connect');
      const events = transcript('internal_answered');
      server.channels.length = 0;
      await server.replay(events.slice(talkingUntil(events)));
      await until(() => received.length === 3, 'two hangups and the endcall');
      assert.deepEqual(received.map((item) => [item.event.event, item.partial]), [
        ['hangup_internal', true], ['hangup_internal', true], ['endcall', true],
      ]);
      assertMatchesExpected(received.map((item) => item.event), expectedEvents('internal_answered').slice(2));
    },
    {},
    (server) => server.channels.push(...talkingChannels()),
  );
});

test('the stale-call sweep checks idle calls with CoreShowChannels and ends those that are gone', async () => {
  await withTracker(
    async ({ server, tracker, received }) => {
      const events = transcript('internal_answered').filter((event) => event.name !== 'Hangup');
      server.channels.push(...talkingChannels());
      await server.replay(events);
      await until(() => received.length === 2, 'dial and answer; the Hangups get lost');
      const listsBefore = server.actionsNamed('CoreShowChannels').length;
      await until(() => server.actionsNamed('CoreShowChannels').length > listsBefore, 'an idle call is checked');
      assert.equal(tracker.callsInProgress, 1, 'still listed by the PBX: kept');
      server.channels.length = 0;
      await until(() => received.length === 5, 'the sweep ends it', 3000);
      assert.deepEqual(received.slice(2).map((item) => [item.event.event, item.resync]), [
        ['hangup_internal', true], ['hangup_internal', true], ['endcall', true],
      ]);
      assert.equal(tracker.correlator.stats().calls, 0);
    },
    { sweepIntervalMs: 40, staleAfterMs: 100 },
  );
});

test('without CoreShowChannels permission the sweep still bounds the tables, and says why once', async () => {
  await withTracker(
    async ({ server, tracker, received, logs }) => {
      await server.replay(transcript('internal_answered').filter((event) => event.name !== 'Hangup'));
      await until(() => received.length === 2, 'dial and answer');
      await until(() => received.length === 5, 'the call ends once idle beyond maxIdleMs', 3000);
      assert.equal(received[4].call.reason, 'stale');
      assert.equal(tracker.callsInProgress, 0);
      assert.equal(logs.filter((line) => line.includes('CoreShowChannels')).length, 1, logs.join('\n'));
    },
    { sweepIntervalMs: 30, staleAfterMs: 60, maxIdleMs: 300 },
    (server) => server.onAction('CoreShowChannels', (action, session) => session.error(action, 'Permission denied')),
  );
});

test('several nodes share one tracker: one subscription, every listener gets every event; the last release stops it', async () => {
  const server = await AmiServer.start();
  const tracker = new CallTracker(rigSettings());
  const { connection } = connect(server);
  try {
    await waitForState(connection, 'connected');
    const first: string[] = [];
    const second: string[] = [];
    tracker.onEvent((item) => first.push(item.event.event));
    const offSecond = tracker.onEvent((item) => second.push(item.event.event));
    const releaseA = tracker.attach(connection);
    const releaseB = tracker.attach(connection);
    await server.replay(transcript('internal_busy'));
    await until(() => first.length === 3, 'the busy call');
    assert.deepEqual(second, first);
    offSecond();
    releaseA();
    releaseA(); // twice is harmless
    await server.replay(transcript('internal_noanswer'));
    await until(() => first.length === 6, 'still attached through the other node');
    assert.equal(second.length, 3);
    releaseB();
    await server.replay(transcript('outbound_noanswer'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(first.length, 6, 'detached: nothing more');
  } finally {
    tracker.dispose();
    connection.close();
    await server.close();
  }
});
