import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freepbxModel } from './freepbx-models';
import { assertMatchesExpected, replay, type ExpectedEvent } from './replay';

/**
 * Internal calls as FreePBX 17 on Asterisk 22 sends them (our models of its behaviour, in
 * test/fixtures/ami/freepbx/: Gosub contexts such as dialOne-with-exten, the callee leg's
 * predial func-apply-sipheaders, the hangup macro): the defaults classify them as the
 * walkthroughs of ami-reference.md §3.11 say.
 */

const dial = (callId: string, caller: string, called: string, record: string): ExpectedEvent => ({
  event: 'dial', ts: '*', call_id: callId, caller_type: 'internal', caller_num: caller, called_num: called, transfering_exten: '', record_name: record,
});
const answer = (callId: string, exten: string, name: string, caller: string, record: string): ExpectedEvent => ({
  event: 'answer_internal', ts: '*', call_id: callId, exten_num: exten, exten_name: name, caller_num: caller, caller_type: 'internal', record_name: record,
});
const hangup = (callId: string, exten: string, name: string, record: string): ExpectedEvent => ({
  event: 'hangup_internal', ts: '*', call_id: callId, exten_num: exten, exten_name: name, record_name: record,
});
const endcall = (callId: string, caller: string, called: string, answered: string, answering: string, lastAnswered: string, lastDialed: string, record: string): ExpectedEvent => ({
  event: 'endcall', ts: '*', call_id: callId, caller_type: 'internal', caller_num: caller, called_num: called, call_answered: answered,
  answering_exten: answering, last_dial_answered: lastAnswered, last_dialed_exten: lastDialed, record_name: record,
});

test('FreePBX: 4101 calls 4207, answered, the caller hangs up (the callee\'s leg is gone first)', () => {
  const id = '1789461667.301';
  const record = '20260915-084107-4101-4207';
  assertMatchesExpected(replay(freepbxModel('internal_answered_caller_hangs_up')).out.map((item) => item.event), [
    dial(id, '4101', '4207', record),
    answer(id, '4207', 'Irena', '4101', record),
    hangup(id, '4207', 'Irena', record),
    hangup(id, '4101', 'Sales Desk', record),
    endcall(id, '4101', '4207', 't', '4207', 't', '4207', record),
  ]);
});

test('FreePBX: 4207 calls 4101, answered, 4101 (the callee) hangs up first', () => {
  const id = '1789461832.306';
  const record = '20260915-084352-4207-4101';
  assertMatchesExpected(replay(freepbxModel('internal_answered_callee_hangs_up')).out.map((item) => item.event), [
    dial(id, '4207', '4101', record),
    answer(id, '4101', 'Sales Desk', '4207', record),
    hangup(id, '4101', 'Sales Desk', record),
    hangup(id, '4207', 'Irena', record),
    endcall(id, '4207', '4101', 't', '4101', 't', '4101', record),
  ]);
});

test('FreePBX: 4101 calls 4207 and gives up while it rings (CANCEL): a missed call for 4207', () => {
  const id = '1789461990.311';
  const record = '20260915-084630-4101-4207';
  const { out, correlator } = replay(freepbxModel('internal_caller_cancels'));
  assertMatchesExpected(out.map((item) => item.event), [
    dial(id, '4101', '4207', record),
    hangup(id, '4101', 'Sales Desk', record),
    endcall(id, '4101', '4207', 'f', '', 'f', '4207', record),
  ]);
  assert.equal(correlator.stats().calls, 0);
});
