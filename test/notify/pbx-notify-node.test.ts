import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Node, NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import { collect, statusesOf } from '../helpers/node-red';
import { sleep, until as waitUntil } from '../helpers/wait';
import { queryPairs, Receiver, type Responder } from '../helpers/receiver';
import { DIAL_PAYLOAD, DIAL_QUERY, ENDCALL_PAYLOAD } from '../helpers/vendor-examples';

const NOTIFY_MODULE = require.resolve('../../nodes/pbx-notify');
/** A fresh copy of the node module, as after a Node-RED restart (no queue left in memory). */
const freshNotifyModule = () => {
  delete require.cache[NOTIFY_MODULE];
  return require(NOTIFY_MODULE) as (RED: unknown) => void;
};

helper.init(require.resolve('node-red'));
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-notify-node-'));
before(() => helper.settings({ userDir }));
after(() => fs.rmSync(userDir, { recursive: true, force: true }));

const receivers: Receiver[] = [];
afterEach(async () => {
  await helper.unload();
  while (receivers.length > 0) await receivers.pop()!.close();
});
async function receiverWith(respond?: Responder): Promise<Receiver> {
  const receiver = await Receiver.start(respond);
  receivers.push(receiver);
  return receiver;
}

/** The flow under test: pbx-notify → "out", and a Catch node → "caught". */
function flow(notify: Record<string, unknown>) {
  return [
    { id: 'n1', type: 'pbx-notify', z: 'f1', wires: [['out']], ...notify },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
    { id: 'f1', type: 'tab' },
  ];
}

function statuses(id: string): Array<{ fill?: string; text?: string }> {
  const seen: Array<{ fill?: string; text?: string }> = [];
  (helper.getNode(id) as Node & NodeJS.EventEmitter).on('call:status', (call: { args: [{ fill?: string; text?: string }] }) => seen.push(call.args[0]));
  return seen;
}

/** Deliveries retry with back-off: wait up to 10 s unless told. */
const until = (check: () => boolean, timeoutMs = 10_000): Promise<void> => waitUntil(check, 'a condition', timeoutMs);

test('with only a url (defaults: GET, vendor), a message becomes the vendor query and the response goes out', async () => {
  const receiver = await receiverWith((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Crm': 'seen' });
    res.end('{"ticket":17}');
  });
  await helper.load(freshNotifyModule(), flow({ url: receiver.url('/') }));
  const out = collect('out');
  helper.getNode('n1')!.receive({ payload: DIAL_PAYLOAD, topic: 'dial' } as NodeMessage);
  await until(() => out.length === 1);
  assert.equal(receiver.requests[0].url, `/?${DIAL_QUERY}`);
  assert.equal(out[0].statusCode, 200);
  assert.equal((out[0].headers as Record<string, string>)['x-crm'], 'seen');
  assert.deepEqual(out[0].payload, { ticket: 17 });
  assert.equal(out[0].attempts, 1);
  assert.equal(out[0].topic, 'dial', 'the rest of the message is kept');
});

test('a receiver answering 404 sends the message to Catch with the status and body, not retried', async () => {
  const receiver = await receiverWith((_req, res) => {
    res.writeHead(404);
    res.end('no such call');
  });
  await helper.load(freshNotifyModule(), flow({ url: receiver.url('/'), method: 'POST' }));
  const out = collect('out');
  const caught = collect('caught');
  const status = statuses('n1');
  helper.getNode('n1')!.receive({ payload: ENDCALL_PAYLOAD } as NodeMessage);
  await until(() => caught.length === 1 && status.length > 0);
  assert.match((caught[0].error as { message: string }).message, /HTTP 404 \(not retried\)/);
  assert.equal(caught[0].statusCode, 404);
  assert.equal(caught[0].response, 'no such call');
  assert.equal(out.length, 0);
  assert.equal(receiver.requests.length, 1);
  assert.equal(status.at(-1)?.fill, 'red');
  assert.match(status.at(-1)?.text ?? '', /failed: HTTP 404/);
});

