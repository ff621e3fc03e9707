import { runCdrBench } from '../cdr';
import type { Suite } from '../lib/suite';

/**
 * 6. pbx-cdr: the `stats` query of one month over a CDR table in a real PostgreSQL
 * (bench/cdr.ts, which starts the database, loads the rows and times the query).
 */
export const run: Suite = async ({ scale, runs, log }) => {
  const rows = scale === 'quick' ? 50_000 : Number(process.env.BENCH_CDR_ROWS ?? 1_000_000);
  const result = await runCdrBench({ rows, runs, log });
  return {
    rows: [
      {
        section: '6',
        figure: `pbx-cdr: ${result.name}, ${result.tableRows.toLocaleString('en-US')} CDR rows`,
        unit: 'ms',
        value: { runs: result.runs, min: result.min, median: result.median, max: result.max },
        note: 'no baseline',
      },
    ],
    notes: [
      `pbx-cdr (bench/cdr.ts): ${result.tableRows} CDR rows in a PostgreSQL started for the run, ${result.monthRows} of them in the month queried, ` +
        `${result.resultRows} result rows; setup (start, load, index) ${result.setupSeconds.toFixed(0)} s, not timed.`,
    ],
  };
};
