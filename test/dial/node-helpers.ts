import helper from 'node-red-node-test-helper';
import { parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';
import type { AmiServer } from '../../simulator/ami-server';
import type { FlowNode } from '../helpers/node-red';
import { until } from '../helpers/wait';
import type { SimulatedPbx } from './pbx-fixture';

/** Actions the AMI server received from byte offset `from` on (what a test sent meanwhile). */
export function actionsReceivedSince(server: AmiServer, from: number): AmiMessage[] {
  return splitAmiMessages(server.receivedText().slice(from)).map(parseAmiMessage);
}

/** A pbx-config for the simulated PBX (AMI on `server`, vendor API at `httpUrl`), short ring timeout. */
export function pbxConfig(server: AmiServer, httpUrl: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id: 'pbx', type: 'pbx-config', name: 'Simulated PBX', host: '127.0.0.1', port: String(server.port), httpUrl, originateTimeout: '1', timezone: 'UTC', ...extra };
}

export const CREDENTIALS = { pbx: { username: 'admin', secret: 'admin', httpUser: 'crm', httpPassword: 's3cret' } };
export const HTTP_AUTH = { user: 'crm', password: 's3cret' };

/** The catch node and the helper nodes every flow here ends in. */
export const CATCH: FlowNode[] = [
  { id: 'out', type: 'helper', z: 'f1' },
  { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper', z: 'f1' },
  { id: 'f1', type: 'tab' },
];

/**
 * After each node test: undeploy, let the PBX finish its calls, give the phones and the number
 * the tests change their default behaviour back, and wait until the AMI connection is closed.
 */
export async function cleanUpAfterNodeTest(pbx: SimulatedPbx): Promise<void> {
  await helper.unload();
  await pbx.model.whenIdle();
  for (const exten of ['101', '102', '103', '104', '105']) pbx.model.setExtension(exten, undefined);
  pbx.model.setNumber('0612345678', undefined);
  await until(() => pbx.server.connectionCount === 0, 'the AMI connection to close after unload');
}
