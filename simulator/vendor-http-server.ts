/**
 * The PBX vendor's HTTP API (spec/pbx-api.md §1) on 127.0.0.1, driving the simulated PBX:
 *
 *   GET /dial?number=123456789&exten=10    ring extension 10, then dial the number
 *   GET /hangup?exten=10                   hang up the calls of extension 10
 *
 * The vendor documents no response body: both answer `200 OK` (text) as soon as the PBX
 * took the request; the call itself then shows in the AMI events like any Originate that
 * another client sent (no ChannelId, so Asterisk numbers it).
 *
 *   const api = await VendorHttpServer.start({ model, auth: { user: 'crm', password: 's3cret' } });
 *   api.url                      http://127.0.0.1:<port>
 *   api.requests                 every request: method, path, query, authorized
 *   api.answerNext(503, 'busy')  the next request gets this answer instead (error paths in tests)
 *   await api.close()
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PbxModel } from './pbx-model';

export interface VendorHttpServerOptions {
  model: PbxModel;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Require HTTP basic auth with these credentials (default: none). */
  auth?: { user: string; password: string };
  /** How the vendor's PBX rings the extension (default `PJSIP/{exten}`). */
  channel?: (exten: string) => string;
  /** Ring timeout of the extension, ms (default 30 000). */
  timeoutMs?: number;
}

export interface VendorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The raw request target as received (to check URL encoding). */
  url: string;
  authorized: boolean;
}

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const EXTEN = /^[0-9A-Za-z_.-]{1,32}$/;

export class VendorHttpServer {
  readonly requests: VendorRequest[] = [];
  private readonly server: http.Server;
  private readonly scripted: { status: number; body: string; contentType: string }[] = [];
  private originates = 0;

  private constructor(private readonly options: VendorHttpServerOptions) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(options: VendorHttpServerOptions): Promise<VendorHttpServer> {
    const api = new VendorHttpServer(options);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next request is answered with this status and body, whatever it asks (and nothing is done). */
  answerNext(status: number, body = '', contentType = 'text/plain; charset=utf-8'): void {
    this.scripted.push({ status, body, contentType });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(target.searchParams.entries());
    const authorized = this.authorized(req);
    this.requests.push({ method: req.method ?? '', path: target.pathname, query, url: req.url ?? '', authorized });
    const reply = (status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
      res.end(body);
    };
    if (!authorized) return reply(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="PBX"' });
    const scripted = this.scripted.shift();
    if (scripted) return reply(scripted.status, scripted.body, { 'Content-Type': scripted.contentType });
    if (req.method !== 'GET') return reply(405, 'Method Not Allowed', { Allow: 'GET' });
    const { model } = this.options;
    if (target.pathname === '/dial') {
      const { number = '', exten = '' } = query;
      if (!NUMBER.test(number) || !EXTEN.test(exten)) return reply(400, 'number and exten are required');
      void model.originate({
        channel: (this.options.channel ?? ((e: string) => `PJSIP/${e}`))(exten),
        context: 'from-internal',
        exten: number,
        timeoutMs: this.options.timeoutMs ?? 30_000,
        callerId: `"${number}" <${number}>`,
        actionId: `vendor-http-${++this.originates}`,
      });
      return reply(200, 'OK');
    }
    if (target.pathname === '/hangup') {
      const { exten = '' } = query;
      if (!EXTEN.test(exten)) return reply(400, 'exten is required');
      model.hangupExtension(exten);
      return reply(200, 'OK');
    }
    reply(404, 'Not Found');
  }

  private authorized(req: http.IncomingMessage): boolean {
    const auth = this.options.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return false;
    return Buffer.from(match[1], 'base64').toString('utf8') === `${auth.user}:${auth.password}`;
  }
}
