/**
 * A real TCP AMI server on 127.0.0.1 that answers as Asterisk 22 does (AMI 11.0.0), for the
 * tests, the `npm start` demo and the benchmarks. It can replay live recordings and misbehave
 * on demand.
 *
 * API in brief:
 *   const server = await AmiServer.start({ users: { admin: { secret: 'admin' } } });
 *   server.port                              the port it listens on (127.0.0.1)
 *   server.onAction('Originate', (action, session) => { session.success(action, {...}); });
 *   server.broadcast({ Event: 'Hangup', Privilege: 'call,all', ... })   to every logged-in session
 *   server.sendRaw('Event: X\r\n\r\n')        bytes as given, to every connected socket
 *   await server.replay('test/fixtures/ami/live/internal_answered.ami', { write: 'per-message' })
 *   server.on('login', (session) => server.replay(file, { session }))   replay to each new login
 *   server.channels                          the table CoreShowChannels answers from
 *   server.terminator = '\r\n\n'             end messages like asterisk#761 does
 *   server.dropConnections() / server.goSilent() / server.refuseLogins()
 *   await server.stopListening() / await server.startListening()   (same port)
 *   server.received / server.actions         every byte and every action clients sent
 *   await server.waitFor('login')            'connection' | 'login' | 'action' | 'disconnect'
 *   await server.close()
 *
 * Built-in actions: Login, Logoff, Ping, Events, Command, CoreShowChannels, CoreSettings.
 * Anything else is answered by a handler given to `onAction`, or with Asterisk's
 * `Invalid/unknown command` error.
 */
import { EventEmitter, once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { field, parseAmiMessage, serializeAmiMessage, type AmiMessage } from '../nodes/lib/ami/message';

export interface AmiServerUser {
  secret: string;
  /** The user's `read=` classes in manager.conf (default `all`). */
  read?: string;
}

export interface AmiServerOptions {
  /** Default: `{ admin: { secret: 'admin' } }`. */
  users?: Record<string, AmiServerUser>;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `Asterisk Call Manager/11.0.0` (Asterisk 22). */
  banner?: string;
  /** Asterisk waits a second before refusing a login; default 0 here to keep tests fast. */
  authFailDelayMs?: number;
  /** Send FullyBooted right after a successful login, in the same write (default true). */
  fullyBooted?: boolean;
  /** Output lines of `Command` actions, by command line. */
  commands?: Record<string, string[]>;
}

/**
 * How bytes go onto the socket: all in one write, one message per write, fixed-size pieces
 * (`chunkSize: 1` splits at every byte, 65536 gives 64 KB reads), or cut at given offsets.
 */
export type WriteMode = 'whole' | 'per-message' | { chunkSize: number } | { splitAt: readonly number[] };

export interface ReplayOptions {
  /** Default `per-message`. */
  write?: WriteMode;
  /** Only to this session (default: every logged-in session). */
  session?: AmiSession;
}

/** One event of a recorded transcript, with its bytes as recorded. */
export interface TranscriptEvent {
  name: string;
  /** The message's lines without the blank line that ends it. */
  text: string;
  /** The classes of its `Privilege:` header (`call`, `dialplan`, …); empty when it has none. */
  classes: string[];
}

export type ActionHandler = (action: AmiMessage, session: AmiSession, server: AmiServer) => void | Promise<void>;

export interface ReceivedAction {
  session: number;
  action: AmiMessage;
}

const EVENT_CLASSES = [
  'system', 'call', 'log', 'verbose', 'command', 'agent', 'user', 'config', 'dtmf', 'reporting',
  'cdr', 'dialplan', 'originate', 'agi', 'cc', 'aoc', 'test', 'security', 'message',
];
const TRUE_WORDS = new Set(['on', 'yes', 'true', 'y', 't', '1']);
const FALSE_WORDS = new Set(['off', 'no', 'false', 'n', 'f', '0']);

/** A set of event classes; `null` means all of them. */
type ClassMask = Set<string> | null;

/** manager.c strings_to_mask(): on/off words, or a comma list of class names (`all` = every class). */
function parseClassMask(text: string): ClassMask {
  const value = text.trim().toLowerCase();
  if (value === '' || TRUE_WORDS.has(value)) return null;
  if (FALSE_WORDS.has(value)) return new Set();
  const names = value.split(',').map((name) => name.trim());
  if (names.includes('all')) return null;
  return new Set(names.filter((name) => EVENT_CLASSES.includes(name)));
}

function maskAllows(mask: ClassMask, classes: string[]): boolean {
  if (mask === null) return true;
  for (const name of classes) if (!mask.has(name)) return false;
  return true;
}

/** The classes of a `Privilege: call,all` header (`all` is printed on every event; it is no class). */
function privilegeClasses(privilege: string): string[] {
  if (!privilege) return [];
  return privilege.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name && name !== 'all');
}

