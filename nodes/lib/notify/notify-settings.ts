/**
 * The `pbx-notify` node's properties (design/nodes.md) with their defaults applied, so a
 * flow deployed without the editor behaves like one made in it.
 */
export type NotifyMethod = 'GET' | 'POST' | 'PUT';
export type NotifyFormat = 'vendor' | 'json' | 'template';

export interface NotifyHeader {
  name: string;
  /** A mustache template; the view is `msg`. */
  value: string;
}

export interface NotifyCredentials {
  user?: string;
  password?: string;
  token?: string;
}

export interface NotifySettings {
  url: string;
  method: NotifyMethod;
  format: NotifyFormat;
  body: string;
  contentType: string;
  headers: NotifyHeader[];
  user: string;
  password: string;
  token: string;
  /** ms, per attempt */
  timeout: number;
  tlsVerify: boolean;
  queueLimit: number;
  persist: boolean;
  /** seconds a notification may stay queued before it is given up to Catch */
  maxAge: number;
}

export const NOTIFY_DEFAULTS = {
  method: 'GET',
  format: 'vendor',
  timeout: 10_000,
  tlsVerify: true,
  queueLimit: 10_000,
  persist: false,
  maxAge: 86_400,
} as const;

export class NotifySettingsError extends Error {
  override name = 'NotifySettingsError';
}

/** RFC 9110 token characters: what a header name may consist of. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Reads raw node properties; throws a `NotifySettingsError` naming the bad property. */
export function readNotifySettings(raw: Record<string, unknown>, credentials: NotifyCredentials = {}): NotifySettings {
  const url = text(raw.url).trim();
  if (url === '') throw new NotifySettingsError('url: a URL (template) is required');
  const method = (text(raw.method).toUpperCase() || NOTIFY_DEFAULTS.method) as NotifyMethod;
  if (!['GET', 'POST', 'PUT'].includes(method)) throw new NotifySettingsError(`method: "${raw.method}" is not GET, POST or PUT`);
  const format = (text(raw.format) || NOTIFY_DEFAULTS.format) as NotifyFormat;
  if (!['vendor', 'json', 'template'].includes(format)) throw new NotifySettingsError(`format: "${raw.format}" is not vendor, json or template`);
  return {
    url,
    method,
    format,
    body: text(raw.body),
    contentType: text(raw.contentType).trim(),
    headers: readHeaders(raw.headers),
    user: credentials.user ?? '',
    password: credentials.password ?? '',
    token: credentials.token ?? '',
    timeout: positiveNumber(raw.timeout, NOTIFY_DEFAULTS.timeout, 'timeout'),
    tlsVerify: bool(raw.tlsVerify, NOTIFY_DEFAULTS.tlsVerify),
    queueLimit: Math.floor(positiveNumber(raw.queueLimit, NOTIFY_DEFAULTS.queueLimit, 'queueLimit')),
    persist: bool(raw.persist, NOTIFY_DEFAULTS.persist),
    maxAge: positiveNumber(raw.maxAge, NOTIFY_DEFAULTS.maxAge, 'maxAge'),
  };
}

function readHeaders(raw: unknown): NotifyHeader[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const list = typeof raw === 'string' ? parseJson(raw) : raw;
  if (!Array.isArray(list)) throw new NotifySettingsError('headers: expected a list of {name, value}');
  return list
    .map((entry, i): NotifyHeader => {
      const item = entry as { name?: unknown; value?: unknown } | null;
      const name = text(item?.name).trim();
      if (name !== '' && !HEADER_NAME.test(name)) throw new NotifySettingsError(`headers[${i}]: "${name}" is not a valid header name`);
      return { name, value: text(item?.value) };
    })
    .filter((header) => header.name !== '');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new NotifySettingsError('headers: not valid JSON');
  }
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** The editor stores numbers as strings; empty means "use the default". */
function positiveNumber(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new NotifySettingsError(`${name}: "${value}" is not a positive number`);
  return n;
}

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || value === 'true';
}
