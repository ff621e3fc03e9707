import type { PbxSettings } from '../settings';
import { CdrDatabase, type CdrDatabaseOptions } from './cdr-database';

export function databaseOptionsFrom(settings: PbxSettings): CdrDatabaseOptions {
  return {
    host: settings.dbHost,
    port: settings.dbPort,
    database: settings.dbName,
    user: settings.dbUser,
    password: settings.dbPassword,
    tls: settings.dbTls,
    timezone: settings.timezone,
    storedTimezone: settings.dbTimezone,
    cdrTable: settings.dbCdrTable,
    celTable: settings.dbCelTable,
  };
}

/**
 * The one database pool of a pbx-config, shared by its pbx-cdr nodes (kept with
 * `config.shared('cdr-pool', …)`). Nodes acquire it when they start and release it when they
 * close; the last release ends the pool, so a redeploy or a removed flow leaves no connection
 * open. New settings (a changed dbPassword) replace the pool.
 */
export class CdrPool {
  private database: CdrDatabase | null = null;
  private key = '';
  private readonly users = new Set<string>();

  constructor(private readonly open: (options: CdrDatabaseOptions) => CdrDatabase = (options) => new CdrDatabase(options)) {}

  acquire(userId: string, options: CdrDatabaseOptions): CdrDatabase {
    const key = JSON.stringify(options);
    if (this.database !== null && this.key !== key) {
      void this.database.end();
      this.database = null;
    }
    if (this.database === null) {
      this.database = this.open(options);
      this.key = key;
    }
    this.users.add(userId);
    return this.database;
  }

  async release(userId: string): Promise<void> {
    this.users.delete(userId);
    if (this.users.size > 0 || this.database === null) return;
    const database = this.database;
    this.database = null;
    await database.end();
  }

  /** The pbx-config was removed (shared-registry calls this): close whatever is still open. */
  dispose(): void {
    this.users.clear();
    const database = this.database;
    this.database = null;
    void database?.end();
  }

  get userCount(): number {
    return this.users.size;
  }

  get isOpen(): boolean {
    return this.database !== null;
  }
}