/** Splits bytes into the pieces a write mode asks for. */
function piecesFor(data: Buffer, messages: Buffer[], mode: WriteMode): Buffer[] {
  if (mode === 'whole') return [data];
  if (mode === 'per-message') return messages;
  const pieces: Buffer[] = [];
  if ('chunkSize' in mode) {
    const size = Math.max(1, Math.floor(mode.chunkSize));
    for (let offset = 0; offset < data.length; offset += size) pieces.push(data.subarray(offset, offset + size));
    return pieces;
  }
  let start = 0;
  for (const cut of [...mode.splitAt].sort((a, b) => a - b)) {
    if (cut <= start || cut >= data.length) continue;
    pieces.push(data.subarray(start, cut));
    start = cut;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads a recorded `.ami` transcript: its events, without the banner and the recorder's own responses. */
export function loadTranscript(pathOrText: string): TranscriptEvent[] {
  const text = pathOrText.includes('\n') ? pathOrText : fs.readFileSync(pathOrText, 'utf8');
  const events: TranscriptEvent[] = [];
  for (const part of text.split(/\r?\n\r?\n/)) {
    let body = part.replace(/^(\r?\n)+/, '');
    if (body.startsWith('Asterisk Call Manager/')) body = body.slice(body.indexOf('\n') + 1);
    if (!body.startsWith('Event:')) continue;
    const message = parseAmiMessage(body);
    events.push({ name: field(message, 'Event'), text: body.replace(/\r?\n$/, ''), classes: privilegeClasses(field(message, 'Privilege')) });
  }
  return events;
}

/** One client connection, as an action handler sees it. */
export class AmiSession {
  readonly id: number;
  /** The user it logged in as ('' before login). */
  username = '';
  loggedIn = false;
  /** The classes this session asked for (Login `Events:` / the `Events` action); null = all. */
  eventMask: ClassMask = null;
  /** Every action this session sent, in order. */
  readonly actions: AmiMessage[] = [];
  private readMask: ClassMask = null;
  private pending = '';
  private closed = false;

  constructor(readonly server: AmiServer, readonly socket: net.Socket, id: number) {
    this.id = id;
  }

  /** Sends a message as is (no event-mask filter). Nothing is sent while the server is silent. */
  send(message: AmiMessage | string): void {
    const text = typeof message === 'string' ? message : this.server.frame(serializeAmiMessage(message));
    this.write(text);
  }

  /** Sends an event if this session's Events mask and read permission allow its Privilege class. */
  emit(event: AmiMessage): void {
    if (this.wants(privilegeClasses(field(event, 'Privilege')))) this.send(event);
  }

  /** Whether an event of these classes reaches this session (as manager.c process_events decides). */
  wants(classes: string[]): boolean {
    return this.loggedIn && maskAllows(this.readMask, classes) && maskAllows(this.eventMask, classes);
  }

  /** `Response: <response>` with the action's ActionID echoed, then `fields`. */
  respond(action: AmiMessage, response: string, fields: AmiMessage = {}): void {
    const message: AmiMessage = { Response: response };
    const actionId = field(action, 'ActionID');
    if (actionId) message.ActionID = actionId;
    this.send(Object.assign(message, fields));
  }

  success(action: AmiMessage, fields: AmiMessage = {}): void {
    this.respond(action, 'Success', fields);
  }

  error(action: AmiMessage, message: string): void {
    this.respond(action, 'Error', { Message: message });
  }

  /**
   * An event list as Asterisk sends one: the `EventList: start` response, one event per item
   * (`Event: <itemEvent>` and the ActionID first), then `<completeEvent>` with `ListItems`.
   */
  sendList(action: AmiMessage, itemEvent: string, items: AmiMessage[], completeEvent: string, message = 'Events will follow'): void {
    const actionId = field(action, 'ActionID');
    const withId = (head: AmiMessage, rest: AmiMessage): AmiMessage => Object.assign(head, actionId ? { ActionID: actionId } : {}, rest);
    let text = this.server.frame(serializeAmiMessage(withId({ Response: 'Success' }, { EventList: 'start', Message: message })));
    for (const item of items) {
      const rest = { ...item };
      delete rest.Event;
      delete rest.ActionID;
      text += this.server.frame(serializeAmiMessage(withId({ Event: itemEvent }, rest)));
    }
    text += this.server.frame(serializeAmiMessage(withId({ Event: completeEvent }, { EventList: 'Complete', ListItems: String(items.length) })));
    this.write(text);
  }

  /** Closes this connection as Asterisk does after Logoff or a refused login. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  /** Writes bytes now; a no-op while the server is silent or after close. */
  write(data: string | Buffer): void {
    if (this.server.silent || this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(data);
  }

  /** @internal the server feeds received bytes here. */
  receive(chunk: Buffer): void {
    this.pending += chunk.toString('utf8');
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.pending);
      if (!match) break;
      const text = this.pending.slice(0, match.index);
      this.pending = this.pending.slice(match.index + match[0].length);
      if (text.trim() === '') continue;
      this.server.handle(this, parseAmiMessage(text));
    }
  }

  /** @internal */
  setReadMask(read: string): void {
    this.readMask = parseClassMask(read);
  }
}

export class AmiServer extends EventEmitter {
  /** Every byte clients sent, per connection, in order (`received.get(sessionId)`). */
  readonly received = new Map<number, Buffer[]>();
  /** Every action clients sent (all sessions), in order. */
  readonly actions: ReceivedAction[] = [];
  /** What CoreShowChannels answers: one entry per channel (the `CoreShowChannel` fields). */
  channels: AmiMessage[] = [];
  /** How every message the server frames ends: `\r\n\r\n`, or `\r\n\n` as asterisk#761. */
  terminator: '\r\n\r\n' | '\r\n\n' = '\r\n\r\n';
  /** While true, nothing at all is written (Ping included); sockets stay open. */
  silent = false;
  /** While true, every Login is refused with `Authentication failed`. */
  loginsRefused = false;

  readonly users: Record<string, AmiServerUser>;
  readonly banner: string;
  readonly commands: Record<string, string[]>;
  private readonly authFailDelayMs: number;
  private readonly fullyBooted: boolean;
  private readonly handlers = new Map<string, ActionHandler>();
  private readonly sessions = new Set<AmiSession>();
  private readonly startedAt = Date.now();
  private listener: net.Server | null = null;
  private nextSessionId = 1;
  private boundPort: number;

  constructor(options: AmiServerOptions = {}) {
    super();
    this.users = options.users ?? { admin: { secret: 'admin' } };
    this.banner = options.banner ?? 'Asterisk Call Manager/11.0.0';
    this.authFailDelayMs = options.authFailDelayMs ?? 0;
    this.fullyBooted = options.fullyBooted ?? true;
    this.boundPort = options.port ?? 0;
    this.commands = {
      'core show version': ['Asterisk 22.10.1 built by simulator on a x86_64 running Linux'],
      'core show uptime': ['System uptime: 1 minute, 6 seconds', 'Last reload: 1 minute, 6 seconds'],
      ...options.commands,
    };
  }

  /** Creates a server and starts listening on 127.0.0.1. */
  static async start(options: AmiServerOptions = {}): Promise<AmiServer> {
    const server = new AmiServer(options);
    await server.startListening();
    return server;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  /** Open client sockets (logged in or not). */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Sessions that are logged in. */
  get loggedInSessions(): AmiSession[] {
    return [...this.sessions].filter((session) => session.loggedIn);
  }

  /** All bytes a session (or every session) sent, as text. */
  receivedText(sessionId?: number): string {
    const chunks = sessionId === undefined ? [...this.received.values()].flat() : (this.received.get(sessionId) ?? []);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Total bytes received from clients. */
  get bytesReceived(): number {
    let total = 0;
    for (const chunks of this.received.values()) for (const chunk of chunks) total += chunk.length;
    return total;
  }

  /** Actions of one name (case-insensitive), e.g. `actionsNamed('Originate')`. */
  actionsNamed(name: string): AmiMessage[] {
    const wanted = name.toLowerCase();
    return this.actions.filter((entry) => field(entry.action, 'Action').toLowerCase() === wanted).map((entry) => entry.action);
  }

  /** Handles an action by name (case-insensitive); replaces a built-in one of the same name. */
  onAction(name: string, handler: ActionHandler): this {
    this.handlers.set(name.toLowerCase(), handler);
    return this;
  }

  /** Resolves on the next emitted `connection` | `login` | `action` | `disconnect` (with its arguments). */
  async waitFor(event: 'connection' | 'login' | 'action' | 'disconnect', timeoutMs = 5000): Promise<unknown[]> {
    return once(this, event, { signal: AbortSignal.timeout(timeoutMs) });
  }

  /** Resolves with the next action of this name a client sends. */
  waitForAction(name: string, timeoutMs = 5000): Promise<AmiMessage> {
    const wanted = name.toLowerCase();
    return new Promise((resolve, reject) => {
      const onAction = (action: AmiMessage): void => {
        if (field(action, 'Action').toLowerCase() !== wanted) return;
        clearTimeout(timer);
        this.off('action', onAction);
        resolve(action);
      };
      const timer = setTimeout(() => {
        this.off('action', onAction);
        reject(new Error(`no ${name} action within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('action', onAction);
    });
  }

  /** An event to every logged-in session whose mask allows its `Privilege:` class. */
  broadcast(event: AmiMessage): void {
    for (const session of this.sessions) session.emit(event);
  }

  /** Bytes exactly as given, to every connected socket (logged in or not). */
  sendRaw(text: string | Buffer): void {
    for (const session of this.sessions) session.write(text);
  }

  /** Ends a serialised message with the current terminator. */
  frame(serialized: string): string {
    return this.terminator === '\r\n\r\n' ? serialized : `${serialized.slice(0, -2)}\n`;
  }

  /**
   * Replays a recorded transcript's events (a path, the file's text, or loaded events) to the
   * logged-in sessions, each filtered by that session's event mask, written as `write` says.
   */
  async replay(transcript: string | TranscriptEvent[], options: ReplayOptions = {}): Promise<number> {
    const events = typeof transcript === 'string' ? loadTranscript(transcript) : transcript;
    const targets = options.session ? [options.session] : this.loggedInSessions;
    let sent = 0;
    await Promise.all(targets.map(async (session) => {
      const messages = events.filter((event) => session.wants(event.classes)).map((event) => Buffer.from(`${event.text}\r\n${this.terminator.slice(2)}`, 'utf8'));
      sent += messages.length;
      await this.writePieces(session, messages, options.write ?? 'per-message');
    }));
    return sent;
  }

  /** Writes messages to one session in the pieces a write mode asks for, one piece per event-loop turn. */
  async writePieces(session: AmiSession, messages: Buffer[], mode: WriteMode): Promise<void> {
    const pieces = piecesFor(Buffer.concat(messages), messages, mode);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) await nextTick();
      session.write(pieces[i]);
    }
  }

  /** Closes every client connection at once (an Asterisk restart or a network cut). */
  dropConnections(): void {
    for (const session of this.sessions) session.socket.destroy();
  }

  /** Stops answering (responses, events, Ping) while keeping sockets open; `goSilent(false)` resumes. */
  goSilent(silent = true): void {
    this.silent = silent;
  }

  /** Refuses every Login from now on; `refuseLogins(false)` accepts them again. */
  refuseLogins(refuse = true): void {
    this.loginsRefused = refuse;
  }

  /** Stops listening and drops every connection; `startListening()` reopens the same port. */
  async stopListening(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = null;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  /** Listens on 127.0.0.1 (the port it had before, if it had one). */
  async startListening(): Promise<void> {
    if (this.listener) return;
    const listener = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.boundPort, '127.0.0.1', () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (listener.address() as net.AddressInfo).port;
    this.listener = listener;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    await this.stopListening();
    this.removeAllListeners();
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const session = new AmiSession(this, socket, this.nextSessionId++);
    const chunks: Buffer[] = [];
    this.received.set(session.id, chunks);
    this.sessions.add(session);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      session.receive(chunk);
    });
    socket.on('error', () => undefined); // a client reset is normal here; 'close' follows
    socket.on('close', () => {
      this.sessions.delete(session);
      this.emit('disconnect', session);
    });
    session.write(`${this.banner}\r\n`);
    this.emit('connection', session);
  }

  /** @internal dispatches one action a client sent. */
  handle(session: AmiSession, action: AmiMessage): void {
    session.actions.push(action);
    this.actions.push({ session: session.id, action });
    this.emit('action', action, session);
    const name = field(action, 'Action').toLowerCase();
    if (!name) return session.error(action, 'Missing action in request');
    if (name === 'login') return void this.login(session, action);
    if (name === 'logoff') {
      session.respond(action, 'Goodbye', { Message: 'Thanks for all the fish.' });
      return session.close();
    }
    if (!session.loggedIn) return session.error(action, 'Permission denied');
    const handler = this.handlers.get(name) ?? this.builtIn(name);
    if (!handler) return session.error(action, 'Invalid/unknown command');
    Promise.resolve()
      .then(() => handler(action, session, this))
      .catch((err: unknown) => session.error(action, `Simulator handler failed: ${(err as Error).message}`));
  }

  private async login(session: AmiSession, action: AmiMessage): Promise<void> {
    const username = field(action, 'Username');
    const user = Object.prototype.hasOwnProperty.call(this.users, username) ? this.users[username] : undefined;
    if (this.loginsRefused || !user || user.secret !== field(action, 'Secret')) {
      if (this.authFailDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.authFailDelayMs));
      session.error(action, 'Authentication failed');
      return session.close();
    }
    session.username = username;
    session.loggedIn = true;
    session.setReadMask(user.read ?? 'all');
    const events = field(action, 'Events');
    if (events) session.eventMask = parseClassMask(events);
    // Asterisk follows the login response with FullyBooted (if the session takes `system`);
    // written together, they arrive in one TCP read.
    let text = this.frame(serializeAmiMessage({ Response: 'Success', ...(field(action, 'ActionID') ? { ActionID: field(action, 'ActionID') } : {}), Message: 'Authentication accepted' }));
    if (this.fullyBooted && session.wants(['system'])) {
      const uptime = String(Math.floor((Date.now() - this.startedAt) / 1000));
      text += this.frame(serializeAmiMessage({ Event: 'FullyBooted', Privilege: 'system,all', Uptime: uptime, LastReload: uptime, Status: 'Fully Booted' }));
    }
    session.write(text);
    this.emit('login', session);
  }

  private builtIn(name: string): ActionHandler | undefined {
    switch (name) {
      case 'ping':
        return (action, session) => {
          const now = Date.now();
          session.success(action, { Ping: 'Pong', Timestamp: `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}` });
        };
      case 'events':
        return (action, session) => {
          session.eventMask = parseClassMask(field(action, 'EventMask'));
          session.success(action, { Events: session.eventMask !== null && session.eventMask.size === 0 ? 'Off' : 'On' });
        };
      case 'command':
        return (action, session) => {
          const command = field(action, 'Command').trim();
          const output = this.commands[command];
          if (output) session.success(action, { Message: 'Command output follows', Output: output });
          else session.respond(action, 'Error', { Message: 'Command output follows', Output: `No such command '${command}' (type 'core show help ${command}' for other possible commands)` });
        };
      case 'coreshowchannels':
        return (action, session) => session.sendList(action, 'CoreShowChannel', this.channels, 'CoreShowChannelsComplete', 'Channels will follow');
      case 'coresettings':
        return (action, session) => session.success(action, {
          AMIversion: this.banner.replace(/^.*\//, ''),
          AsteriskVersion: '22.10.1',
          SystemName: '',
          CoreMaxCalls: '0',
          CoreMaxLoadAvg: '0.000000',
          CoreRunUser: 'asterisk',
          CoreRunGroup: 'asterisk',
          CoreMaxFilehandles: '0',
          CoreRealTimeEnabled: 'No',
          CoreCDRenabled: 'Yes',
          CoreHTTPenabled: 'No',
          SoundsSearchCustomDir: 'No',
        });
      default:
        return undefined;
    }
  }
}
