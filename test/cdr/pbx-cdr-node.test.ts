import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import pbxCdrNode = require('../../nodes/pbx-cdr');
import pbxConfigNode = require('../../nodes/pbx-config');
import type { CdrPool } from '../../nodes/lib/cdr/cdr-pool';
import type { PbxConfigApi } from '../../nodes/lib/pbx-config-api';
import { statusesOf, type FlowNode, type Msg } from '../helpers/node-red';
import { ASTERISK_CDR_TABLE, ASTERISK_CEL_TABLE } from './asterisk-schema';
import { CallGenerator, isAnswered, callStart, type GenCall } from './call-generator';
import { expectedCalls, expectedMissed, type Range } from './expected';
import { createCallHistory } from './load-data';
import { TempPostgres } from './temp-postgres';

const ZONE = 'Europe/Prague';
const DB = 'asterisk';
const NODES = [pbxConfigNode, pbxCdrNode];
const RULES = { internationalPrefix: '00', stripPrefix: '' };

helper.init(require.resolve('node-red'));
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-cdr-node-'));

let server: TempPostgres;
let generator: CallGenerator;
let calls: GenCall[];

before(async () => {
  helper.settings({ userDir });
  server = await TempPostgres.start();
  generator = new CallGenerator({ seed: 7, firstDay: '2025-03-10', days: 3, callsPerDay: 300, timezone: ZONE, celEvery: 50 });
  calls = generator.generate();
  await createCallHistory(server, DB, calls, { user: 'nodered', password: 'cdr-secret' });
});

afterEach(async () => {
  await helper.unload();
});

after(async () => {
  await server?.stop();
  fs.rmSync(userDir, { recursive: true, force: true });
});

function flow(cdr: Record<string, unknown>, extraNodes: FlowNode[] = [], pbx: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', name: 'Office PBX', timezone: ZONE, dbHost: '127.0.0.1', dbPort: String(server.port), dbName: DB, ...pbx },
    { id: 'cdr', type: 'pbx-cdr', z: 'f1', server: 'pbx', wires: [['out']], ...cdr },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
    ...extraNodes,
  ];
}

const CREDENTIALS = { pbx: { dbUser: 'nodered', dbPassword: 'cdr-secret' } };

