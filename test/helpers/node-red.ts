import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node, NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';

export type Msg = NodeMessage & Record<string, unknown>;
export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Every message a node receives from now on. */
export function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id)!.on('input', (msg: Msg) => got.push(msg));
  return got;
}

/** Every status a node has shown since the flow started (the helper spies on Node.prototype.status). */
export function statusesOf(id: string): Array<{ fill?: string; shape?: string; text?: string }> {
  const spy = (helper as unknown as { _NodePrototype: { status: { getCalls(): Array<{ thisValue: Node; args: [{ fill?: string; text?: string }] }> } } })._NodePrototype.status;
  return spy.getCalls().filter((call) => call.thisValue.id === id).map((call) => call.args[0]);
}

/** The error texts a node logged (level error). */
export function errorsLoggedBy(id: string): string[] {
  return helper.log().args.filter(([entry]) => entry.level === 20 && entry.id === id).map(([entry]) => String(entry.msg));
}

export interface ServedApp {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Stops serving, cutting open connections. */
  close(): Promise<void>;
}

/** An HTTP app (e.g. RED.httpNode, where flows' endpoints live) served on 127.0.0.1, as the runtime's own server would. */
export async function serveApp(app: http.RequestListener): Promise<ServedApp> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
