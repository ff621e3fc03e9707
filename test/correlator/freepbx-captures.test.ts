import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';
import { assertMatchesExpected, replay, type ExpectedEvent } from './replay';

/**
 * Public captures of FreePBX 17 on Asterisk 22 (ami-reference.md §2; Gosub contexts such as
 * dialOne-with-exten and func-apply-sipheaders, a macro-hangupcall UserEvent): the defaults
 * classify them as the walkthroughs of ami-reference.md §3.11 say.
 */
function publicCapture(name: string): AmiMessage[] {
  const file = path.join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'ami', 'public', `${name}.txt`);
  const text = readFileSync(file, 'utf8');
  return splitAmiMessages(text.slice(text.indexOf('\n') + 1)).map(parseAmiMessage).filter((message) => message.Event !== undefined);
}

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

test('FreePBX: 21 calls 1986, answered, callee hangs up first', () => {
  const id = '1770888534.43';
  const record = '20260212-092854-21-1986';
  assertMatchesExpected(replay(publicCapture('internal_to_internal_answered__freepbx_pjsip')).out.map((item) => item.event), [
    dial(id, '21', '1986', record),
    answer(id, '1986', 'Martin', '21', record),
    hangup(id, '1986', 'Martin', record),
    hangup(id, '21', 'Kitchen', record),
    endcall(id, '21', '1986', 't', '1986', 't', '1986', record),
  ]);
});

test('FreePBX: 1986 calls 21, answered, 21 hangs up first', () => {
  const id = '1770888509.40';
  const record = '20260212-092829-1986-21';
  assertMatchesExpected(replay(publicCapture('internal_to_internal_answered_2__freepbx_pjsip')).out.map((item) => item.event), [
    dial(id, '1986', '21', record),
    answer(id, '21', 'Kitchen', '1986', record),
    hangup(id, '21', 'Kitchen', record),
    hangup(id, '1986', 'Martin', record),
    endcall(id, '1986', '21', 't', '21', 't', '21', record),
  ]);
});

test('FreePBX: 1986 calls 21 and gives up while it rings (CANCEL): a missed call for 21', () => {
  const id = '1770888559.46';
  const record = '20260212-092919-1986-21';
  const { out, correlator } = replay(publicCapture('internal_to_internal_not_answered_caller_cancel__freepbx_pjsip'));
  assertMatchesExpected(out.map((item) => item.event), [
    dial(id, '1986', '21', record),
    hangup(id, '1986', 'Martin', record),
    endcall(id, '1986', '21', 'f', '', 'f', '21', record),
  ]);
  assert.equal(correlator.stats().calls, 0);
});
