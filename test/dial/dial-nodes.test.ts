import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxDialNode = require('../../nodes/pbx-dial');
import pbxHangupNode = require('../../nodes/pbx-hangup');
import { field } from '../../nodes/lib/ami/message';
import { VendorHttpServer } from '../../simulator/vendor-http-server';
import { HOSTILE_INPUTS } from './hostile-inputs';
import { collect, errorsLoggedBy, statusesOf, type FlowNode } from '../helpers/node-red';
import { shorten } from '../../nodes/common/report-error';
import { CATCH, CREDENTIALS, HTTP_AUTH, actionsReceivedSince, cleanUpAfterNodeTest, pbxConfig } from './node-helpers';
import type { AmiConnectionApi } from '../../nodes/lib/ami/connection-api';
import { until } from '../helpers/wait';
import { startPbx, type SimulatedPbx } from './pbx-fixture';

helper.init(require.resolve('node-red'));
const NODES = [pbxConfigNode, pbxDialNode, pbxHangupNode];

let pbx: SimulatedPbx;
let api: VendorHttpServer;

before(async () => {
  pbx = await startPbx(undefined, { admin: { secret: 'admin' }, viewer: { secret: 'viewer', write: 'reporting' } });
  api = await VendorHttpServer.start({ model: pbx.model, auth: HTTP_AUTH });
});

after(async () => {
  await api.close();
  await pbx.close();
});

afterEach(() => cleanUpAfterNodeTest(pbx));

function flow(nodes: FlowNode[], config: Record<string, unknown> = {}): FlowNode[] {
  return [pbxConfig(pbx.server, api.url, config), ...nodes.map((n) => ({ z: 'f1', ...n })), ...CATCH];
}

async function loaded(nodes: FlowNode[], config: Record<string, unknown> = {}, credentials: Record<string, Record<string, string>> = CREDENTIALS, waitForAmi = true): Promise<void> {
  await helper.load(NODES, flow(nodes, config), credentials);
  if (waitForAmi && nodes.some((node) => node.transport !== 'http')) await until(() => amiOf('pbx')?.state === 'connected', 'the AMI connection');
}

/** How many events of this name the PBX has sent since `from` (an index into pbx.events). */
function countSince(from: number, name: string): number {
  return pbx.events.slice(from).filter((event) => event.Event === name).length;
}

/** The pbx-config's shared AMI connection (null while no node uses it). */
function amiOf(id: string): AmiConnectionApi | null {
  return (helper.getNode(id) as unknown as { ami: AmiConnectionApi | null } | null)?.ami ?? null;
}

const dial = (props: Record<string, unknown> = {}): FlowNode => ({ id: 'dial', type: 'pbx-dial', server: 'pbx', wires: [['out']], ...props });
const hangup = (props: Record<string, unknown> = {}): FlowNode => ({ id: 'hangup', type: 'pbx-hangup', server: 'pbx', wires: [['out']], ...props });

test('pbx-dial over AMI: the extension answers, one message with {call_id, exten, number, result, reason}, the rest of the message kept', async () => {
  await loaded([dial()]);
  const out = collect('out');
  helper.getNode('dial')!.receive({ payload: { number: '+420 777 123 456', exten: '101' }, topic: 'crm-42' } as NodeMessage);
  await until(() => out.length === 1);
  const payload = out[0].payload as Record<string, string>;
  assert.deepEqual(Object.keys(payload), ['call_id', 'exten', 'number', 'result', 'reason']);
  assert.match(payload.call_id, /^\d{10}\.\d{12}$/);
  assert.deepEqual({ ...payload, call_id: '', reason: '' }, { call_id: '', exten: '101', number: '00420777123456', result: 'answered', reason: '' });
  assert.equal(out[0].topic, 'crm-42');
  assert.equal(out[0].statusCode, undefined, 'statusCode is for the HTTP transport');
  assert.equal(pbx.server.actionsNamed('Originate').at(-1)!.ChannelId, payload.call_id);
  assert.deepEqual(statusesOf('dial').at(-1), { fill: 'green', shape: 'dot', text: '101 → 00420777123456: answered' });
});

