import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import { CallCorrelator, type CorrelatedEvent } from '../../nodes/lib/events/correlator';
import type { PbxSettings } from '../../nodes/lib/settings';
import { ami, type Chan } from './ami-script';
import { assertMatchesExpected, expectedEvents, liveScenarios, recordedEvents, rigSettings, TestClock } from './replay';

/**
 * The correlator options that move or qualify events (pbx-config, ami-reference.md §3.12):
 * `dialTrigger`, `originateDialOn`, `answeredIncludesIvr`, `tsSource`, `numberRewrite`. Each
 * non-default value changes exactly what it says; the defaults give the recordings' expectations.
 */
type Fields = Record<string, string>;
const fields = (out: CorrelatedEvent[]): Fields[] => out.map((item) => item.event as unknown as Fields);
const names = (out: CorrelatedEvent[]): string => out.map((item) => item.event.event).join(' ');

/** Each event with the index of the AMI message that produced it. */
interface Emitted {
  at: number;
  item: CorrelatedEvent;
}

function replayAt(events: AmiMessage[], settings: PbxSettings = rigSettings()): { emitted: Emitted[]; correlator: CallCorrelator } {
  const clock = new TestClock();
  const correlator = new CallCorrelator(settings, { now: clock.now });
  const emitted: Emitted[] = [];
  events.forEach((message, at) => {
    clock.advance(1);
    for (const item of correlator.ingest(message)) emitted.push({ at, item });
  });
  return { emitted, correlator };
}

const outOf = (emitted: Emitted[]): CorrelatedEvent[] => emitted.map((entry) => entry.item);
const dialAt = (emitted: Emitted[]): number => emitted.find((entry) => entry.item.event.event === 'dial')?.at ?? -1;
const indexOf = (events: AmiMessage[], predicate: (message: AmiMessage) => boolean): number => events.findIndex(predicate);

const up = (chan: Chan): Chan => ({ ...chan, state: 6 });

// ---- dialTrigger ----------------------------------------------------------------------------

for (const dialTrigger of ['newchannel', 'first_ringing']) {
  test(`dialTrigger=${dialTrigger}: every live recording still gives its expected events (only the dial's moment may move)`, () => {
    for (const scenario of liveScenarios()) {
      const { emitted, correlator } = replayAt(recordedEvents(scenario), rigSettings({ dialTrigger }));
      assertMatchesExpected(fields(outOf(emitted)), expectedEvents(scenario));
      assert.equal(correlator.stats().calls, 0, `${scenario}: nothing left behind`);
    }
  });
}

test('dialTrigger=first_ringing: the dial comes with the first DialState RINGING, not the DialBegin', () => {
  const events = recordedEvents('internal_answered');
  const dialBegin = indexOf(events, (m) => m.Event === 'DialBegin');
  const ringing = indexOf(events, (m) => m.Event === 'DialState' && m.DialStatus === 'RINGING');
  assert.ok(dialBegin >= 0 && ringing > dialBegin);
  assert.equal(dialAt(replayAt(events).emitted), dialBegin, 'default: at the DialBegin');
  assert.equal(dialAt(replayAt(events, rigSettings({ dialTrigger: 'first_ringing' })).emitted), ringing);

  // A ring group: three DialBegins, one dial, at the first member that rings.
  const group = recordedEvents('inbound_ringgroup_answered');
  const { emitted } = replayAt(group, rigSettings({ dialTrigger: 'first_ringing' }));
  assert.equal(emitted.filter((entry) => entry.item.event.event === 'dial').length, 1);
  assert.equal(dialAt(emitted), indexOf(group, (m) => m.Event === 'DialState' && m.DialStatus === 'RINGING'));
});

