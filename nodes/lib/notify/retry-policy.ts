/**
 * When a failed attempt is worth repeating. A receiver that is down, overloaded (5xx),
 * slow (408) or rate-limiting (429) may accept the same request later; any other 4xx says
 * the request itself is wrong, and repeating it would only repeat the refusal.
 */
export type StatusVerdict = 'delivered' | 'retry' | 'refused';

export function verdictForStatus(status: number): StatusVerdict {
  if (status < 400) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}

/**
 * `Retry-After` as a delay in ms: either seconds (`120`) or an HTTP date. Undefined when
 * absent or unreadable; a date in the past is 0.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffOptions {
  /** delay before the 2nd attempt, ms */
  baseDelayMs: number;
  /** the delay never grows beyond this, ms */
  maxDelayMs: number;
  /** 0..1; spreads retries of many calls so a recovering receiver is not hit all at once */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 1000, maxDelayMs: 5 * 60_000, jitter: 0.2 };

/** Exponential backoff: base, 2×base, 4×base, … up to the maximum, ± jitter. */
export function backoffDelay(failedAttempts: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const delay = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(exponent, 30));
  const spread = delay * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(delay + spread));
}
