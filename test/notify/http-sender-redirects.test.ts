import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { Receiver, type ReceivedRequest } from '../helpers/receiver';

// docs/pbx-notify.md: the output's statusCode is "anything below 400, after at most 5 redirects".
// The sender follows redirects itself (axios runs with maxRedirects 0); these tests pin down the
// rules it keeps from follow-redirects, which axios used before.

let receiver: Receiver;
let elsewhere: Receiver;
let sender: HttpSender;

/** `/hop/N` redirects with `status` to `/hop/N-1`; `/hop/0` answers 200 with its method and body. */
function hops(status: number): (request: ReceivedRequest, res: import('node:http').ServerResponse) => void {
  return (request, res) => {
    const match = /^\/hop\/(\d+)/.exec(request.url);
    const left = match ? Number(match[1]) : 0;
    if (left > 0) {
      res.writeHead(status, { Location: `/hop/${left - 1}` });
      res.end('moved');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ method: request.method, body: request.body }));
  };
}

before(async () => {
  receiver = await Receiver.start();
  elsewhere = await Receiver.start();
  sender = new HttpSender({ timeout: 2000, tlsVerify: true, maxSockets: 2, token: 's3cr3t' });
});
after(async () => {
  sender.close();
  await receiver.close();
  await elsewhere.close();
});

test('a GET redirected (relative Location) is delivered with the final answer', async () => {
  receiver.respond = hops(302);
  const from = receiver.requests.length;
  const outcome = await sender.send({ method: 'GET', url: receiver.url('/hop/2?id=1'), headers: {} });
  assert.equal(outcome.kind, 'delivered');
  assert.equal(outcome.response?.statusCode, 200);
  assert.deepEqual(outcome.response?.payload, { method: 'GET', body: '' });
  assert.deepEqual(receiver.requests.slice(from).map((r) => r.url), ['/hop/2?id=1', '/hop/1', '/hop/0']);
});

test('303 turns a POST into a GET without body nor Content-Type; 307 and 308 repeat the POST', async () => {
  const post = { method: 'POST' as const, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'event=dial' };
  receiver.respond = hops(303);
  let from = receiver.requests.length;
  let outcome = await sender.send({ ...post, url: receiver.url('/hop/1') });
  assert.deepEqual(outcome.response?.payload, { method: 'GET', body: '' });
  assert.equal(receiver.requests[from + 1].headers['content-type'], undefined);
  for (const status of [307, 308]) {
    receiver.respond = hops(status);
    from = receiver.requests.length;
    outcome = await sender.send({ ...post, url: receiver.url('/hop/1') });
    assert.deepEqual(outcome.response?.payload, { method: 'POST', body: 'event=dial' }, `${status}`);
    assert.equal(receiver.requests[from + 1].headers['content-type'], 'application/x-www-form-urlencoded', `${status}`);
  }
});

test('5 redirects are followed; a 6th is refused (not retried)', async () => {
  receiver.respond = hops(301);
  assert.equal((await sender.send({ method: 'GET', url: receiver.url('/hop/5'), headers: {} })).kind, 'delivered');
  const from = receiver.requests.length;
  const outcome = await sender.send({ method: 'GET', url: receiver.url('/hop/6'), headers: {} });
  assert.equal(outcome.kind, 'refused');
  assert.match(outcome.kind === 'refused' ? outcome.reason : '', /ERR_FR_TOO_MANY_REDIRECTS/);
  assert.equal(receiver.requests.length - from, 6, 'the 6th redirect is not followed');
});

test('credentials follow a redirect on the same host, not to another host', async () => {
  receiver.respond = (request, res) => {
    if (request.url === '/there') res.writeHead(204);
    else res.writeHead(302, { Location: request.url === '/same' ? '/there' : elsewhere.url('/there') });
    res.end();
  };
  elsewhere.respond = (_request, res) => {
    res.writeHead(204);
    res.end();
  };
  await sender.send({ method: 'GET', url: receiver.url('/same'), headers: { Cookie: 'a=1' } });
  const same = receiver.requests.at(-1)!;
  assert.equal(same.url, '/there');
  assert.equal(same.headers.authorization, 'Bearer s3cr3t');
  assert.equal(same.headers.cookie, 'a=1');
  const outcome = await sender.send({ method: 'GET', url: receiver.url('/away'), headers: { Cookie: 'a=1' } });
  assert.equal(outcome.response?.statusCode, 204);
  const away = elsewhere.requests.at(-1)!;
  assert.equal(away.url, '/there');
  assert.equal(away.headers.authorization, undefined, 'no token for another host');
  assert.equal(away.headers.cookie, undefined);
});

test('a 3xx without Location is the final answer (below 400: delivered)', async () => {
  receiver.respond = (_request, res) => {
    res.writeHead(304);
    res.end();
  };
  const outcome = await sender.send({ method: 'GET', url: receiver.url('/cached'), headers: {} });
  assert.equal(outcome.kind, 'delivered');
  assert.equal(outcome.response?.statusCode, 304);
});