test('dialTrigger=first_ringing: a destination that never rings (busy) gets its dial just before the call\'s next event', () => {
  const events = recordedEvents('internal_busy');
  assert.equal(indexOf(events, (m) => m.Event === 'DialState'), -1, 'the recording has no DialState');
  const { emitted } = replayAt(events, rigSettings({ dialTrigger: 'first_ringing' }));
  assert.equal(names(outOf(emitted)), 'dial hangup_internal endcall');
  const callerHangup = indexOf(events, (m) => m.Event === 'Hangup' && m.Channel === 'PJSIP/101-00000075');
  assert.equal(dialAt(emitted), callerHangup, 'the dial waits for the hangup, and comes first');
  assert.ok(emitted.every((entry) => entry.at === callerHangup));
  assertMatchesExpected(fields(outOf(emitted)), expectedEvents('internal_busy'));
});

test('dialTrigger=first_ringing: click-to-dial calls keep their own timing (originateDialOn)', () => {
  const events = recordedEvents('originate_click2dial_answered');
  const byDefault = dialAt(replayAt(events).emitted);
  assert.equal(dialAt(replayAt(events, rigSettings({ dialTrigger: 'first_ringing' })).emitted), byDefault);
});

/** An inbound call answered by an IVR / queue greeting and hung up there, never dialling anyone. */
const trunk: Chan = {
  name: 'PJSIP/carrier-000000c0', uniqueid: '1795493000.20', linkedid: '1795493000.20',
  num: '0622222222', cidName: 'Mary Jones', context: 'from-trunk', exten: '800123459', state: 4,
};
const ivrOnly = (): AmiMessage[] => [ami.newchannel(trunk), ami.newstate(up(trunk)), ami.hangup(up(trunk))];

test('dialTrigger=newchannel: an inbound call is reported from its arrival, even if it never rings anyone', () => {
  assert.equal(names(outOf(replayAt(ivrOnly()).emitted)), '', 'default: an IVR-only call is not reported');
  const { emitted } = replayAt(ivrOnly(), rigSettings({ dialTrigger: 'newchannel' }));
  assert.equal(names(outOf(emitted)), 'dial endcall');
  assert.equal(emitted[0].at, 0, 'at the Newchannel');
  assert.deepEqual(fields(outOf(emitted))[0], {
    event: 'dial', ts: fields(outOf(emitted))[0].ts, call_id: '1795493000.20', caller_type: 'external', caller_num: '0622222222',
    called_num: '800123459', transfering_exten: '', record_name: '20261124-040320-0622222222-800123459',
  });
  assert.deepEqual(
    [fields(outOf(emitted))[1].call_answered, fields(outOf(emitted))[1].last_dialed_exten, fields(outOf(emitted))[1].last_dial_answered],
    ['f', '', 'f'],
  );

  const events = recordedEvents('inbound_answered');
  const newchannel = indexOf(events, (m) => m.Event === 'Newchannel');
  assert.ok(dialAt(replayAt(events).emitted) > newchannel);
  assert.equal(dialAt(replayAt(events, rigSettings({ dialTrigger: 'newchannel' })).emitted), newchannel);
});

test('dialTrigger=newchannel: calls from phones still dial at their first DialBegin (a pickup is no call of its own)', () => {
  const events = recordedEvents('internal_answered');
  assert.equal(dialAt(replayAt(events, rigSettings({ dialTrigger: 'newchannel' })).emitted), indexOf(events, (m) => m.Event === 'DialBegin'));
  const pickup = replayAt(recordedEvents('call_pickup'), rigSettings({ dialTrigger: 'newchannel' })).emitted;
  assert.deepEqual([...new Set(outOf(pickup).map((item) => item.event.call_id))], ['1795491437.101']);
});

