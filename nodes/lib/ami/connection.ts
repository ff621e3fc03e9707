import { randomBytes } from 'node:crypto';
import { AmiActionError, type ActionListResult, type ActionOptions, type AmiConnectionApi, type AmiState, type AmiStatus, type EventListenerOptions } from './connection-api';
import { field, parseAmiMessage, serializeAmiMessage, splitAmiMessages, type AmiMessage } from './message';
import { assertSafeAction, UnsafeAmiValueError } from './sanitize';
import { AmiAuthError, AmiClientTransport, type AmiFraming, type AmiTransport, type AmiTransportFactory } from './transport';

/**
 * The event classes asked for after every login (Events action). `dialplan` stays: VarSet
 * carries MIXMONITOR_FILENAME and the transfer variables. Left out: `security` (a
 * SuccessfulAuth per SIP registration), `reporting` (RTCP), `dtmf`, `verbose`, `log`.
 */
export const DEFAULT_EVENT_MASK = 'system,call,agent,dialplan,user,cdr';

/**
 * Events no package consumer needs, dropped before they are even parsed (only a `raw`
 * listener sees them). Asterisk sends them anyway when the AMI user's filters or an old
 * `Events` action implementation let them through.
 */
export const NOISE_EVENTS: ReadonlySet<string> = new Set([
  'Newexten', 'RTCPSent', 'RTCPReceived',
  // security class (main/security_events.c)
  'SuccessfulAuth', 'ChallengeSent', 'FailedACL', 'InvalidAccountID', 'SessionLimit', 'MemoryLimit',
  'LoadAverageLimit', 'RequestNotSupported', 'RequestNotAllowed', 'AuthMethodNotAllowed', 'RequestBadFormat',
  'UnexpectedAddress', 'ChallengeResponseFailed', 'InvalidPassword', 'InvalidTransport',
]);

export interface AmiConnectionOptions {
  host: string;
  /** Default 5038. */
  port?: number;
  username: string;
  secret: string;
  /** Classes for the Events action after login (default DEFAULT_EVENT_MASK). */
  eventMask?: string;
  /** Default timeout of an action (10 000 ms). */
  actionTimeoutMs?: number;
  /** TCP connect + login (10 000 ms). */
  connectTimeoutMs?: number;
  /** A Ping this often while connected (15 000 ms)… */
  pingIntervalMs?: number;
  /** …and the link counts as dead when its Pong takes longer than this (5 000 ms). */
  pongTimeoutMs?: number;
  /** TCP keepalive idle time (10 000 ms); 0 turns it off. */
  tcpKeepAliveMs?: number;
  /** First reconnect delay (1 000 ms), doubled per failed attempt… */
  reconnectMinMs?: number;
  /** …up to this (30 000 ms). Each delay is jittered between half and all of it. */
  reconnectMaxMs?: number;
  /** Delay before trying again after a refused login (60 000 ms, jittered the same way). */
  authRetryMs?: number;
  /** Where state changes are logged (only changes: never one line per retry). */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** A different transport (default: asterisk-ami-client). */
  transport?: AmiTransportFactory;
}

/** An action that cannot be sent because the connection is not up. */
export class AmiNotConnectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmiNotConnectedError';
  }
}

/** No answer in time. */
export class AmiTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmiTimeoutError';
  }
}

interface Pending {
  name: string;
  resolve(value: AmiMessage | ActionListResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  /** Collect an event list. */
  list: boolean;
  /** Wait for this event after the response (OriginateResponse). */
  completeEvent: string;
  response: AmiMessage | null;
  events: AmiMessage[];
  complete: AmiMessage | null;
}

type EventListener = (event: AmiMessage) => void;

const EVENT_PREFIX = 'Event: ';

/** The reconnect timings unless the options say otherwise (README and docs/ami-connection.md quote them). */
export const RECONNECT_MIN_MS = 1_000;
export const RECONNECT_MAX_MS = 30_000;
export const AUTH_RETRY_MS = 60_000;

/**
 * The wait before a reconnect: the step doubles per failed attempt (`attempt` 0 is the first
 * retry since the last login), capped at `maxMs`, then jittered by `random` (0 ≤ random < 1).
 */
export function reconnectDelayMs(attempt: number, random: number, minMs = RECONNECT_MIN_MS, maxMs = RECONNECT_MAX_MS): number {
  return jittered(Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30)), random);
}