function next(id: string, timeoutMs = 10_000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message at ${id}`)), timeoutMs);
    helper.getNode(id)!.once('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

function lastStatus(id: string): { fill?: string; text?: string } | undefined {
  return statusesOf(id).at(-1);
}

async function connectionsOfNodeRed(): Promise<number> {
  const result = await server.withSuperuser('postgres', (client) =>
    client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'node-red-pbx-cdr'"));
  return result.rows[0].n as number;
}

test('missed calls of the night from msg.payload.from/to: the rows go out in msg.payload, status green', async () => {
  await helper.load(NODES, flow({ query: 'missed' }), CREDENTIALS);
  const out = next('out');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-10T18:00:00+01:00', to: '2025-03-11T07:00:00+01:00' } } as Msg);
  const msg = await out;
  const range: Range = { from: Date.parse('2025-03-10T17:00:00Z') / 1000, to: Date.parse('2025-03-11T06:00:00Z') / 1000 };
  const expected = expectedMissed(calls, generator.clock, range, RULES);
  assert.ok(expected.length > 0);
  assert.deepEqual(msg.payload, expected);
  assert.deepEqual(lastStatus('cdr'), { fill: 'green', shape: 'dot', text: `${expected.length} callers` });
});

test('properties from a string, flow context and env: calls of extension 101 on one day, paged by limit', async () => {
  process.env.PBX_CDR_TO = '2025-03-12T00:00:00';
  await helper.load(NODES, flow({
    query: 'calls', number: '101', numberType: 'str', from: 'dayStart', fromType: 'flow', to: 'PBX_CDR_TO', toType: 'env', limit: '5',
  }), CREDENTIALS);
  helper.getNode('cdr')!.context().flow.set('dayStart', '2025-03-11');
  const out = next('out');
  helper.getNode('cdr')!.receive({ payload: 'tick' } as Msg);
  const msg = await out;
  const range: Range = { from: Date.parse('2025-03-10T23:00:00Z') / 1000, to: Date.parse('2025-03-11T23:00:00Z') / 1000 };
  assert.deepEqual(msg.payload, expectedCalls(calls, generator.clock, '101', range, RULES).slice(0, 5));
  delete process.env.PBX_CDR_TO;
});

test('limit and offset from the message (limitType/offsetType msg) and from env: the page asked for', async () => {
  await helper.load(NODES, flow({
    query: 'calls', number: '101', numberType: 'str', limit: 'payload.limit', limitType: 'msg', offset: 'payload.offset', offsetType: 'msg',
  }), CREDENTIALS);
  const range: Range = { from: Date.parse('2025-03-10T23:00:00Z') / 1000, to: Date.parse('2025-03-11T23:00:00Z') / 1000 };
  const all = expectedCalls(calls, generator.clock, '101', range, RULES);
  assert.ok(all.length > 6);
  let out = next('out');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-11', to: '2025-03-12', limit: 3, offset: '2' } } as Msg);
  assert.deepEqual((await out).payload, all.slice(2, 5));
  out = next('out');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-11', to: '2025-03-12' } } as Msg);
  assert.deepEqual((await out).payload, all.slice(0, 100), 'absent from the message: 100 and 0');
  await helper.unload();
  process.env.PBX_CDR_OFFSET = '4';
  await helper.load(NODES, flow({ query: 'calls', number: '101', numberType: 'str', limit: '2', offset: 'PBX_CDR_OFFSET', offsetType: 'env' }), CREDENTIALS);
  out = next('out');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-11', to: '2025-03-12' } } as Msg);
  assert.deepEqual((await out).payload, all.slice(4, 6));
  delete process.env.PBX_CDR_OFFSET;
});

test('SQL in a limit or offset from the message is refused before any query, and the table is still there', async () => {
  await helper.load(NODES, flow({
    query: 'calls', number: '101', numberType: 'str', limit: 'payload.limit', limitType: 'msg', offset: 'payload.offset', offsetType: 'msg',
  }), CREDENTIALS);
  for (const [limit, offset, refused] of [['1; DROP TABLE cdr', 0, /limit must be a whole number from 1 to 10000, not "1; DROP TABLE cdr"/], [5, '0 OR 1=1', /offset must be a whole number/], [5, -1, /offset must be/]] as const) {
    const caught = next('caught');
    helper.getNode('cdr')!.receive({ payload: { from: '2025-03-11', to: '2025-03-12', limit, offset } } as Msg);
    assert.match(((await caught).error as { message: string }).message, refused);
  }
  const out = next('out');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-11', to: '2025-03-12', limit: '1', offset: 0 } } as Msg);
  assert.equal(((await out).payload as unknown[]).length, 1, 'cdr still answers');
  const count = await server.withSuperuser(DB, (client) => client.query('SELECT count(*)::int AS n FROM cdr'));
  assert.ok((count.rows[0].n as number) > 0);
});

test('a limit of type num out of range stops the node at deploy', async () => {
  await helper.load(NODES, flow({ query: 'calls', limit: '20000', limitType: 'num' }), CREDENTIALS);
  await statusBecomes('cdr', (status) => status?.fill === 'red' && /limit must be a whole number from 1 to 10000/.test(status.text ?? ''));
});

test('one call by msg.payload.call_id, as pbx-event reports it: its legs in msg.payload, its CEL events in msg.cel', async () => {
  const call = calls.find((c) => c.cel.length > 0 && c.legs.length > 1)!;
  await helper.load(NODES, flow({ query: 'call' }), CREDENTIALS);
  const out = next('out');
  helper.getNode('cdr')!.receive({ topic: 'endcall', payload: { event: 'endcall', call_id: call.callId } } as Msg);
  const msg = await out;
  const legs = msg.payload as Array<Record<string, unknown>>;
  assert.deepEqual(legs.map((leg) => leg.uniqueid), call.legs.map((leg) => leg.values.uniqueid));
  assert.ok(legs.every((leg) => leg.call_id === call.callId));
  assert.equal((msg.cel as unknown[]).length, call.cel.length);
  assert.equal(msg.topic, 'endcall', 'the rest of the message passes through');
});

test('statistics: numbers are numbers, the whole PBX comes first each day', async () => {
  await helper.load(NODES, flow({ query: 'stats', from: '2025-03-10', fromType: 'str', to: '2025-03-11', toType: 'str', limit: 1000 }), CREDENTIALS);
  const out = next('out');
  helper.getNode('cdr')!.receive({ payload: {} } as Msg);
  const rows = (await out).payload as Array<Record<string, unknown>>;
  assert.equal(rows[0].exten, '');
  assert.equal(rows[0].day, '2025-03-10');
  const day = calls.filter((c) => callStart(c) >= Date.parse('2025-03-09T23:00:00Z') / 1000 && callStart(c) < Date.parse('2025-03-10T23:00:00Z') / 1000);
  assert.equal(rows[0].calls_in, day.filter((c) => c.direction === 'inbound').length);
  assert.equal(rows[0].missed, day.filter((c) => c.direction === 'inbound' && !isAnswered(c)).length);
  for (const field of ['calls_in', 'calls_out', 'answered', 'talk_time', 'avg_talk_time', 'avg_ring_time']) assert.equal(typeof rows[0][field], 'number', field);
});

async function statusBecomes(id: string, check: (status: { fill?: string; text?: string } | undefined) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check(lastStatus(id))) {
    if (Date.now() > deadline) throw new Error(`status of ${id}: ${JSON.stringify(lastStatus(id))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('at deploy the node shows whether the database is usable: connected, or why not', async () => {
  await helper.load(NODES, flow({ query: 'missed' }), CREDENTIALS);
  await statusBecomes('cdr', (status) => status?.fill === 'green' && status.text === 'connected');
  await helper.unload();
  await helper.load(NODES, flow({ query: 'missed' }), { pbx: { dbUser: 'nodered', dbPassword: 'wrong' } });
  await statusBecomes('cdr', (status) => status?.fill === 'red' && /refused the login/.test(status.text ?? ''));
  const warnings = helper.log().args.map(([entry]: [{ level: number; msg: unknown }]) => entry).filter((entry: { level: number }) => entry.level === 30);
  assert.ok(warnings.some((entry: { msg: unknown }) => /wrong dbUser or dbPassword/.test(String(entry.msg))), 'the reason is in the log');
});

test('a wrong database password reaches a Catch node with the reason, and the node turns red', async () => {
  await helper.load(NODES, flow({ query: 'missed' }), { pbx: { dbUser: 'nodered', dbPassword: 'wrong' } });
  const caught = next('caught');
  helper.getNode('cdr')!.receive({ payload: {}, _msgid: 'm1' } as Msg);
  const msg = await caught;
  assert.match((msg.error as { message: string }).message, /refused the login of user "nodered": wrong dbUser or dbPassword/);
  assert.equal(lastStatus('cdr')?.fill, 'red');
});

test('a bad parameter reaches a Catch node: calls without a number', async () => {
  await helper.load(NODES, flow({ query: 'calls' }), CREDENTIALS);
  const caught = next('caught');
  helper.getNode('cdr')!.receive({ payload: { from: '2025-03-10' } } as Msg);
  const msg = await caught;
  assert.match((msg.error as { message: string }).message, /number is required/);
  assert.deepEqual(msg.payload, { from: '2025-03-10' }, 'the message is not lost');
});

test('a pbx-config without database settings: red status at deploy, and each message is an error', async () => {
  await helper.load(NODES, [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', name: 'No DB' },
    { id: 'cdr', type: 'pbx-cdr', z: 'f1', server: 'pbx', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ], {});
  assert.match(String(lastStatus('cdr')?.text), /no database host/);
  const caught = next('caught');
  helper.getNode('cdr')!.receive({ payload: { number: '101' } } as Msg);
  assert.match(((await caught).error as { message: string }).message, /pbx-cdr is not set up: the pbx-config has no database host \(dbHost\)/);
});

test('nodes of one PBX share one pool; after the flow stops no connection is left open', async () => {
  await helper.load(NODES, flow({ query: 'missed' }, [
    { id: 'cdr2', type: 'pbx-cdr', z: 'f1', server: 'pbx', query: 'stats', wires: [['out']] },
  ]), CREDENTIALS);
  const config = helper.getNode('pbx') as unknown as PbxConfigApi;
  const pool = config.shared<CdrPool>('cdr-pool', () => { throw new Error('the pool exists'); });
  assert.equal(pool.userCount, 2);
  for (const id of ['cdr', 'cdr2']) {
    const out = next('out');
    helper.getNode(id)!.receive({ payload: { from: '2025-03-10', to: '2025-03-11' } } as Msg);
    await out;
  }
  assert.ok((await connectionsOfNodeRed()) >= 1);
  await helper.unload();
  assert.equal(pool.isOpen, false);
  const deadline = Date.now() + 5000;
  while ((await connectionsOfNodeRed()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await connectionsOfNodeRed(), 0);
});

/**
 * One inbound call written as cdr_pgsql/cel_pgsql write it with `usegmtime=yes` (UTC wall-clock
 * times) into tables named by `table=` in their .conf: 09:00:00 UTC on a winter day, 10:00 in Prague.
 */
const UTC_CALL_ID = '1736931600.11';
let utcTables: Promise<void> | undefined;

function createUtcTables(): Promise<void> {
  return (utcTables ??= server.withSuperuser(DB, async (client) => {
    await client.query(ASTERISK_CDR_TABLE.replace('CREATE TABLE cdr', 'CREATE TABLE pbx_cdr'));
    await client.query(ASTERISK_CEL_TABLE.replace('CREATE TABLE cel', 'CREATE TABLE pbx_cel'));
    await client.query(
      `INSERT INTO pbx_cdr (accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, "end",
         duration, billsec, disposition, amaflags, userfield, uniqueid, linkedid, peeraccount, sequence)
       VALUES ('', '0601234567', '101', 'from-pstn', '"Customer" <0601234567>', 'PJSIP/carrier-00000011', 'PJSIP/101-00000012',
         'Dial', 'PJSIP/101,30', '2025-01-15 09:00:00', '2025-01-15 09:00:05', '2025-01-15 09:02:05',
         125, 120, 'ANSWERED', 'DOCUMENTATION', '', $1, $1, '', 11)`,
      [UTC_CALL_ID],
    );
    for (const [eventtype, eventtime, channame] of [
      ['CHAN_START', '2025-01-15 09:00:00.250000', 'PJSIP/carrier-00000011'],
      ['ANSWER', '2025-01-15 09:00:05.000000', 'PJSIP/101-00000012'],
      ['HANGUP', '2025-01-15 09:02:05.500000', 'PJSIP/carrier-00000011'],
    ]) {
      await client.query(
        `INSERT INTO pbx_cel (eventtype, eventtime, userdeftype, cid_name, cid_num, cid_ani, cid_rdnis, cid_dnid, exten, context,
           channame, appname, appdata, amaflags, accountcode, peeraccount, uniqueid, linkedid, userfield, peer)
         VALUES ($1, $2, '', 'Customer', '0601234567', '0601234567', '', '101', '101', 'from-pstn', $3, 'Dial', 'PJSIP/101,30', 3, '', '', $4, $4, '', '')`,
        [eventtype, eventtime, channame, UTC_CALL_ID],
      );
    }
    await client.query('GRANT SELECT ON pbx_cdr, pbx_cel TO nodered');
  }));
}

const OTHER_TABLES = { dbCdrTable: 'pbx_cdr', dbCelTable: 'pbx_cel' };

async function ask(cdr: Record<string, unknown>, pbx: Record<string, unknown>, payload: Record<string, unknown>): Promise<Msg> {
  await helper.load(NODES, flow(cdr, [], pbx), CREDENTIALS);
  const out = next('out');
  helper.getNode('cdr')!.receive({ payload } as Msg);
  const msg = await out;
  await helper.unload();
  return msg;
}

test('dbCdrTable, dbCelTable and dbTimezone=UTC (usegmtime=yes): the call is found in the other tables, its times in Prague time (+01:00 in winter)', async () => {
  await createUtcTables();
  const pbx = { ...OTHER_TABLES, dbTimezone: 'UTC' };
  const calls = (await ask({ query: 'calls', number: '101', numberType: 'str' }, pbx, { from: '2025-01-15T10:00:00+01:00', to: '2025-01-15T10:01:00+01:00' })).payload as Array<Record<string, unknown>>;
  assert.deepEqual(calls.map((call) => [call.call_id, call.start, call.answer, call.end]), [
    [UTC_CALL_ID, '2025-01-15T10:00:00.0+01:00', '2025-01-15T10:00:05.0+01:00', '2025-01-15T10:02:05.0+01:00'],
  ]);
  const call = await ask({ query: 'call' }, pbx, { call_id: UTC_CALL_ID });
  assert.deepEqual((call.payload as Array<Record<string, unknown>>).map((leg) => [leg.uniqueid, leg.start, leg.end]), [
    [UTC_CALL_ID, '2025-01-15T10:00:00.0+01:00', '2025-01-15T10:02:05.0+01:00'],
  ]);
  assert.deepEqual((call.cel as Array<Record<string, unknown>>).map((event) => [event.eventtype, event.ts]), [
    ['CHAN_START', '2025-01-15T10:00:00.25+01:00'],
    ['ANSWER', '2025-01-15T10:00:05.0+01:00'],
    ['HANGUP', '2025-01-15T10:02:05.5+01:00'],
  ]);
});

test('without dbTimezone the same stored time is read as Prague time: an hour earlier, not in the range of the UTC reading', async () => {
  await createUtcTables();
  const call = await ask({ query: 'call' }, OTHER_TABLES, { call_id: UTC_CALL_ID });
  assert.deepEqual((call.payload as Array<Record<string, unknown>>).map((leg) => [leg.start, leg.end]), [['2025-01-15T09:00:00.0+01:00', '2025-01-15T09:02:05.0+01:00']]);
  assert.equal((call.cel as Array<Record<string, unknown>>)[0].ts, '2025-01-15T09:00:00.25+01:00');
  const calls = await ask({ query: 'calls', number: '101', numberType: 'str' }, OTHER_TABLES, { from: '2025-01-15T10:00:00+01:00', to: '2025-01-15T10:01:00+01:00' });
  assert.deepEqual(calls.payload, []);
});

test('without dbCdrTable/dbCelTable the default tables cdr and cel are read: the call in pbx_cdr is not there', async () => {
  await createUtcTables();
  const call = await ask({ query: 'call' }, { dbTimezone: 'UTC' }, { call_id: UTC_CALL_ID });
  assert.deepEqual(call.payload, []);
  assert.deepEqual(call.cel, []);
});

test('a bad dbCdrTable stops the pbx-config\'s settings at deploy: pbx-cdr names it in its status and in the error a Catch node gets', async () => {
  await helper.load(NODES, flow({ query: 'missed' }, [], { dbCdrTable: 'asterisk.cdr.old' }), CREDENTIALS);
  assert.match(String(lastStatus('cdr')?.text), /^invalid PBX settings: dbCdrTable/);
  const errors = helper.log().args.map(([entry]: [{ level: number; msg: unknown }]) => entry).filter((entry: { level: number }) => entry.level === 20);
  assert.ok(errors.some((entry: { msg: unknown }) => /invalid settings: dbCdrTable: table name "asterisk.cdr.old" must be "table" or "schema.table"/.test(String(entry.msg))), 'the pbx-config logs it');
  const caught = next('caught');
  helper.getNode('cdr')!.receive({ payload: {} } as Msg);
  assert.match(((await caught).error as { message: string }).message, /pbx-cdr is not set up: invalid PBX settings: dbCdrTable: table name "asterisk.cdr.old" must be "table" or "schema.table"/);
});
