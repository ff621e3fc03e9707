import http from 'node:http';
import https from 'node:https';
import axios, { Axios, type AxiosResponse, type GenericAbortSignal } from 'axios';
import type { PreparedRequest } from './request-builder';
import { retryAfterMs, verdictForStatus } from './retry-policy';

export interface SenderOptions {
  /** ms per attempt */
  timeout: number;
  /** false accepts any certificate — for this sender's agent only, never process-wide */
  tlsVerify: boolean;
  user?: string;
  password?: string;
  /** bearer token; wins over user/password */
  token?: string;
  /** parallel connections per receiver */
  maxSockets: number;
  /** a larger response body is not read */
  maxResponseBytes?: number;
  now?: () => number;
}

/** The receiver's answer, as `pbx-notify` puts it on its output message. */
export interface DeliveryResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  /** The body: parsed when the receiver says it is JSON, otherwise UTF-8 text. */
  payload: unknown;
}

export type AttemptOutcome =
  | { kind: 'delivered'; response: DeliveryResponse }
  | { kind: 'retry'; reason: string; retryAfterMs?: number; response?: DeliveryResponse }
  | { kind: 'refused'; reason: string; response?: DeliveryResponse };

/** Errors that say the request cannot be made as it is; repeating it cannot help. */
const FINAL_ERROR_CODES = /^(ERR_INVALID_|ERR_BAD_OPTION|ERR_FR_TOO_MANY_REDIRECTS|ERR_BAD_RESPONSE|ERR_UNESCAPED_CHARACTERS|ERR_NOT_SUPPORT)/;

/** Redirects followed per attempt (docs/pbx-notify.md: "after at most 5 redirects"). */
const MAX_REDIRECTS = 5;
/** Dropped when a redirect leaves the host (or goes from https to http), as follow-redirects does. */
const CREDENTIAL_HEADERS = /^(?:authorization|proxy-authorization|cookie)$/i;
/** What axios's library-wide defaults send; this sender's own axios keeps sending it. */
const ACCEPT = 'application/json, text/plain, */*';
/** axios sets this TCP keep-alive delay on every request's socket (http adapter). */
const AXIOS_SOCKET_KEEPALIVE_MS = 60_000;

/**
 * Sends prepared requests with axios over this sender's own keep-alive agents, so that TLS
 * settings and connection pools belong to one node. Never throws: every attempt ends in
 * an outcome that the delivery queue acts on.
 *
 * Per request, axios costs several times what Node's http does; what this class sets up once
 * keeps that cost down (delivery benchmark, BENCHMARKS.md): its own `Axios` with fixed defaults
 * (nothing of the library-wide defaults to merge per request), redirects followed here so that
 * axios uses Node's http directly rather than follow-redirects, one abort signal shared by the
 * attempts in flight, axios's request transform only for requests with a body (it has nothing to
 * do without one), and agents whose TCP keep-alive delay is the one axios sets per socket.
 */
export class HttpSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly client: InstanceType<typeof Axios>;
  private readonly authorization: string | undefined;
  private readonly now: () => number;
  /** Aborted by `abortAll`, then replaced: every attempt in flight listens to this one. */
  private abort = new AbortGroup();

  constructor(private readonly options: SenderOptions) {
    // axios sets a 60 s keep-alive delay on the socket of each request; with the agent's
    // default (1 s), the agent would set it back at each release: two system calls a request.
    const agentOptions = { keepAlive: true, keepAliveMsecs: AXIOS_SOCKET_KEEPALIVE_MS, maxSockets: options.maxSockets };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent({ ...agentOptions, rejectUnauthorized: options.tlsVerify });
    this.client = new Axios({
      adapter: 'http',
      // a string body goes through axios's own request transform, as with axios.request
      transformRequest: axios.defaults.transformRequest,
      transformResponse: [(data: ArrayBuffer) => data],
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // without a proxy in the environment, axios need not look for one at every request
      proxy: environmentNamesAProxy() ? undefined : false,
      // 0: axios sends with Node's http itself; redirects are followed in `send`
      maxRedirects: 0,
      responseType: 'arraybuffer',
      validateStatus: () => true,
      maxContentLength: options.maxResponseBytes ?? 10 * 1024 * 1024,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    });
    this.authorization = options.token
      ? `Bearer ${options.token}`
      : options.user
        ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`, 'utf8').toString('base64')}`
        : undefined;
    this.now = options.now ?? Date.now;
  }

  async send(request: PreparedRequest): Promise<AttemptOutcome> {
    let headers: Record<string, string> = { Accept: ACCEPT, 'User-Agent': 'node-red-pbx-notify', ...request.headers };
    const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (this.authorization !== undefined && !hasAuthorization) headers.Authorization = this.authorization;
    let { method, url } = request;
    let body = request.body;
    const deadline = Date.now() + this.options.timeout;
    let response: AxiosResponse<ArrayBuffer>;
    for (let redirects = 0; ; redirects++) {
      try {
        response = await this.client.request<ArrayBuffer>({
          method,
          url,
          headers,
          data: body,
          // one deadline for the attempt, redirects included
          timeout: Math.max(1, deadline - Date.now()),
          signal: this.abort,
          ...(body === undefined ? NO_BODY_TRANSFORM : undefined),
        });
      } catch (err) {
        return outcomeOfError(err);
      }
      // like follow-redirects (which axios used): any 3xx with a Location is followed
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || typeof location !== 'string' || location === '') break;
      if (redirects === MAX_REDIRECTS) {
        return { kind: 'refused', reason: `ERR_FR_TOO_MANY_REDIRECTS: more than ${MAX_REDIRECTS} redirects (last to ${location.slice(0, 80)})` };
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { kind: 'retry', reason: `ERR_FR_REDIRECTION_FAILURE: the receiver redirected to "${location.slice(0, 80)}"` };
      }
      const redirect = followRedirect(response.status, method, headers, body, new URL(url), next);
      ({ method, headers, body } = redirect);
      url = next.href;
    }
    const delivered = toDeliveryResponse(response);
    const status = response.status;
    switch (verdictForStatus(status)) {
      case 'delivered':
        return { kind: 'delivered', response: delivered };
      case 'retry': {
        const header = response.headers['retry-after'];
        const delay = retryAfterMs(typeof header === 'string' ? header : undefined, this.now());
        return { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: delay, response: delivered };
      }
      case 'refused':
        return { kind: 'refused', reason: `HTTP ${status}`, response: delivered };
    }
  }

  /**
   * Abandons the attempts in flight (they end as retryable failures, so their items stay
   * queued): used when a closing node cannot wait any longer.
   */
  abortAll(): void {
    const abort = this.abort;
    this.abort = new AbortGroup();
    abort.abort();
  }

  /** Closes idle keep-alive connections; requests in flight finish on their own. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** axios's request transform turns bodies into strings; without a body it changes nothing. */
