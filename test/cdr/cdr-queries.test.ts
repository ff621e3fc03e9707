import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CdrDatabase, type CdrDatabaseOptions } from '../../nodes/lib/cdr/cdr-database';
import { CdrError } from '../../nodes/lib/cdr/cdr-error';
import { CdrQueries, cdrRulesFrom, type CdrResult } from '../../nodes/lib/cdr/cdr-queries';
import { CdrPool } from '../../nodes/lib/cdr/cdr-pool';
import { ChannelSql } from '../../nodes/lib/cdr/channel-sql';
import { SqlParams } from '../../nodes/lib/cdr/sql-params';
import type { CdrQueryInput, CdrQueryName } from '../../nodes/lib/cdr/query-input';
import type { CdrRow } from '../../nodes/lib/cdr/result-values';
import { readSettings } from '../../nodes/lib/settings';
import { CallGenerator, QUEUE, callStart, countRows, isAnswered, type GenCall } from './call-generator';
import { expectedCallRow, expectedCalls, expectedMissed, expectedStats, normalize, type Range } from './expected';
import { ASTERISK_CDR_TABLE, CDR_COLUMNS } from './asterisk-schema';
import { createAsteriskTables, createCallHistory, loadCalls } from './load-data';
import { TempPostgres, freePort } from './temp-postgres';

const ZONE = 'Europe/Prague';
const DB = 'asterisk';
const READER = 'pbx_reader';
const READER_PASSWORD = 'read-only secret';
const settings = readSettings({ timezone: ZONE });
const rules = cdrRulesFrom(settings);
const numberRules = { internationalPrefix: settings.internationalPrefix, stripPrefix: settings.stripPrefix };

let server: TempPostgres;
let calls: GenCall[];
let generator: CallGenerator;
let database: CdrDatabase;
let queries: CdrQueries;

function options(overrides: Partial<CdrDatabaseOptions> = {}): CdrDatabaseOptions {
  return {
    host: '127.0.0.1', port: server.port, database: DB, user: READER, password: READER_PASSWORD, tls: false, timezone: ZONE,
    ...overrides,
  };
}

function run(query: CdrQueryName, input: CdrQueryInput, timeoutMs?: number): Promise<CdrResult> {
  return queries.run(query, input, { timeoutMs });
}

/** Epoch seconds of a wall-clock time in Prague (the generator's own clock does the zone maths). */
function prague(text: string): number {
  const offsetGuess = generator.clock.offsetSeconds(Date.parse(`${text}Z`) / 1000);
  return Date.parse(`${text}Z`) / 1000 - offsetGuess;
}

/** One call's rows, inserted plainly (for small databases of their own). */
async function insertRows(client: { query(text: string, values: unknown[]): Promise<unknown> }, call: GenCall): Promise<void> {
  for (const leg of call.legs) {
    const columns = CDR_COLUMNS.map((column) => `"${column}"`).join(', ');
    const placeholders = CDR_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    await client.query(`INSERT INTO cdr (${columns}) VALUES (${placeholders})`, CDR_COLUMNS.map((column) => leg.values[column]));
  }
}

function isoInput(epoch: number): string {
  return new Date(epoch * 1000).toISOString();
}

/** Statistics rows compared field by field: counts exactly, averages to the 0.1 s they are rounded to. */
function assertStatsEqual(actual: CdrRow[], expected: Array<Record<string, string | number>>): void {
  assert.equal(actual.length, expected.length, 'number of rows');
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i];
    const got = actual[i];
    const where = `${want.day} exten "${want.exten}"`;
    for (const field of ['day', 'exten', 'calls_in', 'calls_out', 'calls_internal', 'answered', 'missed', 'talk_time', 'connected']) {
      assert.equal(got[field], want[field], `${where}: ${field}`);
    }
    for (const field of ['avg_talk_time', 'avg_ring_time']) {
      assert.equal(typeof got[field], 'number', `${where}: ${field} is a number`);
      assert.ok(Math.abs((got[field] as number) - (want[field] as number)) <= 0.05 + 1e-9, `${where}: ${field} ${got[field]} vs ${want[field]}`);
    }
  }
}

