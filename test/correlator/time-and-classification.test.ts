import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZonedTime, epochSecondsFromCallId, parseAmiTimestamp } from '../../nodes/lib/events/zoned-time';
import { mixMonitorRecordName, templateRecordName } from '../../nodes/lib/events/record-name';
import { ChannelClassifier, dialStringNumber } from '../../nodes/lib/events/channel-classifier';
import { CallCorrelator } from '../../nodes/lib/events/correlator';
import { readSettings } from '../../nodes/lib/settings';
import { ami, type Chan } from './ami-script';
import { TestClock } from './replay';

const micros = (iso: string, fraction = 0): number => Date.parse(iso) * 1000 + fraction;

test('ts: ISO 8601 with the zone offset as +hh:mm (UTC is +00:00), microseconds without trailing zeros', () => {
  const prague = new ZonedTime('Europe/Prague');
  assert.equal(prague.formatTimestamp(1453378165951040), '2016-01-21T13:09:25.95104+01:00');
  assert.equal(new ZonedTime('UTC').formatTimestamp(1453378165951040), '2016-01-21T12:09:25.95104+00:00');
  assert.equal(new ZonedTime('America/New_York').formatTimestamp(micros('2026-01-15T12:00:00Z', 500000)), '2026-01-15T07:00:00.5-05:00');
  assert.equal(new ZonedTime('Asia/Kolkata').formatTimestamp(micros('2026-01-15T12:00:00Z', 1)), '2026-01-15T17:30:00.000001+05:30');
  assert.equal(prague.formatTimestamp(micros('2026-07-01T10:00:00Z')), '2026-07-01T12:00:00.0+02:00', 'always a fraction');
});

test('ts follows daylight saving time changes to the second', () => {
  const prague = new ZonedTime('Europe/Prague');
  assert.equal(prague.formatTimestamp(micros('2026-03-29T00:59:59Z')), '2026-03-29T01:59:59.0+01:00');
  assert.equal(prague.formatTimestamp(micros('2026-03-29T01:00:00Z')), '2026-03-29T03:00:00.0+02:00');
  assert.equal(prague.formatTimestamp(micros('2026-10-25T00:59:59Z')), '2026-10-25T02:59:59.0+02:00');
  assert.equal(prague.formatTimestamp(micros('2026-10-25T01:00:00Z')), '2026-10-25T02:00:00.0+01:00');
});

test("AMI's Timestamp header keeps its six digits exactly", () => {
  assert.equal(parseAmiTimestamp('1453378165.951040'), 1453378165951040);
  assert.equal(parseAmiTimestamp('1453378165.9'), 1453378165900000);
  assert.equal(parseAmiTimestamp('1453378165'), 1453378165000000);
  assert.equal(parseAmiTimestamp('yesterday'), undefined);
  assert.equal(parseAmiTimestamp(''), undefined);
});

test("record_name's time: the first run of 9–11 digits in the call_id", () => {
  assert.equal(epochSecondsFromCallId('1453378165.749958'), 1453378165);
  assert.equal(epochSecondsFromCallId('c2d-1795491359'), 1795491359);
  assert.equal(epochSecondsFromCallId('asterisk-1750662739.6193'), 1750662739);
  assert.equal(epochSecondsFromCallId('12345678901234.5'), undefined, 'a run of 14 digits is not one of 9–11');
  assert.equal(epochSecondsFromCallId('my-call-42'), undefined);
});

test('record_name: the template in the PBX zone, or the MixMonitor file without directory and extension', () => {
  assert.equal(templateRecordName(new ZonedTime('Europe/Prague'), 1453378165, '758', '800123456'), '20160121-130925-758-800123456');
  assert.equal(templateRecordName(new ZonedTime('UTC'), 1453378165, '', '102'), '20160121-120925--102');
  assert.equal(mixMonitorRecordName('/var/spool/asterisk/monitor/20261124-033913-101-102.wav'), '20261124-033913-101-102');
  assert.equal(mixMonitorRecordName('2026/11/24/out-0612345678-101-20261124-033408-1795491248.69.WAV'), 'out-0612345678-101-20261124-033408-1795491248.69');
});