/** The wait after a refused login: slow, so a wrong secret does not hammer the PBX (30–60 s). */
export function authRetryDelayMs(random: number, retryMs = AUTH_RETRY_MS): number {
  return jittered(retryMs, random);
}

/** "Equal jitter": between half and all of the step, so many clients do not retry in lockstep. */
function jittered(stepMs: number, random: number): number {
  return stepMs / 2 + random * (stepMs / 2);
}

/**
 * One PBX's AMI connection, shared by every node that uses the PBX. It owns ActionIDs and
 * the answers to them, collects event lists, keeps itself alive (Ping with a deadline, TCP
 * keepalive, reconnect forever with backoff) and tells its users when to resync.
 */
export class AmiConnection implements AmiConnectionApi {
  private currentStatus: AmiStatus = { state: 'idle' };
  private version = '';
  private transport: AmiTransport | null = null;
  /** Bumped per attempt, so callbacks of an old link are ignored. */
  private generation = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomBytes(4).toString('hex');
  private counter = 0;
  private eventListeners: EventListener[] = [];
  private rawListeners: EventListener[] = [];
  private statusListeners: Array<(status: AmiStatus) => void> = [];
  private connectedListeners: Array<() => void> = [];
  private readonly options: Required<Omit<AmiConnectionOptions, 'log' | 'transport'>>;
  private readonly log: (level: 'info' | 'warn', message: string) => void;
  private readonly makeTransport: AmiTransportFactory;
  /** What was last logged, so a retry loop logs once, not once per attempt. */
  private lastLogged = '';
  /** When bytes last came in: a Pong queued behind a burst is late, but such a link is alive. */
  private lastDataMs = 0;
  /** The library-framing fallback is logged once per connection, not at every reconnect. */
  private framingWarned = false;
  /** Events seen and events dropped as noise (for benchmarks and diagnostics). */
  readonly stats = { events: 0, dropped: 0 };

  constructor(options: AmiConnectionOptions) {
    this.options = {
      host: options.host,
      port: options.port ?? 5038,
      username: options.username,
      secret: options.secret,
      eventMask: options.eventMask ?? DEFAULT_EVENT_MASK,
      actionTimeoutMs: options.actionTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 5_000,
      tcpKeepAliveMs: options.tcpKeepAliveMs ?? 10_000,
      reconnectMinMs: options.reconnectMinMs ?? RECONNECT_MIN_MS,
      reconnectMaxMs: options.reconnectMaxMs ?? RECONNECT_MAX_MS,
      authRetryMs: options.authRetryMs ?? AUTH_RETRY_MS,
    };
    this.log = options.log ?? (() => undefined);
    this.makeTransport = options.transport ?? (() => new AmiClientTransport());
  }

  get state(): AmiState {
    return this.currentStatus.state;
  }

  get status(): AmiStatus {
    return this.currentStatus;
  }

  get amiVersion(): string {
    return this.version;
  }

  /** Who frames the stream of the current link (`package` unless the library's internals changed); null when not logged in. */
  get framing(): AmiFraming | null {
    return this.transport?.framing ?? null;
  }

  /** `host:port`, for messages. */
  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Starts connecting (and keeps reconnecting until `close()`). */
  start(): void {
    if (this.state !== 'idle') return;
    this.attempt();
  }

  /** Closes the link for good: rejects what is pending, leaves no timer and no socket. */
  close(): void {
    if (this.state === 'closed') return;
    this.generation++;
    this.clearTimers();
    this.transport?.close();
    this.transport = null;
    this.failPending(() => new AmiNotConnectedError('AMI connection closed'));
    this.setStatus({ state: 'closed' });
    this.eventListeners = [];
    this.rawListeners = [];
    this.statusListeners = [];
    this.connectedListeners = [];
  }

  action(action: AmiMessage, options: ActionOptions = {}): Promise<AmiMessage> {
    return this.send(action, options, false) as Promise<AmiMessage>;
  }

  actionList(action: AmiMessage, options: ActionOptions = {}): Promise<ActionListResult> {
    return this.send(action, options, true) as Promise<ActionListResult>;
  }

