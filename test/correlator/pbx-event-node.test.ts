import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxEventNode = require('../../nodes/pbx-event');
import { loadTranscript, type TranscriptEvent } from '../../simulator';
import { collect, errorsLoggedBy, statusesOf, type FlowNode, type Msg } from '../helpers/node-red';
import { until } from '../ami/helpers';
import { amiSimulatorForFlows } from '../helpers/ami-simulator';
import { ami, type Chan } from './ami-script';
import { assertMatchesExpected, expectedEvents, LIVE } from './replay';

/**
 * pbx-event in a real Node-RED runtime, fed by the AMI simulator over TCP replaying the live
 * recordings: the messages a flow gets, their shape, the filters, the status, the sources.
 */
helper.init(require.resolve('node-red'));

let RED: NodeAPI | undefined;
const captureRed = (red: NodeAPI): void => {
  RED = red;
};
const NODES = [pbxConfigNode, pbxEventNode, captureRed];
const CREDENTIALS = { pbx: { username: 'admin', secret: 'admin' } };
const simulator = amiSimulatorForFlows({
  afterUnload: (server) => {
    server.channels.length = 0;
  },
  socketsClosedWithinMs: 3000,
});

const transcript = (scenario: string): TranscriptEvent[] => loadTranscript(path.join(LIVE, `${scenario}.ami`));

function flow(events: FlowNode[]): FlowNode[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', name: 'Office PBX', host: '127.0.0.1', port: String(simulator.server.port), timezone: 'UTC' },
    ...events.map((node) => ({ z: 'f1', ...node })),
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'out2', type: 'helper', z: 'f1' },
  ];
}

/** Deploys the flow and waits until its AMI connection is up and has resynced. */
async function deploy(events: FlowNode[]): Promise<void> {
  const lists = simulator.server.actionsNamed('CoreShowChannels').length;
  await helper.load(NODES, flow(events), CREDENTIALS);
  await until(() => simulator.server.actionsNamed('CoreShowChannels').length > lists, 'the resync after login');
}

test('recordings replayed through the AMI simulator into a flow: the expected messages, field for field', async () => {
  await deploy([{ id: 'ev', type: 'pbx-event', server: 'pbx', wires: [['out']] }]);
  const got = collect('out');
  for (const scenario of ['internal_answered', 'inbound_queue_answered', 'call_pickup', 'attended_transfer', 'originate_click2dial_noanswer']) {
    const expected = expectedEvents(scenario);
    const before = got.length;
    await simulator.server.replay(transcript(scenario));
    await until(() => got.length === before + expected.length, `the ${expected.length} messages of ${scenario}`);
    const messages = got.slice(before);
    assertMatchesExpected(messages.map((msg) => msg.payload as Record<string, string>), expected);
    for (const msg of messages) {
      const payload = msg.payload as Record<string, unknown>;
      assert.equal(msg.topic, payload.event);
      assert.ok(Object.values(payload).every((value) => typeof value === 'string'), 'every value is text');
      assert.deepEqual(msg.pbx, { id: 'pbx', name: 'Office PBX' });
      assert.ok(Array.isArray((msg.call as { extensions: unknown }).extensions));
      assert.equal(msg.partial, undefined);
      assert.equal(msg.resync, undefined);
    }
  }
});

test('filters: chosen events only; with extensions, only the calls they take part in', async () => {
  await deploy([
    { id: 'ends', type: 'pbx-event', server: 'pbx', events: ['dial', 'endcall'], wires: [['out']] },
    { id: 'bob', type: 'pbx-event', server: 'pbx', extensions: '102, 999', wires: [['out2']] },
  ]);
  const ends = collect('out');
  const bob = collect('out2');
  for (const scenario of ['internal_answered', 'inbound_answered', 'outbound_answered']) await simulator.server.replay(transcript(scenario));
  await until(() => ends.length === 6, 'a dial and an endcall per call');
  assert.deepEqual(ends.map((msg) => msg.topic), ['dial', 'endcall', 'dial', 'endcall', 'dial', 'endcall']);
  await until(() => bob.length === 5, "the events of Bob's call");
  assert.ok(bob.every((msg) => (msg.payload as Record<string, string>).call_id === '1795491553.0'), 'only the call 101 → 102');
  assert.deepEqual(bob.map((msg) => msg.topic), ['dial', 'answer_internal', 'hangup_internal', 'hangup_internal', 'endcall']);
});

