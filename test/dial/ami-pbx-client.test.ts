import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiPbxClient, type OriginateRegistry } from '../../nodes/lib/dial/ami-pbx-client';
import { EndpointNames } from '../../nodes/lib/dial/endpoint-names';
import { DialInputError, PbxPermissionError, PbxUnavailableError } from '../../nodes/lib/dial/errors';
import { AmiConnection } from '../../nodes/lib/ami/connection';
import { field, fieldList } from '../../nodes/lib/ami/message';
import { readSettings } from '../../nodes/lib/settings';
import { until } from '../helpers/wait';
import { connectTo, eventsOfCall, startPbx, type SimulatedPbx } from './pbx-fixture';
import { HOSTILE_INPUTS } from './hostile-inputs';

const settings = readSettings({ host: '127.0.0.1', originateTimeout: '1' });

/** A simulator, a connection and a client; everything closed afterwards. */
async function withClient(
  run: (pbx: SimulatedPbx, client: AmiPbxClient, extras: { connection: AmiConnection; registered: Array<{ callId: string; exten: string; number: string; extenName: string; originatesSentBefore: number }> }) => Promise<void>,
  overrides: Partial<typeof settings> = {},
): Promise<void> {
  const pbx = await startPbx();
  const connection = await connectTo(pbx.server);
  const registered: Array<{ callId: string; exten: string; number: string; extenName: string; originatesSentBefore: number }> = [];
  const originates: OriginateRegistry = {
    registerOriginate: (o) => registered.push({ ...o, originatesSentBefore: pbx.server.actionsNamed('Originate').length }),
  };
  const client = new AmiPbxClient({ connection, settings: { ...settings, ...overrides }, endpointNames: new EndpointNames(), originates });
  try {
    await run(pbx, client, { connection, registered });
  } finally {
    connection.close();
    await pbx.close();
  }
}

test('an answered click-to-dial: one async Originate with our ChannelId, result answered, call_id = the Linkedid of every event', () => withClient(async (pbx, client, { registered }) => {
  const result = await client.dial({ number: '+420 777 123 456', exten: '101' });
  assert.match(result.call_id, /^\d{10}\.\d{12}$/);
  assert.deepEqual({ ...result, call_id: '' }, { call_id: '', exten: '101', number: '00420777123456', result: 'answered', reason: result.reason });
  assert.match(result.reason, /Reason 4/);
  const [originate] = pbx.server.actionsNamed('Originate');
  assert.equal(originate.Channel, 'PJSIP/101');
  assert.equal(originate.Context, 'from-internal');
  assert.equal(originate.Exten, '00420777123456');
  assert.equal(originate.Priority, '1');
  assert.equal(originate.Timeout, '1000');
  assert.equal(originate.Async, 'true');
  assert.equal(originate.ChannelId, result.call_id);
  assert.equal(originate.CallerID, '"00420777123456" <00420777123456>');
  await pbx.model.whenIdle();
  const call = eventsOfCall(pbx.events, result.call_id);
  assert.ok(call.length > 20);
  assert.deepEqual(
    call.filter((e) => ['DialBegin', 'DialEnd', 'Hangup'].includes(field(e, 'Event'))).map((e) => `${field(e, 'Event')} ${field(e, 'DestChannel') || field(e, 'Channel')}`.replace(/-[0-9a-f]{8}$/, '')),
    ['DialBegin PJSIP/101', 'DialEnd PJSIP/101', 'DialBegin PJSIP/carrier', 'DialEnd PJSIP/carrier', 'Hangup PJSIP/101', 'Hangup PJSIP/carrier'],
  );
  assert.deepEqual(registered.map((r) => ({ ...r })), [{ callId: result.call_id, exten: '101', number: '00420777123456', extenName: 'Alice', originatesSentBefore: 0 }]);
}));

test('busy, no answer, rejected and unreachable extensions give busy, no_answer and failed with the reason', () => withClient(async (pbx, client) => {
  pbx.model.setExtension('102', { outcome: 'busy', afterMs: 10 });
  pbx.model.setExtension('103', { outcome: 'no_answer' });
  pbx.model.setExtension('104', { outcome: 'reject', afterMs: 10 });
  pbx.model.setExtension('105', { outcome: 'unavailable' });
  const [busy, noAnswer, rejected, unavailable, unknown] = await Promise.all([
    client.dial({ number: '0612345678', exten: '102' }),
    client.dial({ number: '0612345678', exten: '103' }),
    client.dial({ number: '0612345678', exten: '104' }),
    client.dial({ number: '0612345678', exten: '105' }),
    client.dial({ number: '0612345678', exten: '199' }),
  ]);
  assert.equal(busy.result, 'busy');
  assert.match(busy.reason, /busy \(Reason 5\)/);
  assert.equal(noAnswer.result, 'no_answer');
  assert.match(noAnswer.reason, /Reason 3/);
  assert.equal(rejected.result, 'failed');
  assert.match(rejected.reason, /rejected the call \(Reason 1\)/);
  assert.equal(unavailable.result, 'failed');
  assert.match(unavailable.reason, /Reason 0/);
  assert.equal(unknown.result, 'failed');
  assert.equal(new Set([busy, noAnswer, rejected, unavailable, unknown].map((r) => r.call_id)).size, 5);
  await pbx.model.whenIdle();
}));

