import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import type { CorrelatedEvent } from '../../nodes/lib/events/correlator';
import { ami, type Chan } from './ami-script';
import { freepbxModel } from './freepbx-models';
import { recordedEvents, replay, rigSettings } from './replay';

/**
 * The correlator's options (pbx-config, ami-reference.md §3.12): each one's non-default value
 * changes exactly what it says; the defaults are what the live recordings' expectations show.
 */
type Fields = Record<string, string>;
const fields = (out: CorrelatedEvent[]): Fields[] => out.map((item) => item.event as unknown as Fields);
const names = (out: CorrelatedEvent[]): string => out.map((item) => item.event.event).join(' ');
const settingsWith = (correlator: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  rigSettings({ ...correlator, ...extra });

test('groupLastDialed: a ring group nobody answered ends with the group number by default, or its last member', () => {
  // FreePBX: 4101 calls ring group 620 (ringall, 5 members), NOANSWER from all, caller sent to app-blackhole.
  const capture = freepbxModel('internal_ringgroup_noanswer');
  const byDefault = replay(capture).out;
  assert.equal(names(byDefault), 'dial hangup_internal endcall', 'one dial for five DialBegins; members that only rang are not reported');
  assert.deepEqual(fields(byDefault)[0], {
    event: 'dial', ts: fields(byDefault)[0].ts, call_id: '1789462155.315', caller_type: 'internal', caller_num: '4101',
    called_num: '620', transfering_exten: '', record_name: '20260915-084915-4101-620',
  });
  assert.equal(fields(byDefault)[2].last_dialed_exten, '620');
  assert.equal(fields(byDefault)[2].last_dial_answered, 'f');
  assert.equal(fields(byDefault)[2].call_answered, 'f');
  const lastMember = replay(capture, settingsWith({ groupLastDialed: 'last_member' })).out;
  assert.equal(fields(lastMember)[2].last_dialed_exten, '4320');
});

test('hangupInternalFor=all: phones that only rang get hangup_internal too', () => {
  const byDefault = replay(recordedEvents('internal_noanswer')).out;
  assert.equal(names(byDefault), 'dial hangup_internal endcall');
  const all = replay(recordedEvents('internal_noanswer'), settingsWith({ hangupInternalFor: 'all' })).out;
  assert.equal(names(all), 'dial hangup_internal hangup_internal endcall');
  assert.deepEqual(fields(all).slice(1, 3).map((event) => event.exten_num), ['102', '101'], 'in the order of the Hangups');
});

test('pickupAlsoAnswerInternal: the picker also gets an answer_internal after its call_pickup', () => {
  const out = replay(recordedEvents('call_pickup'), settingsWith({ pickupAlsoAnswerInternal: true })).out;
  assert.equal(names(out), 'dial call_pickup answer_internal hangup_internal hangup_internal endcall');
  assert.equal(fields(out)[2].exten_num, '103');
  assert.equal(fields(out)[2].exten_name, 'Carol');
});

test('a blind transfer that left no BlindTransfer event nor variables (AMI Redirect) is still a transferred dial', () => {
  const redirect = recordedEvents('blind_transfer').filter((message) => message.Event !== 'BlindTransfer' && message.Event !== 'VarSet');
  const out = replay(redirect).out;
  assert.equal(names(out), 'dial answer_internal hangup_internal dial answer_internal hangup_internal endcall');
  assert.equal(fields(out)[3].transfering_exten, '101');
  assert.equal(fields(out)[3].called_num, '102');
});

test('detectRedirectTransfers=false: without a transfer event the follow-on dial is not reported', () => {
  const redirect = recordedEvents('blind_transfer').filter((message) => message.Event !== 'BlindTransfer' && message.Event !== 'VarSet');
  const out = replay(redirect, settingsWith({ detectRedirectTransfers: false })).out;
  assert.equal(names(out), 'dial answer_internal hangup_internal answer_internal hangup_internal endcall');
  // With the BlindTransfer event the transfer is reported whatever the option says.
  const withEvent = replay(recordedEvents('blind_transfer'), settingsWith({ detectRedirectTransfers: false })).out;
  assert.equal(fields(withEvent)[3].transfering_exten, '101');
});

test('originateDetection=own: a click-to-dial another AMI client sent is an internal call of the extension', () => {
  const out = replay(recordedEvents('originate_click2dial_answered'), settingsWith({ originateDetection: 'own' })).out;
  assert.equal(names(out), 'dial answer_external hangup_internal endcall');
  assert.ok(fields(out).every((event) => event.caller_type === undefined || event.caller_type === 'internal'));
  assert.equal(fields(out)[0].caller_num, '101');
  assert.equal(fields(out)[0].called_num, '0612345678');
});

test('our own click-to-dial (registerOriginate): originate from the first event, named as the PBX knows the extension', () => {
  const events = recordedEvents('originate_click2dial_answered');
  const registration = { callId: 'c2d-1795491359', exten: '101', number: '0612345678', extenName: 'Alice Liddell' };
  const { out } = replay(events, rigSettings(), {});
  const firstDialAt = (() => {
    const { out: own, correlator } = replay([], rigSettings());
    void own;
    correlator.registerOriginate(registration);
    const emitted: CorrelatedEvent[] = [];
    let at = -1;
    events.forEach((message, index) => {
      const items = correlator.ingest(message);
      if (items.length > 0 && at === -1) at = index;
      emitted.push(...items);
    });
    assert.equal(names(emitted), 'dial answer_external hangup_internal endcall');
    assert.equal(fields(emitted)[0].caller_type, 'originate');
    assert.equal(fields(emitted)[0].called_num, '0612345678');
    assert.equal(fields(emitted)[1].caller_name, 'Alice Liddell');
    assert.equal(fields(emitted)[2].exten_name, 'Alice Liddell');
    assert.equal(correlator.stats().registrations, 0);
    return at;
  })();
  const dialBegin = events.findIndex((message) => message.Event === 'DialBegin');
  assert.equal(firstDialAt, dialBegin, 'dial at the first DialBegin (ringing the phone), not at the OriginateResponse');
  assert.equal(names(out), 'dial answer_external hangup_internal endcall');
});

test('our own click-to-dial: the caller ID shown on the phone does not leak into the events', () => {
  const { correlator } = replay([]);
  correlator.registerOriginate({ callId: '1795491700.5', exten: '102', number: '0699999999' });
  const phone: Chan = {
    name: 'PJSIP/102-00000090', uniqueid: '1795491700.5', linkedid: '1795491700.5',
    num: '0699999999', cidName: 'Customer Ltd', context: 'from-internal', exten: 's',
  };
  const out = [ami.newchannel(phone), ami.dialBegin(undefined, phone, '102'), ami.dialEnd(undefined, { ...phone, state: 6 }, 'ANSWER'), ami.hangup({ ...phone, state: 6 })]
    .flatMap((message) => correlator.ingest(message));
  assert.equal(names(out), 'dial hangup_internal endcall');
  assert.equal(fields(out)[0].caller_num, '102');
  assert.equal(fields(out)[0].called_num, '0699999999');
  assert.equal(fields(out)[1].exten_num, '102');
  assert.equal(fields(out)[1].exten_name, '', 'not "Customer Ltd": the name shown is not the extension\'s');
});

test('originateDetection=off: even our own click-to-dial is reported as an internal call', () => {
  const { correlator } = replay([], settingsWith({ originateDetection: 'off' }));
  correlator.registerOriginate({ callId: 'c2d-1795491359', exten: '101', number: '0612345678', extenName: 'Alice' });
  const out = recordedEvents('originate_click2dial_answered').flatMap((message) => correlator.ingest(message));
  assert.equal(names(out), 'dial answer_external hangup_internal endcall');
  assert.equal(fields(out)[0].caller_type, 'internal');
});

test('emitDialForUndialedCalls: a call that never dialled (echo test) gets dial + endcall when set, nothing by default', () => {
  const phone: Chan = {
    name: 'PJSIP/101-000000a0', uniqueid: '1795491800.7', linkedid: '1795491800.7',
    num: '101', cidName: 'Alice', context: 'from-internal', exten: '*43', state: 4,
  };
  const echo = [ami.newchannel(phone), ami.newstate({ ...phone, state: 6 }), ami.hangup({ ...phone, state: 6 })];
  assert.equal(names(replay(echo).out), '');
  const out = replay(echo, settingsWith({ emitDialForUndialedCalls: true })).out;
  assert.equal(names(out), 'dial hangup_internal endcall');
  assert.equal(fields(out)[0].called_num, '*43');
  assert.equal(fields(out)[2].call_answered, 'f');
});

test('recordName=mixmonitor: the recording file MixMonitor writes names the call (the template if none)', () => {
  const queue = replay(recordedEvents('inbound_queue_answered'), settingsWith({}, { recordName: 'mixmonitor' })).out;
  // The rig named the file after the queue (700), the template after the DID.
  assert.ok(fields(queue).every((event) => event.record_name === '20261124-033546-0644444444-700'));
  const unrecorded = replay(recordedEvents('originate_click2dial_noanswer'), settingsWith({}, { recordName: 'mixmonitor' })).out;
  assert.ok(fields(unrecorded).every((event) => event.record_name === '20261124-033614-101-0612345678'));
});

test('recordName=freepbx: FreePBX\'s CALLFILENAME names the call as it is (the template if FreePBX does not record)', () => {
  // FreePBX's sub-record-check sets __CALLFILENAME on the caller's channel before the Dial.
  const capture = freepbxModel('internal_answered_caller_hangs_up');
  const firstDial = capture.findIndex((event) => event.Event === 'DialBegin');
  const caller = capture[firstDial];
  const name = 'internal-4207-4101-20260915-084107-1789461667.301';
  const recorded: AmiMessage[] = [
    ...capture.slice(0, firstDial),
    { Event: 'VarSet', Channel: String(caller.Channel), Uniqueid: String(caller.Uniqueid), Linkedid: String(caller.Linkedid), Variable: '__CALLFILENAME', Value: name },
    ...capture.slice(firstDial),
  ];
  const freepbx = replay(recorded, settingsWith({}, { recordName: 'freepbx' })).out;
  assert.equal(names(freepbx), 'dial answer_internal hangup_internal hangup_internal endcall');
  assert.ok(fields(freepbx).every((event) => event.record_name === name), 'its last dot belongs to the uniqueid: kept');
  // The same variable is ignored by the other sources; without it, the template.
  assert.ok(fields(replay(recorded).out).every((event) => event.record_name === '20260915-084107-4101-4207'));
  assert.ok(fields(replay(recorded, settingsWith({}, { recordName: 'mixmonitor' })).out).every((event) => event.record_name === '20260915-084107-4101-4207'));
  assert.ok(fields(replay(capture, settingsWith({}, { recordName: 'freepbx' })).out).every((event) => event.record_name === '20260915-084107-4101-4207'));
  // From channelvars (manager.conf) as well: a ChanVariable header on the call's events.
  const withChanVariable = capture.map((event, i) => (i === firstDial ? { ...event, ChanVariable: [`CALLFILENAME=${name}`] } : event));
  assert.ok(fields(replay(withChanVariable, settingsWith({}, { recordName: 'freepbx' })).out).every((event) => event.record_name === name));
});

/**
 * A phone-native attended transfer (REFER/Replaces): the consultation is a call of its own (L2)
 * whose answered party (102) is moved into the original call (L1) by the bridge's Linkedid
 * unification. No live recording has one; the events are those Asterisk publishes for it.
 */
function nativeAttendedTransfer(): AmiMessage[] {
  const up = (chan: Chan): Chan => ({ ...chan, state: 6 });
  const caller: Chan = { name: 'PJSIP/carrier-000000b0', uniqueid: '1795492000.10', linkedid: '1795492000.10', num: '0612345678', cidName: 'Customer', context: 'from-trunk', exten: '800123456', state: 4 };
  const aliceA: Chan = { name: 'PJSIP/101-000000b1', uniqueid: '1795492000.11', linkedid: '1795492000.10', num: '101', cidName: 'Alice', context: 'from-internal' };
  const aliceB: Chan = { name: 'PJSIP/101-000000b2', uniqueid: '1795492010.12', linkedid: '1795492010.12', num: '101', cidName: 'Alice', context: 'from-internal', exten: '102', state: 4 };
  const bob: Chan = { name: 'PJSIP/102-000000b3', uniqueid: '1795492010.13', linkedid: '1795492010.12', num: '102', cidName: 'Bob', context: 'from-internal' };
  const bobInL1: Chan = { ...up(bob), linkedid: '1795492000.10' };
  return [
    ami.newchannel(caller), ami.newchannel(aliceA), ami.dialBegin(caller, aliceA, '101'),
    ami.dialEnd(caller, up(aliceA), 'ANSWER'), ami.bridgeEnter(up(aliceA), 'B1'), ami.bridgeEnter(up(caller), 'B1'),
    ami.newchannel(aliceB), ami.newchannel(bob), ami.dialBegin(aliceB, bob, '102'),
    ami.dialEnd(aliceB, up(bob), 'ANSWER'), ami.bridgeEnter(up(bob), 'B2'), ami.bridgeEnter(up(aliceB), 'B2'),
    ami.attendedTransfer(up(aliceA), up(aliceB), up(caller), up(bob)),
    ami.bridgeLeave(up(aliceA), 'B1'), ami.hangup(up(aliceA)),
    ami.bridgeLeave(up(aliceB), 'B2'), ami.hangup(up(aliceB)),
    ami.bridgeLeave(up(bob), 'B2'), ami.bridgeEnter(bobInL1, 'B1'),
    ami.bridgeLeave(bobInL1, 'B1'), ami.hangup(bobInL1),
    ami.bridgeLeave(up(caller), 'B1'), ami.hangup(up(caller)),
  ];
}

const ofCall = (out: CorrelatedEvent[], callId: string): CorrelatedEvent[] => out.filter((item) => item.event.call_id === callId);

test('attendedNativeMode=synthesize (default): the original call gets a transferred dial and the target answer', () => {
  const out = replay(nativeAttendedTransfer()).out;
  const original = ofCall(out, '1795492000.10');
  assert.equal(names(original), 'dial answer_internal hangup_internal dial answer_internal hangup_internal endcall');
  assert.equal(fields(original)[3].transfering_exten, '101');
  assert.equal(fields(original)[3].called_num, '102');
  assert.equal(fields(original)[3].caller_num, '0612345678');
  assert.equal(fields(original)[4].exten_num, '102');
  const end = fields(original)[6];
  assert.deepEqual([end.answering_exten, end.last_dial_answered, end.last_dialed_exten], ['102', 't', '102']);
  const consultation = ofCall(out, '1795492010.12');
  assert.equal(names(consultation), 'dial answer_internal hangup_internal endcall', 'the consultation ends when its target moved away');
  assert.equal(consultation[3].call.reason, 'merged');
  assert.equal(fields(consultation)[3].call_answered, 't');
});

test('attendedNativeMode=merge_silently: no synthesized events, the transfer target ends as the answerer', () => {
  const out = replay(nativeAttendedTransfer(), settingsWith({ attendedNativeMode: 'merge_silently' })).out;
  const original = ofCall(out, '1795492000.10');
  assert.equal(names(original), 'dial answer_internal hangup_internal hangup_internal endcall');
  assert.equal(fields(original)[4].answering_exten, '102');
});

test('endcallOnMerge=suppress: a call whose channels all moved into another ends without an endcall', () => {
  const out = replay(nativeAttendedTransfer(), settingsWith({ endcallOnMerge: 'suppress' })).out;
  assert.equal(names(ofCall(out, '1795492010.12')), 'dial answer_internal hangup_internal');
  assert.equal(names(ofCall(out, '1795492000.10')).split(' ').pop(), 'endcall');
});

test('invalid option values are refused with a clear message', () => {
  assert.throws(() => rigSettings({ groupLastDialed: 'everyone' }), /groupLastDialed must be one of called_number, last_member/);
  assert.throws(() => rigSettings({ pickupAlsoAnswerInternal: 'yes' }), /pickupAlsoAnswerInternal must be true or false/);
});

test('our own click-to-dial to a phone that is not registered (no channel at all): dial and endcall, nothing answered', () => {
  const { correlator } = replay([]);
  correlator.registerOriginate({ callId: '1795491900.77', exten: '104', number: '0612345678', extenName: 'Dave' });
  const failure = (channel: string, exten: string): AmiMessage => ({
    Event: 'OriginateResponse', Privilege: 'call,all', ActionID: 'x-1', Response: 'Failure', Channel: channel,
    Context: 'from-internal', Exten: exten, Reason: '0', Uniqueid: '<unknown>', CallerIDNum: '<unknown>', CallerIDName: '<unknown>',
  });
  assert.deepEqual(correlator.ingest(failure('PJSIP/105', '0612345678')), [], 'another extension: not ours');
  assert.deepEqual(correlator.ingest(failure('PJSIP/104', '0699999999')), [], 'another number: not ours');
  const out = correlator.ingest(failure('PJSIP/104', '0612345678'));
  assert.equal(names(out), 'dial endcall');
  assert.deepEqual(fields(out)[0], {
    event: 'dial', ts: fields(out)[0].ts, call_id: '1795491900.77', caller_type: 'originate', caller_num: '104',
    called_num: '0612345678', transfering_exten: '', record_name: '20261124-034500-104-0612345678',
  });
  assert.deepEqual(
    [fields(out)[1].call_answered, fields(out)[1].answering_exten, fields(out)[1].last_dial_answered, fields(out)[1].last_dialed_exten],
    ['f', '', 'f', ''],
  );
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});
