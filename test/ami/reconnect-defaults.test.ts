import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiServer } from '../../simulator';
import { AmiConnection, authRetryDelayMs, reconnectDelayMs } from '../../nodes/lib/ami/connection';
import type { AmiState } from '../../nodes/lib/ami/connection-api';
import { sleep } from '../helpers/wait';
import { until, waitForState } from './helpers';

// The timings README and docs/ami-connection.md promise: reconnect after 0.5–1 s, doubling up
// to 30 s; a refused login retried every 30–60 s. The other tests shorten them; these do not.

/** Just under 1: the largest jitter Math.random() can give. */
const ALMOST_ONE = 1 - Number.EPSILON;

test('reconnect delay with the defaults: 0.5–1 s at first, the step doubling per failed attempt', () => {
  [1_000, 2_000, 4_000, 8_000, 16_000].forEach((step, attempt) => {
    assert.equal(reconnectDelayMs(attempt, 0), step / 2, `attempt ${attempt}, no jitter`);
    assert.ok(Math.abs(reconnectDelayMs(attempt, ALMOST_ONE) - step) < 1e-6, `attempt ${attempt}, full jitter`);
  });
});

test('reconnect delay is jittered between half and all of its step', () => {
  assert.equal(reconnectDelayMs(2, 0), 2_000);
  assert.equal(reconnectDelayMs(2, 0.5), 3_000);
  assert.equal(reconnectDelayMs(2, 0.25), 2_500);
  const delays = new Set(Array.from({ length: 20 }, () => reconnectDelayMs(3, Math.random())));
  assert.ok(delays.size > 1, 'Math.random() gives different delays');
  for (const delay of delays) assert.ok(delay >= 4_000 && delay <= 8_000, `${delay} ms`);
});

test('reconnect delay never exceeds 30 s, however many attempts failed', () => {
  for (const attempt of [5, 6, 10, 30, 31, 100, 1_000, 1e9]) {
    for (const random of [0, 0.5, ALMOST_ONE]) {
      const delay = reconnectDelayMs(attempt, random);
      assert.ok(Number.isFinite(delay) && delay >= 15_000 && delay <= 30_000, `attempt ${attempt}, random ${random}: ${delay} ms`);
    }
  }
  assert.equal(reconnectDelayMs(5, 0), 15_000, 'the step is capped at 30 s from the sixth attempt on');
});

test('after a refused login the delay is 30–60 s', () => {
  assert.equal(authRetryDelayMs(0), 30_000);
  assert.equal(authRetryDelayMs(0.5), 45_000);
  assert.ok(Math.abs(authRetryDelayMs(ALMOST_ONE) - 60_000) < 1e-6);
  for (let i = 0; i < 20; i++) {
    const delay = authRetryDelayMs(Math.random());
    assert.ok(delay >= 30_000 && delay <= 60_000, `${delay} ms`);
  }
});

/** A connection with the package's own timings (no test overrides), recording its states with their time. */
function connectWithDefaults(server: AmiServer): { connection: AmiConnection; states: Array<{ state: AmiState; at: number }> } {
  const connection = new AmiConnection({ host: '127.0.0.1', port: server.port, username: 'admin', secret: 'admin' });
  const states: Array<{ state: AmiState; at: number }> = [];
  connection.onStatus((status) => states.push({ state: status.state, at: Date.now() }));
  connection.start();
  return { connection, states };
}

test('with the default timings a refused login is not tried again within 2 s, and the status says auth failed', async () => {
  const server = await AmiServer.start();
  server.refuseLogins();
  const { connection } = connectWithDefaults(server);
  try {
    await waitForState(connection, 'auth_failed');
    assert.equal(connection.status.reason, 'Authentication failed');
    assert.equal(server.actionsNamed('Login').length, 1);
    await sleep(2_000);
    assert.equal(server.actionsNamed('Login').length, 1, 'a second Login within 2 s');
    assert.equal(connection.state, 'auth_failed');
    assert.equal(connection.status.reason, 'Authentication failed');
  } finally {
    connection.close();
    await server.close();
  }
});

test('with the default timings the first reconnect after a refused TCP connect comes 0.5–1 s later', async () => {
  const server = await AmiServer.start();
  await server.stopListening();
  const { connection, states } = connectWithDefaults(server);
  try {
    const attempts = (): number[] => states.filter((s) => s.state === 'connecting').map((s) => s.at);
    await until(() => attempts().length >= 2, 'a second attempt', 5_000);
    const gap = attempts()[1] - attempts()[0];
    // A timer never fires early; late by up to 1.5 s on a busy machine.
    assert.ok(gap >= 495 && gap <= 2_500, `${gap} ms between the first two attempts`);
  } finally {
    connection.close();
    await server.close();
  }
});
