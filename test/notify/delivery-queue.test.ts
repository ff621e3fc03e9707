import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeliveryError, DeliveryQueue, QueueFullError, type DeliveryQueueOptions, type QueuedItem } from '../../nodes/lib/notify/delivery-queue';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { readNotifySettings } from '../../nodes/lib/notify/notify-settings';
import { FileQueueStore } from '../../nodes/lib/notify/queue-store';
import { createRequestBuilder } from '../../nodes/lib/notify/request-builder';
import { sleep, until as waitUntil } from '../helpers/wait';
import { queryPairs, Receiver, type ReceivedRequest, type Responder } from '../helpers/receiver';

/** Everything a test opened, closed after it whatever happens. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-notify-queue-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Outcomes {
  delivered: Array<QueuedItem<unknown>>;
  failed: Array<{ item: QueuedItem<unknown>; error: DeliveryError }>;
}

async function receiverWith(respond?: Responder): Promise<Receiver> {
  const receiver = await Receiver.start(respond);
  cleanups.push(() => receiver.close());
  return receiver;
}

/** A queue sending for real (axios over HTTP) to `url`, with fast, deterministic backoff. */
function queueTo(url: string, options: Partial<DeliveryQueueOptions<unknown>> = {}, initial: Array<QueuedItem<unknown>> = []) {
  const sender = new HttpSender({ timeout: 1000, tlsVerify: true, maxSockets: 8 });
  const builder = createRequestBuilder(readNotifySettings({ url }));
  const outcomes: Outcomes = { delivered: [], failed: [] };
  const queue = new DeliveryQueue<unknown>({
    send: (request) => sender.send(request),
    limit: 1000,
    maxAgeMs: 60_000,
    backoff: { baseDelayMs: 20, maxDelayMs: 100, jitter: 0 },
    onDelivered: (item) => outcomes.delivered.push(item),
    onFailed: (item, error) => outcomes.failed.push({ item, error }),
    ...options,
  }, initial);
  cleanups.push(async () => {
    await queue.stop();
    sender.close();
  });
  const notify = (payload: Record<string, string>) =>
    queue.enqueue({ lane: `call:${payload.call_id}`, request: builder.build({ payload }), message: { payload } });
  return { queue, outcomes, notify };
}

/** Deliveries retry with back-off: wait up to 10 s unless told. */
const until = (check: () => boolean, timeoutMs = 10_000): Promise<void> => waitUntil(check, 'a condition', timeoutMs);

const field = (request: ReceivedRequest, name: string) => queryPairs(request.url).find(([k]) => k === name)?.[1];

test('receiver down, then answering 500, then recovering: every notification arrives once, in order per call', async () => {
  let failing = true;
  const accepted: ReceivedRequest[] = [];
  const receiver = await receiverWith((req, res) => {
    if (!failing) accepted.push(req);
    res.writeHead(failing ? 500 : 200);
    res.end(failing ? 'busy' : 'ok');
  });
  await receiver.down();
  const { queue, outcomes, notify } = queueTo(receiver.url('/'));
  const calls = ['1700000000.1', '1700000000.2', '1700000000.3'];
  const events = ['dial', 'answer_internal', 'hangup_internal', 'endcall'];
  for (const event of events) for (const call_id of calls) notify({ event, call_id });

  await sleep(250); // connection refused for a while
  await receiver.up();
  await until(() => receiver.requests.length >= 6); // answered 500 for a while
  failing = false;
  await until(() => queue.size === 0);

  assert.equal(outcomes.failed.length, 0);
  assert.equal(outcomes.delivered.length, 12);
  assert.equal(accepted.length, 12, 'each notification accepted once, none twice');
  for (const call_id of calls) {
    const order = accepted.filter((r) => field(r, 'call_id') === call_id).map((r) => field(r, 'event'));
    assert.deepEqual(order, events, `order of call ${call_id}`);
  }
  const firsts = outcomes.delivered.filter((item) => item.message.payload && (item.message.payload as { event: string }).event === 'dial');
  assert.ok(firsts.every((item) => item.attempts >= 3), 'the first of each call was refused, then answered 500, then delivered');
});

test('Retry-After in seconds is honoured instead of the (much shorter) backoff', async () => {
  let answered = 0;
  const receiver = await receiverWith((_req, res) => {
    answered += 1;
    if (answered === 1) res.writeHead(503, { 'Retry-After': '1' });
    else res.writeHead(200);
    res.end();
  });
  const { outcomes, notify } = queueTo(receiver.url('/'));
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.delivered.length === 1);
  const gap = receiver.requests[1].at - receiver.requests[0].at;
  assert.ok(gap >= 990, `waited ${gap} ms`);
  assert.ok(gap < 3000, `waited ${gap} ms`);
  assert.equal(outcomes.delivered[0].attempts, 2);
});