before(async () => {
  server = await TempPostgres.start();
  generator = new CallGenerator({ seed: 20250301, firstDay: '2025-03-01', days: 45, callsPerDay: 900, timezone: ZONE, celEvery: 400 });
  calls = generator.generate();
  await createCallHistory(server, DB, calls, { user: READER, password: READER_PASSWORD });
  database = new CdrDatabase(options());
  queries = new CdrQueries(database, rules);
});

after(async () => {
  await database?.end();
  await server?.stop();
});

describe('the data set', () => {
  test('holds at least 100 000 CDR rows of every kind of call, across the March DST change', () => {
    assert.ok(countRows(calls) >= 100_000, `${countRows(calls)} rows`);
    const scenarios = new Set(calls.map((call) => call.scenario));
    for (const scenario of ['internal', 'outbound', 'did', 'group', 'queue', 'callback']) assert.ok(scenarios.has(scenario), scenario);
    assert.ok(calls.some((call) => call.legs.some((leg) => String(leg.values.dcontext) === 'from-internal-xfer')), 'blind transfers');
    assert.ok(calls.some((call) => call.legs.some((leg) => leg.values.lastapp === 'VoiceMail')), 'voicemail');
  });
});

describe('stats', () => {
  test('per day and per extension over 45 days equal the figures computed from the calls themselves', async () => {
    const range: Range = { from: prague('2025-03-01T00:00:00'), to: prague('2025-04-15T00:00:00') };
    const { rows } = await run('stats', { from: '2025-03-01', to: '2025-04-15', limit: 10_000 });
    assertStatsEqual(rows, expectedStats(calls, generator.clock, range));
    assert.ok(rows.some((row) => row.exten === '' && (row.missed as number) > 0 && (row.answered as number) > 0));
  });

  test('of one extension give only that extension\'s rows', async () => {
    const range: Range = { from: prague('2025-03-10T00:00:00'), to: prague('2025-03-17T00:00:00') };
    const { rows } = await run('stats', { number: '104', from: '2025-03-10T00:00:00+01:00', to: '2025-03-17T00:00:00+01:00' });
    const expected = expectedStats(calls, generator.clock, range).filter((row) => row.exten === '104');
    assert.equal(rows.length, 7);
    assertStatsEqual(rows, expected);
  });

  test('days follow the PBX zone: the day of the DST change is one row, 23 hours long', async () => {
    const { rows } = await run('stats', { from: '2025-03-30', to: '2025-03-31', limit: 1000 });
    const days = new Set(rows.map((row) => row.day));
    assert.deepEqual([...days], ['2025-03-30']);
    const range: Range = { from: prague('2025-03-30T00:00:00'), to: prague('2025-03-31T00:00:00') };
    assert.equal(range.to - range.from, 23 * 3600);
    assertStatsEqual(rows, expectedStats(calls, generator.clock, range));
  });

  test('are paginated with limit and offset', async () => {
    const all = await run('stats', { from: '2025-03-03', to: '2025-03-05', limit: 1000 });
    const page = await run('stats', { from: '2025-03-03', to: '2025-03-05', limit: 5, offset: 3 });
    assert.deepEqual(page.rows, all.rows.slice(3, 8));
  });
});

