import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosResponse } from 'axios';
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

/**
 * Sends prepared requests with axios over this sender's own keep-alive agents, so that TLS
 * settings and connection pools belong to one node. Never throws: every attempt ends in
 * an outcome that the delivery queue acts on.
 */
export class HttpSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly authorization: string | undefined;
  private readonly now: () => number;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: SenderOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, rejectUnauthorized: options.tlsVerify });
    this.authorization = options.token
      ? `Bearer ${options.token}`
      : options.user
        ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`, 'utf8').toString('base64')}`
        : undefined;
    this.now = options.now ?? Date.now;
  }

  async send(request: PreparedRequest): Promise<AttemptOutcome> {
    const headers: Record<string, string> = { 'User-Agent': 'node-red-pbx-notify', ...request.headers };
    const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (this.authorization !== undefined && !hasAuthorization) headers.Authorization = this.authorization;
    let response: AxiosResponse<ArrayBuffer>;
    const abort = new AbortController();
    this.inFlight.add(abort);
    try {
      response = await axios.request<ArrayBuffer>({
        method: request.method,
        url: request.url,
        headers,
        data: request.body,
        timeout: this.options.timeout,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        responseType: 'arraybuffer',
        transformResponse: [(data: ArrayBuffer) => data],
        validateStatus: () => true,
        maxContentLength: this.options.maxResponseBytes ?? 10 * 1024 * 1024,
        maxRedirects: 5,
        transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
        signal: abort.signal,
      });
    } catch (err) {
      return outcomeOfError(err);
    } finally {
      this.inFlight.delete(abort);
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
    for (const abort of this.inFlight) abort.abort();
  }

  /** Closes idle keep-alive connections; requests in flight finish on their own. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
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
  const text = Buffer.from(response.data ?? new ArrayBuffer(0)).toString('utf8');
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
