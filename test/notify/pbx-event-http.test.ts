import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxEventNode = require('../../nodes/pbx-event');
import { collect, errorsLoggedBy, serveApp, statusesOf, type FlowNode, type Msg, type ServedApp } from '../helpers/node-red';
import { sleep, until } from '../helpers/wait';
import { DIAL_PAYLOAD, DIAL_QUERY, ENDCALL_PAYLOAD, ENDCALL_QUERY } from '../helpers/vendor-examples';

/**
 * `pbx-event` with `source: http` as flows use it: the PBX pushes its notifications to
 * Node-RED's HTTP server and the node emits the same message shape as the AMI source.
 */
helper.init(require.resolve('node-red'));

const TOKEN = 'pbx-s3cret';
let RED: NodeAPI;
let served: ServedApp | undefined;
let base = '';

afterEach(async () => {
  await helper.unload();
  await served?.close();
  served = undefined;
});

/** Deploys `flow` (pbx-config nodes `pbx1` "Main PBX" and `pbx2` "Branch office" included) and serves RED.httpNode. */
async function deploy(flow: FlowNode[], credentials: Record<string, Record<string, string>>): Promise<void> {
  const captureRed = (red: NodeAPI) => {
    RED = red;
    pbxConfigNode(red);
  };
  await helper.load([captureRed, pbxEventNode], [
    { id: 'pbx1', type: 'pbx-config', name: 'Main PBX', host: '' },
    { id: 'pbx2', type: 'pbx-config', name: 'Branch office', host: '' },
    ...flow,
  ], credentials);
  served = await serveApp(RED.httpNode);
  base = served.base;
}

/** One `pbx-event` node `ev` (source http, pbx-config `pbx1`, token TOKEN) wired to `out`; its messages. */
async function start(event: Record<string, unknown> = {}): Promise<Msg[]> {
  await deploy([
    { id: 'ev', type: 'pbx-event', server: 'pbx1', source: 'http', wires: [['out']], ...event },
    { id: 'out', type: 'helper' },
  ], { ev: { token: TOKEN } });
  return collect('out');
}

async function post(path: string, contentType: string, body: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'X-PBX-Token': TOKEN, 'Content-Type': contentType }, body });
  await res.arrayBuffer();
  return res.status;
}

test("the vendor's GET and POST notifications become {topic, payload, pbx} like the AMI source's", async () => {
  const got = await start();
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  assert.equal((await fetch(`${base}/pbx/events`, {
    method: 'POST',
    headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: ENDCALL_QUERY,
  })).status, 200);
  await until(() => got.length === 2);
  assert.deepEqual(got.map((m) => m.topic), ['dial', 'endcall']);
  assert.deepEqual(Object.entries(got[0].payload as object), Object.entries(DIAL_PAYLOAD));
  assert.deepEqual(Object.entries(got[1].payload as object), Object.entries(ENDCALL_PAYLOAD));
  assert.deepEqual(got[0].pbx, { id: 'pbx1', name: 'Main PBX' });
});

test('the events filter applies to the contract events; later vendor events (one path per event) pass through', async () => {
  const got = await start({ events: 'endcall', path: '/hooks/pbx' });
  assert.equal((await fetch(`${base}/hooks/pbx?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  assert.equal((await fetch(`${base}/hooks/pbx/start_call?token=${TOKEN}&call_id=1.1&line_num=10`)).status, 200);
  assert.equal((await fetch(`${base}/hooks/pbx?token=${TOKEN}&${ENDCALL_QUERY}`)).status, 200);
  await until(() => got.length === 2);
  await sleep(50);
  assert.deepEqual(got.map((m) => m.topic), ['start_call', 'endcall']);
  assert.deepEqual(got[0].payload, { event: 'start_call', call_id: '1.1', line_num: '10' });
});

test('without the token the PBX gets 401 and the flow sees nothing', async () => {
  const got = await start();
  assert.equal((await fetch(`${base}/pbx/events?${DIAL_QUERY}`)).status, 401);
  await sleep(50);
  assert.equal(got.length, 0);
});

test('with a pbx-config selected, msg.pbx is {id, name} of that config', async () => {
  const got = await start({ server: 'pbx2' });
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
  assert.deepEqual(got[0].pbx, { id: 'pbx2', name: 'Branch office' });
});

test('without a pbx-config (optional for the http source) the node serves, and the message has no msg.pbx', async () => {
  const got = await start({ server: '' });
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
  assert.equal(got[0].topic, 'dial');
  assert.equal('pbx' in got[0], false);
});

test('garbage is answered 400 and sends nothing on: bad JSON, broken escapes, no event, a bad event name', async () => {
  const got = await start();
  assert.equal(await post('/pbx/events', 'application/json', '{"event": "dial", '), 400);
  assert.equal(await post('/pbx/events', 'application/json', '["dial"]'), 400);
  assert.equal(await post('/pbx/events', 'application/x-www-form-urlencoded', 'event=dial&x=%G1'), 400);
  assert.equal(await post('/pbx/events', 'application/x-www-form-urlencoded', 'call_id=1'), 400);
  assert.equal((await fetch(`${base}/pbx/events/${encodeURIComponent('<b>')}?token=${TOKEN}`)).status, 400);
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&event=dial&caller_name=%C5`)).status, 400);
  // a good notification after them is the only message
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
  await sleep(100);
  assert.deepEqual(got.map((m) => m.topic), ['dial']);
});