describe('missed', () => {
  test('of a night: the inbound calls nobody answered, one row per caller, with callbacks', async () => {
    const range: Range = { from: prague('2025-03-11T18:00:00'), to: prague('2025-03-12T07:00:00') };
    const { rows } = await run('missed', { from: '2025-03-11T18:00:00', to: '2025-03-12T07:00:00', limit: 1000 });
    const expected = expectedMissed(calls, generator.clock, range, numberRules);
    assert.ok(expected.length > 3, 'the night has missed calls');
    assert.deepEqual(rows, expected);
  });

  test('of a week: repeated attempts are counted and callbacks, answered callbacks and later answered calls are told apart', async () => {
    const range: Range = { from: prague('2025-03-17T00:00:00'), to: prague('2025-03-24T00:00:00') };
    const { rows } = await run('missed', { from: '2025-03-17', to: '2025-03-24', limit: 10_000 });
    const expected = expectedMissed(calls, generator.clock, range, numberRules);
    assert.deepEqual(rows, expected);
    assert.ok(rows.some((row) => (row.attempts as number) > 1), 'a caller tried more than once');
    assert.ok(rows.some((row) => row.called_back === 't' && row.callback_answered === 't'));
    assert.ok(rows.some((row) => row.called_back === 't' && row.callback_answered === 'f'));
    assert.ok(rows.some((row) => row.called_back === 'f'));
    assert.ok(rows.some((row) => row.answered_later === 't'));
    assert.ok(rows.some((row) => row.caller_num === 'anonymous' && row.called_back === 'f'));
  });

  test('a queue call that the queue answered but no member did is missed', async () => {
    const abandoned = calls.find((call) => call.scenario === 'queue' && !isAnswered(call) && call.callerNum !== 'anonymous')!;
    const at = callStart(abandoned);
    const { rows } = await run('missed', { from: isoInput(at), to: isoInput(at + 1) });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].last_call_id, abandoned.callId);
    assert.equal(rows[0].called_num, QUEUE.number);
  });

  test('with a number: only the calls to that number or ringing that extension', async () => {
    const range: Range = { from: prague('2025-03-17T00:00:00'), to: prague('2025-03-24T00:00:00') };
    const toQueue = expectedMissed(calls.filter((call) => call.calledNum === QUEUE.number), generator.clock, range, numberRules);
    const { rows } = await run('missed', { number: QUEUE.number, from: '2025-03-17', to: '2025-03-24', limit: 10_000 });
    // Callbacks and later calls are looked for among all calls, so compare the attempts only.
    const attempts = (list: Array<Record<string, unknown>>) => list.map((row) => [row.caller_num, row.attempts, row.last_call_id]);
    assert.deepEqual(attempts(rows), attempts(toQueue));
    // 105 is a queue member and has a DID of its own.
    const ringing105 = expectedMissed(
      calls.filter((call) => call.calledNum === '105' || call.legs.some((leg) => leg.toExten === '105')), generator.clock, range, numberRules);
    const { rows: member } = await run('missed', { number: '105', from: '2025-03-17', to: '2025-03-24', limit: 10_000 });
    assert.deepEqual(attempts(member), attempts(ringing105));
    assert.ok(ringing105.length > toQueue.length);
  });
});

