import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { AmiServer, loadTranscript } from '../../simulator';
import { AmiConnection, AmiNotConnectedError, AmiTimeoutError, DEFAULT_EVENT_MASK, NOISE_EVENTS } from '../../nodes/lib/ami/connection';
import { AmiActionError } from '../../nodes/lib/ami/connection-api';
import { UnsafeAmiValueError } from '../../nodes/lib/ami/sanitize';
import { field, parseAmiMessage, type AmiMessage } from '../../nodes/lib/ami/message';
import { sleep } from '../helpers/wait';
import { LIVE_FIXTURES, activeTimers, connect, until, waitForState, withConnection } from './helpers';

test('logs in, asks only for the classes the package needs (dialplan included) and reports connected', () => withConnection(async (server, connection, statuses) => {
  assert.deepEqual(statuses.map((s) => s.state), ['connecting', 'connected']);
  const events = server.actionsNamed('Events');
  assert.equal(events.length, 1);
  assert.equal(events[0].EventMask, DEFAULT_EVENT_MASK);
  assert.ok(DEFAULT_EVENT_MASK.split(',').includes('dialplan'));
  assert.equal(connection.amiVersion, '11.0.0');
}));

test('#1 100 actions fired in one tick each get their own response, even answered out of order', () => withConnection(async (server, connection) => {
  server.onAction('Getvar', (action, session) => {
    setTimeout(() => session.success(action, { Variable: field(action, 'Variable'), Value: `value of ${field(action, 'Variable')}` }), Math.random() * 20);
  });
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => connection.action({ Action: 'Getvar', Variable: `V${i}` })));
  answers.forEach((answer, i) => assert.equal(answer.Value, `value of V${i}`));
  const ids = server.actionsNamed('Getvar').map((action) => field(action, 'ActionID'));
  assert.equal(new Set(ids).size, 100);
}));

test('#2 repeated keys survive: Command output lines and ChanVariable come as arrays', () => withConnection(async (server, connection) => {
  const response = await connection.action({ Action: 'Command', Command: 'core show uptime' });
  assert.deepEqual(response.Output, ['System uptime: 1 minute, 6 seconds', 'Last reload: 1 minute, 6 seconds']);
  const seen: AmiMessage[] = [];
  connection.onEvent((event) => seen.push(event));
  server.broadcast({ Event: 'Newchannel', Privilege: 'call,all', Channel: 'PJSIP/101-1', ChanVariable: ['FROM_DID=800123456', 'AMPUSER=101'] });
  await until(() => seen.length === 1, 'the Newchannel event');
  assert.deepEqual(seen[0].ChanVariable, ['FROM_DID=800123456', 'AMPUSER=101']);
}));

test('#3 CoreShowChannels is collected into one result, its items kept from the event listeners', () => withConnection(async (server, connection) => {
  server.channels = [
    { Channel: 'PJSIP/101-00000000', Uniqueid: '1795491553.0', Linkedid: '1795491553.0' },
    { Channel: 'PJSIP/102-00000001', Uniqueid: '1795491553.1', Linkedid: '1795491553.0' },
  ];
  const seen: string[] = [];
  connection.onEvent((event) => seen.push(field(event, 'Event')));
  const result = await connection.actionList({ Action: 'CoreShowChannels' });
  assert.equal(result.response.EventList, 'start');
  assert.deepEqual(result.events.map((event) => event.Uniqueid), ['1795491553.0', '1795491553.1']);
  assert.equal(result.complete.Event, 'CoreShowChannelsComplete');
  assert.equal(result.complete.ListItems, '2');
  const empty = await (server.channels = [], connection.actionList({ Action: 'CoreShowChannels' }));
  assert.deepEqual(empty.events, []);
  assert.deepEqual(seen, []);
}));

