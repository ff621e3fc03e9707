import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';

/**
 * A real Node-RED 4 runtime in this process, with the package installed as a user would have
 * it (`<userDir>/node_modules/@pbx-api/node-red-pbx`, a link to this checkout) and flows
 * deployed through the runtime's own API. No test helper: its spies record every `send` and
 * `status` call, which would cost time and memory that users do not pay.
 */

/** What the benchmarks use of the `node-red` module (it ships no types of its own). */
interface RuntimeNode {
  id: string;
  type: string;
  on(event: string, listener: (...args: never[]) => void): void;
}
interface RedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  events: {
    on(event: string, listener: (event: RuntimeEvent) => void): void;
    once(event: string, listener: () => void): void;
    off(event: string, listener: (event: RuntimeEvent) => void): void;
  };
  nodes: {
    registerType(type: string, constructor: (this: RuntimeNode, config: Record<string, unknown>) => void): void;
    createNode(node: RuntimeNode, config: Record<string, unknown>): void;
    setFlows(flows: object[], credentials: Record<string, object> | null, type: string): Promise<unknown>;
    getNode(id: string): RuntimeNode | null;
  };
}

interface RuntimeEvent {
  id?: string;
  payload?: { state?: string; error?: string; types?: string[] };
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type SinkListener = (msg: Record<string, unknown>) => void;

const PACKAGE_ROOT = path.join(__dirname, '..', '..', '..');

export class NodeRedRuntime {
  private readonly sinks = new Map<string, SinkListener>();

  private constructor(
    private readonly red: RedModule,
    readonly userDir: string,
  ) {}

  static async start(): Promise<NodeRedRuntime> {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-bench-nr-'));
    const moduleDir = path.join(userDir, 'node_modules', '@pbx-api');
    fs.mkdirSync(moduleDir, { recursive: true });
    fs.symlinkSync(PACKAGE_ROOT, path.join(moduleDir, 'node-red-pbx'), 'dir');
    fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const red = require('node-red') as RedModule;
    red.init(http.createServer(), {
      userDir,
      flowFile: 'flows.json',
      credentialSecret: false,
      httpAdminRoot: false,
      httpNodeRoot: false,
      disableEditor: true,
      telemetry: { enabled: false },
      logging: { console: { level: process.env.BENCH_NODE_RED_LOG ?? 'error', metrics: false, audit: false } },
      externalModules: { autoInstall: false },
    });
    // start() resolves before the (empty) flows have started; wait, or the next deploy's
    // wait would take this start for its own.
    const firstStart = new Promise<void>((resolve) => red.events.once('flows:started', resolve));
    await red.start();
    await firstStart;
    const runtime = new NodeRedRuntime(red, userDir);
    const sinks = runtime.sinks;
    // A node at the end of the flow that hands every message to the benchmark, as cheaply as
    // a real downstream node could take it.
    red.nodes.registerType('bench-sink', function (this: RuntimeNode, config: Record<string, unknown>) {
      red.nodes.createNode(this, config);
      const id = this.id;
      this.on('input', ((msg: Record<string, unknown>, _send: unknown, done: () => void) => {
        sinks.get(id)?.(msg);
        done();
      }) as (...args: never[]) => void);
    });
    return runtime;
  }

  /** Replaces the running flows (a full deploy); credentials by node id. */
  async deploy(flows: FlowNode[], credentials: Record<string, object> = {}): Promise<void> {
    // setFlows resolves once the flows are saved; they start after that, or never when a
    // node type is missing (the runtime then says so in a runtime-event).
    const events = this.red.events;
    let onRuntimeEvent: (event: RuntimeEvent) => void = () => undefined;
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the flows did not start within 20 s')), 20_000);
      events.once('flows:started', () => {
        clearTimeout(timer);
        resolve();
      });
      onRuntimeEvent = (event) => {
        if (event.id === 'runtime-state' && event.payload?.error) {
          clearTimeout(timer);
          reject(new Error(`the flows did not start: ${event.payload.error} ${(event.payload.types ?? []).join(', ')}`));
        }
      };
      events.on('runtime-event', onRuntimeEvent);
    });
    try {
      await this.red.nodes.setFlows(flows, credentials, 'full');
      await started;
    } finally {
      events.off('runtime-event', onRuntimeEvent);
    }
  }

  node(id: string): RuntimeNode | null {
    return this.red.nodes.getNode(id);
  }

  /** Every message that reaches the `bench-sink` node `id`. */
  onSink(id: string, listener: SinkListener): void {
    this.sinks.set(id, listener);
  }

  async stop(): Promise<void> {
    await this.deploy([]);
    await this.red.stop();
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}
