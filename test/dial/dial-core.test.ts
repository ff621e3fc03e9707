import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelIdFactory, newChannelId } from '../../nodes/lib/dial/channel-id';
import { originateOutcome } from '../../nodes/lib/dial/originate-result';
import { channelsOfCall, channelsOfExtension } from '../../nodes/lib/dial/channel-match';
import { nameFromCallerId } from '../../nodes/lib/dial/endpoint-names';
import { originateAction, originateChannel } from '../../nodes/lib/dial/ami-pbx-client';

test('a ChannelId has Asterisk\'s <epoch>.<suffix> shape, the epoch being now', () => {
  const next = channelIdFactory(() => 1795491359_999, 123_000_000_000);
  assert.equal(next(), '1795491359.123000000000');
  assert.equal(next(), '1795491359.123000000001');
  const id = newChannelId();
  assert.match(id, /^\d{10}\.\d{12}$/);
  assert.ok(Math.abs(Number(id.split('.')[0]) - Date.now() / 1000) < 5);
  // record_name takes the call's time from the first run of 9-11 digits: the epoch.
  assert.equal(/\d{9,11}/.exec(id)?.[0], id.split('.')[0]);
});

test('10 000 ChannelIds made in the same millisecond are all different', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => newChannelId()));
  assert.equal(ids.size, 10_000);
});

test('the OriginateResponse Reason decides the result', () => {
  const response = (Response: string, Reason: string) => ({ Event: 'OriginateResponse', Response, Reason });
  assert.equal(originateOutcome(response('Success', '4')).result, 'answered');
  assert.equal(originateOutcome(response('Failure', '5')).result, 'busy');
  assert.equal(originateOutcome(response('Failure', '3')).result, 'no_answer');
  for (const reason of ['0', '1', '8', '2', '']) {
    const outcome = originateOutcome(response('Failure', reason));
    assert.equal(outcome.result, 'failed', `Reason ${reason}`);
    assert.match(outcome.reason, /Reason/);
  }
  assert.match(originateOutcome(response('Failure', '8')).reason, /^congestion.*\(Reason 8\)$/);
  assert.match(originateOutcome(response('Failure', '0')).reason, /could not be placed.*\(Reason 0\)$/);
});

const listed = (Channel: string, Linkedid: string) => ({ Event: 'CoreShowChannel', Channel, Linkedid });
const table = [
  listed('PJSIP/101-00000050', 'A'),
  listed('PJSIP/carrier-00000051', 'A'),
  listed('Local/101@from-internal-0000001a;1', 'B'),
  listed('Local/101@from-internal-0000001a;2', 'B'),
  listed('PJSIP/1010-00000052', 'C'),
  listed('PJSIP/10-00000053', 'D'),
  listed('Local/104@from-queue-00000003;2', 'E'),
  listed('SIP/101-0000aaaa', 'F'),
];

test('an extension\'s channels are its device channels and the Local channels dialling it', () => {
  const names = (exten: string) => channelsOfExtension(table, exten).map((c) => c.Channel);
  assert.deepEqual(names('101'), ['PJSIP/101-00000050', 'Local/101@from-internal-0000001a;1', 'Local/101@from-internal-0000001a;2', 'SIP/101-0000aaaa']);
  assert.deepEqual(names('10'), ['PJSIP/10-00000053'], '10 is not a prefix match of 101 or 1010');
  assert.deepEqual(names('104'), ['Local/104@from-queue-00000003;2']);
  assert.deepEqual(names('1.1'), [], 'a dot in an extension is literal');
});

test('a call\'s channels are those carrying its Linkedid', () => {
  assert.deepEqual(channelsOfCall(table, 'A').map((c) => c.Channel), ['PJSIP/101-00000050', 'PJSIP/carrier-00000051']);
  assert.deepEqual(channelsOfCall(table, 'Z'), []);
});

test('the endpoint name comes from its callerid', () => {
  assert.equal(nameFromCallerId('"Alice" <101>'), 'Alice');
  assert.equal(nameFromCallerId('Bob <102>'), 'Bob');
  assert.equal(nameFromCallerId('"Jan \\"Honza\\" Novák" <103>'), 'Jan "Honza" Novák');
  assert.equal(nameFromCallerId('<104>'), '');
  assert.equal(nameFromCallerId('105'), '');
  assert.equal(nameFromCallerId(''), '');
  assert.equal(nameFromCallerId('Reception'), 'Reception');
});

test('the Originate rings the extension through the template and runs the number in the context', () => {
  assert.equal(originateChannel('PJSIP/{{exten}}', '101'), 'PJSIP/101');
  assert.equal(originateChannel('Local/{{exten}}@from-internal', '101'), 'Local/101@from-internal');
  assert.throws(() => originateChannel('{{exten}}', '101'), /not a channel like PJSIP\/101/);
  const action = originateAction(
    { exten: '101', number: '0612345678', callerId: '"0612345678" <0612345678>', variables: ['A=1', 'B=2'] },
    { originateChannel: 'PJSIP/{{exten}}', originateContext: 'from-internal', originateTimeout: 30, internationalPrefix: '00', stripPrefix: '' },
    'PJSIP/101',
    '1795491359.123000000000',
  );
  assert.deepEqual(action, {
    Action: 'Originate', Channel: 'PJSIP/101', Context: 'from-internal', Exten: '0612345678', Priority: '1', Timeout: '30000',
    CallerID: '"0612345678" <0612345678>', Async: 'true', ChannelId: '1795491359.123000000000', Variable: ['A=1', 'B=2'],
  });
});
