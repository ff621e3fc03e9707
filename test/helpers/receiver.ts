import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it on the wire. */
export interface ReceivedRequest {
  method: string;
  /** path and query exactly as sent */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Responder = (request: ReceivedRequest, res: http.ServerResponse) => void;

const ok: Responder = (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('ok');
};

/**
 * A real HTTP server on 127.0.0.1 that records what requests arrive (notifications, webhooks). It can go down
 * (connections refused) and come back on the same port, like a receiver being restarted.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder;
  private server: http.Server | undefined;
  private constructor(
    public port: number,
    respond: Responder,
  ) {
    this.respond = respond;
  }

  static async start(respond: Responder = ok, port = 0): Promise<Receiver> {
    const receiver = new Receiver(port, respond);
    await receiver.up();
    return receiver;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Starts listening (again, on the same port after `down()`). */
  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.requests.push(request);
        this.respond(request, res);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts open connections: the next attempts are refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const started = Date.now();
    while (this.requests.length < count) {
      if (Date.now() - started > timeoutMs) throw new Error(`only ${this.requests.length} of ${count} requests arrived in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.requests;
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/**
 * The query of a received URL, decoded, as [key, value] pairs in order. Decoded strictly
 * (`decodeURIComponent`): a `+` stays a `+`, so a sender that writes a space as `+` instead
 * of `%20` shows up; URLSearchParams would read that `+` back as a space and hide it.
 */
export function queryPairs(url: string): Array<[string, string]> {
  const start = url.indexOf('?');
  if (start < 0) return [];
  const end = url.indexOf('#', start);
  return formPairs(url.slice(start + 1, end < 0 ? undefined : end));
}

/** A form body (`a=1&b=2`), decoded strictly as `queryPairs` does. */
export function formPairs(body: string): Array<[string, string]> {
  if (body === '') return [];
  return body.split('&').map((piece): [string, string] => {
    const eq = piece.indexOf('=');
    const key = eq < 0 ? piece : piece.slice(0, eq);
    return [decodeURIComponent(key), eq < 0 ? '' : decodeURIComponent(piece.slice(eq + 1))];
  });
}