  onEvent(listener: (event: AmiMessage) => void, options: EventListenerOptions = {}): () => void {
    if (options.raw) {
      this.rawListeners = [...this.rawListeners, listener];
      return () => {
        this.rawListeners = this.rawListeners.filter((l) => l !== listener);
      };
    }
    this.eventListeners = [...this.eventListeners, listener];
    return () => {
      this.eventListeners = this.eventListeners.filter((l) => l !== listener);
    };
  }

  onStatus(listener: (status: AmiStatus) => void): () => void {
    this.statusListeners = [...this.statusListeners, listener];
    return () => {
      this.statusListeners = this.statusListeners.filter((l) => l !== listener);
    };
  }

  onConnected(listener: () => void): () => void {
    this.connectedListeners = [...this.connectedListeners, listener];
    return () => {
      this.connectedListeners = this.connectedListeners.filter((l) => l !== listener);
    };
  }

  // ---- sending ---------------------------------------------------------------------------

  private send(action: AmiMessage, options: ActionOptions, list: boolean, internal = false): Promise<AmiMessage | ActionListResult> {
    const name = field(action, 'Action');
    try {
      if (!name) throw new TypeError('an AMI action needs an Action header');
      assertSafeAction(action);
    } catch (err) {
      return Promise.reject(err);
    }
    const transport = this.transport;
    const ready = internal ? transport !== null : this.state === 'connected';
    if (!ready || !transport) {
      return Promise.reject(new AmiNotConnectedError(`AMI ${name} not sent: ${this.describeState()}`));
    }
    const actionId = `${this.idPrefix}-${++this.counter}`;
    const timeoutMs = options.timeoutMs ?? this.options.actionTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(actionId);
        reject(new AmiTimeoutError(`AMI ${name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(actionId, {
        name, resolve, reject, timer, list, completeEvent: options.completeEvent ?? '',
        response: null, events: [], complete: null,
      });
      // Our ActionID replaces any given one: answers are matched by it (ami-client.md #1).
      const message: AmiMessage = { Action: action.Action, ActionID: actionId };
      for (const key of Object.keys(action)) if (key !== 'Action' && key !== 'ActionID') message[key] = action[key];
      try {
        transport.write(serializeAmiMessage(message));
      } catch (err) {
        this.settle(actionId, new AmiNotConnectedError(`AMI ${name} not sent: ${(err as Error).message}`));
      }
    });
  }

  /** Resolves (value) or rejects (Error) a pending action and forgets it. */
  private settle(actionId: string, outcome: AmiMessage | ActionListResult | Error): void {
    const pending = this.pending.get(actionId);
    if (!pending) return;
    this.pending.delete(actionId);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  private failPending(error: (pending: Pending) => Error): void {
    for (const [actionId, pending] of [...this.pending]) this.settle(actionId, error(pending));
  }

  // ---- receiving (the hot path) ----------------------------------------------------------

  private receive(text: string): void {
    this.lastDataMs = Date.now();
    // A chunk holds whole messages: one (the library's framing), or all those of one read
    // (AmiFramer). One message ending with \r\n\r\n goes straight through.
    const firstEnd = text.indexOf('\r\n\r\n');
    if ((firstEnd === -1 || firstEnd === text.length - 4) && text.indexOf('\n\n') === -1) {
      this.receiveMessage(text);
      return;
    }
    for (const part of splitAmiMessages(text)) this.receiveMessage(part);
  }

  private receiveMessage(text: string): void {
    if (!text.startsWith(EVENT_PREFIX)) {
      this.receiveResponse(parseAmiMessage(text));
      return;
    }
    this.stats.events++;
    let lineEnd = text.indexOf('\r', EVENT_PREFIX.length);
    if (lineEnd === -1) lineEnd = text.indexOf('\n', EVENT_PREFIX.length);
    const name = text.slice(EVENT_PREFIX.length, lineEnd === -1 ? undefined : lineEnd).trim();
    const noise = NOISE_EVENTS.has(name);
    if (noise && this.rawListeners.length === 0) {
      this.stats.dropped++;
      return;
    }
    const event = parseAmiMessage(text);
    if (this.pending.size > 0 && event.ActionID !== undefined && this.receiveOwnEvent(name, event)) return;
    this.deliver(this.rawListeners, event);
    if (noise) this.stats.dropped++;
    else this.deliver(this.eventListeners, event);
  }

  private deliver(listeners: EventListener[], event: AmiMessage): void {
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](event);
      } catch (err) {
        this.log('warn', `AMI event listener failed on ${field(event, 'Event')}: ${(err as Error).message}`);
      }
    }
  }

  private receiveResponse(response: AmiMessage): void {
    const actionId = field(response, 'ActionID');
    const pending = this.pending.get(actionId);
    if (!pending) return; // an answer to an action that already timed out
    const outcome = field(response, 'Response');
    if (outcome !== 'Success' && outcome !== 'Goodbye') {
      this.settle(actionId, new AmiActionError(`AMI ${pending.name} failed: ${field(response, 'Message') || outcome || 'unknown error'}`, response));
      return;
    }
    pending.response = response;
    if (pending.list) {
      // A Success without `EventList: start` is a list with nothing in it.
      if (field(response, 'EventList').toLowerCase() !== 'start' || pending.complete) this.settleList(actionId, pending);
    } else if (!pending.completeEvent) {
      this.settle(actionId, response);
    } else if (pending.complete) {
      this.settleComplete(actionId, pending.complete);
    }
  }

  /** Events carrying one of our ActionIDs: list items (consumed) or the awaited completion. */
  private receiveOwnEvent(name: string, event: AmiMessage): boolean {
    const actionId = field(event, 'ActionID');
    const pending = this.pending.get(actionId);
    if (!pending) return false;
    if (pending.list) {
      if (field(event, 'EventList').toLowerCase() === 'complete') {
        pending.complete = event;
        if (pending.response) this.settleList(actionId, pending);
      } else {
        pending.events.push(event);
      }
      return true;
    }
    if (name === pending.completeEvent) {
      // Asterisk starts the originate thread before it acks, so the event may come first.
      if (pending.response) this.settleComplete(actionId, event);
      else pending.complete = event;
    }
    return false; // OriginateResponse goes to every session anyway: listeners see it too
  }

  private settleList(actionId: string, pending: Pending): void {
    const response = pending.response as AmiMessage;
    this.settle(actionId, { response, events: pending.events, complete: pending.complete ?? response });
  }

  private settleComplete(actionId: string, event: AmiMessage): void {
    const outcome = field(event, 'Response');
    if (outcome === '' || outcome === 'Success') this.settle(actionId, event);
    else this.settle(actionId, new AmiActionError(`AMI ${field(event, 'Event')}: ${outcome}${field(event, 'Reason') ? ` (Reason ${field(event, 'Reason')})` : ''}`, event));
  }

  // ---- the link's life -------------------------------------------------------------------

  private attempt(): void {
    this.retryTimer = null;
    const generation = ++this.generation;
    this.setStatus({ state: 'connecting' });
    const transport = this.makeTransport();
    this.transport = transport;
    const options = this.options;
    transport
      .open(
        { host: options.host, port: options.port, username: options.username, secret: options.secret, connectTimeoutMs: options.connectTimeoutMs, tcpKeepAliveMs: options.tcpKeepAliveMs },
        {
          onData: (text) => {
            if (generation === this.generation) this.receive(text);
          },
          onClose: (reason) => {
            if (generation === this.generation) this.lost(reason);
          },
        },
      )
      .then(() => (generation === this.generation ? this.loggedIn(generation) : undefined))
      .catch((err: Error) => {
        if (generation !== this.generation) return;
        this.transport?.close();
        this.transport = null;
        this.failPending(() => new AmiNotConnectedError(`AMI connection lost: ${err.message}`));
        if (err instanceof AmiAuthError || err instanceof UnsafeAmiValueError) {
          // A username or secret with a line break can never log in either: same slow retry.
          const reason = err instanceof AmiAuthError ? err.message : `credentials not usable: ${err.message}`;
          this.setStatus({ state: 'auth_failed', reason });
          this.logOnce('warn', `AMI login to ${this.address} as ${options.username} refused (${err.message}); retrying every minute or so`);
          this.scheduleRetry(authRetryDelayMs(Math.random(), options.authRetryMs));
        } else {
          this.setStatus({ state: 'disconnected', reason: err.message });
          this.logOnce('warn', `AMI ${this.address} unreachable (${err.message}); retrying`);
          this.scheduleRetry(this.backoff());
        }
      });
  }

  /** After the login: ask only for the classes we need, learn the version, then go live. */
  private async loggedIn(generation: number): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs;
    const [events, settings] = await Promise.allSettled([
      this.send({ Action: 'Events', EventMask: this.options.eventMask }, { timeoutMs }, false, true),
      this.send({ Action: 'CoreSettings' }, { timeoutMs }, false, true),
    ]);
    if (generation !== this.generation) return;
    if (events.status === 'rejected' && events.reason instanceof AmiTimeoutError) {
      this.lost('no answer to the Events action after login');
      return;
    }
    if (events.status === 'rejected') this.log('warn', `AMI Events action refused (${(events.reason as Error).message}); receiving the user's default classes`);
    // The banner's version is read by the library's login and not passed on; CoreSettings
    // has it too (needs write=system or reporting).
    this.version = settings.status === 'fulfilled' ? field(settings.value as AmiMessage, 'AMIversion') : '';
    this.failures = 0;
    this.setStatus({ state: 'connected' });
    this.logOnce('info', `AMI connected to ${this.address}${this.version ? ` (AMI ${this.version})` : ''}`);
    if (this.framing === 'library' && !this.framingWarned) {
      // Silent, the fallback would only show as a throughput ten times lower (ami-client.md #11).
      this.framingWarned = true;
      this.log('warn', 'AMI: asterisk-ami-client is not the 1.1.5 the package expects inside; its own, much slower framing is used for event floods');
    }
    this.schedulePing(generation);
    for (const listener of this.connectedListeners) {
      try {
        listener();
      } catch (err) {
        this.log('warn', `AMI connected listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** The link died under us: fail what waits, reconnect after a backoff. */
  private lost(reason: string): void {
    this.generation++;
    this.clearTimers();
    this.transport?.close();
    this.transport = null;
    this.failPending((pending) => new AmiNotConnectedError(`AMI connection lost while waiting for the answer to ${pending.name}: ${reason}`));
    this.setStatus({ state: 'disconnected', reason });
    this.logOnce('warn', `AMI connection to ${this.address} lost (${reason}); reconnecting`);
    this.scheduleRetry(this.backoff());
  }

  private schedulePing(generation: number): void {
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      this.send({ Action: 'Ping' }, { timeoutMs: this.options.pongTimeoutMs }, false, true).then(
        () => {
          if (generation === this.generation) this.schedulePing(generation);
        },
        (err: Error) => {
          if (generation !== this.generation || !(err instanceof AmiTimeoutError)) return;
          // During a burst the Pong waits behind events not yet read (BENCHMARKS.md: a 5 s
          // backlog dropped healthy connections and lost their events). Dead means silent.
          if (Date.now() - this.lastDataMs < this.options.pongTimeoutMs) this.schedulePing(generation);
          else this.lost(`no answer to Ping within ${this.options.pongTimeoutMs} ms`);
        },
      );
    }, this.options.pingIntervalMs);
  }

  private backoff(): number {
    return reconnectDelayMs(this.failures++, Math.random(), this.options.reconnectMinMs, this.options.reconnectMaxMs);
  }

  private scheduleRetry(delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.attempt(), delayMs);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private setStatus(status: AmiStatus): void {
    const current = this.currentStatus;
    if (current.state === status.state && current.reason === status.reason) return;
    this.currentStatus = status;
    for (const listener of this.statusListeners) {
      try {
        listener(status);
      } catch (err) {
        this.log('warn', `AMI status listener failed: ${(err as Error).message}`);
      }
    }
  }

  private logOnce(level: 'info' | 'warn', message: string): void {
    if (message === this.lastLogged) return;
    this.lastLogged = message;
    this.log(level, message);
  }

  private describeState(): string {
    const { state, reason } = this.currentStatus;
    if (state === 'closed') return 'the connection is closed';
    if (state === 'idle') return 'the connection is not started';
    return `not connected to ${this.address} (${state}${reason ? `: ${reason}` : ''})`;
  }
}
