import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiServer } from '../../simulator';
import { AmiClientTransport } from '../../nodes/lib/ami/transport';
import { field, type AmiMessage } from '../../nodes/lib/ami/message';
import { sleep } from '../helpers/wait';
import { until, withConnection } from './helpers';

// ami-client.md #11: after the login the package reads the socket itself (AmiFramer), through
// two private fields of asterisk-ami-client 1.1.5. Should they move, the transport falls back
// to the library's framing, which works but is ten times slower: these tests notice.

test('#11 with the pinned asterisk-ami-client 1.1.5 the package frames the socket itself after login', () => withConnection(async (_server, connection) => {
  assert.equal((require('asterisk-ami-client/package.json') as { version: string }).version, '1.1.5');
  assert.equal(connection.framing, 'package');
}));

test('#11 the transport hands on a read of several messages in one piece (the library would cut it per message)', async () => {
  const server = await AmiServer.start();
  const transport = new AmiClientTransport();
  const chunks: string[] = [];
  try {
    assert.equal(transport.framing, null, 'no framing before the login');
    await transport.open(
      { host: '127.0.0.1', port: server.port, username: 'admin', secret: 'admin', connectTimeoutMs: 2000, tcpKeepAliveMs: 0 },
      { onData: (text) => chunks.push(text), onClose: () => undefined },
    );
    assert.equal(transport.framing, 'package');
    const events = ['1', '2', '3'].map((n) => `Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: n${n}\r\n\r\n`);
    server.sendRaw(events.join(''));
    await until(() => chunks.join('').includes('UserEvent: n3'), 'the three events');
    assert.deepEqual(chunks, [events.join('')]);
  } finally {
    transport.close();
    await server.close();
  }
});

/** A UserEvent of about 200 bytes, with Czech text so that pieces may cut UTF-8 characters. */
function burstEvent(seq: number): Buffer {
  return Buffer.from(`Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: burst\r\nSeq: ${seq}\r\nNote: Příliš žluťoučký kůň úpěl ďábelské ódy|${'x'.repeat(seq % 97)}\r\n\r\n`, 'utf8');
}

test('#11 a 1 MB burst written in 64 KB pieces, messages cut between pieces, arrives complete and in order', () => withConnection(async (server, connection) => {
  assert.equal(connection.framing, 'package');
  const messages: Buffer[] = [];
  let size = 0;
  while (size < 1024 * 1024) {
    messages.push(burstEvent(messages.length));
    size += messages[messages.length - 1].length;
  }
  // Where messages end in the stream, and where the 64 KB pieces are cut: the cuts fall inside messages.
  const ends = new Set<number>();
  messages.reduce((offset, message) => (ends.add(offset + message.length), offset + message.length), 0);
  const cuts = Array.from({ length: Math.floor(size / 65536) }, (_, i) => (i + 1) * 65536).filter((cut) => cut < size);
  assert.ok(cuts.length >= 15 && cuts.some((cut) => !ends.has(cut)), 'pieces cut messages');

  const seen: string[] = [];
  connection.onEvent((event: AmiMessage) => {
    if (field(event, 'UserEvent') === 'burst') seen.push(`${field(event, 'Seq')} ${field(event, 'Note')}`);
  });
  await server.writePieces(server.loggedInSessions[0], messages, { chunkSize: 65536 });
  await until(() => seen.length >= messages.length, `${messages.length} events (${seen.length} so far)`, 20_000);
  const expected = messages.map((_, seq) => `${seq} Příliš žluťoučký kůň úpěl ďábelské ódy|${'x'.repeat(seq % 97)}`);
  assert.equal(seen.length, expected.length);
  assert.deepEqual(seen, expected);
}));

test('#11 one message cut mid-character and between the two line ends of its blank line, in separate reads, arrives whole', () => withConnection(async (server, connection) => {
  assert.equal(connection.framing, 'package');
  const seen: AmiMessage[] = [];
  connection.onEvent((event) => {
    if (field(event, 'UserEvent') === 'split') seen.push(event);
  });
  const bytes = Buffer.from('Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: split\r\nNote: žluťoučký kůň\r\n\r\n', 'utf8');
  const midCharacter = bytes.indexOf(Buffer.from('ž', 'utf8')) + 1;
  const midBlankLine = bytes.length - 2;
  const session = server.loggedInSessions[0];
  session.write(bytes.subarray(0, midCharacter));
  await sleep(50);
  session.write(bytes.subarray(midCharacter, midBlankLine));
  await sleep(50);
  assert.equal(seen.length, 0, 'nothing before the blank line is complete');
  session.write(bytes.subarray(midBlankLine));
  await until(() => seen.length === 1, 'the event');
  assert.equal(seen[0].Note, 'žluťoučký kůň');
}));