test('extensions: a ring group or queue member rung after the first gets the call from its dial on', async () => {
  await deploy([
    { id: 'bob', type: 'pbx-event', server: 'pbx', extensions: '102', wires: [['out']] },
    { id: 'eve', type: 'pbx-event', server: 'pbx', extensions: '105', wires: [['out2']] },
  ]);
  const bob = collect('out');
  const eve = collect('out2');
  // Ring group 600 rings 101, 102, 103 (the dial names 101); Bob (102) answers.
  await simulator.server.replay(transcript('inbound_ringgroup_answered'));
  await until(() => bob.length === 4, "the four events of Bob's ring-group call");
  assert.deepEqual(bob.map((msg) => msg.topic), ['dial', 'answer_internal', 'hangup_internal', 'endcall']);
  assert.deepEqual(bob.map((msg) => (msg.payload as Record<string, string>).call_id), Array(4).fill('1795491333.79'));
  assert.ok((bob[0].call as { extensions: string[] }).extensions.includes('102'), 'the held dial says Bob rang');
  // Queue 700 rings its members through Local channels (the dial names nobody); Eve (105) answers.
  await simulator.server.replay(transcript('inbound_queue_answered'));
  await until(() => eve.length === 4, "the four events of Eve's queue call");
  assert.deepEqual(eve.map((msg) => msg.topic), ['dial', 'answer_internal', 'hangup_internal', 'endcall']);
  assert.deepEqual(eve.map((msg) => (msg.payload as Record<string, string>).call_id), Array(4).fill('1795491346.83'));
  assert.equal(bob.length, 4, 'Bob took no part in the queue call');
});

test('status: connected and the number of calls in progress', async () => {
  await deploy([{ id: 'ev', type: 'pbx-event', server: 'pbx', wires: [['out']] }]);
  const got = collect('out');
  const events = transcript('internal_answered');
  const hangup = events.findIndex((event) => event.name === 'Hangup');
  await simulator.server.replay(events.slice(0, hangup));
  await until(() => got.length === 2, 'dial and answer');
  await until(() => statusesOf('ev').some((status) => status.text === 'connected · 1 call'), `the status with one call (${JSON.stringify(statusesOf('ev'))})`);
  await simulator.server.replay(events.slice(hangup));
  await until(() => got.length === 5, 'the end of the call');
  await until(() => statusesOf('ev').at(-1)?.text === 'connected · 0 calls', 'the status with no call');
  assert.equal(statusesOf('ev').at(-1)?.fill, 'green');
});

test('a redeploy does not forget the calls in progress', async () => {
  const events = transcript('internal_answered');
  const hangup = events.findIndex((event) => event.name === 'Hangup');
  const definition = [{ id: 'ev', type: 'pbx-event', server: 'pbx', wires: [['out']] }];
  await deploy(definition);
  const before = collect('out');
  await simulator.server.replay(events.slice(0, hangup));
  await until(() => before.length === 2, 'dial and answer before the redeploy');

  // The call goes on at the PBX while the flow is redeployed (a new AMI connection, a resync).
  const up = (chan: Chan): Chan => ({ ...chan, state: 6 });
  const bridge = '030087d2-58a4-4a25-b114-6ff080364c95';
  simulator.server.channels.push(...[
    ami.coreShowChannel(up({ name: 'PJSIP/101-00000000', uniqueid: '1795491553.0', linkedid: '1795491553.0', num: '101', cidName: 'Alice', context: 'dial-ext' }), { bridgeId: bridge }),
    ami.coreShowChannel(up({ name: 'PJSIP/102-00000001', uniqueid: '1795491553.1', linkedid: '1795491553.0', num: '102', cidName: 'Bob' }), { bridgeId: bridge }),
  ].map(({ Event, ActionID, ...item }) => item));
  const lists = simulator.server.actionsNamed('CoreShowChannels').length;
  await helper.setFlows(flow(definition), 'full', CREDENTIALS);
  await until(() => simulator.server.actionsNamed('CoreShowChannels').length > lists && simulator.server.loggedInSessions.length === 1, 'the resync of the new connection');
  const after = collect('out');
  simulator.server.channels.length = 0;
  await simulator.server.replay(events.slice(hangup));
  await until(() => after.length === 3, 'the end of the call after the redeploy');
  assertMatchesExpected([...before, ...after].map((msg) => msg.payload as Record<string, string>), expectedEvents('internal_answered'));
  assert.ok(after.every((msg) => msg.partial === undefined && msg.resync === undefined), 'the call is still known: nothing partial');
});

