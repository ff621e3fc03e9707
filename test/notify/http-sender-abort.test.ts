import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { Receiver } from '../helpers/receiver';

// A closing pbx-notify that cannot wait any longer abandons the attempts in flight
// (`abortAll`): they must end at once as retryable failures, so their items stay queued,
// and the sender must keep working for the attempts that come after.

let receiver: Receiver;
let sender: HttpSender;
const stalled: ServerResponse[] = [];

before(async () => {
  receiver = await Receiver.start();
  sender = new HttpSender({ timeout: 10_000, tlsVerify: true, maxSockets: 4 });
});
after(async () => {
  sender.close();
  for (const res of stalled) res.destroy();
  await receiver.close();
});

test('abortAll ends every attempt in flight as a retry, long before the timeout', async () => {
  receiver.respond = (_request, res) => void stalled.push(res);
  const started = Date.now();
  const attempts = [
    sender.send({ method: 'GET', url: receiver.url('/slow?n=1'), headers: {} }),
    sender.send({ method: 'POST', url: receiver.url('/slow?n=2'), headers: { 'Content-Type': 'application/json' }, body: '{"n":2}' }),
    sender.send({ method: 'GET', url: receiver.url('/slow?n=3'), headers: {} }),
  ];
  while (stalled.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  sender.abortAll();
  const outcomes = await Promise.all(attempts);
  assert.ok(Date.now() - started < 5_000, 'aborted attempts end at once, not at the 10 s timeout');
  for (const outcome of outcomes) {
    assert.equal(outcome.kind, 'retry');
    assert.match(outcome.kind === 'retry' ? outcome.reason : '', /cancel/i);
  }
});

test('after abortAll the sender delivers again; a body still goes out as it was given', async () => {
  receiver.respond = (request, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ method: request.method, body: request.body }));
  };
  const get = await sender.send({ method: 'GET', url: receiver.url('/ok'), headers: {} });
  assert.equal(get.kind, 'delivered');
  assert.deepEqual(get.kind === 'delivered' && get.response.payload, { method: 'GET', body: '' });
  const post = await sender.send({ method: 'POST', url: receiver.url('/ok'), headers: { 'Content-Type': 'application/json' }, body: ' {"a":"ž"} ' });
  assert.equal(post.kind, 'delivered');
  // axios's request transform (kept for bodies) trims a JSON body
  assert.deepEqual(post.kind === 'delivered' && post.response.payload, { method: 'POST', body: '{"a":"ž"}' });
});