test('#4 (limit of the library) events in the login read can be lost, but the resync signalled after login sees their channels', async () => {
  const server = await AmiServer.start();
  // FullyBooted goes out in the same write as the login response; the library drops it.
  server.channels = [{ Channel: 'PJSIP/101-00000000', Uniqueid: '1.0', Linkedid: '1.0' }];
  const { connection } = connect(server);
  try {
    const resynced = new Promise<string[]>((resolve, reject) => {
      connection.onConnected(() => {
        connection.actionList({ Action: 'CoreShowChannels' }).then((list) => resolve(list.events.map((e) => field(e, 'Channel'))), reject);
      });
    });
    assert.deepEqual(await resynced, ['PJSIP/101-00000000']);
  } finally {
    connection.close();
    await server.close();
  }
});

test('#5 a silent peer (socket open, no Pong) is detected by the Ping deadline and replaced', () => withConnection(async (server, connection, statuses) => {
  const resyncs: number[] = [];
  connection.onConnected(() => resyncs.push(Date.now()));
  server.goSilent();
  await until(() => statuses.some((s) => s.state === 'disconnected'), 'the dead link to be noticed');
  assert.match(statuses.find((s) => s.state === 'disconnected')!.reason ?? '', /no answer to Ping within 300 ms/);
  server.goSilent(false);
  await waitForState(connection, 'connected');
  await until(() => server.connectionCount === 1, 'the silent socket to be closed by the client');
  assert.ok(resyncs.length >= 1, 'the new link signalled a resync');
}, { pingIntervalMs: 50, pongTimeoutMs: 300 }));

test('#6 reconnects forever: back after the PBX was away for more than 30 attempts', () => withConnection(async (server, connection, statuses) => {
  await server.stopListening();
  await until(() => statuses.filter((s) => s.state === 'connecting').length > 35, 'more than 35 attempts', 5000);
  assert.equal(connection.state === 'disconnected' || connection.state === 'connecting', true);
  await server.startListening();
  await waitForState(connection, 'connected');
}, { reconnectMinMs: 2, reconnectMaxMs: 10 }));

test('backoff doubles up to its cap, with jitter', async () => {
  const server = await AmiServer.start();
  await server.stopListening();
  const { connection, statuses } = connect(server, { reconnectMinMs: 10, reconnectMaxMs: 80 });
  const stamps: number[] = [];
  connection.onStatus((status) => {
    if (status.state === 'connecting') stamps.push(Date.now());
  });
  try {
    await until(() => stamps.length >= 7, '7 attempts');
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
    // steps 20, 40, 80, 80, 80 ms (the first retry is 10): each gap in [step/2, step + slack]
    [20, 40, 80, 80, 80].forEach((step, i) => {
      assert.ok(gaps[i] >= step / 2 - 2 && gaps[i] <= step + 150, `gap ${i} = ${gaps[i]} ms for a ${step} ms step`);
    });
    assert.ok(statuses.every((s) => s.state !== 'connected'));
  } finally {
    connection.close();
    await server.close();
  }
});

test('#7 values with CR/LF and bad header names are refused before a single byte is written', () => withConnection(async (server, connection) => {
  const before = server.bytesReceived;
  await assert.rejects(connection.action({ Action: 'Originate', Channel: 'PJSIP/101', Exten: '123\r\nAction: Command\r\nCommand: core stop now' }), UnsafeAmiValueError);
  await assert.rejects(connection.action({ Action: 'Originate', Exten: '123\n' }), UnsafeAmiValueError);
  await assert.rejects(connection.action({ Action: 'Originate', 'Exten: 1\r\nAction': 'x' }), UnsafeAmiValueError);
  await assert.rejects(connection.action({ Action: 'Originate', Variable: ['A=1', 'B=2\r'] }), UnsafeAmiValueError);
  await sleep(20);
  assert.equal(server.bytesReceived, before);
  assert.equal(server.actionsNamed('Command').length, 0);
}));

