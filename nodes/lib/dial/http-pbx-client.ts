import axios, { type AxiosResponse } from 'axios';
import type { PbxSettings } from '../settings';
import { prepareDial } from './dial-request';
import { DialInputError, PbxHttpError, PbxUnavailableError } from './errors';
import { isBlank, parseExtension } from './input-rules';
import { named, type DialInput, type DialResult, type HangupInput, type HangupResult, type PbxClient } from './pbx-client';

export type HttpDialSettings = Pick<PbxSettings, 'httpUrl' | 'httpUser' | 'httpPassword' | 'internationalPrefix' | 'stripPrefix'>;

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/**
 * Click-to-dial and hangup over the vendor's HTTP API (spec/pbx-api.md §1):
 * `GET {httpUrl}/dial?number=…&exten=…` and `GET {httpUrl}/hangup?exten=…`.
 * The vendor documents no response body, so a 2xx only says the PBX took the request.
 */
export class HttpPbxClient implements PbxClient {
  readonly transport = 'http' as const;

  constructor(
    private readonly settings: HttpDialSettings,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async dial(input: DialInput): Promise<DialResult> {
    // callerId and variables have no place in the vendor's request; they are still checked.
    const request = prepareDial(input, this.settings);
    const response = await this.get('dial', { number: request.number, exten: request.exten });
    return {
      call_id: '',
      exten: request.exten,
      number: request.number,
      result: 'requested',
      reason: `the PBX accepted the request (HTTP ${response.status})`,
      statusCode: response.status,
      response: response.data,
    };
  }

  async hangup(input: HangupInput): Promise<HangupResult> {
    if (!isBlank(input.callId)) {
      throw new DialInputError('the vendor HTTP API hangs up by extension only: leave call_id empty or use the AMI transport');
    }
    if (isBlank(input.exten)) throw new DialInputError('nothing to hang up: give an extension (exten)');
    const exten = parseExtension(input.exten, named('exten', input.sources?.exten));
    const response = await this.get('hangup', { exten });
    return { exten, call_id: '', hungup: null, statusCode: response.status, response: response.data };
  }

  private async get(path: 'dial' | 'hangup', query: Record<string, string>): Promise<AxiosResponse> {
    const base = apiBase(this.settings.httpUrl);
    // encodeURIComponent, as the package encodes every URL value: + → %2B, # → %23, space → %20.
    const search = Object.entries(query).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
    const url = `${base}/${path}?${search}`;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    let response: AxiosResponse;
    try {
      response = await axios.get(url, {
        timeout: timeoutMs,
        auth: this.settings.httpUser ? { username: this.settings.httpUser, password: this.settings.httpPassword } : undefined,
        // Every status is looked at below; the body is kept as the PBX sent it.
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        maxRedirects: 0,
        proxy: false,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
      throw new PbxHttpError(`the PBX HTTP API at ${redact(base)} did not answer /${path}: ${why}`, 0, '');
    }
    const body = decodeBody(response);
    response.data = body;
    if (response.status < 200 || response.status > 299) {
      const denied = response.status === 401 || response.status === 403 ? ' (permission denied: check httpUser and httpPassword)' : '';
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      throw new PbxHttpError(
        `the PBX HTTP API answered /${path} with ${response.status}${denied}${shown ? `: ${shown}` : ''}`,
        response.status,
        body,
      );
    }
    return response;
  }
}

/** The configured base URL without a trailing slash; only http and https. */
function apiBase(httpUrl: string): string {
  if (!httpUrl) throw new PbxUnavailableError('no vendor HTTP API configured: set httpUrl on the pbx-config (e.g. http://pbx)');
  let url: URL;
  try {
    url = new URL(httpUrl);
  } catch {
    throw new PbxUnavailableError(`httpUrl ${JSON.stringify(redact(httpUrl))} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PbxUnavailableError(`httpUrl must start with http:// or https://, not ${url.protocol}`);
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** JSON bodies are parsed, everything else stays text. */
function decodeBody(response: AxiosResponse): unknown {
  const data: unknown = response.data;
  const text = typeof data === 'string' ? data : data === undefined || data === null ? '' : String(data);
  const type = String(response.headers['content-type'] ?? '');
  if (/\bjson\b/i.test(type) && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A URL fit for a message: user:password@ removed. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
