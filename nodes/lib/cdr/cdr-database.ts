import { Pool, type PoolClient, type QueryConfig, type QueryResult } from 'pg';
import { CdrError, describeDatabaseError, type DatabaseTarget } from './cdr-error';
import { quoteTableName, type Statement } from './sql-params';

/** Where the PBX's PostgreSQL is and how to read it (the pbx-config's database settings). */
export interface CdrDatabaseOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** TLS with the server's certificate verified against the system's CAs. */
  tls: boolean;
  /** IANA zone of the times we output (the pbx-config's timezone). */
  timezone: string;
  /** IANA zone of the wall-clock times cdr_pgsql stored; default `timezone` (UTC with usegmtime=yes). */
  storedTimezone?: string;
  /** default `cdr` (cdr_pgsql.conf `table=`) */
  cdrTable?: string;
  /** default `cel` (cel_pgsql.conf `table=`) */
  celTable?: string;
  /** How long to wait for a connection, ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Connections kept at most (default 4: reports are few and the PBX's database is not ours). */
  maxConnections?: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The connection pool to one PBX database and the one way we query it: a READ ONLY
 * transaction whose statement_timeout and TimeZone are set for that transaction only, so
 * nodes with different timeouts can share the pool and nothing we send can change data.
 */
export class CdrDatabase {
  readonly cdrTable: string;
  readonly celTable: string;
  readonly timezone: string;
  readonly storedTimezone: string;
  private readonly pool: Pool;
  private ended = false;

  constructor(private readonly options: CdrDatabaseOptions) {
    if (options.host === '') throw new CdrError('config', 'the pbx-config has no database host (dbHost): set the address of the PBX\'s PostgreSQL');
    if (options.database === '') throw new CdrError('config', 'the pbx-config has no database name (dbName): set the database cdr_pgsql writes to (cdr_pgsql.conf dbname=)');
    if (options.user === '') throw new CdrError('config', 'the pbx-config has no database user (dbUser): create a read-only user as docs/pbx-cdr.md shows');
    this.cdrTable = options.cdrTable ?? 'cdr';
    this.celTable = options.celTable ?? 'cel';
    quoteTableName(this.cdrTable);
    quoteTableName(this.celTable);
    this.timezone = options.timezone;
    this.storedTimezone = options.storedTimezone ?? options.timezone;
    this.pool = new Pool({
      host: options.host,
      port: options.port,
      database: options.database,
      user: options.user,
      password: options.password,
      ssl: options.tls ? { rejectUnauthorized: true, servername: options.host } : false,
      max: options.maxConnections ?? 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'node-red-pbx-cdr',
    });
    // An idle connection can fail (server restart); without a listener that would crash Node-RED.
    this.pool.on('error', () => undefined);
  }

  /** The quoted cdr table, for query builders. */
  get quotedCdrTable(): string {
    return quoteTableName(this.cdrTable);
  }

  /**
   * Runs statements in one read-only transaction and returns their results in order. Errors
   * come back as CdrError saying what to fix.
   */
  async read(statements: Statement[], timeoutMs: number = DEFAULT_STATEMENT_TIMEOUT_MS): Promise<QueryResult[]> {
    if (this.ended) throw new CdrError('config', 'the database connection was closed (the flow is being redeployed)');
    const target = this.target(timeoutMs);
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw describeDatabaseError(err, target);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      // For this transaction only: JIT compiling our few large statements costs seconds and saves
      // nothing; nested loops are off because PostgreSQL cannot estimate the size of a set of
      // calls built by aggregating legs (it guesses one row) and a nested loop over thousands
      // of calls takes minutes where a hash join takes milliseconds; a month of legs sorts in
      // memory with 32 MB instead of spilling to disk.
      await client.query(
        "SELECT set_config('statement_timeout', $1::text, true), set_config('TimeZone', $2::text, true), " +
          "set_config('jit', 'off', true), set_config('enable_nestloop', 'off', true), set_config('work_mem', '32MB', true)",
        [
        String(Math.max(1, Math.round(timeoutMs))),
        this.timezone,
      ]);
      const results: QueryResult[] = [];
      for (const statement of statements) {
        // pg honours a per-query query_timeout (its types omit it): a client-side guard that only
        // fires when the server cannot even cancel the statement (a dead network).
        const query: QueryConfig & { query_timeout: number } = { text: statement.text, values: statement.values, query_timeout: timeoutMs + 10_000 };
        results.push(await client.query(query));
      }
      await client.query('COMMIT');
      return results;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw describeDatabaseError(err, target);
    } finally {
      client.release(broken);
    }
  }

  /** Closes every connection; later queries fail with a clear error. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  private target(timeoutMs: number): DatabaseTarget {
    return {
      host: this.options.host,
      port: this.options.port,
      database: this.options.database,
      user: this.options.user,
      cdrTable: this.cdrTable,
      timeoutMs,
    };
  }
}
