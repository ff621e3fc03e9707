// Declarations for the part of node-red-node-test-helper@0.3 the tests use (it ships none).
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';

  type NodeModule = (RED: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any -- the runtime's RED object
  type FlowNode = Record<string, unknown> & { id: string; type: string };

  interface NodeTestHelper {
    /** Points the helper at the Node-RED runtime (require.resolve('node-red')). */
    init(runtimePath?: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings: Record<string, unknown>): Record<string, unknown>;
    load(nodes: NodeModule | NodeModule[], flow: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
    /** Redeploys, as the editor's Deploy button does ("full", "flows" or "nodes"). */
    setFlows(flow: FlowNode[], type?: 'full' | 'flows' | 'nodes', credentials?: Record<string, Record<string, string>>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): Node | null;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    url(): string;
    /** The runtime's log, spied: `log().args` holds every logged entry. */
    log(): { args: Array<[{ level: number; msg: unknown; type?: string; id?: string }]> };
    /** The runtime's nodes API (internal): `getFlows()` is what the admin API exports. */
    readonly _redNodes: { getFlows(): { flows: FlowNode[] } };
  }

  const helper: NodeTestHelper;
  export = helper;
}
