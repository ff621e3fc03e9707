import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxEventNode = require('../../nodes/pbx-event');
import { collect, serveApp, type Msg, type ServedApp } from '../helpers/node-red';
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

async function start(event: Record<string, unknown> = {}): Promise<Msg[]> {
  const captureRed = (red: NodeAPI) => {
    RED = red;
    pbxConfigNode(red);
  };
  await helper.load([captureRed, pbxEventNode], [
    { id: 'pbx1', type: 'pbx-config', name: 'Main PBX', host: '' },
    { id: 'ev', type: 'pbx-event', server: 'pbx1', source: 'http', wires: [['out']], ...event },
    { id: 'out', type: 'helper' },
  ], { ev: { token: TOKEN } });
  served = await serveApp(RED.httpNode);
  base = served.base;
  return collect('out');
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
