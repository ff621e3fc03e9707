import { DEFAULT_STATEMENT_TIMEOUT_MS } from './cdr-database';
import { DEFAULT_LIMIT, MAX_LIMIT, isCdrQueryName, type CdrQueryName } from './query-input';

/** A TypedInput property: its text and its type (`msg`, `flow`, `global`, `str`, `env`, …). */
export interface TypedProperty {
  value: string;
  type: string;
}

/** A pbx-cdr node's properties (nodes.md), defaults applied as the editor would. */
export interface CdrNodeProperties {
  query: CdrQueryName;
  number: TypedProperty;
  from: TypedProperty;
  to: TypedProperty;
  callId: TypedProperty;
  limit: number;
  offset: number;
  /** statement_timeout of each query, ms */
  timeoutMs: number;
}

export const MAX_TIMEOUT_MS = 600_000;

const TYPED_DEFAULTS = {
  number: 'payload.number',
  from: 'payload.from',
  to: 'payload.to',
  callId: 'payload.call_id',
} as const;

function typed(def: Record<string, unknown>, name: keyof typeof TYPED_DEFAULTS): TypedProperty {
  const type = typeof def[`${name}Type`] === 'string' && def[`${name}Type`] !== '' ? String(def[`${name}Type`]) : 'msg';
  const raw = def[name];
  const value = raw === undefined || raw === null ? (type === 'msg' ? TYPED_DEFAULTS[name] : '') : String(raw);
  return { value: type === 'msg' && value === '' ? TYPED_DEFAULTS[name] : value, type };
}

function whole(def: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = def[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

export function readCdrNodeProperties(def: Record<string, unknown>): CdrNodeProperties {
  const query = def.query === undefined || def.query === '' ? 'calls' : def.query;
  if (!isCdrQueryName(query)) throw new Error(`query must be calls, missed, stats or call, not ${JSON.stringify(query)}`);
  return {
    query,
    number: typed(def, 'number'),
    from: typed(def, 'from'),
    to: typed(def, 'to'),
    callId: typed(def, 'callId'),
    limit: whole(def, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: whole(def, 'offset', 0, 0, 1_000_000_000),
    timeoutMs: whole(def, 'timeout', DEFAULT_STATEMENT_TIMEOUT_MS, 100, MAX_TIMEOUT_MS),
  };
}

/** Which TypedInputs a query reads (the others are not evaluated, so they cannot fail). */
export function propertiesOf(query: CdrQueryName): Array<'number' | 'from' | 'to' | 'callId'> {
  return query === 'call' ? ['callId'] : ['number', 'from', 'to'];
}