test('dialTrigger=newchannel: waits for the numbers (DID from FROM_DID, caller ID from NewCallerid)', () => {
  const noDid: Chan = { ...trunk, exten: 's' };
  const withDid = [ami.newchannel(noDid), ami.varSet(noDid, '__FROM_DID', '800123459'), ami.hangup(noDid)];
  const didLater = replayAt(withDid, rigSettings({ dialTrigger: 'newchannel' })).emitted;
  assert.equal(dialAt(didLater), 1, 'at the FROM_DID VarSet');
  assert.equal(fields(outOf(didLater))[0].called_num, '800123459');

  const noCid: Chan = { ...trunk, num: undefined, cidName: undefined };
  const newCallerid: AmiMessage = { ...ami.newstate({ ...noCid, num: '0622222222', cidName: 'Mary Jones' }), Event: 'NewCallerid', 'CID-CallingPres': '0 (Presentation Allowed, Not Screened)' };
  const cidLater = replayAt([ami.newchannel(noCid), newCallerid, ami.hangup(noCid)], rigSettings({ dialTrigger: 'newchannel' })).emitted;
  assert.equal(dialAt(cidLater), 1, 'at the NewCallerid');
  assert.equal(fields(outOf(cidLater))[0].caller_num, '0622222222');

  // Neither ever comes: the dial still precedes the call's end, so dial and endcall stay paired.
  const anonymous = replayAt([ami.newchannel(noCid), ami.hangup(noCid)], rigSettings({ dialTrigger: 'newchannel' })).emitted;
  assert.equal(names(outOf(anonymous)), 'dial endcall');
  assert.equal(fields(outOf(anonymous))[0].caller_num, '');
});

// ---- originateDialOn ------------------------------------------------------------------------

test('originateDialOn=first_leg: a foreign click-to-dial is reported when its phone rings; the number follows in later events', () => {
  const events = recordedEvents('originate_click2dial_answered');
  const firstLeg = indexOf(events, (m) => m.Event === 'DialBegin');
  const response = indexOf(events, (m) => m.Event === 'OriginateResponse');
  assert.equal(dialAt(replayAt(events).emitted), response, 'default (second_leg): once the phone answered and the number is known');

  const { emitted, correlator } = replayAt(events, rigSettings({ originateDialOn: 'first_leg' }));
  assert.equal(dialAt(emitted), firstLeg);
  const out = fields(outOf(emitted));
  assert.equal(names(outOf(emitted)), 'dial answer_external hangup_internal endcall');
  assert.deepEqual(out[0], {
    event: 'dial', ts: out[0].ts, call_id: 'c2d-1795491359', caller_type: 'originate', caller_num: '101',
    called_num: '', transfering_exten: '', record_name: '20261124-033559-101-',
  });
  assert.equal(out[1].called_num, '0612345678');
  assert.equal(out[3].called_num, '0612345678');
  assert.ok(out.every((event) => event.record_name === '20261124-033559-101-'), 'the name is fixed at the first event');
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});

test('originateDialOn=first_leg: a click-to-dial whose phone never answers ends with the number of its OriginateResponse', () => {
  const events = recordedEvents('originate_click2dial_noanswer');
  const { emitted, correlator } = replayAt(events, rigSettings({ originateDialOn: 'first_leg' }));
  assert.equal(names(outOf(emitted)), 'dial endcall');
  assert.equal(dialAt(emitted), indexOf(events, (m) => m.Event === 'DialBegin'));
  assert.equal(fields(outOf(emitted))[0].called_num, '');
  assert.equal(fields(outOf(emitted))[1].called_num, '0612345678');
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});

test('originateDialOn=first_leg: our own pbx-dial calls are unaffected (their number is known from the start)', () => {
  const clock = new TestClock();
  const correlator = new CallCorrelator(rigSettings({ originateDialOn: 'first_leg' }), { now: clock.now });
  correlator.registerOriginate({ callId: 'c2d-1795491359', exten: '101', number: '0612345678', extenName: 'Alice' });
  const out = recordedEvents('originate_click2dial_answered').flatMap((message) => correlator.ingest(message));
  assert.equal(fields(out)[0].called_num, '0612345678');
  assert.equal(fields(out)[0].record_name, '20261124-033559-101-0612345678');
});