test('a 1 MB body is answered 413 (with Content-Length, and chunked) and sends nothing on', async () => {
  const got = await start();
  const huge = `event=dial&call_id=1.1&blob=${'a'.repeat(1024 * 1024)}`;
  assert.equal(await post('/pbx/events', 'application/x-www-form-urlencoded', huge), 413);
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = http.request(`${base}/pbx/events`, { method: 'POST', headers: { 'X-PBX-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded', 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write('event=dial&call_id=1.2&blob=');
    for (let i = 0; i < 16; i++) req.write(Buffer.alloc(64 * 1024, 0x61));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 200);
  await until(() => got.length === 1);
  await sleep(100);
  assert.deepEqual(got.map((m) => (m.payload as Record<string, string>).call_id), [DIAL_PAYLOAD.call_id]);
});

test('a client outside allow gets 403 even with the right token; nothing is sent on and the status turns red', async () => {
  const got = await start({ allow: '10.0.0.0/8, 192.168.0.0/16, fd00::/8' });
  assert.equal((await fetch(`${base}/pbx/events?token=${TOKEN}&${DIAL_QUERY}`)).status, 403);
  assert.equal(await post('/pbx/events', 'application/x-www-form-urlencoded', ENDCALL_QUERY), 403);
  await sleep(100);
  assert.equal(got.length, 0);
  const last = statusesOf('ev').at(-1);
  assert.equal(last?.fill, 'red');
  assert.match(last?.text ?? '', /^403/);
});

test('a path below another node\'s path (/pbx/events under /pbx) is refused at deploy; the first node keeps its endpoint', async () => {
  await deploy([
    { id: 'wide', type: 'pbx-event', source: 'http', path: '/pbx', wires: [['outWide']] },
    { id: 'narrow', type: 'pbx-event', source: 'http', path: '/pbx/events', wires: [['outNarrow']] },
    { id: 'outWide', type: 'helper' },
    { id: 'outNarrow', type: 'helper' },
  ], { wide: { token: TOKEN }, narrow: { token: TOKEN } });
  assert.ok(errorsLoggedBy('narrow').some((m) => /path \/pbx\/events overlaps \/pbx of node wide/.test(m)), errorsLoggedBy('narrow').join('; '));
  assert.equal(statusesOf('narrow').at(-1)?.fill, 'red');
  assert.deepEqual(errorsLoggedBy('wide'), []);
  const wide = collect('outWide');
  const narrow = collect('outNarrow');
  assert.equal((await fetch(`${base}/pbx/events/dial?token=${TOKEN}&call_id=1.1`)).status, 200);
  await until(() => wide.length === 1);
  assert.equal(narrow.length, 0);
});

test('a path above another node\'s path (/PBX over /pbx/events, any letter case) is refused at deploy', async () => {
  await deploy([
    { id: 'narrow', type: 'pbx-event', source: 'http', path: '/pbx/events', wires: [[]] },
    { id: 'wide', type: 'pbx-event', source: 'http', path: '/PBX/', wires: [[]] },
  ], { wide: { token: TOKEN }, narrow: { token: TOKEN } });
  assert.ok(errorsLoggedBy('wide').some((m) => /path \/PBX overlaps \/pbx\/events of node narrow/.test(m)), errorsLoggedBy('wide').join('; '));
  assert.equal(statusesOf('wide').at(-1)?.fill, 'red');
  assert.deepEqual(errorsLoggedBy('narrow'), []);
});

test('paths that only share a prefix of letters (/pbx and /pbxa) do not overlap: both nodes serve', async () => {
  await deploy([
    { id: 'a', type: 'pbx-event', source: 'http', path: '/pbx', wires: [['outA']] },
    { id: 'b', type: 'pbx-event', source: 'http', path: '/pbxa', wires: [['outB']] },
    { id: 'outA', type: 'helper' },
    { id: 'outB', type: 'helper' },
  ], { a: { token: TOKEN }, b: { token: TOKEN } });
  assert.deepEqual([...errorsLoggedBy('a'), ...errorsLoggedBy('b')], []);
  const gotA = collect('outA');
  const gotB = collect('outB');
  assert.equal((await fetch(`${base}/pbx/dial?token=${TOKEN}&call_id=1.1`)).status, 200);
  assert.equal((await fetch(`${base}/pbxa/endcall?token=${TOKEN}&call_id=1.2`)).status, 200);
  await until(() => gotA.length === 1 && gotB.length === 1);
  assert.deepEqual([gotA[0].topic, gotB[0].topic], ['dial', 'endcall']);
});
