import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallLegsQuery } from '../../nodes/lib/cdr/call-query';
import { buildCallsQuery } from '../../nodes/lib/cdr/calls-query';
import { cdrRulesFrom } from '../../nodes/lib/cdr/cdr-queries';
import { channelRulesFrom } from '../../nodes/lib/cdr/channel-sql';
import { buildMissedQuery } from '../../nodes/lib/cdr/missed-query';
import { readPaging, readRange, readTime, wallClockToEpoch } from '../../nodes/lib/cdr/query-input';
import { callerNameFromClid, shapeRow, trimIsoFraction } from '../../nodes/lib/cdr/result-values';
import { quoteTableName } from '../../nodes/lib/cdr/sql-params';
import { buildStatsQuery } from '../../nodes/lib/cdr/stats-query';
import { readSettings } from '../../nodes/lib/settings';

const settings = readSettings({ timezone: 'Europe/Prague' });
const model = { ...cdrRulesFrom(settings), storedTimezone: 'Europe/Prague', cdrTable: quoteTableName('cdr') };

test('a time without offset is wall-clock time in the PBX zone, winter and summer', () => {
  assert.equal(readTime('from', '2025-03-01T08:00:00', 'Europe/Prague')?.toISOString(), '2025-03-01T07:00:00.000Z');
  assert.equal(readTime('from', '2025-07-01 08:00', 'Europe/Prague')?.toISOString(), '2025-07-01T06:00:00.000Z');
  assert.equal(readTime('from', '2025-03-01', 'Europe/Prague')?.toISOString(), '2025-02-28T23:00:00.000Z');
});

test('wall-clock times around DST changes mean what PostgreSQL makes of them', () => {
  const instant = (y: number, mo: number, d: number, h: number, mi: number, zone: string) => new Date(wallClockToEpoch(Date.UTC(y, mo - 1, d, h, mi), zone)).toISOString();
  // The skipped hour keeps the offset from before the change; the repeated hour takes the later instant.
  assert.equal(instant(2025, 3, 30, 2, 30, 'Europe/Prague'), '2025-03-30T01:30:00.000Z');
  assert.equal(instant(2025, 10, 26, 2, 30, 'Europe/Prague'), '2025-10-26T01:30:00.000Z');
  assert.equal(instant(2025, 3, 9, 2, 30, 'America/New_York'), '2025-03-09T07:30:00.000Z');
  assert.equal(instant(2025, 11, 2, 1, 30, 'America/New_York'), '2025-11-02T06:30:00.000Z');
  assert.equal(instant(2025, 7, 1, 12, 0, 'Asia/Kolkata'), '2025-07-01T06:30:00.000Z');
});

test('offsets, Z, fractions, epoch milliseconds and Dates are all instants', () => {
  const zone = 'America/New_York';
  assert.equal(readTime('to', '2025-03-01T08:00:00.123456+05:30', zone)?.toISOString(), '2025-03-01T02:30:00.123Z');
  assert.equal(readTime('to', '2025-03-01T08:00:00z', zone)?.toISOString(), '2025-03-01T08:00:00.000Z');
  assert.equal(readTime('to', '2025-03-01T08:00-0100', zone)?.toISOString(), '2025-03-01T09:00:00.000Z');
  assert.equal(readTime('to', 1_740_816_000_000, zone)?.toISOString(), '2025-03-01T08:00:00.000Z');
  assert.equal(readTime('to', '', zone), undefined);
  assert.throws(() => readTime('to', '2025-13-01', zone), /to "2025-13-01" is not a valid date and time/);
  assert.throws(() => readTime('to', '1 March 2025', zone), /to must be an ISO 8601 time/);
  assert.throws(() => readTime('to', new Date(NaN), zone), /to is an invalid Date/);
});

test('a missing range is the day before now; limit and offset default to 100 and 0', () => {
  const now = new Date('2025-03-02T12:00:00Z');
  assert.deepEqual(readRange(undefined, undefined, 'UTC', now), { from: new Date('2025-03-01T12:00:00Z'), to: now });
  assert.deepEqual(readPaging(undefined, ''), { limit: 100, offset: 0 });
  assert.deepEqual(readPaging('25', 50), { limit: 25, offset: 50 });
  assert.throws(() => readPaging(10_001, 0), /limit must be a whole number from 1 to 10000/);
  assert.throws(() => readPaging(1.5, 0), /limit must be/);
});

test('times keep their microseconds without trailing zeros, and at least one digit', () => {
  assert.equal(trimIsoFraction('2016-01-21T13:09:25.951040+01:00'), '2016-01-21T13:09:25.95104+01:00');
  assert.equal(trimIsoFraction('2016-01-21T13:09:25.000000-05:00'), '2016-01-21T13:09:25.0-05:00');
});

test('results: booleans t/f, NULL "", numbers stay numbers, clid becomes the caller name', () => {
  assert.deepEqual(
    shapeRow({ call_id: '1.2', start: '2025-03-01T08:00:00.000000+01:00', caller_clid: '"Alice" <101>', call_answered: true, answering_exten: null, talk_time: 42 }, new Set(['start'])),
    { call_id: '1.2', start: '2025-03-01T08:00:00.0+01:00', caller_name: 'Alice', call_answered: 't', answering_exten: '', talk_time: 42 },
  );
  assert.equal(callerNameFromClid('Bob <102>'), 'Bob');
  assert.equal(callerNameFromClid('+420601234567'), '');
  assert.equal(callerNameFromClid('"" <102>'), '');
});

test('the SQL text never contains a value of the message: every value is a parameter', () => {
  const attack = "x'; DROP TABLE cdr; --";
  const range = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-02T00:00:00Z') };
  const paging = { limit: 7, offset: 3 };
  const statements = [
    buildCallsQuery(model, { number: attack, range, paging }),
    buildMissedQuery(model, { number: attack, range, paging }),
    buildStatsQuery(model, { number: attack, range, paging }),
    buildCallLegsQuery(model, attack),
  ];
  for (const statement of statements) {
    assert.ok(!statement.text.includes('DROP'), statement.text);
    assert.ok(statement.values.includes(attack));
    const placeholders = new Set([...statement.text.matchAll(/\$(\d+)::/g)].map((m) => Number(m[1])));
    assert.deepEqual([...placeholders].sort((a, b) => a - b), statement.values.map((_, i) => i + 1), 'every value is used, no other placeholder');
  }
});

test('channel patterns come from the pbx-config; an empty trunk pattern matches nothing', () => {
  const rules = channelRulesFrom(readSettings({ trunkPattern: '', extensionPattern: '^[1-9]\\d{2}$', internalContexts: '^internal$' }));
  assert.equal(rules.trunkPattern, null);
  assert.deepEqual(rules.extensionPattern, { source: '^[1-9]\\d{2}$', ignoreCase: false });
  assert.deepEqual(rules.internalContexts, { source: '^internal$', ignoreCase: false });
});

test('table names are quoted, a schema may be given', () => {
  assert.equal(quoteTableName('cdr'), '"cdr"');
  assert.equal(quoteTableName('asterisk.cdr'), '"asterisk"."cdr"');
  assert.equal(quoteTableName('we"ird'), '"we""ird"');
  assert.throws(() => quoteTableName('a.b.c'), /must be "table" or "schema.table"/);
});