test('the extension\'s name is looked up once per extension with PJSIPShowEndpoint; an unknown endpoint has none', () => withClient(async (pbx, client, { registered }) => {
  await client.dial({ number: '0612345678', exten: '102' });
  await client.dial({ number: '0612345679', exten: '102' });
  await client.dial({ number: '0612345678', exten: '199' });
  assert.deepEqual(pbx.server.actionsNamed('PJSIPShowEndpoint').map((a) => a.Endpoint), ['102', '199']);
  assert.deepEqual(registered.map((r) => r.extenName), ['Bob', 'Bob', '']);
  await pbx.model.whenIdle();
}));

test('variables and a caller ID of the node go into the Originate', () => withClient(async (pbx, client) => {
  await client.dial({ number: '0612345678', exten: '101', callerId: 'CRM <800123456>', variables: '__CRM_ID=42\nCLICK2DIAL=1' });
  const [originate] = pbx.server.actionsNamed('Originate');
  assert.deepEqual(fieldList(originate, 'Variable'), ['__CRM_ID=42', 'CLICK2DIAL=1']);
  assert.equal(originate.CallerID, '"CRM" <800123456>');
  assert.ok(pbx.events.some((e) => e.Event === 'VarSet' && e.Variable === '__CRM_ID' && e.Value === '42'));
  await pbx.model.whenIdle();
}));

test('FreePBX style: a Local/{{exten}}@from-internal Originate; the call_id is the Local ;1 channel\'s Uniqueid', () => withClient(async (pbx, client) => {
  const result = await client.dial({ number: '0612345678', exten: '101' });
  assert.equal(result.result, 'answered');
  assert.equal(pbx.server.actionsNamed('Originate')[0].Channel, 'Local/101@from-internal');
  const first = pbx.events.find((e) => e.Event === 'Newchannel');
  assert.match(field(first!, 'Channel'), /^Local\/101@from-internal-[0-9a-f]{8};1$/);
  assert.equal(field(first!, 'Uniqueid'), result.call_id);
  await pbx.model.whenIdle();
}, { originateChannel: 'Local/{{exten}}@from-internal' }));

test('hangup by extension ends every channel of it, Local helpers included, and names the call', () => withClient(async (pbx, client) => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  const dialled = await client.dial({ number: '0612345678', exten: '101' });
  await until(() => pbx.events.some((e) => e.Event === 'BridgeEnter' && field(e, 'Channel').startsWith('PJSIP/101-')), 'the call to be bridged');
  const channelsBefore = pbx.model.liveChannels.map((c) => c.name);
  assert.equal(channelsBefore.filter((n) => n.startsWith('Local/101@')).length, 2);
  const result = await client.hangup({ exten: '101' });
  assert.equal(result.exten, '101');
  assert.equal(result.call_id, dialled.call_id);
  assert.equal(result.hungup, 3, 'Local ;1, Local ;2 and PJSIP/101: Asterisk confirms each Hangup');
  const hangups = pbx.server.actionsNamed('Hangup').map((a) => a.Channel);
  assert.deepEqual([...hangups].sort(), channelsBefore.filter((n) => n.startsWith('Local/101@') || n.startsWith('PJSIP/101-')).sort());
  await pbx.model.whenIdle();
  assert.equal(pbx.model.liveChannels.length, 0);
}, { originateChannel: 'Local/{{exten}}@from-internal' }));

test('hangup by call_id ends every channel of that call and no other', () => withClient(async (pbx, client) => {
  pbx.model.setNumber('0612345678', { outcome: 'answer', talkMs: null });
  pbx.model.setNumber('0612345679', { outcome: 'answer', talkMs: null });
  const mine = await client.dial({ number: '0612345678', exten: '101' });
  const other = pbx.model.placeCall('102', '0612345679');
  await until(() => pbx.model.liveChannels.length === 4 && pbx.events.filter((e) => e.Event === 'BridgeEnter').length === 4, 'both calls to be bridged');
  const result = await client.hangup({ callId: mine.call_id, exten: '102' });
  assert.deepEqual(result, { exten: '', call_id: mine.call_id, hungup: 2 });
  await until(() => pbx.model.liveChannels.length === 2, 'the first call to end');
  assert.ok(pbx.model.liveChannels.every((c) => c.linkedid === other));
  assert.deepEqual(await client.hangup({ callId: 'no-such-call.1' }), { exten: '', call_id: 'no-such-call.1', hungup: 0 });
  await client.hangup({ exten: '102' });
  await pbx.model.whenIdle();
}));

test('nothing to hang up is hungup 0, not an error', () => withClient(async (pbx, client) => {
  assert.deepEqual(await client.hangup({ exten: '103' }), { exten: '103', call_id: '', hungup: 0 });
  assert.equal(pbx.server.actionsNamed('Hangup').length, 0);
}));