test('#7 a username or secret with a line break never reaches the wire (the library writes the Login unchecked)', async () => {
  const server = await AmiServer.start();
  const { connection } = connect(server, { secret: 'admin\r\nAction: Command\r\nCommand: core stop now' });
  try {
    await waitForState(connection, 'auth_failed');
    assert.match(connection.status.reason ?? '', /line break/);
    await sleep(20);
    assert.equal(server.bytesReceived, 0);
  } finally {
    connection.close();
    await server.close();
  }
});

test('#8 a message ending in \\r\\n\\n (asterisk#761) does not swallow the next one', () => withConnection(async (server, connection) => {
  const seen: AmiMessage[] = [];
  connection.onEvent((event) => seen.push(event));
  server.terminator = '\r\n\n';
  server.broadcast({ Event: 'Newstate', Privilege: 'call,all', Channel: 'PJSIP/101-1', ChannelState: '6' });
  server.terminator = '\r\n\r\n';
  server.broadcast({ Event: 'Hangup', Privilege: 'call,all', Channel: 'PJSIP/102-2', Cause: '16' });
  await until(() => seen.length === 2, 'both events');
  assert.deepEqual(seen.map((e) => [e.Event, e.Channel]), [['Newstate', 'PJSIP/101-1'], ['Hangup', 'PJSIP/102-2']]);
  assert.equal(seen[0].Cause, undefined);
}));

test('#10 a dropped link is reported once, and close() once', () => withConnection(async (server, connection, statuses) => {
  server.dropConnections();
  await until(() => statuses.some((s) => s.state === 'disconnected'), 'the drop');
  await waitForState(connection, 'connected');
  connection.close();
  connection.close();
  assert.deepEqual(statuses.map((s) => s.state), ['connecting', 'connected', 'disconnected', 'connecting', 'connected', 'closed']);
}));

test('#12 an action while disconnected fails at once with a clear error', () => withConnection(async (server, connection) => {
  await server.stopListening();
  await until(() => connection.state !== 'connected', 'the drop');
  const started = Date.now();
  await assert.rejects(connection.action({ Action: 'Ping' }), (err: Error) => err instanceof AmiNotConnectedError && /not connected to 127\.0\.0\.1:\d+/.test(err.message));
  assert.ok(Date.now() - started < 50);
}));

test('actions waiting when the link drops fail at once, not after their timeout', () => withConnection(async (server, connection) => {
  server.onAction('Originate', () => undefined); // never answered
  const waiting = connection.action({ Action: 'Originate', Channel: 'PJSIP/101' }, { timeoutMs: 10_000 });
  await server.waitForAction('Originate');
  const started = Date.now();
  server.dropConnections();
  await assert.rejects(waiting, (err: Error) => err instanceof AmiNotConnectedError && /lost while waiting for the answer to Originate/.test(err.message));
  assert.ok(Date.now() - started < 500);
}));

test('each action has its own timeout; a slow one does not hold up the rest', () => withConnection(async (server, connection) => {
  server.onAction('Originate', () => undefined);
  const slow = connection.action({ Action: 'Originate', Channel: 'PJSIP/101' }, { timeoutMs: 100 });
  const pong = await connection.action({ Action: 'Ping' });
  assert.equal(pong.Ping, 'Pong');
  await assert.rejects(slow, (err: Error) => err instanceof AmiTimeoutError && /no answer within 100 ms/.test(err.message));
}));

test('a Response: Error rejects with AmiActionError carrying the response', () => withConnection(async (_server, connection) => {
  await assert.rejects(connection.action({ Action: 'Frobnicate' }), (err: Error) => err instanceof AmiActionError && err.response.Message === 'Invalid/unknown command');
}));

