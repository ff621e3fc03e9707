import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { AmiServer, loadTranscript } from '../../simulator';
import { parseAmiMessage, splitAmiMessages, field, type AmiMessage } from '../../nodes/lib/ami/message';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');

/** A bare TCP client that records everything the server sends (no AMI library involved). */
class RawClient {
  readonly socket: net.Socket;
  readonly chunks: Buffer[] = [];
  closed = false;
  private waiters: Array<() => void> = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => {
      this.chunks.push(chunk);
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Messages received so far, without the banner line. */
  get messages(): AmiMessage[] {
    return splitAmiMessages(this.text.replace(/^Asterisk Call Manager\/[^\r\n]*\r\n/, '')).map(parseAmiMessage);
  }

  send(lines: string[]): void {
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  async until(check: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out; received so far:\n${this.text}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async login(events?: string): Promise<void> {
    this.send(['Action: Login', 'Username: admin', 'Secret: admin', 'ActionID: login-1', ...(events ? [`Events: ${events}`] : [])]);
    await this.until(() => this.messages.some((m) => m.ActionID === 'login-1'));
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

async function withServer(run: (server: AmiServer) => Promise<void>): Promise<void> {
  const server = await AmiServer.start();
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

test('greets with the Asterisk 22 banner and accepts a good login, followed by FullyBooted', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  await client.until(() => client.messages.some((m) => m.Event === 'FullyBooted'));
  assert.ok(client.text.startsWith('Asterisk Call Manager/11.0.0\r\n'));
  assert.deepEqual(client.messages[0], { Response: 'Success', ActionID: 'login-1', Message: 'Authentication accepted' });
  client.close();
}));

test('refuses a bad secret with Authentication failed and closes the connection', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  client.send(['Action: Login', 'Username: admin', 'Secret: wrong', 'ActionID: a']);
  await client.until(() => client.closed);
  assert.deepEqual(client.messages, [{ Response: 'Error', ActionID: 'a', Message: 'Authentication failed' }]);
}));

test('refuseLogins() refuses even the right secret', () => withServer(async (server) => {
  server.refuseLogins();
  const client = new RawClient(server.port);
  client.send(['Action: Login', 'Username: admin', 'Secret: admin', 'ActionID: a']);
  await client.until(() => client.closed);
  assert.equal(field(client.messages[0], 'Message'), 'Authentication failed');
}));

test('answers Ping with Pong and a timestamp, echoing the ActionID', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  client.send(['Action: Ping', 'ActionID: p1']);
  await client.until(() => client.messages.some((m) => m.ActionID === 'p1'));
  const pong = client.messages.find((m) => m.ActionID === 'p1')!;
  assert.equal(pong.Response, 'Success');
  assert.equal(pong.Ping, 'Pong');
  assert.match(field(pong, 'Timestamp'), /^\d{10}\.\d{6}$/);
  client.close();
}));

test('actions before login are refused with Permission denied; Logoff says Goodbye and closes', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  client.send(['Action: Ping', 'ActionID: early']);
  await client.until(() => client.messages.length > 0);
  assert.equal(field(client.messages[0], 'Message'), 'Permission denied');
  await client.login();
  client.send(['Action: Logoff', 'ActionID: bye']);
  await client.until(() => client.closed);
  assert.equal(client.messages.find((m) => m.ActionID === 'bye')?.Response, 'Goodbye');
}));

test('Command answers with one Output line per line of output', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  client.send(['Action: Command', 'Command: core show uptime', 'ActionID: c']);
  await client.until(() => client.messages.some((m) => m.ActionID === 'c'));
  assert.deepEqual(client.messages.find((m) => m.ActionID === 'c')!.Output, ['System uptime: 1 minute, 6 seconds', 'Last reload: 1 minute, 6 seconds']);
  client.close();
}));

test('CoreShowChannels answers with an event list from the channel table', () => withServer(async (server) => {
  server.channels = [{ Channel: 'PJSIP/101-00000000', Uniqueid: '1.0', Linkedid: '1.0' }, { Channel: 'PJSIP/102-00000001', Uniqueid: '1.1', Linkedid: '1.0' }];
  const client = new RawClient(server.port);
  await client.login('off');
  client.send(['Action: CoreShowChannels', 'ActionID: l']);
  await client.until(() => client.messages.some((m) => m.Event === 'CoreShowChannelsComplete'));
  const list = client.messages.filter((m) => m.ActionID === 'l');
  assert.deepEqual(list.map((m) => m.Event ?? m.EventList), ['start', 'CoreShowChannel', 'CoreShowChannel', 'CoreShowChannelsComplete']);
  assert.equal(list[2].Uniqueid, '1.1');
  assert.equal(list[3].ListItems, '2');
  assert.equal(list[3].EventList, 'Complete');
  client.close();
}));

test('an event reaches a session only if its Events mask covers the event class', () => withServer(async (server) => {
  const callsOnly = new RawClient(server.port);
  const everything = new RawClient(server.port);
  await callsOnly.login('call');
  await everything.login();
  server.broadcast({ Event: 'SuccessfulAuth', Privilege: 'security,all' });
  server.broadcast({ Event: 'Newchannel', Privilege: 'call,all' });
  await everything.until(() => everything.messages.some((m) => m.Event === 'Newchannel'));
  await callsOnly.until(() => callsOnly.messages.some((m) => m.Event === 'Newchannel'));
  assert.deepEqual(callsOnly.messages.filter((m) => m.Event).map((m) => m.Event), ['Newchannel']);
  assert.deepEqual(everything.messages.filter((m) => m.Event).map((m) => m.Event), ['FullyBooted', 'SuccessfulAuth', 'Newchannel']);
  callsOnly.close();
  everything.close();
}));

