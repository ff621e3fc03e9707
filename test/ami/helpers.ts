import * as path from 'node:path';
import { AmiServer, type AmiServerOptions } from '../../simulator';
import { AmiConnection, type AmiConnectionOptions } from '../../nodes/lib/ami/connection';
import type { AmiState, AmiStatus } from '../../nodes/lib/ami/connection-api';
import { until as waitUntil } from '../helpers/wait';

/** The live recordings (test/fixtures/ami/live), from the compiled test's place in dist/. */
export const LIVE_FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');

/** Waits until a condition holds (polling), or fails with a message; 3 s at most unless told. */
export function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  return waitUntil(check, what, timeoutMs);
}

/** A connection with fast timings for tests, recording every status it goes through. */
export function connect(server: AmiServer, options: Partial<AmiConnectionOptions> = {}): { connection: AmiConnection; statuses: AmiStatus[]; logs: string[] } {
  const statuses: AmiStatus[] = [];
  const logs: string[] = [];
  const connection = new AmiConnection({
    host: '127.0.0.1',
    port: server.port,
    username: 'admin',
    secret: 'admin',
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    authRetryMs: 100,
    connectTimeoutMs: 1000,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...options,
  });
  connection.onStatus((status) => statuses.push(status));
  connection.start();
  return { connection, statuses, logs };
}

export function waitForState(connection: AmiConnection, state: AmiState, timeoutMs = 3000): Promise<void> {
  return until(() => connection.state === state, `state ${state} (now ${connection.state} ${connection.status.reason ?? ''})`, timeoutMs);
}

/** A simulator and a connected AmiConnection; both closed after `run`. */
export async function withConnection(
  run: (server: AmiServer, connection: AmiConnection, statuses: AmiStatus[], logs: string[]) => Promise<void>,
  options: Partial<AmiConnectionOptions> = {},
  serverOptions: AmiServerOptions = {},
): Promise<void> {
  const server = await AmiServer.start(serverOptions);
  const { connection, statuses, logs } = connect(server, options);
  try {
    await waitForState(connection, 'connected');
    await run(server, connection, statuses, logs);
  } finally {
    connection.close();
    await server.close();
  }
}

/** Pending timers of the process (Node's own count), to prove nothing was left behind. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}