/** An Originate of `Local/101@from-internal` by another AMI client: ;2 rings the phone, ;1 then dials the number. */
function localChannelClickToDial(): AmiMessage[] {
  const one: Chan = { name: 'Local/101@from-internal-000000d0;1', uniqueid: '1795493400.60', linkedid: '1795493400.60', context: 'from-internal', exten: '0612345678' };
  const two: Chan = { name: 'Local/101@from-internal-000000d0;2', uniqueid: '1795493400.61', linkedid: '1795493400.60', context: 'from-internal', exten: '101', state: 4 };
  const phone: Chan = { name: 'PJSIP/101-000000d1', uniqueid: '1795493400.62', linkedid: '1795493400.60', num: '101', cidName: 'Alice', context: 'from-internal' };
  const carrier: Chan = { name: 'PJSIP/carrier-000000d2', uniqueid: '1795493400.63', linkedid: '1795493400.60', num: '0612345678', context: 'from-trunk' };
  const response: AmiMessage = {
    Event: 'OriginateResponse', Privilege: 'call,all', Response: 'Success', Channel: 'Local/101@from-internal', Context: 'from-internal',
    Exten: '0612345678', Reason: '4', Uniqueid: one.uniqueid, CallerIDNum: '<unknown>', CallerIDName: '<unknown>',
  };
  return [
    ami.newchannel(one), ami.newchannel(two), ami.dialBegin(undefined, one, 'Local/101@from-internal'),
    ami.newchannel(phone), ami.dialBegin(two, phone, '101'), ami.dialEnd(two, up(phone), 'ANSWER'),
    ami.dialEnd(undefined, up(one), 'ANSWER'), response,
    ami.newchannel(carrier), ami.dialBegin(up(one), carrier, 'carrier/0612345678'), ami.dialEnd(up(one), up(carrier), 'ANSWER'),
    ami.hangup(up(carrier)), ami.hangup(up(one)), ami.hangup(up(two)), ami.hangup(up(phone)),
  ];
}

test('originateDialOn=first_leg with a Local channel: the dial comes when the phone behind it rings', () => {
  const events = localChannelClickToDial();
  const byDefault = replayAt(events).emitted;
  assert.equal(names(outOf(byDefault)), 'dial answer_external hangup_internal endcall');
  assert.equal(dialAt(byDefault), indexOf(events, (m) => m.Event === 'OriginateResponse'));
  assert.equal(fields(outOf(byDefault))[0].called_num, '0612345678');

  const { emitted, correlator } = replayAt(events, rigSettings({ originateDialOn: 'first_leg' }));
  assert.equal(names(outOf(emitted)), 'dial answer_external hangup_internal endcall');
  assert.equal(dialAt(emitted), indexOf(events, (m) => m.Event === 'DialBegin' && m.DestChannel === 'PJSIP/101-000000d1'));
  const out = fields(outOf(emitted));
  assert.deepEqual([out[0].caller_type, out[0].caller_num, out[0].called_num], ['originate', '101', '']);
  assert.equal(out[1].called_num, '0612345678');
  assert.equal(out[3].called_num, '0612345678');
  assert.deepEqual(correlator.stats(), { channels: 0, calls: 0, callsInProgress: 0, registrations: 0, pendingOriginates: 0 });
});

// ---- answeredIncludesIvr --------------------------------------------------------------------

/** An inbound call a queue answers (its greeting), rings 104 and is abandoned. */
function queueAbandoned(): AmiMessage[] {
  const caller: Chan = { ...trunk, exten: '800123458' };
  const dave: Chan = { name: 'PJSIP/104-000000c1', uniqueid: '1795493000.21', linkedid: '1795493000.20', num: '104', cidName: 'Dave', context: 'from-internal' };
  return [
    ami.newchannel(caller), ami.newstate(up(caller)), ami.newchannel(dave), ami.dialBegin(up(caller), dave, '104'),
    ami.dialEnd(up(caller), dave, 'CANCEL'), ami.hangup(dave, 26), ami.hangup(up(caller)),
  ];
}