test('pbx-dial reads number and extension from fixed values, flow context and environment variables', async () => {
  process.env.PBX_TEST_EXTEN = '102';
  try {
    await loaded([dial({ number: 'crmNumber', numberType: 'flow', exten: 'PBX_TEST_EXTEN', extenType: 'env' }), dial({ id: 'dial2', number: '0612345678', numberType: 'str', exten: '103', extenType: 'num' })]);
    const out = collect('out');
    helper.getNode('dial')!.context().flow.set('crmNumber', '0612 345 678');
    helper.getNode('dial')!.receive({ payload: 'ignored' } as NodeMessage);
    helper.getNode('dial2')!.receive({} as NodeMessage);
    await until(() => out.length === 2);
    const pairs = out.map((m) => { const p = m.payload as Record<string, string>; return `${p.exten} ${p.number} ${p.result}`; }).sort();
    assert.deepEqual(pairs, ['102 0612345678 answered', '103 0612345678 answered']);
  } finally {
    delete process.env.PBX_TEST_EXTEN;
  }
});

test('pbx-dial reports busy, no_answer and failed as results, not errors', async () => {
  pbx.model.setExtension('102', { outcome: 'busy', afterMs: 10 });
  pbx.model.setExtension('103', { outcome: 'no_answer' });
  pbx.model.setExtension('104', { outcome: 'unavailable' });
  await loaded([dial()]);
  const out = collect('out');
  const caught = collect('caught');
  for (const exten of ['102', '103', '104']) helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten } } as NodeMessage);
  await until(() => out.length === 3, 'three results');
  const results = Object.fromEntries(out.map((m) => { const p = m.payload as Record<string, string>; return [p.exten, p.result]; }));
  assert.deepEqual(results, { 102: 'busy', 103: 'no_answer', 104: 'failed' });
  assert.equal(caught.length, 0);
});

test('20 hostile inputs: each goes to Catch with a clear error and a red status, and not one byte reaches the AMI server', async () => {
  await loaded([dial()]);
  const out = collect('out');
  const caught = collect('caught');
  const from = pbx.server.receivedText().length;
  for (const input of HOSTILE_INPUTS) helper.getNode('dial')!.receive({ payload: { number: input.number, exten: input.exten } } as NodeMessage);
  await until(() => caught.length === HOSTILE_INPUTS.length);
  assert.equal(out.length, 0);
  for (const msg of caught) assert.match((msg.error as { message: string }).message, /refused|must be text|only 0-9|characters other than/);
  // Only the connection's own keep-alive may have been written meanwhile.
  assert.deepEqual(actionsReceivedSince(pbx.server, from).filter((action) => field(action, 'Action') !== 'Ping'), []);
  assert.doesNotMatch(pbx.server.receivedText(), /Command|Logoff|core stop/);
  assert.equal(statusesOf('dial').at(-1)?.fill, 'red');
});

test('an error names where the bad value came from', async () => {
  await loaded([dial(), dial({ id: 'dial2', number: 'crm.phone', numberType: 'flow', exten: '101', extenType: 'str' })]);
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: '0612345678' } as NodeMessage);
  await until(() => caught.length === 1);
  helper.getNode('dial2')!.context().flow.set('crm', { phone: '0612 ABC' });
  helper.getNode('dial2')!.receive({} as NodeMessage);
  await until(() => caught.length === 2);
  const messages = caught.map((m) => (m.error as { message: string }).message).sort();
  // Node-RED puts the error's kind in front: a Catch flow can tell bad input from a PBX problem.
  assert.deepEqual(messages, [
    'DialInputError: exten (msg.payload.exten) is missing',
    'DialInputError: number (flow.crm.phone) "0612 ABC" contains characters other than 0-9 + * # (spaces, dashes, dots and parentheses are allowed); refused',
  ]);
});

test('pbx-dial when the PBX is not connected fails at once to Catch, with the reason in the status', async () => {
  const closed = await startPbx();
  const port = closed.server.port;
  await closed.close();
  await helper.load(NODES, flow([dial()], { port: String(port) }), CREDENTIALS);
  const out = collect('out');
  const caught = collect('caught');
  const started = Date.now();
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.ok(Date.now() - started < 500, 'no waiting for a timeout');
  assert.match((caught[0].error as { message: string }).message, /not connected to the PBX's AMI/);
  assert.equal(out.length, 0);
  assert.equal(statusesOf('dial').at(-1)?.fill, 'red');
});

test('an AMI user without the originate right: permission denied, to Catch', async () => {
  await loaded([dial()], {}, { pbx: { username: 'viewer', secret: 'viewer' } });
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /permission denied: the AMI user may not send Originate \(manager.conf needs write=originate\)/);
  assert.match(statusesOf('dial').at(-1)?.text ?? '', /permission denied/);
});

