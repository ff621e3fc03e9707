import type { Socket } from 'node:net';
import AmiClient = require('asterisk-ami-client');
import { AmiFramer } from './framer';
import { assertSafeAction } from './sanitize';

/**
 * The wire under an AmiConnection: one TCP connection and one login, no policy. A fresh
 * transport is made for every attempt, so nothing from a dead link (listeners, buffers,
 * timers) survives into the next one. It could be swapped for another AMI library.
 */
export interface AmiTransport {
  /** Connects and logs in. Rejects with `AmiAuthError` when the PBX refuses the login. */
  open(options: AmiTransportOptions, handlers: AmiTransportHandlers): Promise<void>;
  /** Writes one serialised action (its `Key: value` lines and the blank line). */
  write(text: string): void;
  /** Ends the link; no handler is called after this. Safe to call more than once. */
  close(): void;
  /** Who cuts the stream into messages once logged in; null before the login (diagnostics). */
  readonly framing: AmiFraming | null;
}

/**
 * `package`: AmiFramer reads the socket (ami-client.md #11 neutralised); `library`: the
 * library's own framing stream, the slow fallback when its internals are not as expected.
 */
export type AmiFraming = 'package' | 'library';

export type AmiTransportFactory = () => AmiTransport;

export interface AmiTransportOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** For the TCP connect and the login together. */
  connectTimeoutMs: number;
  /** Idle time before TCP keepalive probes start; 0 turns them off. */
  tcpKeepAliveMs: number;
}

export interface AmiTransportHandlers {
  /** Text holding one or more complete AMI messages, never a partial one. */
  onData(text: string): void;
  /** The logged-in link is gone. Called at most once, never after `close()`. */
  onClose(reason: string): void;
}

/** The PBX answered the Login with an error (wrong user or secret, or not permitted). */
export class AmiAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmiAuthError';
  }
}

/**
 * The transport over asterisk-ami-client. Its own reconnect and keepalive stay off
 * (ami-client.md #5, #6): AmiConnection supervises. Messages are taken from its raw `data`
 * stream and parsed by our parser, so repeated keys (#2) and `\r\n\n` endings (#8) survive;
 * after the login the socket is framed by AmiFramer instead of the library (#11).
 */
export class AmiClientTransport implements AmiTransport {
  private client: AmiClient | null = null;
  private readonly abort = new AbortController();
  private closed = false;
  private lastError = '';
  private framingInUse: AmiFraming | null = null;

  get framing(): AmiFraming | null {
    return this.framingInUse;
  }

  async open(options: AmiTransportOptions, handlers: AmiTransportHandlers): Promise<void> {
    // The library writes the Login itself, unchecked (#7).
    assertSafeAction({ Username: options.username, Secret: options.secret });
    const client = new AmiClient({ reconnect: false, keepAlive: false, emitEventsByTypes: false, emitResponsesById: false });
    this.client = client;
    let abortReason = '';
    const timer = setTimeout(() => {
      abortReason = `no answer to the login within ${options.connectTimeoutMs} ms`;
      this.abort.abort();
    }, options.connectTimeoutMs);
    try {
      // The options go straight to net.connect: `signal` lets us destroy the socket at any
      // point (the library has no connect timeout), `keepAlive` turns on TCP keepalive.
      await client.connect(options.username, options.secret, {
        host: options.host,
        port: options.port,
        signal: this.abort.signal,
        noDelay: true,
        keepAlive: options.tcpKeepAliveMs > 0,
        keepAliveInitialDelay: options.tcpKeepAliveMs,
      });
    } catch (err) {
      this.close();
      throw loginError(err, abortReason, options);
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) throw new Error('closed while logging in');
    const deliver = (text: string): void => {
      if (!this.closed) handlers.onData(text);
    };
    if (readSocketDirectly(client, deliver)) {
      this.framingInUse = 'package';
    } else {
      this.framingInUse = 'library';
      client.on('data', (chunk: Buffer) => deliver(chunk.toString('utf8')));
    }
    client.on('internalError', (err: Error) => {
      this.lastError = err.message;
    });
    // 'disconnect' can fire twice (#10): report the first one only.
    client.on('disconnect', () => {
      if (this.closed) return;
      this.close();
      handlers.onClose(this.lastError || 'the PBX closed the connection');
    });
  }

  write(text: string): void {
    const connection = this.client?.connection;
    if (this.closed || !connection) throw new Error('AMI link is closed');
    connection.write(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.client?.removeAllListeners('data');
  }
}

/** asterisk-ami-client@1.1.x's connection object inside (not part of its API). */
interface LibraryConnection {
  _socket?: Socket;
  _amiDataStream?: NodeJS.WritableStream;
}

/**
 * ami-client.md #11: after the login, the library's framing stream re-decodes the rest of
 * every read for every message in it, so its cost grows with the square of the read size;
 * in a burst (64 KB reads) it is 84 % of the CPU and caps the package at about 25 000
 * events/s (BENCHMARKS.md). Once logged in, the socket is unpiped from that stream and read
 * here, decoded once per read. The library still connects, logs in, writes and reports the
 * socket's close. Should a future version hold its socket differently, its own framing stays.
 */
function readSocketDirectly(client: AmiClient, onMessages: (text: string) => void): boolean {
  const connection = client.connection as unknown as LibraryConnection | null;
  const socket = connection?._socket;
  const stream = connection?._amiDataStream;
  if (!socket || !stream || typeof socket.unpipe !== 'function') return false;
  socket.unpipe(stream);
  const framer = new AmiFramer(onMessages);
  socket.on('data', (chunk: Buffer) => framer.push(chunk));
  // unpipe() paused the socket when its last pipe went; a 'data' listener does not undo that.
  socket.resume();
  return true;
}

/** Turns whatever the library rejected with into an Error saying what happened. */
function loginError(err: unknown, abortReason: string, options: AmiTransportOptions): Error {
  if (err instanceof Error) {
    // AmiAuthError('AMI message: …') is the PBX's answer to our Login. The same class with
    // 'ami auth error' only means the socket closed first: that is a network failure.
    if (err.constructor.name === 'AmiAuthError' && err.message.startsWith('AMI message:')) {
      return new AmiAuthError(err.message.slice('AMI message:'.length).trim() || 'login refused');
    }
    if (err.name === 'AbortError' && abortReason) return new Error(abortReason);
    if (err.constructor.name === 'AmiAuthError') return new Error(`connection to ${options.host}:${options.port} closed during login`);
    return err;
  }
  // The library rejects with the socket's 'close' argument when the peer hangs up during login.
  return new Error(`connection to ${options.host}:${options.port} closed during login`);
}
