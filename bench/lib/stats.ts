/** Summaries of repeated measurements: the table shows min / median / max of each figure. */

export interface Spread {
  runs: number;
  min: number;
  median: number;
  max: number;
}

/** Runs that failed are recorded as NaN: how many there are. */
export function failures(values: readonly number[] | undefined): number {
  return (values ?? []).filter((v) => !Number.isFinite(v)).length;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { runs: 0, min: NaN, median: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  return { runs: sorted.length, min: sorted[0], median: quantile(sorted, 0.5), max: sorted[sorted.length - 1] };
}

/** Quantile of an ascending array, linear interpolation between the nearest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (pos - lower);
}

/** Nanoseconds between two `process.hrtime.bigint()` readings, as milliseconds. */
export function msBetween(startNs: bigint, endNs: bigint): number {
  return Number(endNs - startNs) / 1e6;
}

/** Human numbers for the table: 12 345, 1.23, 0.0123. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(Math.max(1, digits - 1));
}

export function formatSpread(s: Spread, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (s.runs === 0) return '–';
  if (s.runs === 1 || s.min === s.max) return `${formatNumber(s.median)}${u}`;
  return `${formatNumber(s.min)} / ${formatNumber(s.median)} / ${formatNumber(s.max)}${u}`;
}

export function formatRatio(s: Spread): string {
  if (s.runs === 0 || !Number.isFinite(s.median)) return '–';
  const f = (v: number): string => `${v.toFixed(2)}×`;
  if (s.runs === 1 || s.min === s.max) return f(s.median);
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)}`;
}