test('a pbx-dial deployed with nothing but its server uses msg.payload.number and msg.payload.exten', async () => {
  await loaded([{ id: 'dial', type: 'pbx-dial', server: 'pbx', wires: [['out']] }]);
  const out = collect('out');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: 105 } } as NodeMessage);
  await until(() => out.length === 1);
  assert.equal((out[0].payload as Record<string, string>).exten, '105');
  assert.equal(pbx.server.actionsNamed('Originate').at(-1)!.Channel, 'PJSIP/105');
});

test('invalid variables are reported at deploy, and every message is then refused', async () => {
  await loaded([dial({ variables: 'GOOD=1\nBAD VALUE=2' })], {}, CREDENTIALS, false);
  assert.ok(errorsLoggedBy('dial').some((text) => /variables line 2/.test(text)));
  assert.equal(statusesOf('dial').at(-1)?.fill, 'red');
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /pbx-dial is not set up: variables line 2/);
});

test('a pbx-config with an invalid stripPrefix: pbx-dial and pbx-hangup name it at deploy and to Catch, and not one byte reaches the PBX', async () => {
  const from = pbx.server.receivedText().length;
  const requests = api.requests.length;
  await loaded([dial(), dial({ id: 'dial2', transport: 'http' }), hangup()], { stripPrefix: '12+3' }, CREDENTIALS, false);
  const setting = 'stripPrefix "12+3" must be up to 16 of 0-9 * #, optionally after one leading + (e.g. 00420 or +420)';
  for (const [id, type] of [['dial', 'pbx-dial'], ['dial2', 'pbx-dial'], ['hangup', 'pbx-hangup']]) {
    assert.deepEqual(statusesOf(id).at(-1), { fill: 'red', shape: 'ring', text: shorten(`invalid PBX settings: ${setting}`) }, id);
    assert.ok(errorsLoggedBy(id).includes(`${type}: invalid PBX settings: ${setting}`), `${id} logs the setting at deploy`);
  }
  assert.ok(errorsLoggedBy('pbx').includes(`invalid settings: ${setting}`), 'the pbx-config logs it too');
  const out = collect('out');
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '+420 777 123 456', exten: '101' } } as NodeMessage);
  helper.getNode('dial2')!.receive({ payload: { number: '+420 777 123 456', exten: '101' } } as NodeMessage);
  helper.getNode('hangup')!.receive({ payload: { exten: '101' } } as NodeMessage);
  await until(() => caught.length === 3);
  assert.deepEqual(caught.map((m) => (m.error as { message: string }).message).sort(), [
    `Error: pbx-dial is not set up: invalid PBX settings: ${setting}`,
    `Error: pbx-dial is not set up: invalid PBX settings: ${setting}`,
    `Error: pbx-hangup is not set up: invalid PBX settings: ${setting}`,
  ], 'an Error (a configuration fault), not a DialInputError');
  assert.equal(out.length, 0);
  // A connection would be opened at deploy: give it time to show up, if it were.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(pbx.server.receivedText().length, from, 'no AMI connection, no login, no action');
  assert.equal(pbx.server.connectionCount, 0);
  assert.equal(api.requests.length, requests, 'no vendor HTTP request');
});

test('pbx-dial over the vendor HTTP API: GET /dial, result "requested" with statusCode and response', async () => {
  await loaded([dial({ transport: 'http' })]);
  const out = collect('out');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => out.length === 1);
  assert.deepEqual(out[0].payload, { call_id: '', exten: '101', number: '0612345678', result: 'requested', reason: 'the PBX accepted the request (HTTP 200)' });
  assert.equal(out[0].statusCode, 200);
  assert.equal(out[0].response, 'OK');
  assert.equal(api.requests.at(-1)!.url, '/dial?number=0612345678&exten=101');
  assert.equal(api.requests.at(-1)!.authorized, true, 'basic auth from the pbx-config credentials');
  await until(() => pbx.model.callCount === 0 && pbx.events.some((e) => e.Event === 'OriginateResponse' && field(e, 'ActionID').startsWith('vendor-http-')), 'the vendor PBX to place the call');
});

