import type net from 'node:net';
import { AmiServer } from '../../simulator/ami-server';

/**
 * The PBX as the benchmarks need it: the package's AMI simulator (a real TCP server that logs
 * clients in and answers their actions as Asterisk 22 does), plus a firehose: a prepared event
 * stream sent to the logged-in clients as fast as TCP takes it, or at a fixed rate.
 */

export const BENCH_USER = { username: 'bench', secret: 'bench' };

export type WriteMode = 'chunk64k' | 'per-event';

export interface BlastResult {
  /** `process.hrtime` of the first write, in ms (the clock is the machine's monotonic clock). */
  startMs: number;
  /** When the last byte was handed to the kernel. */
  endMs: number;
  writes: number;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export class AmiFeedServer {
  private payload = Buffer.alloc(0);
  private frameEnds: number[] = [];

  private constructor(readonly ami: AmiServer) {}

  static async start(): Promise<AmiFeedServer> {
    const ami = await AmiServer.start({ users: { [BENCH_USER.username]: { secret: BENCH_USER.secret } } });
    return new AmiFeedServer(ami);
  }

  get port(): number {
    return this.ami.port;
  }

  /** The stream to send next: its frames, each ending with the blank line. */
  prepare(frames: readonly string[]): void {
    const buffers = frames.map((frame) => Buffer.from(frame, 'utf8'));
    this.payload = Buffer.concat(buffers);
    this.frameEnds = [];
    let offset = 0;
    for (const buffer of buffers) this.frameEnds.push((offset += buffer.length));
  }

  get frameCount(): number {
    return this.frameEnds.length;
  }

  /** Resolves once `count` clients are logged in. */
  async waitForLogins(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ami.loggedInSessions.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.ami.loggedInSessions.length} of ${count} AMI clients logged in`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private sockets(): net.Socket[] {
    const sockets = this.ami.loggedInSessions.map((session) => session.socket);
    if (sockets.length === 0) throw new Error('no AMI client is logged in');
    return sockets;
  }

  /** Sends the prepared stream to every logged-in client, as fast as each one's TCP window allows. */
  async blast(mode: WriteMode): Promise<BlastResult> {
    const sockets = this.sockets();
    const startMs = nowMs();
    const results = await Promise.all(sockets.map((socket) => this.writeAll(socket, mode)));
    return { startMs, endMs: nowMs(), writes: results.reduce((a, b) => a + b, 0) };
  }

  private async writeAll(socket: net.Socket, mode: WriteMode): Promise<number> {
    let writes = 0;
    let start = 0;
    const ends = mode === 'per-event' ? this.frameEnds : chunkEnds(this.payload.length, 64 * 1024);
    for (const end of ends) {
      const ok = socket.write(this.payload.subarray(start, end));
      writes++;
      start = end;
      if (!ok && !socket.destroyed) await drained(socket);
      if (socket.destroyed) throw new Error('the AMI client went away during the stream');
    }
    return writes;
  }

  /**
   * Sends the prepared stream one event per write at `rate` events/s to the first logged-in
   * client, and returns when each frame was handed to the kernel (ms, monotonic clock).
   */
  async pace(rate: number): Promise<number[]> {
    const socket = this.sockets()[0];
    const sent: number[] = [];
    const startMs = nowMs();
    let index = 0;
    let start = 0;
    while (index < this.frameEnds.length) {
      const due = Math.min(this.frameEnds.length, Math.floor(((nowMs() - startMs) * rate) / 1000) + 1);
      while (index < due) {
        const end = this.frameEnds[index++];
        sent.push(nowMs());
        socket.write(this.payload.subarray(start, end));
        start = end;
      }
      const nextDue = startMs + (index * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDue - nowMs())));
    }
    return sent;
  }

  /** Drops every client (they see the PBX go away). */
  dropClients(): void {
    this.ami.dropConnections();
  }

  async close(): Promise<void> {
    await this.ami.close();
  }
}

/** Until the socket takes more (or is gone), with no listener left behind. */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

function chunkEnds(length: number, size: number): number[] {
  const ends: number[] = [];
  for (let end = size; end < length + size; end += size) ends.push(Math.min(end, length));
  return ends;
}
