import { decodeForm, FormDecodingError } from './form-decoding';

/**
 * One notification pushed by the PBX, as the PBX sent it: the event name and the fields
 * in the order they arrived. Names are not translated (2019's `start_call` stays
 * `start_call`), unknown events and extra fields pass through; `event` comes first.
 */
export interface PbxNotification {
  event: string;
  payload: Record<string, string>;
}

/** What arrived over HTTP, already split by the transport. */
export interface NotificationRequest {
  /** The raw query string, without `?` ('' when none). */
  query: string;
  /** The event name taken from the last path segment (one-path-per-event style), if any. */
  pathEvent?: string;
  /** The request's Content-Type header, if any. */
  contentType?: string;
  /** The raw body ('' / empty for GET). */
  body: Buffer;
}

/** Why a notification was refused; `status` is the HTTP answer. */
export class NotificationError extends Error {
  override name = 'NotificationError';
  constructor(readonly status: 400 | 415, message: string) {
    super(message);
  }
}

/** Event names are identifiers in every vendor version; anything else is not an event. */
const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The query parameter that carries the shared secret; never part of the payload. */
export const TOKEN_PARAMETER = 'token';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a notification in any of the vendor's shapes: a GET query (2016), a POST form or
 * JSON body, the event name in `event=` or as the last path segment (2019 and later).
 * Query fields come first, then body fields; when the path names the event, it wins
 * over an `event` field. Throws a `NotificationError` (400 / 415) for anything else.
 */
export function parseNotification(request: NotificationRequest): PbxNotification {
  const fields = new Map<string, string>();
  try {
    for (const [key, value] of decodeForm(request.query)) {
      if (key !== TOKEN_PARAMETER) fields.set(key, value);
    }
  } catch (err) {
    throw asBadRequest(err, 'query');
  }
  for (const [key, value] of bodyFields(request)) fields.set(key, value);

  const pathEvent = request.pathEvent ? request.pathEvent : undefined;
  const event = pathEvent ?? fields.get('event');
  if (event === undefined || event === '') throw new NotificationError(400, 'no event name (neither ?event= nor a path segment)');
  if (!EVENT_NAME.test(event)) throw new NotificationError(400, `not an event name: "${event.slice(0, 40)}"`);

  const payload: Record<string, string> = { event };
  for (const [key, value] of fields) {
    // defineProperty: a field named `__proto__` is data, not the object's prototype
    if (key !== 'event') Object.defineProperty(payload, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { event, payload };
}

function bodyFields(request: NotificationRequest): Array<[string, string]> {
  if (request.body.length === 0) return [];
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    throw new NotificationError(400, 'the body is not UTF-8 text');
  }
  const type = mediaType(request.contentType);
  const looksJson = /^\s*[[{]/.test(text);
  const plain = type === '' || type === 'text/plain';
  if (type === 'application/json' || type.endsWith('+json') || (plain && looksJson)) return jsonFields(text);
  if (type === 'application/x-www-form-urlencoded' || plain) {
    try {
      return decodeForm(text.trim());
    } catch (err) {
      throw asBadRequest(err, 'form body');
    }
  }
  throw new NotificationError(415, `unsupported content type "${type}" (use a form or JSON)`);
}

function jsonFields(text: string): Array<[string, string]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NotificationError(400, 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NotificationError(400, 'a JSON body must be an object of fields');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, jsonValueAsText(v)]);
}

/**
 * Every payload value is text, as in the vendor's GET/POST: `null` is a missing value
 * (`""`), booleans follow the contract's `t` / `f`, nested values stay readable as JSON.
 */
function jsonValueAsText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function asBadRequest(err: unknown, where: string): NotificationError {
  if (err instanceof FormDecodingError) return new NotificationError(400, `${where}: ${err.message}`);
  throw err;
}