const NO_BODY_TRANSFORM = { transformRequest: [] };

/**
 * One abort signal for all the attempts in flight, in the shape axios accepts
 * (`GenericAbortSignal`): each attempt adds a listener and removes it when done. A set of
 * functions costs a fraction of an `AbortSignal`'s event-target bookkeeping at every request.
 */
class AbortGroup implements GenericAbortSignal {
  aborted = false;
  private readonly listeners = new Set<() => void>();

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.delete(listener);
  }

  abort(): void {
    this.aborted = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}

/** The variables axios (proxy-from-env) reads to send through a proxy. */
function environmentNamesAProxy(): boolean {
  return ['http_proxy', 'https_proxy', 'all_proxy'].some((name) => Boolean(process.env[name] || process.env[name.toUpperCase()]));
}

/**
 * The next request of a redirect, by the rules axios follows with follow-redirects: 303 (and
 * 301/302 after a POST) becomes a GET without body; 307/308 repeat the request as it was.
 * Credentials do not go to another host, nor from https to http.
 */
function followRedirect(
  status: number,
  method: PreparedRequest['method'],
  headers: Record<string, string>,
  body: string | undefined,
  from: URL,
  to: URL,
): { method: PreparedRequest['method']; headers: Record<string, string>; body: string | undefined } {
  let next = { ...headers };
  let nextMethod = method;
  let nextBody = body;
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET')) {
    nextMethod = 'GET';
    nextBody = undefined;
    next = withoutHeaders(next, /^content-/i);
  }
  const downgrade = from.protocol !== to.protocol && to.protocol !== 'https:';
  const otherHost = to.host !== from.host && !isSubdomainOf(to.host, from.host);
  if (downgrade || otherHost) next = withoutHeaders(next, CREDENTIAL_HEADERS);
  return { method: nextMethod, headers: next, body: nextBody };
}

function withoutHeaders(headers: Record<string, string>, names: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.test(name)));
}

function isSubdomainOf(host: string, domain: string): boolean {
  const dot = host.length - domain.length - 1;
  return dot > 0 && host[dot] === '.' && host.endsWith(domain);
}

function outcomeOfError(err: unknown): AttemptOutcome {
  const error = err as { code?: string; message?: string };
  const code = error.code ?? 'ERROR';
  const reason = error.message && !error.message.includes(code) ? `${code}: ${error.message}` : error.message || code;
  return FINAL_ERROR_CODES.test(code) ? { kind: 'refused', reason } : { kind: 'retry', reason };
}

function toDeliveryResponse(response: AxiosResponse<ArrayBuffer>): DeliveryResponse {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
    if (typeof value === 'string' || Array.isArray(value)) headers[name.toLowerCase()] = value as string | string[];
    else if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  // axios's http adapter hands an 'arraybuffer' response over as a Buffer: no copy needed
  const data: unknown = response.data;
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from((data as ArrayBuffer | undefined) ?? new ArrayBuffer(0)).toString('utf8');
  return { statusCode: response.status, headers, payload: parseBody(text, headers['content-type']) };
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType ?? '').split(';')[0].trim().toLowerCase();
  if ((type === 'application/json' || type.endsWith('+json')) && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
