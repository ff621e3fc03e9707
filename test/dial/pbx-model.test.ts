import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { field, parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';
import { CallCorrelator } from '../../nodes/lib/events/correlator';
import { readSettings } from '../../nodes/lib/settings';
import { until } from '../helpers/wait';
import { FAST, connectTo, startPbx } from './pbx-fixture';

const LIVE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');

/** The call-level skeleton of an event stream: what happened to which channel, in order. */
const SKELETON = new Set([
  'Newchannel', 'Newstate', 'DialBegin', 'DialEnd', 'OriginateResponse', 'BridgeCreate', 'BridgeEnter', 'BridgeLeave', 'BridgeDestroy',
  'HangupRequest', 'SoftHangupRequest', 'Hangup',
]);

function skeleton(events: AmiMessage[]): string[] {
  return events
    .filter((e) => SKELETON.has(field(e, 'Event')))
    .map((e) => {
      const name = field(e, 'Event');
      const channel = (field(e, 'Channel') || '-').replace(/-[0-9a-f]{8}$/, '');
      const dest = field(e, 'DestChannel').replace(/-[0-9a-f]{8}$/, '');
      const detail = field(e, 'DialStatus') || field(e, 'Cause') || field(e, 'ChannelStateDesc') || field(e, 'Reason');
      if (name === 'OriginateResponse') return `${name} ${field(e, 'Response')} ${field(e, 'Reason')}`;
      if (name.startsWith('Bridge') && !field(e, 'Channel')) return name;
      return [name, channel, dest && `→ ${dest}`, detail].filter(Boolean).join(' ');
    });
}

function recorded(scenario: string): AmiMessage[] {
  const text = readFileSync(path.join(LIVE, `${scenario}.ami`), 'utf8');
  return splitAmiMessages(text.slice(text.indexOf('\n') + 1)).map(parseAmiMessage).filter((m) => m.Event !== undefined);
}

/** The simulated PBX with one AMI client (like the recorder's), until every call is over. */
async function simulate(run: (pbx: Awaited<ReturnType<typeof startPbx>>, send: (action: AmiMessage) => Promise<AmiMessage>) => Promise<void>): Promise<AmiMessage[]> {
  const pbx = await startPbx({ ...FAST, talkMs: 60 });
  const connection = await connectTo(pbx.server);
  try {
    await run(pbx, (action) => connection.action(action));
    await until(() => pbx.model.callCount === 0 && pbx.events.length > 0, 'the calls to end');
    return pbx.events;
  } finally {
    connection.close();
    await pbx.close();
  }
}

const ORIGINATE = { Action: 'Originate', Channel: 'PJSIP/101', Context: 'from-internal', Exten: '0612345678', Priority: '1', CallerID: 'Alice <101>', Async: 'true' };

test('an answered click-to-dial has the recording\'s event skeleton (originate_click2dial_answered)', async () => {
  const events = await simulate(async (_pbx, send) => {
    await send({ ...ORIGINATE, Timeout: '20000', ChannelId: 'c2d-1795491359', OtherChannelId: 'c2d-1795491359-2' });
  });
  assert.deepEqual(skeleton(events), skeleton(recorded('originate_click2dial_answered')));
  assert.ok(events.filter((e) => e.Event !== 'DeviceStateChange').every((e) => [field(e, 'Linkedid'), field(e, 'DestLinkedid')].includes('c2d-1795491359') || e.Event === 'OriginateResponse' || field(e, 'Event').startsWith('Bridge')));
});

test('a click-to-dial the phone does not answer has the recording\'s skeleton (originate_click2dial_noanswer)', async () => {
  const events = await simulate(async (pbx, send) => {
    pbx.model.setExtension('101', { outcome: 'no_answer' });
    await send({ ...ORIGINATE, Timeout: '100' });
  });
  assert.deepEqual(skeleton(events), skeleton(recorded('originate_click2dial_noanswer')));
  const response = events.find((e) => e.Event === 'OriginateResponse')!;
  assert.deepEqual([response.Response, response.Channel, response.Reason, response.Uniqueid], ['Failure', 'PJSIP/101', '3', '<unknown>']);
  assert.equal(events.find((e) => e.Event === 'Hangup')!.Cause, '19');
});

test('a phone\'s outbound call hung up by the AMI Hangup action has the recording\'s skeleton (ami_hangup)', async () => {
  const events = await simulate(async (pbx, send) => {
    pbx.model.setNumber('0612345679', { outcome: 'answer', talkMs: null });
    pbx.model.placeCall('102', '0612345679');
    await until(() => pbx.events.filter((e) => e.Event === 'BridgeEnter').length === 2, 'the answer');
    const channel = pbx.model.liveChannels.find((c) => c.name.startsWith('PJSIP/102-'))!;
    const response = await send({ Action: 'Hangup', Channel: channel.name });
    assert.deepEqual([response.Response, response.Message], ['Success', 'Channel Hungup']);
  });
  assert.deepEqual(skeleton(events), skeleton(recorded('ami_hangup')));
});

test('an outbound call the remote party ends has the recording\'s skeleton (outbound_answered)', async () => {
  const events = await simulate(async (pbx) => {
    pbx.model.placeCall('101', '0612345678');
  });
  assert.deepEqual(skeleton(events), skeleton(recorded('outbound_answered')));
});

test('an outbound call nobody answers has the recording\'s skeleton (outbound_noanswer)', async () => {
  const events = await simulate(async (pbx) => {
    pbx.model.setNumber('0698765432', { outcome: 'no_answer' });
    pbx.model.placeCall('101', '0698765432');
  });
  const expected = skeleton(recorded('outbound_noanswer'));
  assert.deepEqual(skeleton(events), expected);
});

test('the correlator turns the simulated click-to-dial into the recording\'s expected events', async () => {
  const settings = readSettings({ timezone: 'UTC' });
  const correlator = new CallCorrelator(settings);
  const callId = '1795491359.100000000001';
  correlator.registerOriginate({ callId, exten: '101', number: '0612345678', extenName: 'Alice' });
  const events = await simulate(async (_pbx, send) => {
    await send({ ...ORIGINATE, CallerID: '"0612345678" <0612345678>', Timeout: '20000', ChannelId: callId });
  });
  const out = events.flatMap((e) => correlator.ingest(e)).map((c) => ({ ...c.event, ts: '*' }));
  const expected = JSON.parse(readFileSync(path.join(LIVE, 'originate_click2dial_answered.expected.json'), 'utf8')) as Record<string, string>[];
  assert.deepEqual(out, expected.map((e) => ({ ...e, call_id: callId, record_name: '20261124-033559-101-0612345678' })));
});

test('the simulated endpoints carry the recordings\' names', async () => {
  const pbx = await startPbx();
  const connection = await connectTo(pbx.server);
  try {
    const names: string[] = [];
    for (const exten of ['100', '101', '102', '103', '104', '105']) {
      const list = await connection.actionList({ Action: 'PJSIPShowEndpoint', Endpoint: exten });
      names.push(field(list.events.find((e) => e.Event === 'EndpointDetail')!, 'Callerid'));
    }
    assert.deepEqual(names, ['"Reception" <100>', '"Alice" <101>', '"Bob" <102>', '"Carol" <103>', '"Dave" <104>', '"Eve" <105>']);
    await assert.rejects(connection.actionList({ Action: 'PJSIPShowEndpoint', Endpoint: '999' }), /Unable to retrieve endpoint 999/);
  } finally {
    connection.close();
    await pbx.close();
  }
});

test('CoreShowChannels lists the live channels with their Linkedid, and none once the call is over', async () => {
  const pbx = await startPbx({ ...FAST, talkMs: null });
  const connection = await connectTo(pbx.server);
  try {
    const linkedid = pbx.model.placeCall('103', '0612345678');
    await until(() => pbx.events.filter((e) => e.Event === 'BridgeEnter').length === 2, 'the answer');
    const list = await connection.actionList({ Action: 'CoreShowChannels' });
    assert.deepEqual(list.events.map((e) => [field(e, 'Channel').replace(/-[0-9a-f]{8}$/, ''), field(e, 'Linkedid'), field(e, 'ChannelStateDesc')]), [
      ['PJSIP/103', linkedid, 'Up'],
      ['PJSIP/carrier', linkedid, 'Up'],
    ]);
    assert.ok(list.events.every((e) => /^\d\d:\d\d:\d\d$/.test(field(e, 'Duration')) && field(e, 'BridgeId') !== ''));
    assert.equal(pbx.model.hangupExtension('103'), 1);
    await pbx.model.whenIdle();
    assert.deepEqual((await connection.actionList({ Action: 'CoreShowChannels' })).events, []);
  } finally {
    connection.close();
    await pbx.close();
  }
});

test('close() leaves no timer behind, even with calls ringing', async () => {
  const pbx = await startPbx({ ...FAST, ringMs: 60_000 });
  pbx.model.placeCall('101', '102');
  void pbx.model.originate({ channel: 'PJSIP/103', context: 'from-internal', exten: '0612345678' });
  assert.equal(pbx.model.callCount, 2);
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  pbx.model.close();
  const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  assert.ok(after < before, `${before} → ${after}`);
  assert.equal(pbx.model.liveChannels.length, 0);
  await pbx.server.close();
});