test('completeEvent: each Originate resolves with the OriginateResponse of its own ActionID', () => withConnection(async (server, connection) => {
  const reasons: Record<string, string> = { 'PJSIP/101': '4', 'PJSIP/102': '5' };
  server.onAction('Originate', (action, session) => {
    const channel = field(action, 'Channel');
    session.success(action, { Message: 'Originate successfully queued' });
    // someone else's originate first, then ours in reverse order of sending
    server.broadcast({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: 'other-client-1', Response: 'Success', Channel: channel, Reason: '4' });
    setTimeout(() => server.broadcast({
      Event: 'OriginateResponse', Privilege: 'call,all', ActionID: field(action, 'ActionID'),
      Response: reasons[channel] === '4' ? 'Success' : 'Failure', Channel: channel, Reason: reasons[channel],
    }), channel === 'PJSIP/101' ? 40 : 10);
  });
  const answered = connection.action({ Action: 'Originate', Channel: 'PJSIP/101', Async: 'true' }, { completeEvent: 'OriginateResponse' });
  const busy = connection.action({ Action: 'Originate', Channel: 'PJSIP/102', Async: 'true' }, { completeEvent: 'OriginateResponse' });
  const busyRejected = assert.rejects(busy, (err: Error) => err instanceof AmiActionError && err.response.Reason === '5' && err.response.Channel === 'PJSIP/102');
  const result = await answered;
  assert.equal(result.Channel, 'PJSIP/101');
  assert.equal(result.Reason, '4');
  await busyRejected;
}));

test('completeEvent: an OriginateResponse that overtakes the ack still completes the action', () => withConnection(async (server, connection) => {
  server.onAction('Originate', (action, session) => {
    session.emit({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: field(action, 'ActionID'), Response: 'Failure', Reason: '0' });
    session.success(action, { Message: 'Originate successfully queued' });
  });
  await assert.rejects(connection.action({ Action: 'Originate', Channel: 'Nope/1', Async: 'true' }, { completeEvent: 'OriginateResponse' }), (err: Error) => err instanceof AmiActionError && err.response.Reason === '0');
}));

test('noise (RTCP, security events, Newexten) is dropped unparsed; a raw listener still gets everything', () => withConnection(async (server, connection) => {
  const file = path.join(LIVE_FIXTURES, 'internal_answered.ami');
  const recorded = loadTranscript(file);
  const events: string[] = [];
  const raw: string[] = [];
  connection.onEvent((event) => events.push(field(event, 'Event')));
  const stopRaw = connection.onEvent((event) => raw.push(field(event, 'Event')), { raw: true });
  await server.replay(file, { write: { chunkSize: 65536 } });
  await until(() => raw.length === recorded.length, 'every recorded event on the raw listener');
  assert.deepEqual(raw, recorded.map((event) => event.name));
  assert.deepEqual(events, recorded.map((event) => event.name).filter((name) => !NOISE_EVENTS.has(name)));
  assert.ok(events.includes('VarSet'));
  stopRaw();
  const dropped = connection.stats.dropped;
  await server.replay(file);
  await until(() => connection.stats.dropped - dropped === recorded.filter((e) => NOISE_EVENTS.has(e.name)).length, 'noise dropped without a raw listener');
}, { eventMask: 'on' }));

test('with the default mask the PBX itself leaves out security and RTCP events', () => withConnection(async (server, connection) => {
  const events: string[] = [];
  connection.onEvent((event) => events.push(field(event, 'Event')), { raw: true });
  const sent = await server.replay(path.join(LIVE_FIXTURES, 'internal_answered.ami'));
  await until(() => events.length === sent, 'the replay');
  assert.ok(!events.some((name) => name === 'SuccessfulAuth' || name.startsWith('RTCP')));
  assert.ok(events.includes('Newexten')); // dialplan class is kept: Newexten comes, and is dropped by us
}));

