import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoPbx, DEMO_AMI_USER, type DemoPbx } from '../simulator/demo-pbx';
import { alignDemoFlow, demoFlow, DEMO_IDS, type DemoPorts, type FlowNode } from './demo-flow';
import { prepareUserDir, PROJECT_ROOT } from './demo-user-dir';
import { startNodeRed, type NodeRedProcess } from './node-red-process';

export interface DemoOptions {
  /** Default `<project>/.node-red-demo` (git-ignored). */
  userDir?: string;
  /** Default 1880; 0 = a free port. */
  nodeRedPort?: number;
  /** The simulated PBX's AMI port (0 = a free port). */
  amiPort?: number;
  /** The simulated PBX's vendor HTTP API port (0 = a free port). */
  httpPort?: number;
  /** `inherit`: Node-RED's log on this terminal (npm start); `pipe`: kept (tests). */
  output?: 'inherit' | 'pipe';
  /** Progress lines (default: none). */
  say?: (line: string) => void;
  /** Extra environment for Node-RED (e.g. `LANG`: the runtime's language, for status texts). */
  env?: NodeJS.ProcessEnv;
}

export interface Demo {
  readonly editorUrl: string;
  readonly userDir: string;
  readonly pbx: DemoPbx;
  readonly nodeRed: NodeRedProcess;
  /** Stops Node-RED, the call traffic and the simulated PBX. */
  stop(): Promise<void>;
}

export const DEFAULT_USER_DIR = join(PROJECT_ROOT, '.node-red-demo');

/** What the last start pointed the demo at (so that the next one changes only that). */
const PORTS_FILE = 'pbx-demo-ports.json';

function readPorts(userDir: string): DemoPorts | undefined {
  try {
    return JSON.parse(readFileSync(join(userDir, PORTS_FILE), 'utf8')) as DemoPorts;
  } catch {
    return undefined;
  }
}

/**
 * The whole demo: a simulated PBX on 127.0.0.1 making calls, a Node-RED with this package
 * in its own user directory, and the demo flow deployed (or, if the user already has it,
 * pointed at the simulator again).
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const say = options.say ?? (() => undefined);
  const userDir = options.userDir ?? DEFAULT_USER_DIR;
  prepareUserDir(userDir);

  const pbx = await startDemoPbx({
    amiPort: options.amiPort ?? 0,
    httpPort: options.httpPort ?? 0,
    onCall: (call) => say(`simulated PBX: call ${call.linkedid}: ${call.title}`),
  });
  say(`simulated PBX: AMI on 127.0.0.1:${pbx.amiPort} (user ${DEMO_AMI_USER.username}), vendor HTTP API on ${pbx.httpUrl}`);

  let nodeRed: NodeRedProcess;
  try {
    nodeRed = await startNodeRed({ userDir, port: options.nodeRedPort ?? 1880, output: options.output ?? 'pipe', env: options.env });
  } catch (err) {
    await pbx.close();
    throw err;
  }
  const stop = async (): Promise<void> => {
    await nodeRed.stop();
    await pbx.close();
  };
  try {
    const ports: DemoPorts = { amiPort: pbx.amiPort, httpUrl: pbx.httpUrl, nodeRedPort: nodeRed.port };
    const flows = await getFlows(nodeRed.url);
    const previous = readPorts(userDir);
    if (flows.length === 0) {
      await deployFlows(nodeRed.url, demoFlow(ports, DEMO_AMI_USER));
      say('deployed the demo flow');
    } else if (previous && flows.some((node) => node.id === DEMO_IDS.tab) && alignDemoFlow(flows, previous, ports)) {
      await deployFlows(nodeRed.url, flows);
      say('pointed the demo flow at the simulated PBX');
    }
    writeFileSync(join(userDir, PORTS_FILE), `${JSON.stringify(ports, null, 2)}\n`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { editorUrl: nodeRed.url, userDir, pbx, nodeRed, stop };
}

const ADMIN_HEADERS = { 'Node-RED-API-Version': 'v1', 'Content-Type': 'application/json' };

export async function getFlows(url: string): Promise<FlowNode[]> {
  const response = await fetch(`${url}flows`, { headers: ADMIN_HEADERS });
  if (!response.ok) throw new Error(`GET /flows: ${response.status} ${await response.text()}`);
  return (await response.json()) as FlowNode[];
}

/** A full deploy through the admin API, as the editor's Deploy button does. */
export async function deployFlows(url: string, flows: FlowNode[]): Promise<void> {
  const response = await fetch(`${url}flows`, {
    method: 'POST',
    headers: { ...ADMIN_HEADERS, 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows),
  });
  if (!response.ok) throw new Error(`POST /flows: ${response.status} ${await response.text()}`);
}
