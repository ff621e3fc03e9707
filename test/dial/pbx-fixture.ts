import { AmiServer, type AmiServerUser } from '../../simulator/ami-server';
import { PbxModel, type PbxTiming } from '../../simulator/pbx-model';
import { AmiConnection } from '../../nodes/lib/ami/connection';
import { field, type AmiMessage } from '../../nodes/lib/ami/message';
import { until } from '../helpers/wait';

/** Fast phones: calls that took seconds on the live PBX take tens of milliseconds here. */
export const FAST: Partial<PbxTiming> = { ringMs: 30, remoteRingMs: 30, talkMs: 80, extensionRingTimeoutMs: 2000, trunkRingTimeoutMs: 2000 };

export interface SimulatedPbx {
  server: AmiServer;
  model: PbxModel;
  /** Every event the PBX sent, in order. */
  events: AmiMessage[];
  close(): Promise<void>;
}

/** The AMI simulator with the PBX model attached; users as manager.conf would have them. */
export async function startPbx(timing: Partial<PbxTiming> = FAST, users?: Record<string, AmiServerUser & { write?: string }>): Promise<SimulatedPbx> {
  const server = await AmiServer.start(users ? { users } : {});
  const model = new PbxModel({ timing }).attach(server);
  const events: AmiMessage[] = [];
  model.on('event', (event: AmiMessage) => events.push(event));
  return {
    server,
    model,
    events,
    async close() {
      model.close();
      await server.close();
    },
  };
}

/** A connected AmiConnection to the simulator (closed by the caller). */
export async function connectTo(server: AmiServer, username = 'admin', secret = 'admin'): Promise<AmiConnection> {
  const connection = new AmiConnection({ host: '127.0.0.1', port: server.port, username, secret, connectTimeoutMs: 1000, reconnectMinMs: 20, reconnectMaxMs: 100 });
  connection.start();
  await until(() => connection.state === 'connected', `AMI login (${connection.state} ${connection.status.reason ?? ''})`);
  return connection;
}

/** The names of the events of one call (by Linkedid), in order. */
export function eventsOfCall(events: AmiMessage[], linkedid: string): AmiMessage[] {
  return events.filter((event) => field(event, 'Linkedid') === linkedid || field(event, 'DestLinkedid') === linkedid);
}
