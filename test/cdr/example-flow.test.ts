/**
 * examples/Missed calls of the night to a webhook (call history).json in the real Node-RED runtime, with its PBX
 * database pointed at a real PostgreSQL holding generated calls and its webhook at a local
 * receiver: the night's missed calls arrive as one JSON message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeMessage } from 'node-red';
import pbxCdrNode = require('../../nodes/pbx-cdr');
import pbxConfigNode = require('../../nodes/pbx-config');
import { Receiver } from '../helpers/receiver';
import { until } from '../helpers/wait';
import { CallGenerator, type GenCall } from './call-generator';
import { expectedMissed } from './expected';
import { createCallHistory } from './load-data';
import { TempPostgres } from './temp-postgres';

helper.init(require.resolve('node-red'));

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'Missed calls of the night to a webhook (call history).json');
const CORE = join(require.resolve('@node-red/nodes/package.json'), '..', 'core');
type NodeModule = Extract<Parameters<typeof helper.load>[0], (...args: never[]) => unknown>;
const CORE_NODES = ['common/20-inject.js', 'common/21-debug.js', 'common/25-catch.js', 'common/90-comment.js', 'function/10-switch.js', 'function/15-change.js', 'network/21-httprequest.js']
  .map((file) => require(join(CORE, file)) as NodeModule);
type FlowNode = Record<string, unknown> & { id: string; type: string; wires?: string[][] };

const ZONE = 'Europe/Prague';
let server: TempPostgres;
let calls: GenCall[];
let generator: CallGenerator;
let receiver: Receiver;

before(async () => {
  server = await TempPostgres.start();
  generator = new CallGenerator({ seed: 11, firstDay: '2025-03-10', days: 2, callsPerDay: 400, timezone: ZONE });
  calls = generator.generate();
  await createCallHistory(server, 'asteriskcdrdb', calls, { user: 'nodered', password: 'cdr-secret' });
  receiver = await Receiver.start();
});

after(async () => {
  await helper.unload();
  await server?.stop();
  await receiver?.close();
});

/** The example as a user would set it up here: the database and the webhook filled in. */
function localised(): FlowNode[] {
  const nodes = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  const tab = String(nodes.find((node) => node.type === 'inject')?.z);
  return [
    { id: tab, type: 'tab', label: 'example' },
    ...nodes.map((node) => {
      if (node.type === 'pbx-config') return { ...node, dbHost: '127.0.0.1', dbPort: String(server.port), timezone: ZONE };
      if (node.type === 'http request') return { ...node, url: receiver.url(new URL(String(node.url)).pathname) };
      // A window onto what "night window" computes.
      if (node.name === 'night window') return { ...node, wires: [[...(node.wires?.[0] ?? []), 'window-probe']] };
      return node;
    }),
    { id: 'window-probe', type: 'helper', z: tab },
  ];
}

test('the example: a comment says what to change, 07:00 every day, no credentials in the file', () => {
  const nodes = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  const comment = nodes.find((node) => node.type === 'comment');
  assert.match(String(comment?.info), /What to change/);
  assert.equal(nodes.find((node) => node.type === 'inject')?.crontab, '00 07 * * *');
  assert.equal(nodes.find((node) => node.type === 'pbx-cdr')?.query, 'missed');
  assert.ok(nodes.every((node) => !('credentials' in node)));
});

test('the night window is the 13 hours before now', async () => {
  const flow = localised();
  const credentials = { [String(flow.find((node) => node.type === 'pbx-config')?.id)]: { dbUser: 'nodered', dbPassword: 'cdr-secret' } };
  await helper.load([pbxConfigNode, pbxCdrNode, ...CORE_NODES], flow, credentials);
  const window = new Promise<NodeMessage>((resolve) => helper.getNode('window-probe')!.once('input', resolve));
  const before = Date.now();
  helper.getNode(String(flow.find((node) => node.name === 'night window')?.id))!.receive({ payload: Date.now() } as NodeMessage);
  const { payload } = (await window) as NodeMessage & { payload: { from: string; to: string } };
  const to = Date.parse(payload.to);
  assert.ok(to >= before - 1000 && to <= Date.now() + 1000, payload.to);
  assert.equal(to - Date.parse(payload.from), 13 * 3600 * 1000);
  await helper.unload();
});

test('the night\'s missed calls reach the webhook as one JSON message', async () => {
  const flow = localised();
  const credentials = { [String(flow.find((node) => node.type === 'pbx-config')?.id)]: { dbUser: 'nodered', dbPassword: 'cdr-secret' } };
  await helper.load([pbxConfigNode, pbxCdrNode, ...CORE_NODES], flow, credentials);
  const cdr = String(flow.find((node) => node.type === 'pbx-cdr')?.id);
  // What the inject and the window would send on the morning of 11 March.
  helper.getNode(cdr)!.receive({ payload: { from: '2025-03-10T18:00:00+01:00', to: '2025-03-11T07:00:00+01:00' } } as NodeMessage);
  await until(() => receiver.requests.length > 0, 'the webhook message', 10_000);
  assert.equal(receiver.requests.length, 1);
  const [post] = receiver.requests;
  assert.equal(post.method, 'POST');
  assert.equal(post.url, '/pbx/missed-calls');
  assert.match(String(post.headers['content-type'] ?? ''), /^application\/json/);
  const message = JSON.parse(post.body) as { text: string; missed: Array<Record<string, unknown>> };
  const expected = expectedMissed(calls, generator.clock, { from: Date.parse('2025-03-10T17:00:00Z') / 1000, to: Date.parse('2025-03-11T06:00:00Z') / 1000 }, { internationalPrefix: '00', stripPrefix: '' });
  assert.ok(expected.length > 1);
  const waiting = expected.filter((row) => row.called_back === 'f' && row.answered_later === 'f').length;
  assert.equal(message.text, `Missed calls last night: ${expected.length} callers (${waiting} still waiting for a callback)`);
  assert.deepEqual(message.missed.map((row) => [row.caller, row.attempts, row.last_attempt, row.called_back]),
    expected.map((row) => [row.caller_num, row.attempts, row.last_attempt, row.called_back === 't']));
});