test('ts is the AMI Timestamp when the PBX sends one, else the time of receipt, both in the PBX zone', () => {
  const clock = new TestClock(Date.parse('2026-07-01T10:00:00.123Z') + 0.456);
  const correlator = new CallCorrelator(readSettings({ timezone: 'Europe/Prague' }), { now: clock.now });
  const phone: Chan = { name: 'PJSIP/101-00000001', uniqueid: 'my-call', linkedid: 'my-call', num: '101', cidName: 'Alice', context: 'from-internal', exten: '102', state: 4 };
  const bob: Chan = { name: 'PJSIP/102-00000002', uniqueid: 'my-call-2', linkedid: 'my-call', num: '102', cidName: 'Bob', context: 'from-internal' };
  correlator.ingest(ami.newchannel(phone));
  correlator.ingest(ami.newchannel(bob));
  const [dial] = correlator.ingest(ami.dialBegin(phone, bob, '102'));
  assert.equal(dial.event.ts, '2026-07-01T12:00:00.123456+02:00');
  // No epoch in this call_id: record_name dates the call from when it was first seen.
  assert.equal(dial.event.record_name, '20260701-120000-101-102');
  const [answer] = correlator.ingest(ami.dialEnd(phone, { ...bob, state: 6 }, 'ANSWER', '1782900005.000100'));
  assert.equal(answer.event.ts, '2026-07-01T12:00:05.0001+02:00');
});

const classifier = new ChannelClassifier(readSettings({ trunkPattern: '^(sipgate|carrier2)$' }));

test('channels: phones, trunks and Local plumbing by home context, then by name', () => {
  assert.deepEqual(classifier.classify('PJSIP/101-0000002a', 'from-internal', '101'), { kind: 'internal', exten: '101', localHalf: 0 });
  assert.deepEqual(classifier.classify('PJSIP/carrier-0000002b', 'from-trunk', '0612345678'), { kind: 'trunk', exten: '', localHalf: 0 });
  assert.deepEqual(classifier.classify('SIP/provider-0000002c', 'from-pstn', ''), { kind: 'trunk', exten: '', localHalf: 0 });
  assert.deepEqual(classifier.classify('Local/104@from-queue-00000003;1', 'from-queue', ''), { kind: 'local', exten: '104', localHalf: 1 });
  assert.deepEqual(classifier.classify('Local/104@from-queue-00000003;2', 'from-queue', ''), { kind: 'local', exten: '104', localHalf: 2 });
  assert.equal(classifier.classify('Announcer/ARI-0001;1', '', '').kind, 'other');
});

test('channels: the trunk pattern wins over the context; unknown contexts fall back to the extension pattern', () => {
  assert.equal(classifier.classify('PJSIP/sipgate-00000001', 'from-internal', '').kind, 'trunk');
  assert.deepEqual(classifier.classify('PJSIP/205-00000001', 'func-apply-sipheaders', ''), { kind: 'internal', exten: '205', localHalf: 0 });
  assert.equal(classifier.classify('PJSIP/gateway-00000001', 'custom-ctx', '').kind, 'trunk');
  // A phone whose endpoint is not a number: its caller ID number is the extension.
  assert.deepEqual(classifier.classify('PJSIP/alice-desk-00000001', 'from-internal', '201'), { kind: 'internal', exten: '201', localHalf: 0 });
});

test('a dial string names the number dialled', () => {
  assert.equal(dialStringNumber('0612345678@carrier'), '0612345678');
  assert.equal(dialStringNumber('PJSIP/0612345678@carrier'), '0612345678');
  assert.equal(dialStringNumber('carrier/sip:0612345678@10.0.0.1:5060'), '0612345678');
  assert.equal(dialStringNumber('102'), '102');
});
