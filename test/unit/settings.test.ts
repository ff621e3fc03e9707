import { test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseOptionsFrom } from '../../nodes/lib/cdr/cdr-pool';
import { readSettings } from '../../nodes/lib/settings';

/** The pbx-config's database settings that describe how Asterisk writes its tables (docs/pbx-cdr.md). */

test('database tables and stored zone of a flow deployed without the editor: cdr, cel, the PBX\'s own zone', () => {
  const settings = readSettings({ timezone: 'Europe/Prague' });
  assert.equal(settings.dbCdrTable, 'cdr');
  assert.equal(settings.dbCelTable, 'cel');
  assert.equal(settings.dbTimezone, 'Europe/Prague');
  // What the editor stores for untouched fields means the same.
  assert.deepEqual(readSettings({ timezone: 'Europe/Prague', dbTimezone: '', dbCdrTable: '', dbCelTable: '' }), settings);
});

test('dbTimezone empty follows the PBX time zone, whatever it is', () => {
  assert.equal(readSettings({ timezone: 'America/New_York' }).dbTimezone, 'America/New_York');
});

test('dbTimezone=UTC (cdr_pgsql.conf usegmtime=yes), other tables: the settings reach the database options', () => {
  const settings = readSettings({ timezone: 'Europe/Prague', dbTimezone: ' UTC ', dbCdrTable: 'asterisk.pbx_cdr', dbCelTable: 'pbx_cel' });
  assert.equal(settings.dbTimezone, 'UTC');
  const options = databaseOptionsFrom(settings);
  assert.equal(options.timezone, 'Europe/Prague', 'times are still output in the PBX zone');
  assert.equal(options.storedTimezone, 'UTC');
  assert.equal(options.cdrTable, 'asterisk.pbx_cdr');
  assert.equal(options.celTable, 'pbx_cel');
});

test('a dbTimezone that is not an IANA zone is refused, naming the setting', () => {
  assert.throws(() => readSettings({ timezone: 'Europe/Prague', dbTimezone: 'Mars/Olympus_Mons' }), /^Error: dbTimezone "Mars\/Olympus_Mons" is not a known IANA time zone$/);
  // An offset reads differently in PostgreSQL (POSIX: +01:00 is west of Greenwich): not a zone here either.
  assert.throws(() => readSettings({ dbTimezone: '+01:00' }), /dbTimezone "\+01:00" is not a known IANA time zone/);
});

for (const key of ['dbCdrTable', 'dbCelTable'] as const) {
  test(`${key} must be "table" or "schema.table": other names are refused, naming the setting`, () => {
    for (const bad of ['asterisk.cdr.old', '.cdr', 'cdr.', 'asterisk..cdr']) {
      assert.throws(() => readSettings({ [key]: bad }), new RegExp(`^Error: ${key}: table name ".*" must be "table" or "schema.table"$`), bad);
    }
    assert.equal(readSettings({ [key]: 'asterisk.calls' })[key], 'asterisk.calls');
  });
}