test('Retry-After as an HTTP date on a 429 is honoured', async () => {
  let answered = 0;
  const receiver = await receiverWith((_req, res) => {
    answered += 1;
    // HTTP dates have whole seconds: 2 s ahead means at least 1 s from now
    if (answered === 1) res.writeHead(429, { 'Retry-After': new Date(Date.now() + 2000).toUTCString() });
    else res.writeHead(200);
    res.end();
  });
  const { outcomes, notify } = queueTo(receiver.url('/'));
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.delivered.length === 1);
  const gap = receiver.requests[1].at - receiver.requests[0].at;
  assert.ok(gap >= 990, `waited ${gap} ms`);
});

test('408 is retried like a 5xx', async () => {
  let answered = 0;
  const receiver = await receiverWith((_req, res) => {
    answered += 1;
    res.writeHead(answered === 1 ? 408 : 204);
    res.end();
  });
  const { outcomes, notify } = queueTo(receiver.url('/'));
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.delivered.length === 1);
  assert.equal(receiver.requests.length, 2);
});

test('another 4xx is not retried: the item fails at once with the response attached', async () => {
  const receiver = await receiverWith((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":"unknown call"}');
  });
  const { queue, outcomes, notify } = queueTo(receiver.url('/'));
  notify({ event: 'dial', call_id: '1' });
  notify({ event: 'endcall', call_id: '1' });
  await until(() => outcomes.failed.length === 2);
  assert.equal(receiver.requests.length, 2, 'one request each, no retry');
  assert.equal(outcomes.failed[0].error.response?.statusCode, 404);
  assert.deepEqual(outcomes.failed[0].error.response?.payload, { error: 'unknown call' });
  assert.match(outcomes.failed[0].error.message, /HTTP 404 \(not retried\)/);
  assert.equal(queue.size, 0);
});

test('a receiver that never answers in time is retried after the timeout', async () => {
  let answered = 0;
  const receiver = await receiverWith((_req, res) => {
    answered += 1;
    if (answered > 1) {
      res.writeHead(200);
      res.end();
    } // the first request hangs
  });
  const sender = new HttpSender({ timeout: 150, tlsVerify: true, maxSockets: 2 });
  cleanups.push(() => sender.close());
  const { outcomes, notify } = queueTo(receiver.url('/'), { send: (r) => sender.send(r) });
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.delivered.length === 1);
  assert.equal(outcomes.delivered[0].attempts, 2);
});

test('calls proceed side by side: a slow call does not hold up another call', async () => {
  const receiver = await receiverWith((req, res) => {
    const slow = req.url.includes('call_id=slow');
    setTimeout(() => {
      res.writeHead(200);
      res.end();
    }, slow ? 400 : 0);
  });
  const { outcomes, notify } = queueTo(receiver.url('/'));
  notify({ event: 'dial', call_id: 'slow' });
  notify({ event: 'dial', call_id: 'fast' });
  notify({ event: 'endcall', call_id: 'fast' });
  await until(() => outcomes.delivered.length === 3);
  assert.deepEqual(outcomes.delivered.map((i) => i.lane), ['call:fast', 'call:fast', 'call:slow']);
});

test('no more than `concurrency` requests are in flight at once', async () => {
  let open = 0;
  let most = 0;
  const receiver = await receiverWith((_req, res) => {
    open += 1;
    most = Math.max(most, open);
    setTimeout(() => {
      open -= 1;
      res.writeHead(200);
      res.end();
    }, 100);
  });
  const { outcomes, notify } = queueTo(receiver.url('/'), { concurrency: 3 });
  for (let i = 0; i < 12; i++) notify({ event: 'dial', call_id: String(i) });
  await until(() => outcomes.delivered.length === 12);
  assert.equal(most, 3);
});

