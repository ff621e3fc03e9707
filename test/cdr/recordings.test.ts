import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CallModelSql } from '../../nodes/lib/cdr/call-model-sql';
import { CdrDatabase } from '../../nodes/lib/cdr/cdr-database';
import { CdrQueries, cdrRulesFrom } from '../../nodes/lib/cdr/cdr-queries';
import { readSettings } from '../../nodes/lib/settings';
import { ASTERISK_CDR_TABLE, ASTERISK_CEL_TABLE, CDR_COLUMNS, CEL_COLUMNS } from './asterisk-schema';
import { createReadOnlyUser } from './load-data';
import { LIVE_RECORDINGS, readRecordingsFixture, type RecordingRows } from './recordings-fixture';
import { TempPostgres } from './temp-postgres';

/**
 * pbx-cdr against pbx-event on the same calls: the CDR rows a real Asterisk 22 wrote for the live
 * recordings (test/fixtures/cdr/recordings.json, made from their `Cdr` AMI events by
 * recordings-fixture.ts) must give, in the `calls` summary, the values of the `endcall` that
 * pbx-event emits for the same recording (its .expected.json), field by field.
 *
 * Where the CDR cannot know what pbx-event saw, the documented CDR meaning is asserted instead
 * (docs/pbx-cdr.md, "Differences from pbx-event"):
 */
const CDR_MEANING: Record<string, Record<string, string>> = {
  // The Originate's first channel is the phone: nothing in a CDR row says the call was requested
  // over AMI, so it is the phone's internal call.
  originate_click2dial_answered: { caller_type: 'internal' },
};

/** Without a CEL table the DID of a call routed to a ring group or queue is not in the CDR. */
const CDR_ONLY_MEANING: Record<string, Record<string, string>> = {
  inbound_ringgroup_answered: { called_num: '600' },
  inbound_queue_answered: { called_num: '700' },
};

/** The endcall fields the `calls` summary has too. */
const SHARED_FIELDS = ['caller_type', 'caller_num', 'called_num', 'call_answered', 'answering_exten', 'last_dialed_exten'] as const;

type Endcall = Record<string, string>;

function expectedEndcalls(scenario: string): Endcall[] {
  const events = JSON.parse(readFileSync(path.join(LIVE_RECORDINGS, `${scenario}.expected.json`), 'utf8')) as Endcall[];
  return events.filter((event) => event.event === 'endcall');
}

const recordings = readRecordingsFixture();
const settings = readSettings({ timezone: 'UTC' }); // the rig's zone; FreePBX-like contexts (defaults)
const READER = { user: 'nodered', password: 'recordings' };

let server: TempPostgres;
/** One database with cdr and cel, one with cdr only (CEL is optional on a PBX). */
const queriesOf: Record<'cel' | 'cdrOnly', CdrQueries | undefined> = { cel: undefined, cdrOnly: undefined };
const databases: CdrDatabase[] = [];

async function load(database: string, withCel: boolean): Promise<CdrQueries> {
  await server.withSuperuser('postgres', (admin) => admin.query(`CREATE DATABASE ${database}`));
  await server.withSuperuser(database, async (client) => {
    await client.query(ASTERISK_CDR_TABLE);
    await client.query(ASTERISK_CEL_TABLE);
    const insert = async (table: string, columns: readonly string[], row: Record<string, unknown>) => {
      const names = columns.map((column) => `"${column}"`).join(', ');
      const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
      await client.query(`INSERT INTO ${table} (${names}) VALUES (${placeholders})`, columns.map((column) => row[column]));
    };
    for (const recording of recordings) {
      for (const row of recording.cdr) await insert('cdr', CDR_COLUMNS, row);
      if (withCel) for (const row of recording.cel) await insert('cel', CEL_COLUMNS, row);
    }
    await createReadOnlyUser(client, database, `${READER.user}_${database}`, READER.password);
    if (!withCel) await client.query('DROP TABLE cel');
  });
  const db = new CdrDatabase({
    host: '127.0.0.1', port: server.port, database, user: `${READER.user}_${database}`, password: READER.password, tls: false, timezone: 'UTC',
  });
  databases.push(db);
  return new CdrQueries(db, cdrRulesFrom(settings));
}

before(async () => {
  server = await TempPostgres.start();
  queriesOf.cel = await load('recordings', true);
  queriesOf.cdrOnly = await load('recordings_cdr', false);
});

after(async () => {
  for (const db of databases) await db.end();
  await server?.stop();
});

/** The call's time range from its CDR rows (UTC, whole seconds). */
function rangeOf(recording: RecordingRows, callId: string): { from: string; to: string } {
  const starts = recording.cdr.filter((row) => row.linkedid === callId).map((row) => Date.parse(`${String(row.start).replace(' ', 'T')}Z`));
  return { from: new Date(Math.min(...starts)).toISOString(), to: new Date(Math.max(...starts) + 1000).toISOString() };
}

async function summaryOf(queries: CdrQueries, recording: RecordingRows, endcall: Endcall) {
  const { rows } = await queries.run('calls', { number: endcall.caller_num, ...rangeOf(recording, endcall.call_id) });
  const row = rows.find((candidate) => candidate.call_id === endcall.call_id);
  assert.ok(row, `calls of ${endcall.caller_num} holds ${endcall.call_id}`);
  return row;
}

