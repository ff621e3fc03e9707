import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IpAllowlist } from './ip-allowlist';
import { normaliseAddress } from './ip-allowlist';
import { NotificationError, parseNotification, type PbxNotification } from './parse-notification';
import { BodyTooLargeError, readBody } from './read-body';
import { tokenMatches } from './shared-token';

/** Notifications are a few hundred bytes; 64 KiB leaves room and refuses floods. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export const TOKEN_HEADER = 'x-pbx-token';

export interface NotificationEndpointOptions {
  /** The shared secret ('' = none; then the allowlist alone must protect the endpoint). */
  token: string;
  allow: IpAllowlist;
  maxBodyBytes?: number;
  /** Called after the PBX got its answer, once per accepted notification. */
  onNotification(notification: PbxNotification, client: string): void;
  /** Called for every refused request (the status explains why). */
  onRefused?(status: number, reason: string, client: string): void;
}

/** A request handler for Node's HTTP server (and express, which extends it). */
export type NotificationHandler = (req: IncomingMessage, res: ServerResponse, pathEvent?: string) => void;

const ACCEPTED_METHODS = ['GET', 'POST', 'PUT'];

/**
 * The receiving end of the vendor's "PBX calls a URL with GET or POST": checks the client
 * address and the token before reading any body, reads at most `maxBodyBytes`, answers
 * at once (200, 400, 401, 403, 405, 413, 415) and only then hands the notification on.
 * Nothing a client sends can throw out of the handler.
 */
export function createNotificationHandler(options: NotificationEndpointOptions): NotificationHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const unprotected = options.token === '' && options.allow.empty;

  const refuse = (res: ServerResponse, status: number, reason: string, client: string): void => {
    answer(res, status, reason);
    options.onRefused?.(status, reason, client);
  };

  return (req, res, pathEvent) => {
    const client = normaliseAddress(req.socket.remoteAddress ?? '');
    const url = req.url ?? '';
    const queryStart = url.indexOf('?');
    const query = queryStart < 0 ? '' : url.slice(queryStart + 1);
    try {
      if (!ACCEPTED_METHODS.includes(req.method ?? '')) {
        res.setHeader('Allow', ACCEPTED_METHODS.join(', '));
        refuse(res, 405, `method ${req.method} not accepted`, client);
        return;
      }
      if (!options.allow.allows(client)) {
        refuse(res, 403, 'client address not allowed', client);
        return;
      }
      if (unprotected) {
        refuse(res, 401, 'the endpoint has neither a token nor an allowlist configured', client);
        return;
      }
      if (options.token !== '' && !tokenMatches(presentedToken(req, query), options.token)) {
        refuse(res, 401, 'missing or wrong token', client);
        return;
      }
      bodyOf(req, maxBodyBytes).then(
        ({ body, contentType }) => {
          let notification: PbxNotification;
          try {
            notification = parseNotification({ query, pathEvent, contentType, body });
          } catch (err) {
            if (err instanceof NotificationError) return refuse(res, err.status, err.message, client);
            throw err;
          }
          answer(res, 200, 'OK');
          options.onNotification(notification, client);
        },
        (err: unknown) => {
          if (err instanceof BodyTooLargeError) {
            res.setHeader('Connection', 'close');
            refuse(res, 413, err.message, client);
          } else {
            refuse(res, 400, `could not read the request: ${(err as Error).message}`, client);
          }
        },
      ).catch((err: unknown) => refuse(res, 500, `internal error: ${(err as Error).message}`, client));
    } catch (err) {
      refuse(res, 500, `internal error: ${(err as Error).message}`, client);
    }
  };
}

/** The token as header `X-PBX-Token` or as query parameter `token` (first occurrence). */
function presentedToken(req: IncomingMessage, query: string): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  for (const piece of query.split('&')) {
    if (piece.startsWith('token=')) {
      try {
        return decodeURIComponent(piece.slice(6).replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The raw body, unless a body parser in front of us (e.g. in `httpNodeMiddleware`) has
 * consumed it already: then its result is used.
 */
async function bodyOf(req: IncomingMessage, limit: number): Promise<{ body: Buffer; contentType?: string }> {
  const contentType = req.headers['content-type'];
  const parsed = req as IncomingMessage & { _body?: boolean; body?: unknown };
  if (parsed._body === true || req.readableEnded) {
    const body = parsed.body;
    if (Buffer.isBuffer(body)) return { body, contentType };
    if (typeof body === 'string') return { body: Buffer.from(body, 'utf8'), contentType };
    if (body !== null && typeof body === 'object') return { body: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' };
    return { body: Buffer.alloc(0), contentType };
  }
  return { body: await readBody(req, limit), contentType };
}

function answer(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}
