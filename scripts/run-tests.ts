/**
 * `npm test` (after the build): every compiled test file (`*.test.js` anywhere under dist/test/),
 * sorted, one file at a time, in one `node --test` run; its output and exit code are ours.
 *
 * The files are listed here because `node --test <directory>` means different things across
 * Node versions: Node 20 walks the directory (and also loads every helper module in a folder
 * named `test` as a test file), Node 21+ takes the argument as a glob and finds nothing.
 * Extra arguments are passed to `node --test` (`npm test -- --test-name-pattern=backoff`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TEST_ROOT = path.join(__dirname, '..', 'test');

function testFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...testFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) files.push(full);
  }
  return files;
}

const files = fs.existsSync(TEST_ROOT) ? testFiles(TEST_ROOT).map((file) => path.relative(process.cwd(), file)).sort() : [];
if (files.length === 0) {
  console.error(`no *.test.js under ${TEST_ROOT}: run \`npm run build\` first`);
  process.exit(1);
}

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
// Ctrl+C reaches the child through the terminal: wait for its report and exit code. A kill
// of this process alone is passed on.
process.on('SIGINT', () => undefined);
for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) console.error(`node --test ended by ${signal}`);
  process.exit(code ?? 1);
});
