import { percentEncode, valueAsText } from './template';

/**
 * The vendor's notification format (spec/pbx-api.md §2): the payload's fields in their
 * order as `key=value` pairs joined by `&`, percent-encoded — the query of a GET or the
 * `application/x-www-form-urlencoded` body of a POST. A missing value is sent empty with
 * its key kept; booleans are `t` / `f` as in the contract.
 *
 * `event=dial&ts=2016-01-21T13%3A09%3A25.95104%2B01%3A00&call_id=1453378165.749958&…`
 */
export function vendorQuery(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(vendorValue(value))}`)
    .join('&');
}

export function vendorValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return valueAsText(value);
}

/**
 * Appends a query to a URL that may already have one: `?` or `&` as needed, before any
 * `#fragment`. An empty query leaves the URL as it is.
 */
export function appendQuery(url: string, query: string): string {
  if (query === '') return url;
  const hashAt = url.indexOf('#');
  const base = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}
