import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A Node-RED started as its own process, as a user would run it. */
export interface NodeRedProcess {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What it printed so far (only when started with `output: 'pipe'`). */
  log(): string;
  /** SIGINT (Node-RED stops its flows and exits), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface NodeRedOptions {
  userDir: string;
  /** 0 = a free port. */
  port: number;
  /** `inherit`: Node-RED's log on this terminal; `pipe`: kept for `log()`. */
  output?: 'inherit' | 'pipe';
  /** Settings given as `-D key=value` on top of the user directory's settings.js. */
  define?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export async function startNodeRed(options: NodeRedOptions): Promise<NodeRedProcess> {
  const port = options.port || (await freePort());
  const args = [require.resolve('node-red/red.js'), '--userDir', options.userDir, '--port', String(port)];
  for (const [key, value] of Object.entries(options.define ?? {})) args.push('-D', `${key}=${value}`);
  const output = options.output ?? 'pipe';
  const child = spawn(process.execPath, args, {
    stdio: output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  const processHandle: NodeRedProcess = {
    url,
    port,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntilServing(url, child, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await processHandle.stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return processHandle;
}

/** Polls the admin API until it answers (the editor and the flows are then up). */
async function waitUntilServing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}settings`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Node-RED did not answer on ${url} within ${timeoutMs} ms`);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
