import { DEFAULT_STATEMENT_TIMEOUT_MS } from './cdr-database';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, isCdrQueryName, type CdrQueryName } from './query-input';

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
  /** TypedInputs, `num` by default (100, 0); a `num` value is checked at deploy, others per message. */
  limit: TypedProperty;
  offset: TypedProperty;
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

/**
 * A paging TypedInput (`limit`, `offset`): type `num` unless `<name>Type` says otherwise (flows
 * from before it was a TypedInput have no type and a number). A `num` is checked here, so that a
 * bad one stops the node at deploy; msg/flow/global/env values are checked per message by the
 * query (readPaging).
 */
function paging(def: Record<string, unknown>, name: 'limit' | 'offset', fallback: number, min: number, max: number): TypedProperty {
  const rawType = def[`${name}Type`];
  const type = typeof rawType === 'string' && rawType !== '' ? rawType : 'num';
  if (type === 'num') return { value: String(whole(def, name, fallback, min, max)), type };
  const raw = def[name];
  const value = raw === undefined || raw === null ? '' : String(raw);
  if (value.trim() === '') throw new Error(`${name} of type ${type} needs a name to read the value from`);
  return { value, type };
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
    limit: paging(def, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: paging(def, 'offset', 0, 0, MAX_OFFSET),
    timeoutMs: whole(def, 'timeout', DEFAULT_STATEMENT_TIMEOUT_MS, 100, MAX_TIMEOUT_MS),
  };
}

export type CdrInputProperty = 'number' | 'from' | 'to' | 'callId' | 'limit' | 'offset';

/** Which TypedInputs a query reads (the others are not evaluated, so they cannot fail). */
export function propertiesOf(query: CdrQueryName): CdrInputProperty[] {
  return query === 'call' ? ['callId'] : ['number', 'from', 'to', 'limit', 'offset'];
}
