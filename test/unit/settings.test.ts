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

/** The number normalisation settings (docs/click-to-dial.md): one rule, checked at deploy. */

test('internationalPrefix and stripPrefix of a flow deployed without the editor (or left blank): 00 and nothing', () => {
  for (const raw of [{}, { internationalPrefix: '', stripPrefix: '' }, { internationalPrefix: '  ', stripPrefix: ' ' }, { internationalPrefix: null, stripPrefix: null }]) {
    const settings = readSettings(raw);
    assert.deepEqual([settings.internationalPrefix, settings.stripPrefix], ['00', ''], JSON.stringify(raw));
  }
});

test('internationalPrefix accepts 1 to 16 of 0-9 * #: 00, 011, 0011, 900, *00', () => {
  for (const good of ['00', '011', '0011', '900', '*00', '0'.repeat(16)]) {
    assert.equal(readSettings({ internationalPrefix: good }).internationalPrefix, good);
  }
});

test('an internationalPrefix that is not 1 to 16 of 0-9 * # is refused at deploy, naming the setting', () => {
  for (const bad of ['+00', '0 0', ' 00', '00\r\n', '0\r\n0', '0\n', '00\u0000', '12+3', '0a', '٠٠', '0'.repeat(17)]) {
    assert.throws(
      () => readSettings({ internationalPrefix: bad }),
      (err: Error) => err.constructor === Error && /^internationalPrefix ".*" must be 1 to 16 of 0-9 \* # \(e\.g\. 00 or 011\)$/.test(err.message),
      JSON.stringify(bad),
    );
  }
  // Shown escaped: a CR/LF in the value cannot forge a log line.
  assert.throws(() => readSettings({ internationalPrefix: '00\r\nAction: Command' }), { message: /^internationalPrefix "00\\r\\nAction: Command" must/ });
});

test('stripPrefix accepts up to 16 of 0-9 * #, optionally after one leading +', () => {
  for (const good of ['0', '00420', '9', '*31#', '0'.repeat(16)]) {
    assert.equal(readSettings({ stripPrefix: good }).stripPrefix, good);
  }
});

test('a stripPrefix written with + means the international prefix, as in the numbers it is compared with', () => {
  assert.equal(readSettings({ stripPrefix: '+420' }).stripPrefix, '00420');
  assert.equal(readSettings({ internationalPrefix: '011', stripPrefix: '+1' }).stripPrefix, '0111');
  assert.equal(readSettings({ stripPrefix: '+' }).stripPrefix, '00', '+ alone: numbers lose their international prefix');
});

test('a stripPrefix other than [+] and 0-9 * # is refused at deploy, naming the setting', () => {
  for (const bad of ['12+3', '++420', '420+', '0 0', ' 00420', '00420\r\n', '004\n20', '00420\u0000', '0-0', '٠', '0'.repeat(17)]) {
    assert.throws(
      () => readSettings({ stripPrefix: bad }),
      (err: Error) => err.constructor === Error && /^stripPrefix ".*" must be up to 16 of 0-9 \* #, optionally after one leading \+ \(e\.g\. 00420 or \+420\)$/.test(err.message),
      JSON.stringify(bad),
    );
  }
});
