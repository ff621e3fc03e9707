/**
 * pbx-cdr benchmark: the `stats` query (per day and per extension) for one month, on a table
 * of 1 000 000 Asterisk CDR rows (three months of a busy PBX), with the indexes docs/pbx-cdr.md
 * recommends, through the package's own CdrQueries over a real PostgreSQL 15 started for the run.
 *
 *   npm run build && node dist/bench/cdr.js [rows] [runs]
 */
import { CdrDatabase } from '../nodes/lib/cdr/cdr-database';
import { CdrQueries, cdrRulesFrom } from '../nodes/lib/cdr/cdr-queries';
import { readSettings } from '../nodes/lib/settings';
import { CallGenerator, countRows } from '../test/cdr/call-generator';
import { createAsteriskTables, createReadOnlyUser, createRecommendedIndexes, loadCalls } from '../test/cdr/load-data';
import { TempPostgres } from '../test/cdr/temp-postgres';

export interface CdrBenchResult {
  name: string;
  unit: 'ms';
  runs: number;
  median: number;
  min: number;
  max: number;
  /** rows in the cdr table */
  tableRows: number;
  /** cdr rows whose call started in the month queried */
  monthRows: number;
  /** rows the query returned (days × (PBX + extensions)) */
  resultRows: number;
  setupSeconds: number;
}

export interface CdrBenchOptions {
  rows?: number;
  runs?: number;
  log?: (line: string) => void;
}

const ZONE = 'Europe/Prague';
const DAYS = 90;
const FIRST_DAY = '2025-01-01';
/** Generated calls have about 2.7 CDR rows each, callbacks included (ring groups and queues have several). */
const ROWS_PER_CALL = 2.7;

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runCdrBench(options: CdrBenchOptions = {}): Promise<CdrBenchResult> {
  const targetRows = options.rows ?? 1_000_000;
  const runs = options.runs ?? 5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const setupStarted = Date.now();
  const server = await TempPostgres.start();
  let database: CdrDatabase | undefined;
  try {
    await server.withSuperuser('postgres', (admin) => admin.query('CREATE DATABASE asterisk'));
    let tableRows = 0;
    await server.withSuperuser('asterisk', async (client) => {
      await createAsteriskTables(client);
      // Ten days at a time, so that a million rows never sit in memory at once; a few days more
      // if chance made the calls shorter than average.
      const callsPerDay = Math.round(targetRows / ROWS_PER_CALL / DAYS);
      for (let day = 0; day < DAYS || tableRows < targetRows; day += 10) {
        const first = new Date(Date.parse(`${FIRST_DAY}T12:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
        const days = day < DAYS ? Math.min(10, DAYS - day) : 1;
        const calls = new CallGenerator({ seed: 1000 + day, firstDay: first, days, callsPerDay, timezone: ZONE }).generate();
        if (countRows(calls) === 0) throw new Error('the generator made no calls');
        tableRows += (await loadCalls(client, calls)).cdrRows;
        log(`cdr bench: ${tableRows} rows loaded`);
      }
      await createRecommendedIndexes(client);
      await createReadOnlyUser(client, 'asterisk', 'pbx_reader', 'bench');
    });
    const monthRows = await server.withSuperuser('asterisk', async (client) => {
      const result = await client.query("SELECT count(*)::int AS n FROM cdr WHERE start >= '2025-02-01' AND start < '2025-03-01'");
      return result.rows[0].n as number;
    });
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    log(`cdr bench: ${tableRows} rows, ${monthRows} in February, ready in ${setupSeconds.toFixed(1)} s`);

    const settings = readSettings({ timezone: ZONE });
    database = new CdrDatabase({ host: '127.0.0.1', port: server.port, database: 'asterisk', user: 'pbx_reader', password: 'bench', tls: false, timezone: ZONE });
    const queries = new CdrQueries(database, cdrRulesFrom(settings));
    const input = { from: '2025-02-01', to: '2025-03-01', limit: 10_000 };
    const warm = await queries.run('stats', input, { timeoutMs: 300_000 });
    const times: number[] = [];
    let resultRows = warm.rows.length;
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const result = await queries.run('stats', input, { timeoutMs: 300_000 });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      resultRows = result.rows.length;
      log(`cdr bench: run ${i + 1}/${runs}: ${times[i].toFixed(0)} ms`);
    }
    times.sort((a, b) => a - b);
    return {
      name: 'pbx-cdr stats, one month (per day and extension)',
      unit: 'ms', runs, median: median(times), min: times[0], max: times[times.length - 1],
      tableRows, monthRows, resultRows, setupSeconds,
    };
  } finally {
    await database?.end();
    await server.stop();
  }
}

if (require.main === module) {
  const rows = process.argv[2] ? Number(process.argv[2]) : undefined;
  const runs = process.argv[3] ? Number(process.argv[3]) : undefined;
  runCdrBench({ rows, runs }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
