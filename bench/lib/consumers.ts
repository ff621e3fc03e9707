import net from 'node:net';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { parseAmiMessage } from '../../nodes/lib/ami/message';
import { nowMs } from './feed-server';
import { BENCH_USER } from './feed-server';

interface Target {
  ami: number;
  call: number;
  resolve: (atMs: number) => void;
  abandon: () => void;
}

/**
 * Something that reads the PBX's AMI stream and counts what it got: AMI events, and the call
 * events made of them (when it correlates). The runner waits until both counts are reached
 * and takes the time the last one arrived.
 */
export abstract class Consumer {
  amiEvents = 0;
  callEvents = 0;
  /** Things that went wrong on the way (a lost connection), reported with a failed run. */
  readonly problems: string[] = [];
  private target: Target | undefined;

  abstract readonly name: string;
  abstract connect(port: number): Promise<void>;
  abstract close(): Promise<void>;

  /** Counts from zero (the events of the login are not part of a run). */
  reset(): void {
    this.amiEvents = 0;
    this.callEvents = 0;
    this.problems.length = 0;
  }

  /**
   * Resolves with the time (ms, monotonic) at which both counts were reached. A wait still
   * pending from a run that failed is abandoned, so its timer cannot end this one.
   */
  until(amiEvents: number, callEvents: number, timeoutMs: number): Promise<number> {
    this.target?.abandon();
    return new Promise<number>((resolve, reject) => {
      const target: Target = {
        ami: amiEvents,
        call: callEvents,
        resolve: (atMs) => {
          clearTimeout(timer);
          resolve(atMs);
        },
        abandon: () => {
          clearTimeout(timer);
          if (this.target === target) this.target = undefined;
          reject(new Error(`${this.name}: wait abandoned`));
        },
      };
      const timer = setTimeout(() => {
        if (this.target === target) this.target = undefined;
        const problems = this.problems.length ? `; ${this.problems.splice(0).join('; ')}` : '';
        reject(new Error(`${this.name}: ${this.amiEvents}/${amiEvents} AMI events, ${this.callEvents}/${callEvents} call events after ${timeoutMs} ms${problems}`));
      }, timeoutMs);
      this.target = target;
      this.check();
    });
  }

  protected countAmi(n = 1): void {
    this.amiEvents += n;
    if (this.target && this.amiEvents >= this.target.ami) this.check();
  }

  protected countCall(n = 1): void {
    this.callEvents += n;
    if (this.target && this.callEvents >= this.target.call) this.check();
  }

  private check(): void {
    const target = this.target;
    if (target && this.amiEvents >= target.ami && this.callEvents >= target.call) {
      this.target = undefined;
      target.resolve(nowMs());
    }
  }
}

/**
 * The ceiling: split the bytes on the blank line and parse each message with the package's
 * own parser, nothing else. (Logs in with a bare Login action; no library, no correlation.)
 */
export class BareSplitParse extends Consumer {
  readonly name = 'bare split+parse';
  private socket: net.Socket | undefined;

  async connect(port: number): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    this.socket = socket;
    await once(socket, 'connect');
    const decoder = new StringDecoder('utf8');
    let rest = '';
    socket.on('data', (chunk: Buffer) => {
      const text = rest + decoder.write(chunk);
      let start = 0;
      let end: number;
      let events = 0;
      while ((end = text.indexOf('\r\n\r\n', start)) !== -1) {
        const message = parseAmiMessage(text.slice(start, end));
        if (message.Event !== undefined) events++;
        start = end + 4;
      }
      rest = text.slice(start);
      if (events) this.countAmi(events);
    });
    socket.write(`Action: Login\r\nUsername: ${BENCH_USER.username}\r\nSecret: ${BENCH_USER.secret}\r\nActionID: bench-login\r\n\r\n`);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
  }
}

/** What the benchmark uses of asterisk-ami-client (it ships no types). */
interface AmiClientLike {
  connect(user: string, secret: string, options: { host: string; port: number }): Promise<unknown>;
  on(event: 'event', listener: (event: Record<string, string>) => void): void;
  disconnect(): void;
}
type AmiClientConstructor = new (options: Record<string, unknown>) => AmiClientLike;

/** asterisk-ami-client as a user would use it: defaults, one `event` listener, no correlation. */
export class AmiClientAlone extends Consumer {
  readonly name = 'asterisk-ami-client alone';
  private client: AmiClientLike | undefined;

  async connect(port: number): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AmiClient = require('asterisk-ami-client') as AmiClientConstructor;
    const client = new AmiClient({ reconnect: false, keepAlive: false });
    this.client = client;
    await client.connect(BENCH_USER.username, BENCH_USER.secret, { host: '127.0.0.1', port });
    client.on('event', () => this.countAmi());
  }

  async close(): Promise<void> {
    this.client?.disconnect();
  }
}
