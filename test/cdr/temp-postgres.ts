import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server binaries (`.ci/run` installs postgresql-15). */
export const PG_BIN = process.env.PBX_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throw-away PostgreSQL server for tests and benchmarks: `initdb` into a temporary folder,
 * listening on 127.0.0.1 only, on a free port, with password (SCRAM) authentication so that
 * wrong credentials really fail. initdb refuses to run as root, so on a root machine (CI) the
 * server runs as the unprivileged `postgres` user, which owns the folder.
 */
export class TempPostgres {
  readonly superuser = 'postgres';
  readonly superPassword = randomBytes(12).toString('hex');

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly runAs: string | null,
  ) {}

  static async start(options: { fast?: boolean } = {}): Promise<TempPostgres> {
    if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) {
      throw new Error(`PostgreSQL 15 server binaries not found in ${PG_BIN} (apt-get install postgresql-15)`);
    }
    const runAs = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-cdr-pg-'));
    if (runAs !== null) {
      const uid = Number(execFileSync('id', ['-u', runAs]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', runAs]).toString().trim());
      fs.chownSync(dir, uid, gid);
    }
    const server = new TempPostgres(dir, await freePort(), runAs);
    try {
      await server.init(options.fast ?? true);
    } catch (err) {
      server.removeFolder();
      throw err;
    }
    liveServers.add(server);
    return server;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** A client config for this server (the superuser unless told otherwise). */
  clientConfig(overrides: { user?: string; password?: string; database?: string } = {}) {
    return {
      host: '127.0.0.1',
      port: this.port,
      user: overrides.user ?? this.superuser,
      password: overrides.password ?? this.superPassword,
      database: overrides.database ?? 'postgres',
    };
  }

  /** Runs statements as the superuser on one database (schema set-up, data loading). */
  async withSuperuser<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client(this.clientConfig({ database }));
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Stops the server (immediate mode: it is thrown away) and deletes its folder. */
  async stop(): Promise<void> {
    if (!liveServers.has(this)) return;
    liveServers.delete(this);
    try {
      await this.pgCtl(['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      this.removeFolder();
    }
  }

  private async init(fast: boolean): Promise<void> {
    const pwFile = path.join(this.dir, 'pw');
    fs.writeFileSync(pwFile, this.superPassword, { mode: 0o600 });
    this.chownToServerUser(pwFile);
    await this.exec('initdb', [
      '-D', this.dataDir, '-U', this.superuser, '--pwfile', pwFile,
      '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C', '--no-sync',
    ]);
    const settings = [
      `-c listen_addresses=127.0.0.1`, `-p ${this.port}`, `-k ${this.dir}`,
      // Durability does not matter for a throw-away server; speed does.
      ...(fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    ].join(' ');
    await this.pgCtl(['-D', this.dataDir, '-o', settings, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  private pgCtl(args: string[]): Promise<unknown> {
    return this.exec('pg_ctl', args);
  }

  private async exec(binary: string, args: string[]): Promise<void> {
    const file = path.join(PG_BIN, binary);
    const [command, commandArgs] = this.runAs === null ? [file, args] : ['runuser', ['-u', this.runAs, '--', file, ...args]];
    try {
      await run(command, commandArgs, { cwd: this.dir, timeout: 60_000 });
    } catch (err) {
      const log = path.join(this.dir, 'server.log');
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
      const detail = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`${binary} failed: ${(err as Error).message}\n${detail}\n${tail}`);
    }
  }

  private chownToServerUser(file: string): void {
    if (this.runAs === null) return;
    const stat = fs.statSync(this.dir);
    fs.chownSync(file, stat.uid, stat.gid);
  }

  private removeFolder(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the test process exits without stop(): kill the postmaster by its pid. */
  killNow(): void {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
    this.removeFolder();
  }
}

const liveServers = new Set<TempPostgres>();
process.on('exit', () => {
  for (const server of liveServers) server.killNow();
});

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
