import type { Node, NodeAPI } from 'node-red';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { shorten } from './common/report-error';
import { statusWord } from './common/status-words';
import { AllowlistError, parseAllowlist, type IpAllowlist } from './lib/notifications/ip-allowlist';
import { createNotificationHandler } from './lib/notifications/notification-endpoint';

/** The message the http source emits: the same shape as the AMI source's. */
export interface HttpSourceMessage {
  topic: string;
  payload: Record<string, string>;
  pbx?: { id: string; name: string };
}

export const DEFAULT_EVENTS_PATH = '/pbx/events';

/** The express pieces we touch (typed loosely in @types/express: `_router` is internal). */
interface RouteLayer {
  route?: { stack: Array<{ handle: unknown }> };
}
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
interface HttpNodeApp {
  all(path: RegExp, ...handlers: Array<Middleware | ((req: IncomingMessage, res: ServerResponse) => void)>): unknown;
  _router?: { stack: RouteLayer[] };
  router?: { stack: RouteLayer[] };
}

/**
 * The paths in use in this Node-RED (lower case, as the route matches) and their nodes. A second
 * node on the same path would never be reached; nor would one on an overlapping path, since a
 * route also serves the paths below it (`/pbx` takes `/pbx/events/dial` meant for `/pbx/events`).
 */
const pathsInUse = new Map<string, string>();

/** Refusals are logged at most once a minute per status code, so a scanner cannot flood the log. */
const LOG_INTERVAL_MS = 60_000;

/**
 * `pbx-event` with `source: http`: registers the endpoint `path` (and `path/<event>` for the
 * one-path-per-event style) on Node-RED's HTTP server, checks the allowlist and the token,
 * and calls `emit` for each notification the PBX pushes. Returns the function that removes
 * the route again (call it from the node's close handler).
 */
export function attachHttpSource(
  RED: NodeAPI,
  node: Node,
  config: { path?: string; allow?: string },
  credentials: { token?: string },
  emit: (msg: HttpSourceMessage) => void,
): () => void {
  const path = normalisePath(config.path);
  let allow: IpAllowlist;
  try {
    if (path === undefined) throw new Error(`path "${config.path}" is not a usable URL path (letters, digits, - _ . ~ /)`);
    allow = parseAllowlist(config.allow);
  } catch (err) {
    const message = err instanceof AllowlistError ? `allow: ${err.message}` : (err as Error).message;
    node.error(message);
    node.status({ fill: 'red', shape: 'ring', text: shorten(message) });
    return () => undefined;
  }
  const conflict = conflictingPath(path.toLowerCase(), node.id);
  if (conflict !== undefined) {
    const message = conflict.path === path.toLowerCase()
      ? `path ${path} is already used by node ${conflict.owner}`
      : `path ${path} overlaps ${conflict.path} of node ${conflict.owner}: one of them would receive the other's notifications`;
    node.error(message);
    node.status({ fill: 'red', shape: 'ring', text: shorten(message) });
    return () => undefined;
  }
  pathsInUse.set(path.toLowerCase(), node.id);

  const token = credentials.token ?? '';
  if (token === '' && allow.empty) {
    node.warn(`${path}: set a token or an allowlist; until then every request is refused with 401`);
  }
  const lastLogged = new Map<number, number>();
  const handle = createNotificationHandler({
    token,
    allow,
    onNotification(notification) {
      node.status({ fill: 'green', shape: 'dot', text: shorten(`${notification.event} ${new Date().toLocaleTimeString()}`) });
      try {
        emit({ topic: notification.event, payload: notification.payload });
      } catch (err) {
        node.error(`emitting ${notification.event} failed: ${(err as Error).message}`);
      }
    },
    onRefused(status, reason, client) {
      node.status({ fill: 'red', shape: 'ring', text: shorten(statusWord(RED, 'pbx-event.status.refused', '__status__ from __client__: __reason__', { status, client, reason })) });
      const now = Date.now();
      if (now - (lastLogged.get(status) ?? -Infinity) >= LOG_INTERVAL_MS) {
        lastLogged.set(status, now);
        node.warn(`${path}: refused a request from ${client} with ${status}: ${reason}`);
      }
    },
  });

  const route = new RegExp(`^${escapeRegExp(path)}(?:/(.*?))?/?$`, 'i');
  const routeHandler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, lastSegment((req as IncomingMessage & { params?: Record<string, string> }).params?.[0]));
  };
  const app = RED.httpNode as unknown as HttpNodeApp;
  app.all(route, ...nodeMiddleware(RED), routeHandler);
  node.status({ fill: 'grey', shape: 'ring', text: shorten(statusWord(RED, 'pbx-event.status.waiting', 'waiting on __path__', { path })) });

  return () => {
    const stack = (app._router ?? app.router)?.stack ?? [];
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i].route?.stack.some((layer) => layer.handle === routeHandler)) stack.splice(i, 1);
    }
    if (pathsInUse.get(path.toLowerCase()) === node.id) pathsInUse.delete(path.toLowerCase());
  };
}

/**
 * `httpNodeMiddleware` from settings.js runs in front of every `http in` endpoint (often
 * for authentication); it runs in front of this one too.
 */
function nodeMiddleware(RED: NodeAPI): Middleware[] {
  const configured = (RED.settings as { httpNodeMiddleware?: Middleware | Middleware[] }).httpNodeMiddleware;
  if (typeof configured === 'function') return [configured];
  return Array.isArray(configured) ? configured.filter((m) => typeof m === 'function') : [];
}

/**
 * Another node's path that is the same as `path`, or a whole-segment prefix of it, or has it as one:
 * `/pbx` and `/pbx/events` overlap, `/pbx` and `/pbxa` do not. Both are normalised and in lower case.
 */
function conflictingPath(path: string, nodeId: string): { path: string; owner: string } | undefined {
  for (const [used, owner] of pathsInUse) {
    if (owner === nodeId) continue;
    if (used === path || path.startsWith(`${used}/`) || used.startsWith(`${path}/`)) return { path: used, owner };
  }
  return undefined;
}

/** `pbx/events/` → `/pbx/events`; undefined for a path express would read as a pattern. */
function normalisePath(raw: string | undefined): string | undefined {
  const text = (raw ?? '').trim() || DEFAULT_EVENTS_PATH;
  if (!/^\/?[A-Za-z0-9._~\-/]+$/.test(text)) return undefined;
  const path = `/${text.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return path === '/' ? undefined : path;
}

/** The one-path-per-event style: the event is the last non-empty segment after the base path. */
function lastSegment(rest: string | undefined): string | undefined {
  const segment = (rest ?? '').split('/').filter((s) => s !== '').pop();
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not decodable: the event-name check answers 400
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
