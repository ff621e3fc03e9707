import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../helpers/wait';
import { withConnection } from './helpers';

// A Pong queued behind a burst of events arrives late although the link is healthy: Asterisk
// writes in order, and the client reads the burst first. Dropping such a link loses the events
// still in flight (BENCHMARKS.md, scaling with 5 PBXs under load).
test('a late Pong while events keep arriving does not drop the connection', () => withConnection(async (server, connection, statuses) => {
  server.onAction('Ping', (action, session) => {
    setTimeout(() => session.success(action, { Ping: 'Pong' }), 800);
  });
  let events = 0;
  connection.onEvent(() => events++);
  const burst = setInterval(() => server.broadcast({ Event: 'Newstate', Privilege: 'call,all', Channel: 'PJSIP/101-00000001', Uniqueid: '1795491291.1' }), 40);
  try {
    await sleep(1500);
  } finally {
    clearInterval(burst);
  }
  assert.deepEqual(statuses.map((s) => s.state), ['connecting', 'connected']);
  assert.ok(events > 20, `events kept coming (${events})`);
}, { pingIntervalMs: 50, pongTimeoutMs: 300 }));
