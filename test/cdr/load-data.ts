import type { Client } from 'pg';
import { ASTERISK_CDR_TABLE, ASTERISK_CEL_TABLE, CDR_COLUMNS, CEL_COLUMNS } from './asterisk-schema';
import type { GenCall } from './call-generator';
import type { TempPostgres } from './temp-postgres';

/** The indexes docs/pbx-cdr.md recommends (the benchmark measures with them). */
export const RECOMMENDED_INDEXES = [
  'CREATE INDEX cdr_start_idx ON cdr (start)',
  'CREATE INDEX cdr_linkedid_idx ON cdr (linkedid)',
  'CREATE INDEX cel_linkedid_idx ON cel (linkedid)',
];

const CDR_TYPES: Record<string, string> = {
  start: 'timestamp', answer: 'timestamp', end: 'timestamp', duration: 'int', billsec: 'int', sequence: 'int',
};
const CEL_TYPES: Record<string, string> = { eventtime: 'timestamp', amaflags: 'int' };

/** Creates the (empty) database. */
export async function createPbxDatabase(admin: Client, database: string): Promise<void> {
  await admin.query(`CREATE DATABASE ${database}`);
}

export async function createAsteriskTables(client: Client): Promise<void> {
  await client.query(ASTERISK_CDR_TABLE);
  await client.query(ASTERISK_CEL_TABLE);
}

/**
 * Bulk load through `unnest` of one array per column: a handful of statements for a million
 * rows, fully parameterised.
 */
async function insertColumns(client: Client, table: string, columns: readonly string[], types: Record<string, string>, rows: Array<Record<string, unknown>>): Promise<void> {
  const chunk = 50_000;
  for (let offset = 0; offset < rows.length; offset += chunk) {
    const slice = rows.slice(offset, offset + chunk);
    const arrays = columns.map((column) => slice.map((row) => row[column]));
    const unnest = columns.map((column, i) => `$${i + 1}::${types[column] ?? 'text'}[]`).join(', ');
    const names = columns.map((column) => `"${column}"`).join(', ');
    await client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
  }
}

export async function loadCalls(client: Client, calls: GenCall[]): Promise<{ cdrRows: number; celRows: number }> {
  const cdr = calls.flatMap((call) => call.legs.map((leg) => leg.values));
  const cel = calls.flatMap((call) => call.cel);
  await insertColumns(client, 'cdr', CDR_COLUMNS, CDR_TYPES, cdr);
  await insertColumns(client, 'cel', CEL_COLUMNS, CEL_TYPES, cel);
  return { cdrRows: cdr.length, celRows: cel.length };
}

export async function createRecommendedIndexes(client: Client): Promise<void> {
  for (const statement of RECOMMENDED_INDEXES) await client.query(statement);
  await client.query('ANALYZE cdr');
  await client.query('ANALYZE cel');
}

/** The read-only user docs/pbx-cdr.md tells the PBX admin to create. */
export async function createReadOnlyUser(client: Client, database: string, user: string, password: string): Promise<void> {
  await client.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
  await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${user}`);
  await client.query(`GRANT USAGE ON SCHEMA public TO ${user}`);
  await client.query(`GRANT SELECT ON cdr, cel TO ${user}`);
}

/**
 * A PBX's call history as docs/pbx-cdr.md sets it up: a database with Asterisk's tables
 * holding `calls`, the recommended indexes, and the read-only user Node-RED logs in as.
 */
export async function createCallHistory(server: TempPostgres, database: string, calls: GenCall[], reader: { user: string; password: string }): Promise<void> {
  await server.withSuperuser('postgres', (admin) => createPbxDatabase(admin, database));
  await server.withSuperuser(database, async (client) => {
    await createAsteriskTables(client);
    await loadCalls(client, calls);
    await createRecommendedIndexes(client);
    await createReadOnlyUser(client, database, reader.user, reader.password);
  });
}