function assertLikeEndcall(row: Record<string, unknown>, endcall: Endcall, meaning: Record<string, string>): void {
  for (const name of SHARED_FIELDS) {
    const want = meaning[name] ?? endcall[name];
    assert.equal(row[name], want, `${name}: pbx-cdr ${JSON.stringify(row[name])}, ${name in meaning ? 'the CDR meaning' : 'pbx-event'} ${JSON.stringify(want)}`);
  }
}

describe('the live recordings: the calls summary equals pbx-event\'s endcall', () => {
  test('every recording with CDR rows is in the fixture, with the rows of each expected endcall', () => {
    assert.ok(recordings.length >= 17, `${recordings.length} recordings`);
    for (const recording of recordings) {
      for (const endcall of expectedEndcalls(recording.scenario)) {
        assert.ok(recording.cdr.some((row) => row.linkedid === endcall.call_id), `${recording.scenario}: CDR rows of ${endcall.call_id}`);
      }
    }
  });

  for (const recording of recordings) {
    test(`${recording.scenario}: with CEL, every endcall field the summary shares`, async () => {
      for (const endcall of expectedEndcalls(recording.scenario)) {
        const row = await summaryOf(queriesOf.cel!, recording, endcall);
        assertLikeEndcall(row, endcall, CDR_MEANING[recording.scenario] ?? {});
      }
    });
  }

  for (const recording of recordings) {
    test(`${recording.scenario}: CDR only (no CEL table), the same but the documented CDR meanings`, async () => {
      for (const endcall of expectedEndcalls(recording.scenario)) {
        const row = await summaryOf(queriesOf.cdrOnly!, recording, endcall);
        assertLikeEndcall(row, endcall, { ...CDR_MEANING[recording.scenario], ...CDR_ONLY_MEANING[recording.scenario] });
      }
    });
  }
});

describe('the live recordings: call and missed', () => {
  test('call gives every CDR row of the call_id, pickups and transfers included, in the order they started', async () => {
    for (const recording of recordings) {
      for (const endcall of expectedEndcalls(recording.scenario)) {
        const { rows } = await queriesOf.cel!.run('call', { callId: endcall.call_id });
        const legs = recording.cdr.filter((row) => row.linkedid === endcall.call_id);
        assert.equal(rows.length, legs.length, `${recording.scenario}: legs`);
        assert.deepEqual(rows.map((row) => row.uniqueid).sort(), legs.map((row) => String(row.uniqueid)).sort());
      }
    }
  });

  test('call_pickup: the picker\'s leg is there, its Dial still the one for the ringing phone', async () => {
    const { rows } = await queriesOf.cel!.run('call', { callId: '1795491437.101' });
    assert.deepEqual(rows.map((row) => [row.dstchannel_exten, row.disposition, row.lastdata]), [
      ['102', 'NO ANSWER', 'PJSIP/102,15,tT'],
      ['103', 'ANSWERED', 'PJSIP/102,15,tT'],
    ]);
  });

  for (const scenario of ['inbound_missed', 'inbound_missed_timeout']) {
    test(`${scenario}: missed gives the endcall's called_num and last_dialed_exten`, async () => {
      const recording = recordings.find((candidate) => candidate.scenario === scenario)!;
      const [endcall] = expectedEndcalls(scenario);
      for (const queries of [queriesOf.cel!, queriesOf.cdrOnly!]) {
        const { rows } = await queries.run('missed', rangeOf(recording, endcall.call_id));
        assert.equal(rows.length, 1);
        assert.equal(rows[0].last_call_id, endcall.call_id);
        assert.equal(rows[0].caller_num, endcall.caller_num);
        assert.equal(rows[0].called_num, endcall.called_num);
        assert.equal(rows[0].last_dialed_exten, endcall.last_dialed_exten);
      }
    });
  }
});

test('a leg rang its phone when its Dial named it: one of several targets, with a URI, through an optimised Local; a picker\'s leg did not', async () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['Dial', 'PJSIP/101&PJSIP/102&PJSIP/103,15,tT', '102', true],
    ['Dial', 'PJSIP/101/sip:101@192.0.2.5:5060,20', '101', true],
    ['Dial', 'Local/105@from-queue/n,,tT', '105', true],
    ['Dial', 'PJSIP/102,15,tT', '103', false], // *8 pickup: 103 took the leg dialled for 102
    ['Dial', 'PJSIP/1010,15,tT', '101', false],
    ['Dial', 'PJSIP/101,15,tT', '01', false],
    ['Queue', 'support,tTr,,,60', '104', true], // a queue ringing its member directly
    ['Dial', '', '101', true],
  ];
  await server.withSuperuser('recordings', async (client) => {
    for (const [lastapp, lastdata, endpoint, rang] of cases) {
      const { rows } = await client.query(`SELECT ${CallModelSql.dialedFor('$1::text', '$2::text', '$3::text')} AS rang`, [lastapp, lastdata, endpoint]);
      assert.equal(rows[0].rang, rang, `${lastapp}(${lastdata}) → ${endpoint}`);
    }
  });
});
