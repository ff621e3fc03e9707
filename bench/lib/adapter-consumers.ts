import { AmiConnection, NOISE_EVENTS } from '../../nodes/lib/ami/connection';
import type { AmiConnectionApi } from '../../nodes/lib/ami/connection-api';
import { Consumer } from './consumers';
import { BENCH_USER } from './feed-server';

/** Waits until an AmiConnection is logged in and has asked for its event classes. */
export function whenConnected(connection: AmiConnectionApi, timeoutMs = 10_000): Promise<void> {
  if (connection.state === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`AMI not connected after ${timeoutMs} ms: ${connection.status.reason ?? connection.state}`)), timeoutMs);
    const off = connection.onStatus((status) => {
      if (status.state !== 'connected') return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

export function benchConnection(port: number): AmiConnection {
  // No Ping during a run: a Pong queued behind a 40 MB burst is not what is measured here.
  return new AmiConnection({ host: '127.0.0.1', port, username: BENCH_USER.username, secret: BENCH_USER.secret, pingIntervalMs: 3_600_000 });
}

/** Events of a stream that reach AmiConnection's listeners (it drops the noise before parsing). */
export function deliveredByAdapter(eventNames: Iterable<[string, number]>): number {
  let n = 0;
  for (const [name, count] of eventNames) if (!NOISE_EVENTS.has(name)) n += count;
  return n;
}

/** The package's AMI adapter alone: asterisk-ami-client underneath, our parsing and noise filter. */
export class AdapterAlone extends Consumer {
  readonly name = 'AmiConnection (adapter) alone';
  private connection: AmiConnection | undefined;

  async connect(port: number): Promise<void> {
    const connection = benchConnection(port);
    this.connection = connection;
    connection.onEvent(() => this.countAmi());
    connection.start();
    await whenConnected(connection);
  }

  async close(): Promise<void> {
    this.connection?.close();
  }
}
