import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import { attachHttpSource } from '../../nodes/pbx-event-http-source';
import { collect, errorsLoggedBy, serveApp, statusesOf, type Msg, type ServedApp } from '../helpers/node-red';
import { sleep, until } from '../helpers/wait';
import { DIAL_PAYLOAD, DIAL_QUERY, ENDCALL_PAYLOAD, ENDCALL_QUERY } from '../helpers/vendor-examples';

/**
 * The PBX-push endpoint in a real Node-RED runtime. A small test-only node hosts it, as
 * `pbx-event` does for `source: http`, and Node-RED's HTTP node app (RED.httpNode) is
 * served on 127.0.0.1 like the runtime's own server.
 */
helper.init(require.resolve('node-red'));

const TOKEN = 'pbx-s3cret';
let RED: NodeAPI;
let served: ServedApp | undefined;
let base = '';

function testNode(red: NodeAPI): void {
  RED = red;
  function PbxPushTest(this: Node<{ token?: string }>, config: NodeDef & { path?: string; allow?: string }) {
    red.nodes.createNode(this, config);
    const detach = attachHttpSource(red, this, config, this.credentials ?? {}, (msg) =>
      this.send({ ...msg, pbx: { id: 'cfg', name: 'Main PBX' } } as NodeMessage));
    this.on('close', (_removed: boolean, done: () => void) => {
      detach();
      done();
    });
  }
  red.nodes.registerType<Node<{ token?: string }>, NodeDef & { path?: string; allow?: string }, unknown, { token?: string }>(
    'pbx-push-test', PbxPushTest, { credentials: { token: { type: 'password' } } });
}

/** Deploys the endpoint; `token: null` deploys it without a token. */
async function start(config: Record<string, unknown> = {}, token: string | null = TOKEN): Promise<Msg[]> {
  await helper.load(testNode, [
    { id: 'src', type: 'pbx-push-test', wires: [['out']], ...config },
    { id: 'out', type: 'helper' },
  ], token === null ? {} : { src: { token } });
  served = await serveApp(RED.httpNode);
  base = served.base;
  return collect('out');
}

/** Undeploys the endpoint and stops serving. */
async function stop(): Promise<void> {
  await helper.unload();
  await served?.close();
  served = undefined;
}

afterEach(stop);

async function request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  return { status: res.status, text: await res.text() };
}

