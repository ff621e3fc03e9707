import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiFramer } from '../../nodes/lib/ami/framer';
import { splitAmiMessages } from '../../nodes/lib/ami/message';

function framed(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const framer = new AmiFramer((text) => out.push(text));
  for (const chunk of chunks) framer.push(chunk);
  return out;
}

test('a read holding several whole messages is handed on in one piece', () => {
  const text = 'Event: A\r\nX: 1\r\n\r\nEvent: B\r\nX: 2\r\n\r\n';
  assert.deepEqual(framed([Buffer.from(text)]), [text]);
});

test('a message cut across reads waits for its end', () => {
  const out = framed([Buffer.from('Event: A\r\nX: 1\r\n\r\nEvent: B\r\nX:'), Buffer.from(' 2\r\n'), Buffer.from('\r\n')]);
  assert.deepEqual(out, ['Event: A\r\nX: 1\r\n\r\n', 'Event: B\r\nX: 2\r\n\r\n']);
});

test('the blank line itself may be cut between reads', () => {
  const out = framed([Buffer.from('Event: A\r\n\r'), Buffer.from('\nEvent: B\r\n\r\n')]);
  assert.deepEqual(out.join('|'), 'Event: A\r\n\r\nEvent: B\r\n\r\n');
});

test('a UTF-8 character split between reads arrives whole', () => {
  const bytes = Buffer.from('Event: A\r\nCallerIDName: Jiří Černý\r\n\r\n');
  const cut = bytes.indexOf(Buffer.from('ř')) + 1; // inside the two bytes of ř
  assert.deepEqual(framed([bytes.subarray(0, cut), bytes.subarray(cut)]), [bytes.toString('utf8')]);
});

test('a message ending in \\r\\n\\n (asterisk#761) ends there and does not swallow the next one', () => {
  const out = framed([Buffer.from('Event: CoreShowChannelMap\r\nChannel: A\r\n\nEvent: Hangup\r\nChannel: B\r\n\r\n')]);
  const messages = out.flatMap((text) => splitAmiMessages(text));
  assert.deepEqual(messages.map((m) => m.split('\r\n')[0]), ['Event: CoreShowChannelMap', 'Event: Hangup']);
});

test('nothing is handed on before the first blank line', () => {
  assert.deepEqual(framed([Buffer.from('Event: A\r\nX: 1\r\n')]), []);
});
