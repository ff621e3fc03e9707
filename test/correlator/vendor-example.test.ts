import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallCorrelator } from '../../nodes/lib/events/correlator';
import { readSettings } from '../../nodes/lib/settings';
import { DIAL_PAYLOAD, DIAL_QUERY } from '../helpers/vendor-examples';
import { ami, type Chan } from './ami-script';
import { TestClock } from './replay';

/**
 * The vendor's `dial` example (spec/pbx-api.md §2), reproduced from the AMI events of an
 * equivalent call: extension 758 dials 800123456 through the trunk on a PBX in Prague, with
 * `timestampevents=yes`, the call's first channel being 1453378165.749958.
 */
const phone: Chan = {
  name: 'PJSIP/758-0000a1b2', uniqueid: '1453378165.749958', linkedid: '1453378165.749958',
  num: '758', cidName: 'Martin', context: 'from-internal', exten: '800123456', state: 4,
};
const trunk: Chan = {
  name: 'PJSIP/sipgate-0000a1b3', uniqueid: '1453378165.749959', linkedid: '1453378165.749958',
  context: 'from-pstn', exten: 's', state: 0,
};

function vendorQuery(payload: Record<string, string>): string {
  return Object.entries(payload).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
}

test("the vendor's dial example, field for field and byte for byte as a query string", () => {
  const clock = new TestClock(Date.UTC(2016, 0, 21, 12, 9, 26));
  const correlator = new CallCorrelator(readSettings({ timezone: 'Europe/Prague' }), { now: clock.now });
  const out = [
    ami.newchannel(phone, '1453378165.940210'),
    ami.newchannel(trunk, '1453378165.950327'),
    ami.dialBegin({ ...phone, context: 'from-internal', exten: '800123456' }, trunk, '800123456@sipgate', '1453378165.951040'),
  ].flatMap((message) => correlator.ingest(message));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].event, DIAL_PAYLOAD);
  assert.equal(vendorQuery(out[0].event), DIAL_QUERY);
});

test("the rest of that call follows the vendor's endcall example's value pattern for an answered outbound call", () => {
  // The vendor's endcall example is not self-consistent (call_id, ts and record_name times
  // disagree, and its called_num differs from its record_name's); its values are what an answered
  // outbound call gives: call_answered t, answering_exten and last_dialed_exten empty, last_dial_answered f.
  const clock = new TestClock(Date.UTC(2016, 0, 21, 12, 9, 26));
  const correlator = new CallCorrelator(readSettings({ timezone: 'Europe/Prague' }), { now: clock.now });
  const up = (chan: Chan): Chan => ({ ...chan, state: 6 });
  const events = [
    ami.newchannel(phone, '1453378165.940210'),
    ami.newchannel(trunk, '1453378165.950327'),
    ami.dialBegin(phone, trunk, '800123456@sipgate', '1453378165.951040'),
    ami.dialEnd(phone, up(trunk), 'ANSWER', '1453378171.204113'),
    ami.bridgeEnter(up(trunk), 'b1', '1453378171.210000'),
    ami.bridgeEnter(up(phone), 'b1', '1453378171.210500'),
    ami.bridgeLeave(up(trunk), 'b1', '1453378202.402000'),
    ami.hangup(up(trunk), 16, '1453378202.402500'),
    ami.bridgeLeave(up(phone), 'b1', '1453378202.403000'),
    ami.hangup(up(phone), 16, '1453378202.403343'),
  ];
  const out = events.flatMap((message) => correlator.ingest(message)).map((item) => item.event);
  assert.deepEqual(out.map((event) => event.event), ['dial', 'answer_external', 'hangup_internal', 'endcall']);
  assert.deepEqual(out[1], {
    event: 'answer_external', ts: '2016-01-21T13:09:31.204113+01:00', call_id: '1453378165.749958',
    called_num: '800123456', caller_num: '758', caller_name: 'Martin', caller_type: 'internal',
    record_name: '20160121-130925-758-800123456',
  });
  assert.deepEqual(out[3], {
    event: 'endcall', ts: '2016-01-21T13:10:02.403343+01:00', call_id: '1453378165.749958',
    caller_type: 'internal', caller_num: '758', called_num: '800123456', call_answered: 't',
    answering_exten: '', last_dial_answered: 'f', last_dialed_exten: '', record_name: '20160121-130925-758-800123456',
  });
});