test('the Events action changes the mask and answers Events: On / Off', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  client.send(['Action: Events', 'EventMask: off', 'ActionID: e1']);
  await client.until(() => client.messages.some((m) => m.ActionID === 'e1'));
  server.broadcast({ Event: 'Newchannel', Privilege: 'call,all' });
  client.send(['Action: Events', 'EventMask: call,dialplan', 'ActionID: e2']);
  await client.until(() => client.messages.some((m) => m.ActionID === 'e2'));
  server.broadcast({ Event: 'Hangup', Privilege: 'call,all' });
  await client.until(() => client.messages.some((m) => m.Event === 'Hangup'));
  assert.equal(client.messages.find((m) => m.ActionID === 'e1')!.Events, 'Off');
  assert.equal(client.messages.find((m) => m.ActionID === 'e2')!.Events, 'On');
  assert.ok(!client.messages.some((m) => m.Event === 'Newchannel'));
  client.close();
}));

test('unknown actions get Invalid/unknown command; onAction handlers answer their own', () => withServer(async (server) => {
  server.onAction('Originate', (action, session) => {
    session.success(action, { Message: 'Originate successfully queued' });
    session.emit({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: field(action, 'ActionID'), Response: 'Success', Reason: '4' });
  });
  const client = new RawClient(server.port);
  await client.login();
  client.send(['Action: Frobnicate', 'ActionID: f']);
  client.send(['Action: Originate', 'Channel: PJSIP/101', 'ActionID: o']);
  await client.until(() => client.messages.some((m) => m.Event === 'OriginateResponse'));
  assert.equal(client.messages.find((m) => m.ActionID === 'f')!.Message, 'Invalid/unknown command');
  assert.equal(client.messages.find((m) => m.ActionID === 'o' && !m.Event)!.Message, 'Originate successfully queued');
  assert.equal(server.actionsNamed('originate')[0].Channel, 'PJSIP/101');
  client.close();
}));

test('replay sends a recording\'s events, not the recorder\'s own responses, filtered by mask', () => withServer(async (server) => {
  const file = path.join(FIXTURES, 'internal_answered.ami');
  const events = loadTranscript(file);
  assert.ok(events.every((event) => event.text.startsWith('Event: ')));
  const client = new RawClient(server.port);
  await client.login('call,dialplan');
  const sent = await server.replay(file);
  const expected = events.filter((event) => event.classes.every((c) => c === 'call' || c === 'dialplan')).length;
  assert.equal(sent, expected);
  await client.until(() => client.messages.filter((m) => m.Event).length === expected);
  assert.ok(!client.messages.some((m) => m.Response === 'Goodbye'));
  assert.ok(!client.messages.some((m) => m.Event === 'SuccessfulAuth'));
  client.close();
}));

for (const write of ['whole', 'per-message', { chunkSize: 65536 }, { chunkSize: 1 }, { splitAt: [3, 500, 501] }] as const) {
  test(`replay delivers the same bytes whatever the write mode (${JSON.stringify(write)})`, () => withServer(async (server) => {
    // Byte-by-byte writes take one event-loop turn per byte: use a short recording for those.
    const bytewise = typeof write === 'object' && 'chunkSize' in write && write.chunkSize === 1;
    const file = path.join(FIXTURES, bytewise ? 'originate_click2dial_noanswer.ami' : 'attended_transfer.ami');
    const client = new RawClient(server.port);
    await client.login();
    const before = client.text.length;
    await server.replay(file, { write });
    const expected = loadTranscript(file).map((event) => `${event.text}\r\n\r\n`).join('');
    await client.until(() => client.text.length - before >= expected.length, 5000);
    assert.equal(client.text.slice(before), expected);
    client.close();
  }));
}

test('terminator \\r\\n\\n ends messages as asterisk#761 does', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  server.terminator = '\r\n\n';
  server.broadcast({ Event: 'CoreShowChannelMap', Privilege: 'call,all', Channel: 'A' });
  await client.until(() => client.text.includes('Channel: A\r\n\n'));
  client.close();
}));

test('goSilent keeps the socket open but answers nothing, not even Ping', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  await client.login();
  server.goSilent();
  const length = client.text.length;
  client.send(['Action: Ping', 'ActionID: p']);
  await server.waitForAction('Ping');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(client.text.length, length);
  assert.equal(client.closed, false);
  server.goSilent(false);
  client.send(['Action: Ping', 'ActionID: p2']);
  await client.until(() => client.messages.some((m) => m.ActionID === 'p2'));
  client.close();
}));

test('records every byte clients send, per connection', () => withServer(async (server) => {
  const client = new RawClient(server.port);
  const [session] = await Promise.all([server.waitFor('connection'), client.login()]);
  const id = (session[0] as { id: number }).id;
  assert.equal(server.receivedText(id), 'Action: Login\r\nUsername: admin\r\nSecret: admin\r\nActionID: login-1\r\n\r\n');
  client.close();
}));

test('stopListening drops clients and refuses connections; startListening reopens the same port', () => withServer(async (server) => {
  const port = server.port;
  const client = new RawClient(port);
  await client.login();
  await server.stopListening();
  await client.until(() => client.closed);
  const refused = new RawClient(port);
  const error = await new Promise<Error>((resolve) => refused.socket.once('error', resolve));
  assert.equal((error as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  await server.startListening();
  assert.equal(server.port, port);
  const again = new RawClient(port);
  await again.login();
  again.close();
}));

test('dropConnections closes every client at once', () => withServer(async (server) => {
  const a = new RawClient(server.port);
  const b = new RawClient(server.port);
  await a.login();
  await b.login();
  server.dropConnections();
  await a.until(() => a.closed);
  await b.until(() => b.closed);
  assert.ok(server.listening);
}));