test('a notification given up reaches Catch with msg.attempts, msg.statusCode, msg.headers and the body in msg.response; msg.payload stays what was sent', async () => {
  const receiver = await receiverWith((_req, res) => {
    res.writeHead(422, { 'Content-Type': 'application/json', 'X-Reason': 'unknown-call' });
    res.end('{"error":"no such call"}');
  });
  await helper.load(freshNotifyModule(), flow({ url: receiver.url('/'), method: 'POST' }));
  const caught = collect('caught');
  helper.getNode('n1')!.receive({ payload: { ...ENDCALL_PAYLOAD } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.equal(caught[0].attempts, 1);
  assert.equal(caught[0].statusCode, 422);
  assert.equal((caught[0].headers as Record<string, string>)['x-reason'], 'unknown-call');
  assert.deepEqual(caught[0].response, { error: 'no such call' });
  assert.deepEqual(caught[0].payload, ENDCALL_PAYLOAD);
});

test('a full queue refuses the new message to Catch, says so in the status, and still delivers the queued ones', async () => {
  const receiver = await receiverWith();
  await receiver.down();
  await helper.load(freshNotifyModule(), flow({ url: receiver.url('/'), queueLimit: 2 }));
  const out = collect('out');
  const caught = collect('caught');
  const status = statuses('n1');
  const n1 = helper.getNode('n1')!;
  for (const call_id of ['1', '2', '3']) n1.receive({ payload: { event: 'dial', call_id } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /queue full/);
  assert.equal((caught[0].payload as { call_id: string }).call_id, '3');
  await until(() => status.some((s) => /queue full/.test(s.text ?? '')));
  await receiver.up();
  await until(() => out.length === 2, 15_000);
  assert.deepEqual(out.map((m) => m.statusCode), [200, 200]);
});

test('a template that does not parse is an error at deploy: logged, red status, every message refused to Catch', async () => {
  const receiver = await receiverWith();
  await helper.load(freshNotifyModule(), flow({ url: `${receiver.url('/')}?id={{payload.call_id` }));
  const caught = collect('caught');
  const logged = helper.log().args.filter(([entry]) => entry.level === 20 && entry.id === 'n1');
  assert.ok(logged.some(([entry]) => /url: Unclosed tag/.test(String(entry.msg))), 'the error is logged at deploy');
  const shown = statusesOf('n1');
  assert.equal(shown.at(-1)?.fill, 'red');
  assert.match(shown.at(-1)?.text ?? '', /Unclosed tag/);
  helper.getNode('n1')!.receive({ payload: DIAL_PAYLOAD } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /not configured correctly: url: Unclosed tag/);
  assert.equal(receiver.requests.length, 0);
});

test('restart with a persisted queue: what was queued is delivered after the restart, once each, in order', async () => {
  const receiver = await receiverWith();
  await receiver.down();
  const config = { url: receiver.url('/'), persist: true };
  await helper.load(freshNotifyModule(), flow(config));
  const n1 = helper.getNode('n1')!;
  for (const event of ['dial', 'answer_internal', 'endcall']) n1.receive({ payload: { event, call_id: 'R1' }, topic: event } as NodeMessage);
  const file = path.join(userDir, 'pbx-notify', 'n1.json');
  await until(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).items.length === 3);
  await helper.unload(); // Node-RED stops

  await receiver.up();
  await helper.load(freshNotifyModule(), flow(config)); // and starts again, with nothing in memory
  const out = collect('out');
  await until(() => out.length === 3, 15_000);
  assert.deepEqual(receiver.requests.map((r) => queryPairs(r.url)[0][1]), ['dial', 'answer_internal', 'endcall']);
  assert.deepEqual(out.map((m) => m.topic), ['dial', 'answer_internal', 'endcall'], 'the message kept on disk comes out');
  await until(() => !fs.existsSync(file));
});

test('a redeploy without persist hands the queue to the new instance: nothing lost', async () => {
  const receiver = await receiverWith();
  await receiver.down();
  await helper.load(freshNotifyModule(), flow({ url: receiver.url('/') }));
  helper.getNode('n1')!.receive({ payload: { event: 'dial', call_id: 'D1' } } as NodeMessage);
  await sleep(50);
  await receiver.up();
  await helper.setFlows(flow({ url: receiver.url('/'), timeout: 5000 }), 'nodes'); // redeploy the changed node
  const out = collect('out');
  await until(() => out.length === 1, 15_000);
  assert.equal(receiver.requests.length, 1);
  assert.equal(queryPairs(receiver.requests[0].url)[1][1], 'D1');
});

test('tlsVerify: false accepts a self-signed receiver for this node only; the process keeps verifying', async () => {
  const tls = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls');
  const server = https.createServer({ key: fs.readFileSync(path.join(tls, 'localhost.key')), cert: fs.readFileSync(path.join(tls, 'localhost.crt')) }, (_req, res) => {
    res.writeHead(200);
    res.end('secure');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    await helper.load(freshNotifyModule(), [
      ...flow({ url, tlsVerify: false }),
      { id: 'n2', type: 'pbx-notify', z: 'f1', url, maxAge: 1, wires: [['out']] },
    ]);
    const out = collect('out');
    const caught = collect('caught');
    helper.getNode('n1')!.receive({ payload: DIAL_PAYLOAD } as NodeMessage);
    helper.getNode('n2')!.receive({ payload: DIAL_PAYLOAD } as NodeMessage);
    await until(() => out.length === 1 && caught.length === 1, 15_000);
    assert.equal(out[0].payload, 'secure');
    assert.match((caught[0].error as { message: string }).message, /self.signed|certificate/i);
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
    assert.notEqual(https.globalAgent.options.rejectUnauthorized, false);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