test('raw source: AMI events by name as parsed objects, noise included when asked for', async () => {
  await helper.load(NODES, flow([
    { id: 'queue', type: 'pbx-event', server: 'pbx', source: 'raw', rawEvents: 'QueueCallerJoin, AgentConnect', wires: [['out']] },
    // Newexten is noise to the correlator (dropped unparsed), not to a raw node that asks for it.
    { id: 'dialplan', type: 'pbx-event', server: 'pbx', source: 'raw', rawEvents: 'Newexten', wires: [['out2']] },
  ]), CREDENTIALS);
  await until(() => simulator.server.loggedInSessions.length === 1, 'the login');
  const queue = collect('out');
  const dialplan = collect('out2');
  await simulator.server.replay(transcript('inbound_queue_answered'));
  await until(() => queue.length === 2 && dialplan.length === 22, 'the queue events and the 22 Newexten events');
  assert.deepEqual(queue.map((msg) => msg.topic), ['QueueCallerJoin', 'AgentConnect']);
  const join = queue[0].payload as Record<string, string>;
  assert.equal(join.Event, 'QueueCallerJoin');
  assert.equal(join.Queue, 'support');
  assert.equal(join.CallerIDNum, '0644444444');
  assert.deepEqual(queue[0].pbx, { id: 'pbx', name: 'Office PBX' });
  assert.ok(dialplan.every((msg) => msg.topic === 'Newexten'));
  assert.equal((dialplan[0].payload as Record<string, string>).Application, 'NoOp');
});

test('http source: notifications the PBX pushes, filtered as AMI events are, with msg.pbx', async () => {
  await helper.load(NODES, [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', name: 'Office PBX' },
    { id: 'ev', type: 'pbx-event', z: 'f1', server: 'pbx', source: 'http', path: '/crm/pbx', events: ['dial'], wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
  ], { ev: { token: 'pbx-token' } });
  const web = http.createServer(RED!.httpNode as http.RequestListener);
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', () => resolve()));
  try {
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}/crm/pbx`;
    const got = collect('out');
    const dial = 'event=dial&ts=2016-01-21T13%3A09%3A25.95104%2B01%3A00&call_id=1453378165.749958&caller_type=internal' +
      '&caller_num=758&called_num=800123456&transfering_exten=&record_name=20160121-130925-758-800123456';
    const hangup = 'event=hangup_internal&ts=2016-01-21T13%3A10%3A25.1%2B01%3A00&call_id=1453378165.749958&exten_num=758&exten_name=&record_name=x';
    assert.equal((await fetch(`${base}?token=pbx-token&${hangup}`)).status, 200);
    assert.equal((await fetch(`${base}?token=pbx-token&${dial}`)).status, 200);
    assert.equal((await fetch(`${base}?${dial}`)).status, 401);
    await until(() => got.length === 1, 'the dial');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(got.length, 1, 'hangup_internal was not chosen');
    assert.equal(got[0].topic, 'dial');
    assert.equal((got[0].payload as Record<string, string>).called_num, '800123456');
    assert.deepEqual(got[0].pbx, { id: 'pbx', name: 'Office PBX' });
  } finally {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
  }
});

test('misconfigured: no PBX, a PBX without AMI host or with invalid settings, an unknown source: a red status and a logged error', async () => {
  await helper.load(NODES, [
    { id: 'f1', type: 'tab' },
    { id: 'nohost', type: 'pbx-config', name: 'HTTP only', httpUrl: 'http://127.0.0.1:9' },
    { id: 'a', type: 'pbx-event', z: 'f1', wires: [[]] },
    { id: 'b', type: 'pbx-event', z: 'f1', server: 'nohost', wires: [[]] },
    { id: 'c', type: 'pbx-event', z: 'f1', server: 'nohost', source: 'carrier-pigeon', wires: [[]] },
    { id: 'mars', type: 'pbx-config', name: 'Elsewhere', host: '127.0.0.1', port: String(simulator.server.port), timezone: 'Mars/Olympus_Mons' },
    { id: 'd', type: 'pbx-event', z: 'f1', server: 'mars', wires: [[]] },
  ], {});
  await until(() => ['a', 'b', 'c', 'd'].every((id) => statusesOf(id).length > 0), 'the statuses');
  assert.match(statusesOf('d').at(-1)?.text ?? '', /invalid PBX settings/, "the pbx-config's reason stays shown");
  assert.equal(statusesOf('a').at(-1)?.fill, 'red');
  assert.match(statusesOf('a').at(-1)?.text ?? '', /no PBX selected/);
  assert.match(statusesOf('b').at(-1)?.text ?? '', /no AMI host/);
  assert.match(statusesOf('c').at(-1)?.text ?? '', /source must be ami, http or raw/);
  assert.ok(errorsLoggedBy('a').some((text) => text.includes('no PBX selected')));
});