for (const write of ['whole', { chunkSize: 65536 }, 'per-message', { chunkSize: 7 }] as const) {
  test(`a recording arrives complete and in order whatever the TCP reads (${JSON.stringify(write)})`, () => withConnection(async (server, connection) => {
    const file = path.join(LIVE_FIXTURES, 'concurrent_10_calls.ami');
    const expected = loadTranscript(file).filter((e) => e.classes.every((c) => DEFAULT_EVENT_MASK.split(',').includes(c)) && !NOISE_EVENTS.has(e.name));
    const seen: AmiMessage[] = [];
    connection.onEvent((event) => seen.push(event));
    await server.replay(file, { write });
    await until(() => seen.length >= expected.length, `${expected.length} events`, 10_000);
    assert.deepEqual(seen.map((e) => `${field(e, 'Event')} ${field(e, 'Uniqueid')}`), expected.map((e) => `${e.name} ${field(parseAmiMessage(e.text), 'Uniqueid')}`));
  }));
}

test('a refused login is reported as auth_failed, retried slowly and logged once', () => withConnection(async (server, connection, statuses, logs) => {
  server.refuseLogins();
  server.dropConnections();
  await waitForState(connection, 'auth_failed');
  assert.equal(connection.status.reason, 'Authentication failed');
  const attemptsBefore = server.actionsNamed('Login').length;
  await sleep(1000);
  const attempts = server.actionsNamed('Login').length - attemptsBefore;
  assert.ok(attempts >= 2 && attempts <= 25, `${attempts} login attempts in a second with authRetryMs 100 (never faster than 50 ms apart)`);
  assert.equal(logs.filter((line) => line.includes('refused')).length, 1);
  assert.ok(statuses.filter((s) => s.state === 'auth_failed').length >= 1);
  server.refuseLogins(false);
  await waitForState(connection, 'connected');
}, { authRetryMs: 100 }));

test('a server that accepts TCP but never answers the login is given up on after connectTimeoutMs', async () => {
  const server = await AmiServer.start();
  server.goSilent();
  const { connection, statuses } = connect(server, { connectTimeoutMs: 100 });
  try {
    await until(() => statuses.some((s) => s.state === 'disconnected'), 'the login timeout');
    assert.match(statuses.find((s) => s.state === 'disconnected')!.reason ?? '', /no answer to the login within 100 ms/);
    server.goSilent(false);
    await waitForState(connection, 'connected');
  } finally {
    connection.close();
    await server.close();
  }
});

test('server killed and restarted: reconnected, and onConnected signals the resync again', () => withConnection(async (server, connection) => {
  let resyncs = 0;
  connection.onConnected(() => resyncs++);
  await server.stopListening();
  await until(() => connection.state !== 'connected', 'the drop');
  await sleep(50);
  await server.startListening();
  await waitForState(connection, 'connected');
  assert.equal(resyncs, 1);
  assert.equal((await connection.action({ Action: 'Ping' })).Ping, 'Pong');
}));

test('close() leaves no timer and no socket behind', async () => {
  const timersBefore = activeTimers();
  const server = await AmiServer.start();
  const { connection } = connect(server, { pingIntervalMs: 20 });
  await waitForState(connection, 'connected');
  server.onAction('Originate', () => undefined);
  const waiting = connection.action({ Action: 'Originate', Channel: 'PJSIP/101' }).catch((err: Error) => err);
  await server.waitForAction('Originate');
  connection.close();
  assert.ok((await waiting) instanceof AmiNotConnectedError);
  await until(() => server.connectionCount === 0, 'the socket to close');
  await sleep(10); // the library clears its listeners on a 1 ms timer
  assert.equal(activeTimers(), timersBefore);
  await server.close();
});

test('close() while still connecting stops the attempt and every retry', async () => {
  const server = await AmiServer.start();
  await server.stopListening();
  const timersBefore = activeTimers();
  const connection = new AmiConnection({ host: '127.0.0.1', port: server.port, username: 'admin', secret: 'admin', reconnectMinMs: 5 });
  connection.start();
  await sleep(30);
  connection.close();
  await sleep(20);
  assert.equal(connection.state, 'closed');
  assert.equal(activeTimers(), timersBefore);
  await server.close();
});
