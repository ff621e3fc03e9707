/**
 * `npm run bench`: every benchmark, each suite in a fresh Node.js process (its own heap and
 * JIT, the flags it needs), one table at the end. Results also go to `bench/results/`.
 *
 *   node dist/bench/run.js                   everything (about 8 minutes on 2 cores)
 *   node dist/bench/run.js --quick           a few seconds per suite, to check the harness
 *   node dist/bench/run.js --only=ingest,latency
 *   node dist/bench/run.js --runs=7
 *   node dist/bench/run.js --cpu-prof        each suite process also writes a V8 CPU profile
 *   node --cpu-prof dist/bench/run.js --child ingest    one suite in this process, table printed
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { renderMarkdown, renderText, type Row } from './lib/table';
import type { Scale, Suite, SuiteOptions, SuiteResult } from './lib/suite';

interface SuiteEntry {
  name: string;
  /** Compiled module (relative to dist/bench) exporting `run: Suite`. */
  module: string;
  execArgv: string[];
  /** What it is, for the progress line. */
  title: string;
}

const SUITES: SuiteEntry[] = [
  { name: 'ingest', module: './suites/ingest', execArgv: [], title: '1. ingest (AMI → pbx-config → pbx-event in Node-RED)' },
  { name: 'latency', module: './suites/latency', execArgv: [], title: '2. latency (AMI frame → pbx-event → pbx-notify → HTTP receiver)' },
  { name: 'delivery', module: './suites/delivery', execArgv: [], title: '3. delivery (pbx-notify vs core http request)' },
  { name: 'memory', module: './suites/memory', execArgv: ['--expose-gc'], title: '4. memory (correlator, 1 000 000 calls / 10 000 live calls)' },
  { name: 'scaling', module: './suites/scaling', execArgv: ['--expose-gc'], title: '5. scaling (concurrent calls, PBX connections)' },
  { name: 'cdr', module: './suites/cdr', execArgv: [], title: '6. pbx-cdr stats query (bench/cdr.ts)' },
];

const RESULTS_DIR = path.join(__dirname, '..', '..', 'bench', 'results');

function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function machine(): string {
  const cpus = os.cpus();
  const gb = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${gb} GiB RAM, ${os.type()} ${os.release()}, Node.js ${process.version}`;
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** `--cpu-prof`: every suite process also writes a V8 CPU profile to bench/results/profiles/. */
const PROFILE_ARGS = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS_DIR, 'profiles')}`] : [];

/** Runs one suite in a child process and returns what it reported. */
function runChild(entry: SuiteEntry, scale: Scale, runs: number): Promise<SuiteResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', entry.name, `--scale=${scale}`, `--runs=${runs}`], {
      execArgv: [...entry.execArgv, ...PROFILE_ARGS],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: SuiteResult | undefined;
    child.on('message', (message: { result?: SuiteResult; error?: string }) => {
      if (message.result) result = message.result;
      if (message.error) reject(new Error(message.error));
    });
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${entry.name} exited with ${code} and no result`))));
  });
}

async function main(): Promise<void> {
  const scale: Scale = process.argv.includes('--quick') ? 'quick' : 'full';
  const runs = Number(argValue('runs') ?? (scale === 'quick' ? 2 : 5));
  const only = argValue('only')?.split(',');
  const selected = SUITES.filter((s) => !only || only.includes(s.name));
  const started = Date.now();
  const header = [
    `Benchmarks (${scale}, ${runs} runs per figure) — ${new Date().toISOString()}`,
    `Machine: ${machine()}`,
    `Load average (1/5/15 min) at start: ${load()}`,
  ];
  process.stderr.write(header.join('\n') + '\n');
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const entry of selected) {
    const t0 = Date.now();
    process.stderr.write(`\n▶ ${entry.title} — load ${load()}\n`);
    try {
      const result = await runChild(entry, scale, runs);
      rows.push(...result.rows);
      notes.push(...result.notes);
    } catch (err) {
      notes.push(`${entry.name}: FAILED — ${(err as Error).message}`);
      process.stderr.write(`  ${entry.name} failed: ${(err as Error).message}\n`);
    }
    process.stderr.write(`  ${entry.name} took ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const footer = `Load average at end: ${load()}; total ${((Date.now() - started) / 1000).toFixed(0)} s`;
  const text = [...header, '', renderText(rows), '', footer, '', ...notes].join('\n');
  process.stdout.write(`\n${text}\n`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const markdown = [...header.map((h) => `${h}  `), '', renderMarkdown(rows), '', footer, '', '```', ...notes, '```', ''].join('\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'last-run.md'), markdown);
  fs.writeFileSync(path.join(RESULTS_DIR, `run-${stamp}.json`), JSON.stringify({ header, rows, notes, footer }, null, 2));
}

/** In a suite's child process: run it and send the result back. */
async function child(name: string): Promise<void> {
  const entry = SUITES.find((s) => s.name === name);
  if (!entry) throw new Error(`no suite ${name}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const suite = (require(entry.module) as { run: Suite }).run;
  const options: SuiteOptions = {
    scale: (argValue('scale') as Scale) ?? 'full',
    runs: Number(argValue('runs') ?? 5),
    log: (line) => process.stderr.write(`  ${line}\n`),
  };
  const result = await suite(options);
  if (process.send) {
    await new Promise<void>((resolve) => process.send!({ result }, () => resolve()));
  } else {
    // Started by hand (e.g. `node --cpu-prof dist/bench/run.js --child ingest`): print it.
    process.stdout.write(`${renderText(result.rows)}\n\n${result.notes.join('\n')}\n`);
  }
  // Node-RED leaves timers behind; exit (a --cpu-prof profile is still written on exit).
  process.exit(0);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex !== -1) {
  child(process.argv[childIndex + 1]).catch((err: unknown) => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.send?.({ error: message }, () => process.exit(1));
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
