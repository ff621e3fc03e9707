import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmiMessage, splitAmiMessages, serializeAmiMessage, field, fieldList } from '../../nodes/lib/ami/message';
import { assertSafeAction, UnsafeAmiValueError } from '../../nodes/lib/ami/sanitize';

test('repeated keys are kept as arrays in order', () => {
  const msg = parseAmiMessage('Response: Success\r\nOutput: line 1\r\nOutput: line 2\r\nOutput: line 3');
  assert.deepEqual(msg.Output, ['line 1', 'line 2', 'line 3']);
  assert.equal(field(msg, 'Output'), 'line 1');
  assert.deepEqual(fieldList(msg, 'Response'), ['Success']);
});

test('a value may contain colons', () => {
  const msg = parseAmiMessage('Event: X\r\nEventTV: 2026-11-24T03:39:13.936+0000');
  assert.equal(msg.EventTV, '2026-11-24T03:39:13.936+0000');
});

test('a message ending in \\r\\n\\n does not merge with the next one (asterisk#761)', () => {
  const parts = splitAmiMessages('Event: CoreShowChannelMap\r\nChannel: A\r\n\nEvent: Hangup\r\nChannel: B\r\n\r\n');
  assert.equal(parts.length, 2);
  assert.equal(parseAmiMessage(parts[0]).Event, 'CoreShowChannelMap');
  assert.equal(parseAmiMessage(parts[1]).Channel, 'B');
});

test('serialising writes one line per value', () => {
  assert.equal(serializeAmiMessage({ Action: 'Originate', Variable: ['A=1', 'B=2'] }), 'Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n');
});

test('CR, LF and NUL in values and odd header names are refused', () => {
  assert.throws(() => assertSafeAction({ Action: 'Originate', Exten: '123\r\nAction: Command' }), UnsafeAmiValueError);
  assert.throws(() => assertSafeAction({ Action: 'Originate', Exten: '123\n' }), UnsafeAmiValueError);
  assert.throws(() => assertSafeAction({ Action: 'Originate', Exten: '1\u00002' }), UnsafeAmiValueError);
  assert.throws(() => assertSafeAction({ Action: 'Originate', 'Bad Header': '1' }), UnsafeAmiValueError);
  assert.throws(() => assertSafeAction({ Action: 'Originate', Variable: ['A=1', 'B=\r'] }), UnsafeAmiValueError);
  assert.doesNotThrow(() => assertSafeAction({ Action: 'Originate', Exten: '+420 123', Variable: ['A=1'] }));
});
