import { formatRatio, formatSpread, type Spread } from './stats';

/** One line of the benchmark table: a figure, its baseline measured in the same run, the ratio. */
export interface Row {
  section: string;
  figure: string;
  unit: string;
  value: Spread;
  baseline?: { name: string; value: Spread };
  /** value / baseline, run by run (pairs measured back to back). */
  ratio?: Spread;
  target?: string;
  /** true / false when there is a target; null when there is none or it could not be measured. */
  met?: boolean | null;
  note?: string;
  /** What the runs column says when it is not the number of values (e.g. samples of one run). */
  runsLabel?: string;
  /** Runs that did not complete (not in the figures; the notes say why). */
  failed?: number;
}

const HEADERS = ['#', 'figure', 'min / median / max', 'baseline (same run)', 'ratio', 'target', 'met', 'runs'];

function cells(row: Row): string[] {
  const met = row.met === undefined || row.met === null ? '' : row.met ? 'yes' : 'NO';
  return [
    row.section,
    row.figure,
    formatSpread(row.value, row.unit),
    row.baseline ? `${row.baseline.name}: ${formatSpread(row.baseline.value, row.unit)}` : '',
    row.ratio ? formatRatio(row.ratio) : '',
    row.target ?? '',
    met,
    (row.runsLabel ?? String(row.value.runs)) + (row.failed ? ` + ${row.failed} FAILED` : '') + (row.note ? ` (${row.note})` : ''),
  ];
}

/** A fixed-width text table for the terminal. */
export function renderText(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join(' │ ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [line(HEADERS), rule];
  let section = '';
  for (let i = 0; i < rows.length; i++) {
    const top = rows[i].section.split('.')[0];
    if (section && top !== section) out.push(rule);
    section = top;
    out.push(line(body[i]));
  }
  return out.join('\n');
}

/** The same table in Markdown, for BENCHMARKS.md. */
export function renderMarkdown(rows: readonly Row[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const out = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const row of rows) out.push(`| ${cells(row).map(esc).join(' | ')} |`);
  return out.join('\n');
}
