import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { nowMs } from './feed-server';

/** One request as the information system saw it. */
export interface Received {
  /** Arrival of the complete request (ms, the machine's monotonic clock). */
  atMs: number;
  method: string;
  url: string;
  body: string;
}

/**
 * The information system the notifications go to: a keep-alive HTTP server on 127.0.0.1 that
 * answers every request `200 OK` at once and notes when each one arrived.
 */
export class HttpReceiver {
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private received: Received[] = [];
  private waiters: Array<{ count: number; wake: () => void }> = [];
  count = 0;

  constructor() {
    this.server.keepAliveTimeout = 60_000;
    this.server.headersTimeout = 65_000;
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Everything received since the last call, and forget it. */
  take(): Received[] {
    const out = this.received;
    this.received = [];
    return out;
  }

  /** Resolves when `count` requests in all have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.count >= count) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ count, wake }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ atMs: nowMs(), method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      this.count++;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
      res.end('OK');
      if (this.waiters.length) {
        const ready = this.waiters.filter((w) => w.count <= this.count);
        this.waiters = this.waiters.filter((w) => w.count > this.count);
        for (const w of ready) w.wake();
      }
    });
  }
}
