/**
 * Values as every node of the package writes them (nodes.md, "Values and times"): times ISO 8601
 * with the zone's offset and microseconds with trailing zeros trimmed (one digit kept), booleans
 * `t` / `f`, a missing value `""`; counts and durations stay numbers.
 */
export type CdrValue = string | number;
export type CdrRow = Record<string, CdrValue>;

/** `2025-03-01T10:00:00.950000+01:00` → `2025-03-01T10:00:00.95+01:00`. */
export function trimIsoFraction(iso: string): string {
  return iso.replace(/\.(\d+)(?=[+-]\d\d:\d\d$)/, (_, digits: string) => `.${digits.replace(/0+$/, '') || '0'}`);
}

/** The name part of Asterisk's `clid` (`"Alice" <101>` → `Alice`); "" when there is none. */
export function callerNameFromClid(clid: unknown): string {
  if (typeof clid !== 'string') return '';
  const quoted = /^\s*"(.*)"\s*<[^>]*>\s*$/.exec(clid);
  if (quoted) return quoted[1];
  const bare = /^\s*(.*?)\s*<[^>]*>\s*$/.exec(clid);
  return bare ? bare[1] : '';
}

/**
 * One database row as a result object: `timeFields` trimmed, booleans as t/f, NULL as "",
 * a `clid` column (`caller_clid`) replaced by the caller's name in the same place.
 */
export function shapeRow(row: Record<string, unknown>, timeFields: ReadonlySet<string>): CdrRow {
  const out: CdrRow = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'caller_clid') {
      out.caller_name = callerNameFromClid(value);
    } else if (value === null || value === undefined) {
      out[key] = '';
    } else if (typeof value === 'boolean') {
      out[key] = value ? 't' : 'f';
    } else if (typeof value === 'number') {
      out[key] = value;
    } else if (typeof value === 'string') {
      out[key] = timeFields.has(key) ? trimIsoFraction(value) : value;
    } else {
      out[key] = String(value);
    }
  }
  return out;
}

/** A CEL row (any columns) as an event object: `ts` first, then Asterisk's columns, `eventtime` and `id` dropped. */
export function shapeCelEvent(event: Record<string, unknown>, ts: string): CdrRow {
  const out: CdrRow = { ts: trimIsoFraction(ts) };
  for (const [key, value] of Object.entries(event)) {
    if (key === 'eventtime' || key === 'id') continue;
    out[key] = value === null || value === undefined ? '' : typeof value === 'number' ? value : String(value);
  }
  return out;
}
