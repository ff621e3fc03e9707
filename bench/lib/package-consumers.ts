import type { AmiConnection } from '../../nodes/lib/ami/connection';
import type { AmiConnectionApi } from '../../nodes/lib/ami/connection-api';
import type { CallCorrelator } from '../../nodes/lib/events/correlator';
import { benchConnection, whenConnected } from './adapter-consumers';
import { Consumer } from './consumers';
import { BENCH_USER } from './feed-server';
import type { FlowNode, NodeRedRuntime } from './node-red';
import { benchCorrelator } from './offline-correlation';

/** The adapter feeding the correlator directly, no Node-RED: what the package's core costs. */
export class CorrelatorOnAdapter extends Consumer {
  readonly name = 'adapter + correlator';
  private connection: AmiConnection | undefined;
  readonly correlator: CallCorrelator = benchCorrelator();

  async connect(port: number): Promise<void> {
    const connection = benchConnection(port);
    this.connection = connection;
    connection.onEvent((event) => {
      const produced = this.correlator.ingest(event);
      this.countAmi();
      if (produced.length) this.countCall(produced.length);
    });
    connection.start();
    await whenConnected(connection);
    connection.onStatus((status) => {
      if (status.state !== 'connected') this.problems.push(`AMI ${status.state}${status.reason ? `: ${status.reason}` : ''}`);
    });
  }

  async close(): Promise<void> {
    this.connection?.close();
  }
}

/** What the benchmark reads of a running `pbx-config` node. */
interface PbxConfigNodeView {
  readonly ami: AmiConnectionApi | null;
}

export interface PackageFlowOptions {
  /** Extra nodes wired after each pbx-event (their ids get the PBX's index appended). */
  after?: (index: number) => { wires: string[]; nodes: FlowNode[] };
}

/**
 * The package as users run it: per PBX a `pbx-config` (AMI to the PBX process) and a
 * `pbx-event` (source `ami`, all six events) whose messages go to a `bench-sink` node.
 * Counts call events at the sink and AMI events on the config node's shared connection.
 */
export class PackageInNodeRed extends Consumer {
  readonly name = 'package in Node-RED';

  constructor(
    private readonly runtime: NodeRedRuntime,
    readonly index = 0,
  ) {
    super();
  }

  /** Deploys the flow for this one PBX (use `deployPackages` for several in one runtime). */
  async connect(port: number): Promise<void> {
    await deployPackages(this.runtime, [port], [this]);
  }

  /** @internal called by `deployPackages` once the flow runs. */
  async attach(): Promise<void> {
    const ids = packageNodeIds(this.index);
    this.runtime.onSink(ids.sink, () => this.countCall());
    const config = this.runtime.node(ids.config) as unknown as PbxConfigNodeView | null;
    const ami = config?.ami;
    if (!ami) throw new Error(`pbx-config ${ids.config} has no AMI connection (is pbx-event registered with it?)`);
    ami.onEvent(() => this.countAmi());
    await whenConnected(ami);
    ami.onStatus((status) => {
      if (status.state !== 'connected') this.problems.push(`AMI ${status.state}${status.reason ? `: ${status.reason}` : ''}`);
    });
  }

  async close(): Promise<void> {
    // The flow is replaced by the next deploy, or stopped with the runtime.
  }
}

export function packageNodeIds(index: number): { config: string; event: string; sink: string } {
  return { config: `pbx-${index}`, event: `event-${index}`, sink: `sink-${index}` };
}

/** One flow with a pbx-config + pbx-event per port; every consumer attached when it runs. */
export async function deployPackages(
  runtime: NodeRedRuntime,
  ports: number[],
  consumers: PackageInNodeRed[],
  options: PackageFlowOptions = {},
): Promise<void> {
  const flows: FlowNode[] = [{ id: 'bench-tab', type: 'tab', label: 'bench' }];
  const credentials: Record<string, object> = {};
  ports.forEach((port, index) => {
    const ids = packageNodeIds(index);
    const extra = options.after?.(index);
    flows.push(
      { id: ids.config, type: 'pbx-config', name: `PBX ${index + 1}`, host: '127.0.0.1', port: String(port), timezone: 'UTC' },
      { id: ids.event, type: 'pbx-event', z: 'bench-tab', name: '', server: ids.config, source: 'ami', wires: [[ids.sink, ...(extra?.wires ?? [])]] },
      { id: ids.sink, type: 'bench-sink', z: 'bench-tab', wires: [] },
      ...(extra?.nodes ?? []),
    );
    credentials[ids.config] = { username: BENCH_USER.username, secret: BENCH_USER.secret };
  });
  await runtime.deploy(flows, credentials);
  for (const consumer of consumers) await consumer.attach();
}