test('answeredIncludesIvr: an inbound call the PBX answered itself (queue, IVR) ends as answered, with no answer event', () => {
  const byDefault = fields(outOf(replayAt(queueAbandoned()).emitted));
  assert.equal(byDefault.map((event) => event.event).join(' '), 'dial endcall');
  assert.equal(byDefault[1].call_answered, 'f');
  const { emitted } = replayAt(queueAbandoned(), rigSettings({ answeredIncludesIvr: true }));
  assert.equal(names(outOf(emitted)), 'dial endcall', 'no answer_* event');
  const end = fields(outOf(emitted))[1];
  assert.deepEqual(
    [end.call_answered, end.answering_exten, end.last_dialed_exten, end.last_dial_answered],
    ['t', '', '104', 'f'],
    'answered by the PBX; the extension it rang still missed it',
  );
  // With dialTrigger=newchannel too, an IVR-only call is counted as answered.
  const ivr = fields(outOf(replayAt(ivrOnly(), rigSettings({ answeredIncludesIvr: true, dialTrigger: 'newchannel' })).emitted));
  assert.equal(ivr[1].call_answered, 't');
});

test('answeredIncludesIvr: an internal caller sent to voicemail counts; a click-to-dial phone answering its own ring does not', () => {
  const alice: Chan = { name: 'PJSIP/101-000000c2', uniqueid: '1795493100.30', linkedid: '1795493100.30', num: '101', cidName: 'Alice', context: 'from-internal', exten: '102', state: 4 };
  const bob: Chan = { name: 'PJSIP/102-000000c3', uniqueid: '1795493100.31', linkedid: '1795493100.30', num: '102', cidName: 'Bob', context: 'from-internal' };
  const voicemail = [
    ami.newchannel(alice), ami.newchannel(bob), ami.dialBegin(alice, bob, '102'), ami.dialEnd(alice, bob, 'NOANSWER'),
    ami.hangup(bob, 19), ami.newstate(up(alice)), ami.hangup(up(alice)),
  ];
  assert.equal(fields(outOf(replayAt(voicemail).emitted)).at(-1)?.call_answered, 'f');
  assert.equal(fields(outOf(replayAt(voicemail, rigSettings({ answeredIncludesIvr: true })).emitted)).at(-1)?.call_answered, 't');

  // A foreign click-to-dial: the phone answers (Up), the number it dials does not.
  const phone: Chan = { name: 'PJSIP/101-000000c4', uniqueid: '1795493200.40', linkedid: '1795493200.40', num: '101', cidName: 'Alice', context: 'from-internal' };
  const carrier: Chan = { name: 'PJSIP/carrier-000000c5', uniqueid: '1795493200.41', linkedid: '1795493200.40', num: '0612345678', context: 'from-trunk' };
  const response: AmiMessage = {
    Event: 'OriginateResponse', Privilege: 'call,all', Response: 'Success', Channel: phone.name, Context: 'from-internal',
    Exten: '0612345678', Reason: '4', Uniqueid: phone.uniqueid, CallerIDNum: '101', CallerIDName: 'Alice',
  };
  const clickToDial = [
    ami.newchannel(phone), ami.dialBegin(undefined, phone, '101'), ami.dialEnd(undefined, up(phone), 'ANSWER'), ami.newstate(up(phone)),
    response, ami.newchannel(carrier), ami.dialBegin(up(phone), carrier, 'carrier/0612345678'), ami.dialEnd(up(phone), carrier, 'NOANSWER'),
    ami.hangup(carrier, 19), ami.hangup(up(phone)),
  ];
  const end = fields(outOf(replayAt(clickToDial, rigSettings({ answeredIncludesIvr: true })).emitted)).at(-1);
  assert.equal(end?.event, 'endcall');
  assert.equal(end?.call_answered, 'f');
});

test('answeredIncludesIvr: every live recording still gives its expected events (none was answered by the PBX alone)', () => {
  for (const scenario of liveScenarios()) {
    assertMatchesExpected(fields(outOf(replayAt(recordedEvents(scenario), rigSettings({ answeredIncludesIvr: true })).emitted)), expectedEvents(scenario));
  }
});

// ---- tsSource -------------------------------------------------------------------------------