test("GET in the vendor's 2016 style (?event=, token in the query) gives the AMI source's message shape", async () => {
  const got = await start();
  const res = await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`);
  assert.equal(res.status, 200);
  await until(() => got.length === 1);
  assert.equal(got[0].topic, 'dial');
  assert.deepEqual(Object.entries(got[0].payload as object), Object.entries(DIAL_PAYLOAD));
  assert.deepEqual(got[0].pbx, { id: 'cfg', name: 'Main PBX' });
});

test('POST with a form body and the token in the X-PBX-Token header', async () => {
  const got = await start();
  const res = await request('/pbx/events', {
    method: 'POST',
    headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: ENDCALL_QUERY,
  });
  assert.equal(res.status, 200);
  await until(() => got.length === 1);
  assert.equal(got[0].topic, 'endcall');
  assert.deepEqual(Object.entries(got[0].payload as object), Object.entries(ENDCALL_PAYLOAD));
});

test('POST with a JSON body', async () => {
  const got = await start();
  const res = await request('/pbx/events', {
    method: 'POST',
    headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify(DIAL_PAYLOAD),
  });
  assert.equal(res.status, 200);
  await until(() => got.length === 1);
  assert.deepEqual(got[0].payload, DIAL_PAYLOAD);
});

test('one path per event (2019+): /pbx/events/<event>, names and fields as the PBX sent them', async () => {
  const got = await start();
  assert.equal((await request(`/pbx/events/start_call?token=${TOKEN}&call_id=1.5&caller_num=758&line_num=10`)).status, 200);
  assert.equal((await request('/pbx/events/answered_internal', {
    method: 'POST',
    headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'call_id=1.5&line_num=10&line_name=Reception&direction=incoming',
  })).status, 200);
  await until(() => got.length === 2);
  assert.deepEqual(got.map((m) => m.topic), ['start_call', 'answered_internal']);
  assert.deepEqual(got[0].payload, { event: 'start_call', call_id: '1.5', caller_num: '758', line_num: '10' });
  assert.deepEqual(got[1].payload, { event: 'answered_internal', call_id: '1.5', line_num: '10', line_name: 'Reception', direction: 'incoming' });
});

test('a configured path is used instead of the default', async () => {
  const got = await start({ path: 'crm/pbx-hook/' });
  assert.equal((await request(`/crm/pbx-hook?token=${TOKEN}&event=dial&call_id=1`)).status, 200);
  assert.equal((await request(`/pbx/events?token=${TOKEN}&event=dial&call_id=1`)).status, 404);
  await until(() => got.length === 1);
});

test('no token, or a wrong one, is refused with 401 and nothing is emitted; the status turns red', async () => {
  const got = await start();
  assert.equal((await request(`/pbx/events?${DIAL_QUERY}`)).status, 401);
  assert.equal((await request(`/pbx/events?token=guess&${DIAL_QUERY}`)).status, 401);
  assert.equal((await request('/pbx/events', { method: 'POST', headers: { 'X-PBX-Token': 'guess', 'Content-Type': 'application/json' }, body: '{"event":"dial"}' })).status, 401);
  await sleep(50);
  assert.equal(got.length, 0);
  const last = statusesOf('src').at(-1);
  assert.equal(last?.fill, 'red');
  assert.match(last?.text ?? '', /^401/);
});

test('without a token and without an allowlist the endpoint refuses everything (401)', async () => {
  const got = await start({}, null);
  const res = await request(`/pbx/events?${DIAL_QUERY}`);
  assert.equal(res.status, 401);
  assert.match(res.text, /neither a token nor an allowlist/);
  assert.equal(got.length, 0);
});

test('garbage is answered 400: bad JSON, broken escapes, no event', async () => {
  const got = await start();
  const post = (body: string, type: string) => request('/pbx/events', { method: 'POST', headers: { 'X-PBX-Token': TOKEN, 'Content-Type': type }, body });
  assert.equal((await post('{"event": "dial", ', 'application/json')).status, 400);
  assert.equal((await post('event=dial&x=%G1', 'application/x-www-form-urlencoded')).status, 400);
  assert.equal((await post('call_id=1', 'application/x-www-form-urlencoded')).status, 400);
  assert.equal((await request(`/pbx/events/${encodeURIComponent('<b>')}?token=${TOKEN}`)).status, 400);
  await sleep(50);
  assert.equal(got.length, 0);
});

test('a 1 MB body is answered 413, and the runtime carries on serving', async () => {
  const got = await start();
  const huge = `event=dial&blob=${'a'.repeat(1024 * 1024)}`;
  const res = await request('/pbx/events', { method: 'POST', headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: huge });
  assert.equal(res.status, 413);
  const chunked = await new Promise<number>((resolve, reject) => {
    // no Content-Length: the limit is enforced while reading
    const req = http.request(`${base}/pbx/events`, { method: 'POST', headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 16; i++) req.write(Buffer.alloc(64 * 1024, 0x20));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.equal((await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
});

test('allowlist: a client outside it gets 403 even with the token; inside it is served', async () => {
  let got = await start({ allow: '10.0.0.0/8, 192.168.0.0/16' });
  assert.equal((await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 403);
  await stop();
  got = await start({ allow: '10.0.0.0/8, 127.0.0.1' });
  assert.equal((await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
});

test('an allowlist alone (no token) protects the endpoint', async () => {
  const got = await start({ allow: '127.0.0.0/8' }, null);
  assert.equal((await request(`/pbx/events?${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
});

test('closing the node removes the route: the path answers 404 afterwards', async () => {
  await start();
  const app = RED.httpNode;
  await helper.unload();
  const after = await serveApp(app);
  try {
    const res = await fetch(`${after.base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`);
    assert.equal(res.status, 404);
  } finally {
    await after.close();
  }
});

test('a second node on the same path is refused at deploy instead of silently never receiving', async () => {
  await helper.load(testNode, [
    { id: 'a', type: 'pbx-push-test', wires: [[]] },
    { id: 'b', type: 'pbx-push-test', wires: [[]] },
  ], { a: { token: TOKEN }, b: { token: TOKEN } });
  assert.ok(errorsLoggedBy('b').some((message) => /path \/pbx\/events is already used by node a/.test(message)));
});

test("settings.js's httpNodeMiddleware runs in front of the endpoint, as for http in nodes", async () => {
  const gate = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
    if (req.headers['x-gate'] === 'open') return next();
    res.statusCode = 418;
    res.end('closed');
  };
  helper.settings({ httpNodeMiddleware: gate });
  try {
    const got = await start();
    assert.equal((await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 418);
    assert.equal((await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`, { headers: { 'X-Gate': 'open' } })).status, 200);
    await until(() => got.length === 1);
  } finally {
    helper.settings({ httpNodeMiddleware: undefined });
  }
});

test('methods other than GET, POST and PUT get 405', async () => {
  await start();
  const res = await request(`/pbx/events?token=${TOKEN}&${DIAL_QUERY}`, { method: 'DELETE' });
  assert.equal(res.status, 405);
});
