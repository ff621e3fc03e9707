import { CdrError } from './cdr-error';

export const CDR_QUERIES = ['calls', 'missed', 'stats', 'call'] as const;
export type CdrQueryName = (typeof CDR_QUERIES)[number];

export function isCdrQueryName(value: unknown): value is CdrQueryName {
  return typeof value === 'string' && (CDR_QUERIES as readonly string[]).includes(value);
}

/** What a message may give a query; each value is checked before it goes anywhere near SQL. */
export interface CdrQueryInput {
  number?: unknown;
  from?: unknown;
  to?: unknown;
  callId?: unknown;
  limit?: unknown;
  offset?: unknown;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
export const MAX_OFFSET = 1_000_000_000;
/** Without `from`, a range covers the day before `to`. */
export const DEFAULT_RANGE_MS = 24 * 60 * 60 * 1000;

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface Paging {
  limit: number;
  offset: number;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value instanceof Date) return 'an invalid Date';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function missing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Text that PostgreSQL can compare: no control characters (NUL is refused by PostgreSQL anyway). */
function plainText(name: string, value: unknown, maxLength: number): string {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw new CdrError('input', `${name} must be text, not ${describe(value)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new CdrError('input', `${name} ${describe(text)} contains control characters`);
  if (text.length > maxLength) throw new CdrError('input', `${name} is longer than ${maxLength} characters`);
  return text;
}

/** A phone number or extension (cdr's src/dst are varchar(80)); undefined when absent. */
export function readNumber(value: unknown, required: boolean): string | undefined {
  if (missing(value)) {
    if (required) throw new CdrError('input', 'number is required: the phone number or extension whose calls to list (msg.payload.number by default)');
    return undefined;
  }
  return plainText('number', value, 80);
}

/** A call_id (the Linkedid pbx-event reported; cdr.linkedid is varchar(150)). */
export function readCallId(value: unknown): string {
  if (missing(value)) throw new CdrError('input', 'call_id is required: the call_id pbx-event reported (msg.payload.call_id by default)');
  return plainText('call_id', value, 150);
}

function readCount(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (missing(value)) return fallback;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new CdrError('input', `${name} must be a whole number from ${min} to ${max}, not ${describe(value)}`);
  }
  return number;
}

export function readPaging(limit: unknown, offset: unknown): Paging {
  return {
    limit: readCount('limit', limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: readCount('offset', offset, 0, 0, MAX_OFFSET),
  };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A time given to a query: a Date, epoch milliseconds, or ISO 8601 text. Text without an offset
 * (`2025-03-01`, `2025-03-01T08:00`) is wall-clock time in the PBX's zone.
 */
export function readTime(name: string, value: unknown, timeZone: string): Date | undefined {
  if (missing(value)) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new CdrError('input', `${name} is an invalid Date`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CdrError('input', `${name} must be a time, not ${describe(value)}`);
    return new Date(value);
  }
  const text = typeof value === 'string' ? value.trim() : '';
  const match = ISO_TIME.exec(text);
  if (typeof value !== 'string' || !match) {
    throw new CdrError('input', `${name} must be an ISO 8601 time such as 2025-03-01T08:00:00+01:00 (or epoch milliseconds), not ${describe(value)}`);
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new CdrError('input', `${name} ${describe(text)} is not a valid date and time`);
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (offset === undefined) return new Date(wallClockToEpoch(wall, timeZone));
  if (offset.toUpperCase() === 'Z') return new Date(wall);
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return new Date(wall - sign * minutes * 60_000);
}

/** The range of a query; `to` defaults to now and `from` to a day before `to`. */
export function readRange(from: unknown, to: unknown, timeZone: string, now: Date = new Date()): TimeRange {
  const end = readTime('to', to, timeZone) ?? now;
  const start = readTime('from', from, timeZone) ?? new Date(end.getTime() - DEFAULT_RANGE_MS);
  if (start.getTime() >= end.getTime()) {
    throw new CdrError('input', `from (${start.toISOString()}) must be before to (${end.toISOString()})`);
  }
  return { from: start, to: end };
}

/** The zone's offset from UTC in milliseconds at an instant. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  for (const part of format.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time in a zone stands for, as PostgreSQL decides it (so that times
 * we are given and times it converts agree): in the hour a DST change repeats, the later
 * (standard time) instant; in the hour it skips, the offset from before the change.
 */
export function wallClockToEpoch(wallMs: number, timeZone: string): number {
  const day = 86_400_000;
  const before = wallMs - zoneOffsetMs(wallMs - day, timeZone);
  const after = wallMs - zoneOffsetMs(wallMs + day, timeZone);
  const valid = [before, after].filter((t) => t + zoneOffsetMs(t, timeZone) === wallMs);
  return valid.length > 0 ? Math.max(...valid) : before;
}
