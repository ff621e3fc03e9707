import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxDialNode = require('../../nodes/pbx-dial');
import pbxEventNode = require('../../nodes/pbx-event');
import pbxHangupNode = require('../../nodes/pbx-hangup');
import { VendorHttpServer } from '../../simulator/vendor-http-server';
import { collect, type FlowNode, type Msg } from '../helpers/node-red';
import { CATCH, CREDENTIALS, HTTP_AUTH, cleanUpAfterNodeTest, pbxConfig } from './node-helpers';
import { until } from '../helpers/wait';
import { startPbx, type SimulatedPbx } from './pbx-fixture';

/**
 * Click-to-dial end to end, in a real Node-RED runtime: an inject → pbx-dial → the simulated
 * Asterisk (AMI) or the vendor's HTTP API → the call's AMI events → pbx-event, which reports the
 * call as the vendor's contract says.
 */
helper.init(require.resolve('node-red'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Node-RED's own inject node, loaded like ours
const injectNode = require('@node-red/nodes/core/common/20-inject.js') as (RED: unknown) => void;
const NODES = [pbxConfigNode, pbxDialNode, pbxEventNode, pbxHangupNode, injectNode];

let pbx: SimulatedPbx;
let api: VendorHttpServer;

before(async () => {
  pbx = await startPbx({ ringMs: 40, remoteRingMs: 40, talkMs: 150, extensionRingTimeoutMs: 2000, trunkRingTimeoutMs: 2000 });
  api = await VendorHttpServer.start({ model: pbx.model, auth: HTTP_AUTH, timeoutMs: 1000 });
});

after(async () => {
  await api.close();
  await pbx.close();
});

afterEach(() => cleanUpAfterNodeTest(pbx));

/** inject → pbx-dial → "out"; pbx-event → "events"; pbx-hangup → "hungup"; Catch → "caught". */
async function clickToDialFlow(transport: 'ami' | 'http' = 'ami', config: Record<string, unknown> = {}): Promise<{ out: Msg[]; events: Msg[]; hungup: Msg[]; caught: Msg[] }> {
  const nodes: FlowNode[] = [
    pbxConfig(pbx.server, api.url, config),
    { id: 'button', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '{"exten":"101","number":"0612 345 678"}', payloadType: 'json', wires: [['dial']] },
    { id: 'dial', type: 'pbx-dial', z: 'f1', server: 'pbx', transport, wires: [['out']] },
    { id: 'event', type: 'pbx-event', z: 'f1', server: 'pbx', source: 'ami', wires: [['events']] },
    { id: 'events', type: 'helper', z: 'f1' },
    { id: 'hangup', type: 'pbx-hangup', z: 'f1', server: 'pbx', transport, wires: [['hungup']] },
    { id: 'hungup', type: 'helper', z: 'f1' },
    ...CATCH,
  ];
  await helper.load(NODES, nodes, CREDENTIALS);
  await until(() => (helper.getNode('pbx') as unknown as { ami: { state: string } | null }).ami?.state === 'connected', 'the AMI connection');
  // pbx-event resyncs after connecting: let it finish before the call starts.
  await until(() => pbx.server.actionsNamed('CoreShowChannels').length > 0, 'the resync');
  return { out: collect('out'), events: collect('events'), hungup: collect('hungup'), caught: collect('caught') };
}

/** Presses the inject node's button (as the editor's POST /inject/:id does). */
function click(): void {
  helper.getNode('button')!.receive({} as NodeMessage);
}

const names = (events: Msg[]): string[] => events.map((m) => String(m.topic));
const payloadOf = (msg: Msg): Record<string, string> => msg.payload as Record<string, string>;

test('inject → pbx-dial → PBX → pbx-event: dial (caller_type originate, same call_id), answer_external, hangup_internal, endcall', async () => {
  const { out, events, caught } = await clickToDialFlow();
  click();
  await until(() => names(events).includes('endcall'), 'the endcall event');
  assert.equal(caught.length, 0);
  assert.equal(out.length, 1);
  const result = payloadOf(out[0]);
  assert.equal(result.result, 'answered');
  assert.deepEqual(names(events), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
  assert.ok(events.every((m) => payloadOf(m).call_id === result.call_id), 'every event carries the dial result\'s call_id');
  const [dial, answer, hangupInternal, endcall] = events.map(payloadOf);
  const recordName = dial.record_name;
  assert.match(recordName, /^\d{8}-\d{6}-101-0612345678$/);
  assert.deepEqual({ ...dial, ts: '*' }, {
    event: 'dial', ts: '*', call_id: result.call_id, caller_type: 'originate', caller_num: '101', called_num: '0612345678', transfering_exten: '', record_name: recordName,
  });
  assert.deepEqual({ ...answer, ts: '*' }, {
    event: 'answer_external', ts: '*', call_id: result.call_id, called_num: '0612345678', caller_num: '101', caller_name: 'Alice', caller_type: 'originate', record_name: recordName,
  }, 'the caller is the extension and its endpoint name, not the caller ID shown on the desk phone');
  assert.deepEqual({ ...hangupInternal, ts: '*' }, { event: 'hangup_internal', ts: '*', call_id: result.call_id, exten_num: '101', exten_name: 'Alice', record_name: recordName });
  assert.deepEqual({ ...endcall, ts: '*' }, {
    event: 'endcall', ts: '*', call_id: result.call_id, caller_type: 'originate', caller_num: '101', called_num: '0612345678',
    call_answered: 't', answering_exten: '', last_dial_answered: 'f', last_dialed_exten: '', record_name: recordName,
  });
  // record_name dates from the epoch in our ChannelId (UTC here).
  const epoch = Number(result.call_id.split('.')[0]);
  assert.equal(recordName.slice(0, 15), new Date(epoch * 1000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15));
});

test('the same call ended early by pbx-hangup: hangup_internal and endcall follow at once', async () => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  const { out, events, hungup } = await clickToDialFlow();
  click();
  await until(() => names(events).includes('answer_external'), 'the answer');
  const callId = payloadOf(out[0]).call_id;
  helper.getNode('hangup')!.receive({ payload: { call_id: callId } } as NodeMessage);
  await until(() => names(events).includes('endcall') && hungup.length === 1, 'the endcall event');
  assert.deepEqual(hungup[0].payload, { exten: '', call_id: callId, hungup: 2 });
  assert.deepEqual(names(events), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
  assert.ok(events.every((m) => payloadOf(m).call_id === callId));
  assert.equal(payloadOf(events[3]).call_answered, 't');
});

test('a busy, an unanswered and an unreachable extension: the result, then dial + endcall with nothing answered', async () => {
  pbx.model.setExtension('102', { outcome: 'busy', afterMs: 20 });
  pbx.model.setExtension('103', { outcome: 'no_answer' });
  pbx.model.setExtension('104', { outcome: 'unavailable' });
  const { out, events } = await clickToDialFlow();
  for (const exten of ['102', '103', '104']) helper.getNode('dial')!.receive({ payload: { exten, number: '0612345678' } } as NodeMessage);
  await until(() => out.length === 3 && names(events).filter((n) => n === 'endcall').length === 3, 'three results and three endcalls', 8000);
  const byExten = Object.fromEntries(out.map((m) => [payloadOf(m).exten, payloadOf(m)]));
  assert.deepEqual([byExten['102'].result, byExten['103'].result, byExten['104'].result], ['busy', 'no_answer', 'failed']);
  for (const exten of ['102', '103', '104']) {
    const callId = byExten[exten].call_id;
    const ofCall = events.filter((m) => payloadOf(m).call_id === callId);
    assert.deepEqual(names(ofCall), ['dial', 'endcall'], `extension ${exten}`);
    assert.equal(payloadOf(ofCall[0]).caller_num, exten);
    assert.equal(payloadOf(ofCall[0]).caller_type, 'originate');
    assert.deepEqual([payloadOf(ofCall[1]).call_answered, payloadOf(ofCall[1]).last_dial_answered, payloadOf(ofCall[1]).last_dialed_exten], ['f', 'f', '']);
  }
});

test('over the vendor HTTP API: requested, then pbx-event reports the PBX\'s own originate (caller_type originate) to its endcall', async () => {
  const { out, events, caught } = await clickToDialFlow('http');
  click();
  await until(() => names(events).includes('endcall'), 'the endcall event');
  assert.equal(caught.length, 0);
  assert.deepEqual(out[0].payload, { call_id: '', exten: '101', number: '0612345678', result: 'requested', reason: 'the PBX accepted the request (HTTP 200)' });
  assert.equal(out[0].statusCode, 200);
  assert.deepEqual(names(events), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
  const dial = payloadOf(events[0]);
  assert.deepEqual([dial.caller_type, dial.caller_num, dial.called_num], ['originate', '101', '0612345678']);
  assert.ok(events.every((m) => payloadOf(m).call_id === dial.call_id));
});

test('over the vendor HTTP API, pbx-hangup by extension ends the call early', async () => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  const { events, hungup } = await clickToDialFlow('http');
  click();
  await until(() => names(events).includes('answer_external'), 'the answer');
  helper.getNode('hangup')!.receive({ payload: { exten: '101' } } as NodeMessage);
  await until(() => names(events).includes('endcall') && hungup.length === 1, 'the endcall event');
  assert.deepEqual(hungup[0].payload, { exten: '101', call_id: '', hungup: null });
  assert.equal(hungup[0].statusCode, 200);
  assert.equal(api.requests.at(-1)!.url, '/hangup?exten=101');
  assert.deepEqual(names(events), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
});

test('FreePBX style (Local/{{exten}}@from-internal): the same four events for the same call_id', async () => {
  const { out, events } = await clickToDialFlow('ami', { originateChannel: 'Local/{{exten}}@from-internal' });
  click();
  await until(() => names(events).includes('endcall'), 'the endcall event');
  const callId = payloadOf(out[0]).call_id;
  assert.equal(payloadOf(out[0]).result, 'answered');
  assert.deepEqual(names(events), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
  assert.ok(events.every((m) => payloadOf(m).call_id === callId));
  assert.deepEqual([payloadOf(events[0]).caller_type, payloadOf(events[0]).caller_num, payloadOf(events[1]).caller_name], ['originate', '101', 'Alice']);
});

test('pbx-dial with the PBX down fails fast to Catch, a pbx-event on the same PBX notwithstanding', async () => {
  const down = await startPbx();
  const port = down.server.port;
  await down.close();
  await helper.load(NODES, [
    pbxConfig(pbx.server, api.url, { port: String(port) }),
    { id: 'dial', type: 'pbx-dial', z: 'f1', server: 'pbx', wires: [['out']] },
    { id: 'event', type: 'pbx-event', z: 'f1', server: 'pbx', source: 'ami', wires: [] },
    ...CATCH,
  ], CREDENTIALS);
  const caught = collect('caught');
  const started = Date.now();
  helper.getNode('dial')!.receive({ payload: { exten: '101', number: '0612345678' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.ok(Date.now() - started < 500);
  assert.match((caught[0].error as { message: string }).message, /not connected to the PBX's AMI/);
});