test('an HTTP API error goes to Catch with the status and body on the message', async () => {
  await loaded([dial({ transport: 'http' })]);
  const caught = collect('caught');
  api.answerNext(503, 'PBX overloaded');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /answered \/dial with 503: PBX overloaded/);
  assert.equal(caught[0].statusCode, 503);
  assert.equal(caught[0].response, 'PBX overloaded');
});

test('a pbx-config without an AMI host uses the HTTP API; forcing AMI there is an error at deploy', async () => {
  await helper.load(NODES, flow([dial(), dial({ id: 'dial2', transport: 'ami' })], { host: '' }), CREDENTIALS);
  const out = collect('out');
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  helper.getNode('dial2')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => out.length === 1 && caught.length === 1);
  assert.equal((out[0].payload as Record<string, string>).result, 'requested');
  assert.match((caught[0].error as { message: string }).message, /has no AMI host/);
  await pbx.model.whenIdle();
});

test('pbx-hangup by extension ends the call; nothing to hang up is hungup 0', async () => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  await loaded([dial({ wires: [['out']] }), hangup()]);
  const out = collect('out');
  const from = pbx.events.length;
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => countSince(from, 'BridgeEnter') === 2 && out.length === 1, 'the call to be answered');
  const callId = (out[0].payload as Record<string, string>).call_id;
  helper.getNode('hangup')!.receive({ payload: { exten: '101' } } as NodeMessage);
  await until(() => out.length === 2);
  assert.deepEqual(out[1].payload, { exten: '101', call_id: callId, hungup: 1 });
  await pbx.model.whenIdle();
  helper.getNode('hangup')!.receive({ payload: { exten: '101' } } as NodeMessage);
  await until(() => out.length === 3);
  assert.deepEqual(out[2].payload, { exten: '101', call_id: '', hungup: 0 });
  assert.match(statusesOf('hangup').at(-1)?.text ?? '', /nothing to hang up/);
});

test('pbx-hangup by call_id (a pbx-dial result wired straight in) ends that call only', async () => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  await loaded([dial({ wires: [['hangup']] }), hangup()]);
  const out = collect('out');
  const from = pbx.events.length;
  const other = pbx.model.placeCall('102', '0612345678');
  await until(() => countSince(from, 'BridgeEnter') === 2, 'the other call to be answered');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => out.length === 1);
  const payload = out[0].payload as Record<string, unknown>;
  assert.equal(payload.exten, '');
  assert.match(String(payload.call_id), /^\d{10}\.\d{12}$/);
  assert.ok(Number(payload.hungup) >= 1);
  await until(() => pbx.model.liveChannels.every((c) => c.linkedid === other), 'the dialled call to end');
  assert.equal(pbx.model.liveChannels.length, 2, 'the other call goes on');
  pbx.model.hangupExtension('102');
});

test('pbx-hangup over the HTTP API: GET /hangup?exten=, hungup null; a call_id there is an error', async () => {
  await loaded([hangup({ transport: 'http' })]);
  const out = collect('out');
  const caught = collect('caught');
  helper.getNode('hangup')!.receive({ payload: { exten: '101' } } as NodeMessage);
  await until(() => out.length === 1);
  assert.deepEqual(out[0].payload, { exten: '101', call_id: '', hungup: null });
  assert.equal(out[0].statusCode, 200);
  assert.equal(api.requests.at(-1)!.url, '/hangup?exten=101');
  helper.getNode('hangup')!.receive({ payload: { exten: '101', call_id: '1795491359.1' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /hangs up by extension only/);
});

test('pbx-hangup refuses an invalid target to Catch without asking the PBX', async () => {
  await loaded([hangup()]);
  const caught = collect('caught');
  const from = pbx.server.receivedText().length;
  helper.getNode('hangup')!.receive({ payload: { exten: '101\r\nAction: Command' } } as NodeMessage);
  helper.getNode('hangup')!.receive({ payload: {} } as NodeMessage);
  await until(() => caught.length === 2);
  assert.match((caught[0].error as { message: string }).message, /exten .* may contain only/);
  assert.match((caught[1].error as { message: string }).message, /nothing to hang up: give an extension/);
  assert.deepEqual(actionsReceivedSince(pbx.server, from).filter((action) => field(action, 'Action') !== 'Ping'), []);
});