test('a hangup target that is missing or invalid is refused before anything is asked', () => withClient(async (pbx, client) => {
  await assert.rejects(client.hangup({}), (err: Error) => err instanceof DialInputError && /nothing to hang up/.test(err.message));
  await assert.rejects(client.hangup({ exten: '101\r\nAction: Command' }), DialInputError);
  await assert.rejects(client.hangup({ callId: '1.2\nAction: Logoff' }), DialInputError);
  assert.equal(pbx.server.actionsNamed('CoreShowChannels').length, 0);
}));

test('20 hostile inputs are refused and not one byte of them reaches the PBX', () => withClient(async (pbx, client, { registered }) => {
  const bytesBefore = pbx.server.bytesReceived;
  const actionsBefore = pbx.server.actions.length;
  for (const input of HOSTILE_INPUTS) {
    await assert.rejects(client.dial({ number: input.number, exten: input.exten }), DialInputError, input.label);
  }
  assert.equal(pbx.server.bytesReceived, bytesBefore);
  assert.equal(pbx.server.actions.length, actionsBefore);
  assert.equal(registered.length, 0);
  assert.doesNotMatch(pbx.server.receivedText(), /Command|Logoff|\u0660|\uff10/);
}));

test('an AMI user without the originate right gets a permission error that says which right', async () => {
  const pbx = await startPbx(undefined, { admin: { secret: 'admin' }, viewer: { secret: 'viewer', write: 'reporting' } });
  const connection = await connectTo(pbx.server, 'viewer', 'viewer');
  const client = new AmiPbxClient({ connection, settings });
  try {
    await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: Error) => err instanceof PbxPermissionError && /write=originate/.test(err.message));
    assert.equal(pbx.model.callCount, 0);
    assert.deepEqual(await client.hangup({ exten: '101' }), { exten: '101', call_id: '', hungup: 0 }, 'listing channels is allowed with reporting');
  } finally {
    connection.close();
    await pbx.close();
  }
});

test('not connected: fails at once with the reason, sends nothing', async () => {
  const pbx = await startPbx();
  const connection = await connectTo(pbx.server);
  const client = new AmiPbxClient({ connection, settings });
  try {
    await pbx.server.stopListening();
    await until(() => connection.state !== 'connected', 'the connection to notice');
    const started = Date.now();
    await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), (err: Error) => err instanceof PbxUnavailableError && /not connected to the PBX's AMI/.test(err.message));
    await assert.rejects(client.hangup({ exten: '101' }), PbxUnavailableError);
    assert.ok(Date.now() - started < 200, 'fails fast');
    assert.equal(pbx.server.actionsNamed('Originate').length, 0);
  } finally {
    connection.close();
    await pbx.close();
  }
});

test('a Response: Error to the Originate (e.g. a bad channel template) is an error, not a result', () => withClient(async (pbx, client) => {
  pbx.server.onAction('Originate', (action, session) => session.error(action, 'Invalid channel'));
  await assert.rejects(client.dial({ number: '0612345678', exten: '101' }), /the PBX refused Originate: Invalid channel/);
}));

test('an endpoint lookup that fails leaves the name empty and is not repeated for a minute', async () => {
  const pbx = await startPbx();
  const connection = await connectTo(pbx.server);
  let now = 1_000_000;
  const names = new EndpointNames({ now: () => now });
  try {
    pbx.server.onAction('PJSIPShowEndpoint', (action, session) => session.error(action, 'Permission denied'));
    assert.equal(await names.nameOf(connection, '101'), '');
    assert.equal(await names.nameOf(connection, '101'), '');
    assert.equal(pbx.server.actionsNamed('PJSIPShowEndpoint').length, 1);
    now += 61_000;
    pbx.model.attach(pbx.server);
    assert.equal(await names.nameOf(connection, '101'), 'Alice');
    assert.equal(pbx.server.actionsNamed('PJSIPShowEndpoint').length, 2);
  } finally {
    connection.close();
    await pbx.close();
  }
});


test('the endpoint-name cache stays bounded however many extensions are dialled', async () => {
  const pbx = await startPbx();
  const connection = await connectTo(pbx.server);
  const names = new EndpointNames();
  const lookups = (): number => pbx.server.actionsNamed('PJSIPShowEndpoint').length;
  try {
    assert.equal(await names.nameOf(connection, '101'), 'Alice');
    // 1999 made-up extensions fill the cache to its 2000 names; '101' is still in it.
    for (let batch = 0; batch < 1999; batch += 100) {
      await Promise.all(Array.from({ length: Math.min(100, 1999 - batch) }, (_, i) => names.nameOf(connection, `x${batch + i}`)));
    }
    assert.equal(await names.nameOf(connection, '101'), 'Alice');
    assert.equal(lookups(), 2000);
    // One more pushes out the least recently looked up one ('x0'); '101' was just used.
    await names.nameOf(connection, 'x-last');
    await names.nameOf(connection, '101');
    assert.equal(lookups(), 2001);
    await names.nameOf(connection, 'x0');
    assert.equal(lookups(), 2002, 'the evicted name is looked up again');
  } finally {
    connection.close();
    await pbx.close();
  }
});