describe('calls', () => {
  const customer = () => {
    const counts = new Map<string, number>();
    for (const call of calls) if (call.direction === 'inbound' && call.callerNum !== 'anonymous') counts.set(call.callerNum, (counts.get(call.callerNum) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  };

  test('of a customer\'s number: every call with them, newest first, whatever form the number is stored in', async () => {
    const number = customer();
    const range: Range = { from: prague('2025-03-01T00:00:00'), to: prague('2025-04-15T00:00:00') };
    const expected = expectedCalls(calls, generator.clock, number, range, numberRules);
    assert.ok(expected.some((row) => row.direction === 'inbound') && expected.some((row) => row.direction === 'outbound'), 'calls and callbacks');
    const asDialled = `00${number.slice(1)}`;
    const { rows } = await run('calls', { number: asDialled, from: '2025-03-01', to: '2025-04-15', limit: 10_000 });
    assert.deepEqual(rows, expected);
  });

  test('are paginated: pages put together give the whole list', async () => {
    const number = customer();
    const { rows: all } = await run('calls', { number, from: '2025-03-01', to: '2025-04-15', limit: 10_000 });
    const first = await run('calls', { number, from: '2025-03-01', to: '2025-04-15', limit: 7, offset: 0 });
    const second = await run('calls', { number, from: '2025-03-01', to: '2025-04-15', limit: 7, offset: 7 });
    assert.deepEqual([...first.rows, ...second.rows], all.slice(0, 14));
  });

  test('of an extension: calls it made, was rung for (also behind the queue\'s Local channels) or answered', async () => {
    const range: Range = { from: prague('2025-03-20T00:00:00'), to: prague('2025-03-21T00:00:00') };
    for (const exten of ['104', '117']) {
      const { rows } = await run('calls', { number: exten, from: '2025-03-20', to: '2025-03-21', limit: 10_000 });
      assert.deepEqual(rows, expectedCalls(calls, generator.clock, exten, range, numberRules), exten);
    }
  });

  test('default to the day before now', async () => {
    const { rows } = await queries.run('calls', { number: '101' }, { now: new Date((prague('2025-03-06T00:00:00')) * 1000) });
    const range: Range = { from: prague('2025-03-05T00:00:00'), to: prague('2025-03-06T00:00:00') };
    assert.deepEqual(rows, expectedCalls(calls, generator.clock, '101', range, numberRules).slice(0, 100));
  });

  test('times carry the offset of their date: +01:00 before the DST change, +02:00 after', async () => {
    const { rows: winter } = await run('calls', { number: '101', from: '2025-03-29T09:00:00', to: '2025-03-29T12:00:00' });
    const { rows: summer } = await run('calls', { number: '101', from: '2025-03-31T09:00:00', to: '2025-03-31T12:00:00' });
    assert.ok(winter.length > 0 && summer.length > 0);
    for (const row of winter) assert.match(String(row.start), /^2025-03-29T(09|10|11):\d\d:\d\d\.0\+01:00$/);
    for (const row of summer) assert.match(String(row.start), /^2025-03-31T(09|10|11):\d\d:\d\d\.0\+02:00$/);
  });

  test('accept times with any offset, Z, date only or epoch milliseconds', async () => {
    const reference = await run('calls', { number: '101', from: '2025-03-12T08:00:00+01:00', to: '2025-03-12T12:00:00+01:00' });
    assert.ok(reference.rows.length > 0);
    for (const [from, to] of [
      ['2025-03-12T07:00:00Z', '2025-03-12T11:00:00.000Z'],
      ['2025-03-12T02:00:00-05:00', '2025-03-12T06:00:00-0500'],
      ['2025-03-12 08:00', '2025-03-12T12:00:00'],
      [Date.parse('2025-03-12T07:00:00Z'), new Date('2025-03-12T11:00:00Z')],
    ]) {
      assert.deepEqual((await run('calls', { number: '101', from, to })).rows, reference.rows, `${from} – ${to}`);
    }
  });
});

describe('call', () => {
  test('gives every leg of a queue call in order, with the channels classified', async () => {
    const call = calls.find((c) => c.scenario === 'queue' && isAnswered(c))!;
    const { rows } = await run('call', { callId: call.callId });
    assert.equal(rows.length, call.legs.length);
    rows.forEach((row, i) => {
      const leg = call.legs[i];
      assert.equal(row.call_id, call.callId);
      assert.equal(row.uniqueid, leg.values.uniqueid);
      assert.equal(row.sequence, leg.sequence);
      assert.equal(row.start, generator.clock.iso(leg.start));
      assert.equal(row.answer, leg.answer === null ? '' : generator.clock.iso(leg.answer));
      assert.equal(row.end, generator.clock.iso(leg.end));
      assert.equal(row.duration, leg.end - leg.start);
      assert.equal(row.billsec, leg.billsec);
      assert.equal(row.ring_time, (leg.answer ?? leg.end) - leg.start);
      assert.equal(row.disposition, leg.disposition);
      assert.equal(row.connected, leg.disposition === 'ANSWERED' && leg.toKind === 'extension' ? 't' : 'f');
      assert.equal(row.channel, leg.values.channel);
      assert.equal(row.channel_type, leg.fromKind);
      assert.equal(row.channel_exten, leg.fromExten ?? '');
      assert.equal(row.dstchannel_type, leg.toKind === 'none' ? '' : leg.toKind);
      assert.equal(row.dstchannel_exten, leg.toExten ?? '');
      assert.equal(row.src, call.callerNum);
    });
  });

  test('comes with the call\'s CEL events, oldest first, times to the microsecond', async () => {
    const call = calls.find((c) => c.cel.length > 0 && c.scenario === 'group')!;
    const result = await run('call', { callId: call.callId });
    assert.equal(result.cel?.length, call.cel.length);
    result.cel!.forEach((event, i) => {
      const want = call.cel[i];
      assert.equal(event.eventtype, want.eventtype);
      assert.equal(event.channame, want.channame);
      assert.equal(event.uniqueid, want.uniqueid);
      const [date, time] = String(want.eventtime).split(' ');
      const [whole, micros] = time.split('.');
      const fraction = micros.replace(/0+$/, '') || '0';
      assert.match(String(event.ts), new RegExp(`^${date}T${whole}\\.${fraction}\\+0[12]:00$`));
    });
    assert.equal(result.cel!.at(-1)!.eventtype, 'LINKEDID_END');
  });

  test('on a PBX that logs no CEL, the legs come alone and msg.cel is empty', async () => {
    const call = calls.find((c) => c.scenario === 'group')!;
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE nocel'));
    await server.withSuperuser('nocel', async (client) => {
      await client.query(ASTERISK_CDR_TABLE);
      await insertRows(client, call);
    });
    const db = new CdrDatabase(options({ user: server.superuser, password: server.superPassword, database: 'nocel' }));
    try {
      const result = await new CdrQueries(db, rules).run('call', { callId: call.callId });
      assert.equal(result.rows.length, call.legs.length);
      assert.deepEqual(result.cel, []);
    } finally {
      await db.end();
    }
  });

  test('a CEL table whose name needs quoting (cel_pgsql.conf table=) is found as the queries name it', async () => {
    const call = calls.find((c) => c.cel.length > 0 && c.scenario === 'group')!;
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE quotedcel'));
    await server.withSuperuser('quotedcel', async (client) => {
      await createAsteriskTables(client);
      await loadCalls(client, [call]);
      await client.query('ALTER TABLE cel RENAME TO "PbxCel"');
    });
    const db = new CdrDatabase(options({ user: server.superuser, password: server.superPassword, database: 'quotedcel', celTable: 'PbxCel' }));
    try {
      const result = await new CdrQueries(db, rules).run('call', { callId: call.callId });
      assert.equal(result.rows.length, call.legs.length);
      assert.equal(result.cel!.length, call.cel.length, 'the CEL events of "PbxCel" are read');
    } finally {
      await db.end();
    }
  });

  test('of an unknown call_id is an empty list', async () => {
    const result = await run('call', { callId: '1.2' });
    assert.deepEqual(result, { rows: [], cel: [] });
  });

  test('matches the summary row of the calls query', async () => {
    const call = calls.find((c) => c.scenario === 'did' && c.legs.length === 2 && isAnswered(c))!;
    const at = callStart(call);
    const { rows } = await run('calls', { number: call.callerNum, from: isoInput(at), to: isoInput(at + 1) });
    assert.deepEqual(rows, [expectedCallRow(call, generator.clock)]);
  });
});

describe('parameters', () => {
  const attacks = [
    "'; DROP TABLE cdr; --",
    "101' OR '1'='1",
    '101) OR (1=1',
    '$$; DELETE FROM cdr; $$',
    "\\'; SELECT pg_sleep(5); --",
    '%',
    '.*',
    '1453378165.749958\' UNION SELECT * FROM pg_shadow --',
  ];

  test('injection attempts in number and call_id find nothing and change nothing', async () => {
    for (const attack of attacks) {
      const range = { from: '2025-03-03', to: '2025-03-05' };
      assert.deepEqual((await run('calls', { number: attack, ...range })).rows, [], attack);
      assert.deepEqual((await run('missed', { number: attack, ...range })).rows, [], attack);
      assert.deepEqual((await run('stats', { number: attack, ...range })).rows, [], attack);
      assert.deepEqual(await run('call', { callId: attack }), { rows: [], cel: [] }, attack);
    }
    const count = await server.withSuperuser(DB, (client) => client.query('SELECT count(*)::int AS n FROM cdr'));
    assert.equal(count.rows[0].n, countRows(calls));
  });

  test('injection attempts in from, to, limit and offset are refused as bad input', async () => {
    for (const attack of attacks) {
      for (const input of [{ from: attack }, { to: attack }, { limit: attack }, { offset: attack }]) {
        await assert.rejects(run('stats', input), (err: unknown) => err instanceof CdrError && err.kind === 'input', JSON.stringify(input));
      }
    }
  });

  test('bad values are refused with the parameter named', async () => {
    const cases: Array<[CdrQueryName, CdrQueryInput, RegExp]> = [
      ['calls', {}, /number is required/],
      ['call', {}, /call_id is required/],
      ['stats', { from: '2025-03-02', to: '2025-03-01' }, /from .* must be before to/],
      ['stats', { from: '2025-02-30' }, /from "2025-02-30" is not a valid date/],
      ['stats', { to: { date: 'tomorrow' } }, /to must be an ISO 8601 time/],
      ['stats', { limit: 0 }, /limit must be a whole number from 1 to 10000/],
      ['stats', { offset: -1 }, /offset must be a whole number/],
      ['calls', { number: 'a\u0000b' }, /number .* contains control characters/],
      ['calls', { number: 'x'.repeat(81) }, /number is longer than 80/],
      ['nonsense' as CdrQueryName, {}, /query must be calls, missed, stats or call/],
    ];
    for (const [query, input, message] of cases) {
      await assert.rejects(run(query, input), (err: unknown) => err instanceof CdrError && err.kind === 'input' && message.test(err.message), `${query} ${JSON.stringify(input)}`);
    }
  });
});

describe('errors', () => {
  async function failure(overrides: Partial<CdrDatabaseOptions>, query: CdrQueryName = 'stats', input: CdrQueryInput = {}, timeoutMs?: number): Promise<CdrError> {
    const db = new CdrDatabase(options(overrides));
    try {
      await new CdrQueries(db, rules).run(query, input, { timeoutMs });
    } catch (err) {
      assert.ok(err instanceof CdrError, String(err));
      return err;
    } finally {
      await db.end();
    }
    throw new Error('the query did not fail');
  }

  test('an unreachable database says where it tried', async () => {
    const port = await freePort();
    const err = await failure({ port });
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`));
  });

  test('a wrong password names the user', async () => {
    const err = await failure({ password: 'wrong' });
    assert.equal(err.kind, 'login');
    assert.equal(err.code, '28P01');
    assert.match(err.message, /refused the login of user "pbx_reader": wrong dbUser or dbPassword/);
  });

  test('a database that does not exist', async () => {
    const err = await failure({ user: server.superuser, password: server.superPassword, database: 'nope' });
    assert.equal(err.kind, 'no_database');
    assert.match(err.message, /has no database "nope"/);
  });

  test('a missing cdr table names the schema it expects', async () => {
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE empty'));
    const err = await failure({ user: server.superuser, password: server.superPassword, database: 'empty' });
    assert.equal(err.kind, 'missing_table');
    assert.match(err.message, /table cdr not found in database "empty"/);
    assert.match(err.message, /linkedid varchar\(150\)/);
    assert.match(err.message, /"end" timestamp/);
  });

  test('a table of another schema (no linkedid) names the missing column', async () => {
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE oldschema'));
    await server.withSuperuser('oldschema', (client) => client.query('CREATE TABLE cdr (calldate timestamp, src varchar(80), dst varchar(80))'));
    const err = await failure({ user: server.superuser, password: server.superPassword, database: 'oldschema' });
    assert.equal(err.kind, 'missing_table');
    assert.match(err.message, /lacks a column \(column .* does not exist\)/);
  });

  test('a user without SELECT on cdr is told which GRANT is missing', async () => {
    await server.withSuperuser(DB, (client) => client.query("CREATE ROLE nogrant LOGIN PASSWORD 'pw'"));
    const err = await failure({ user: 'nogrant', password: 'pw' });
    assert.equal(err.kind, 'permission');
    assert.match(err.message, /GRANT SELECT ON cdr \(and cel\) TO nogrant/);
  });

  test('a query over the statement timeout is cancelled by PostgreSQL and says so', async () => {
    const err = await failure({}, 'stats', { from: '2025-03-01', to: '2025-04-15', limit: 10_000 }, 5);
    assert.equal(err.kind, 'timeout');
    assert.equal(err.code, '57014');
    assert.match(err.message, /took longer than 5 ms .*statement_timeout/);
  });

  test('the start-up check passes on Asterisk\'s table and names what is wrong otherwise', async () => {
    await queries.check();
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE checkschema'));
    await server.withSuperuser('checkschema', (client) => client.query('CREATE TABLE cdr (calldate timestamp, src varchar(80))'));
    const db = new CdrDatabase(options({ user: server.superuser, password: server.superPassword, database: 'checkschema' }));
    try {
      await assert.rejects(new CdrQueries(db, rules).check(), (err: unknown) => err instanceof CdrError && err.kind === 'missing_table' && /column "accountcode" does not exist/.test(err.message));
    } finally {
      await db.end();
    }
  });

  test('missing settings are refused before connecting', () => {
    assert.throws(() => new CdrDatabase(options({ host: '' })), /no database host \(dbHost\)/);
    assert.throws(() => new CdrDatabase(options({ database: '' })), /no database name \(dbName\)/);
    assert.throws(() => new CdrDatabase(options({ user: '' })), /no database user \(dbUser\)/);
  });

  test('the connection stays usable after an error', async () => {
    await assert.rejects(run('stats', { from: '2025-03-01', to: '2025-04-15', limit: 10_000 }, 5));
    const { rows } = await run('stats', { from: '2025-03-03', to: '2025-03-04' });
    assert.ok(rows.length > 1);
  });
});

describe('the shared pool', () => {
  test('stays open while a node uses it, ends with the last one, and is replaced when the settings change', async () => {
    const pool = new CdrPool();
    const first = pool.acquire('node-a', options());
    assert.equal(pool.acquire('node-b', options()), first);
    await pool.release('node-a');
    assert.ok(pool.isOpen);
    assert.ok((await new CdrQueries(first, rules).run('stats', { from: '2025-03-03', to: '2025-03-04' })).rows.length > 0);
    const changed = pool.acquire('node-b', options({ password: 'new' }));
    assert.notEqual(changed, first);
    await assert.rejects(new CdrQueries(first, rules).run('stats', {}), /connection was closed/);
    await pool.release('node-b');
    assert.equal(pool.isOpen, false);
    await assert.rejects(new CdrQueries(changed, rules).run('stats', {}), /connection was closed/);
  });
});

test('channel names: the endpoint is between the first slash and the last dash before a hex suffix; the kind follows the patterns', async () => {
  const names: Array<[string, string | null, string]> = [
    ['PJSIP/101-0000002a', '101', 'extension'],
    ['SIP/my-trunk-00000007', 'my-trunk', 'trunk'],
    ['IAX2/provider-1234', 'provider', 'trunk'],
    ['DAHDI/1-1', '1', 'trunk'],
    ['PJSIP/1050-ABCDEF01', '1050', 'extension'],
    ['Local/101@from-queue-00000001;2', null, 'local'],
    ['ConfBridge/0x7f3c', null, 'other'],
    ['PJSIP/-00000001', null, 'other'],
    ['PJSIP/101-', null, 'other'],
    ['PJSIP/abc', null, 'other'],
    ['PJSIP/cafe-0000beef', 'cafe', 'trunk'],
    ['IAX2/user/peer-12', 'user/peer', 'trunk'],
    ['Foo-1/bar', null, 'other'],
    ['/101-0001', null, 'other'],
    ['', null, 'none'],
  ];
  const params = new SqlParams();
  const channels = new ChannelSql(params, rules.channels);
  const list = params.add(names.map(([name]) => name), 'text[]');
  const text = `SELECT n, ${channels.endpoint('n')} AS ep, ${channels.kind('n', channels.endpoint('n'))} AS kind,
    ${channels.endpointFromParts('n', 'x')} AS ep2
    FROM (SELECT n, i, ${channels.endpointParts('n', 'x')} FROM unnest(${list}) WITH ORDINALITY AS t(n, i)) parts ORDER BY i`;
  const result = await server.withSuperuser(DB, (client) => client.query({ text, values: params.values }));
  assert.deepEqual(result.rows.map((row) => [row.n, row.ep, row.kind]), names);
  assert.deepEqual(result.rows.map((row) => row.ep2), names.map(([, ep]) => ep), 'the two-step endpoint is the same');
  // And on every channel name of the data set.
  const differing = await server.withSuperuser(DB, (client) => client.query(`SELECT count(*)::int AS n FROM (
    SELECT ${channels.endpoint('c.channel')} AS a, ${channels.endpointFromParts('c.channel', 'x')} AS b
    FROM (SELECT channel, ${channels.endpointParts('channel', 'x')} FROM cdr) c) d WHERE a IS DISTINCT FROM b`));
  assert.equal(differing.rows[0].n, 0);
});

test('numbers compare after the pbx-config normalisation', () => {
  assert.equal(normalize('+420601234567', numberRules), '00420601234567');
});