test('tsSource: the AMI Timestamp header by default, the time of receipt with tsSource=receipt', () => {
  const alice: Chan = { name: 'PJSIP/101-000000c6', uniqueid: '1795493300.50', linkedid: '1795493300.50', num: '101', cidName: 'Alice', context: 'from-internal', exten: '102', state: 4 };
  const bob: Chan = { name: 'PJSIP/102-000000c7', uniqueid: '1795493300.51', linkedid: '1795493300.50', num: '102', cidName: 'Bob', context: 'from-internal' };
  const stamped = [
    ami.newchannel(alice, '1795493300.100000'), ami.newchannel(bob, '1795493300.200000'),
    ami.dialBegin(alice, bob, '102', '1795493300.250001'), ami.hangup(bob, 16, '1795493305.000000'), ami.hangup(alice, 16, '1795493305.5'),
  ];
  const byHeader = fields(outOf(replayAt(stamped).emitted));
  assert.deepEqual(byHeader.map((event) => `${event.event} ${event.ts}`), [
    'dial 2026-11-24T04:08:20.250001+00:00',
    'hangup_internal 2026-11-24T04:08:25.5+00:00',
    'endcall 2026-11-24T04:08:25.5+00:00',
  ]);
  // The test clock starts at 2026-11-24 03:30:00 UTC and moves 1 ms per message.
  const byReceipt = fields(outOf(replayAt(stamped, rigSettings({ tsSource: 'receipt' })).emitted));
  assert.deepEqual(byReceipt.map((event) => `${event.event} ${event.ts}`), [
    'dial 2026-11-24T03:30:00.003+00:00',
    'hangup_internal 2026-11-24T03:30:00.005+00:00',
    'endcall 2026-11-24T03:30:00.005+00:00',
  ]);
});

// ---- numberRewrite --------------------------------------------------------------------------

test('numberRewrite: caller_num and called_num rewritten by the first matching rule, in every event and the record name', () => {
  const rules = '# national numbers to E.164\n^00(\\d+)$ => +$1\n\n^0(\\d{9})$ => +420$1\n';
  const inbound = fields(outOf(replayAt(recordedEvents('inbound_answered'), rigSettings({ numberRewrite: rules })).emitted));
  const plain = fields(outOf(replayAt(recordedEvents('inbound_answered')).emitted));
  assert.equal(plain[0].caller_num, '0611111111');
  for (const [i, event] of inbound.entries()) {
    if (event.caller_num !== undefined) assert.equal(event.caller_num, '+420611111111', `${event.event} caller_num`);
    if (event.called_num !== undefined) assert.equal(event.called_num, '800123456', 'the DID matches no rule');
    if (event.exten_num !== undefined) assert.equal(event.exten_num, plain[i].exten_num, 'extensions are left alone');
    assert.equal(event.record_name, plain[i].record_name.replace('-0611111111-', '-+420611111111-'));
  }
  const outbound = fields(outOf(replayAt(recordedEvents('outbound_answered'), rigSettings({ numberRewrite: rules })).emitted));
  assert.equal(outbound[0].caller_num, '101');
  assert.ok(outbound.filter((event) => event.called_num !== undefined).every((event) => event.called_num === '+420612345678'));
});

test('numberRewrite and eventMask: malformed values are refused with the line or class named', () => {
  assert.throws(() => rigSettings({ numberRewrite: '^0(\\d+)$ => +420$1\n^(unclosed => x' }), /numberRewrite line 2 is not a valid regular expression/);
  assert.throws(() => rigSettings({ numberRewrite: '^0(\\d+)$ +420$1' }), /numberRewrite line 1 must read "pattern => replacement"/);
  assert.deepEqual(rigSettings({ numberRewrite: ['^0 => +420'] }).correlator.numberRewrite.map((rule) => rule.replacement), ['+420'], 'an array of lines');
  assert.throws(() => rigSettings({ dialTrigger: 'first_answer' }), /dialTrigger must be one of first_dialbegin, newchannel, first_ringing/);
  assert.throws(() => rigSettings({ tsSource: 'pbx' }), /tsSource must be one of ami, receipt/);
  assert.equal(rigSettings().eventMask, 'system,call,agent,dialplan,user,cdr');
  assert.equal(rigSettings({ eventMask: ' call, Dialplan ,reporting,security' }).eventMask, 'call,dialplan,reporting,security');
  assert.throws(() => rigSettings({ eventMask: 'call,rtcp' }), /eventMask: "rtcp" is not an AMI event class/);
});