test('a full queue refuses the new notification and keeps every queued one', async () => {
  const receiver = await receiverWith();
  await receiver.down();
  const { queue, outcomes, notify } = queueTo(receiver.url('/'), { limit: 3 });
  notify({ event: 'dial', call_id: '1' });
  notify({ event: 'dial', call_id: '2' });
  notify({ event: 'dial', call_id: '3' });
  assert.throws(() => notify({ event: 'dial', call_id: '4' }), QueueFullError);
  assert.equal(queue.size, 3);
  await receiver.up();
  await until(() => outcomes.delivered.length === 3);
  assert.deepEqual(outcomes.delivered.map((i) => i.lane).sort(), ['call:1', 'call:2', 'call:3']);
  assert.equal(outcomes.failed.length, 0);
  notify({ event: 'dial', call_id: '4' }); // room again
});

test('after maxAge the notification is given up with the last error, and the next of its call still goes', async () => {
  const receiver = await receiverWith();
  await receiver.down();
  const { outcomes, notify } = queueTo(receiver.url('/'), { maxAgeMs: 300 });
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.failed.length === 1);
  assert.match(outcomes.failed[0].error.message, /gave up after \d+ attempts \(maxAge reached\): .*ECONNREFUSED/);
  assert.ok(outcomes.failed[0].error.attempts >= 2);
  await receiver.up();
  notify({ event: 'endcall', call_id: '1' });
  await until(() => outcomes.delivered.length === 1);
});

test('a Retry-After longer than maxAge gives up at once instead of waiting in vain', async () => {
  const receiver = await receiverWith((_req, res) => {
    res.writeHead(503, { 'Retry-After': '3600' });
    res.end();
  });
  const { outcomes, notify } = queueTo(receiver.url('/'), { maxAgeMs: 60_000 });
  notify({ event: 'dial', call_id: '1' });
  await until(() => outcomes.failed.length === 1);
  assert.match(outcomes.failed[0].error.message, /Retry-After 3600 s reaches past maxAge/);
  assert.equal(receiver.requests.length, 1);
});

test('persisted queue: a restart delivers everything that was queued, each once, in order', async () => {
  const file = path.join(tmp, 'restart.json');
  const receiver = await receiverWith();
  await receiver.down();
  const first = queueTo(receiver.url('/'), { store: new FileQueueStore(file) });
  for (const event of ['dial', 'answer_internal', 'endcall']) first.notify({ event, call_id: 'A' });
  first.notify({ event: 'dial', call_id: 'B' });
  await sleep(50);
  const left = await first.queue.stop(); // Node-RED stops (redeploy or shutdown)
  assert.equal(left.length, 4);
  const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as { items: Array<{ lane: string; message: { payload: { event: string } } }> };
  assert.deepEqual(onDisk.items.map((i) => `${i.lane}/${i.message.payload.event}`), ['call:A/dial', 'call:A/answer_internal', 'call:A/endcall', 'call:B/dial']);

  await receiver.up();
  const store = new FileQueueStore(file);
  const second = queueTo(receiver.url('/'), { store }, store.load());
  await until(() => second.outcomes.delivered.length === 4);
  await store.flush();
  assert.deepEqual(receiver.requests.filter((r) => field(r, 'call_id') === 'A').map((r) => field(r, 'event')), ['dial', 'answer_internal', 'endcall']);
  assert.equal(receiver.requests.length, 4, 'none twice');
  assert.equal(fs.existsSync(file), false, 'an empty queue leaves no file');

  await second.queue.stop();
  const third = new FileQueueStore(file);
  assert.deepEqual(third.load(), [], 'acknowledged notifications are not sent again after another restart');
});

test('persisted queue: the file is written as notifications are queued, before any stop (crash safety)', async () => {
  const file = path.join(tmp, 'crash.json');
  const receiver = await receiverWith();
  await receiver.down();
  const store = new FileQueueStore(file);
  const { notify } = queueTo(receiver.url('/'), { store });
  notify({ event: 'dial', call_id: 'C' });
  notify({ event: 'endcall', call_id: 'C' });
  await store.flush();
  const items = new FileQueueStore(file).load();
  assert.deepEqual(items.map((i) => (i.message.payload as { event: string }).event), ['dial', 'endcall']);
  assert.ok(!fs.readdirSync(tmp).some((f) => f.endsWith('.tmp')), 'no temporary file left behind');
});

test('an unreadable queue file is moved aside and the queue starts empty', () => {
  const file = path.join(tmp, 'corrupt.json');
  fs.writeFileSync(file, '{"version":1,"items":[{"id":');
  const errors: string[] = [];
  const store = new FileQueueStore(file, (m) => errors.push(m));
  assert.deepEqual(store.load(), []);
  assert.equal(errors.length, 1);
  assert.ok(fs.readdirSync(tmp).some((f) => f.startsWith('corrupt.json.corrupt-')));
});
