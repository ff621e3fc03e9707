import { AmiServer } from './ami-server';
import { PbxModel } from './pbx-model';
import { AsteriskCounters } from './scenario-renumbering';
import { CallTraffic, type TrafficOptions } from './traffic';
import { VendorHttpServer } from './vendor-http-server';

/** The AMI login of the simulated PBX (what a `pbx-config` needs to connect). */
export const DEMO_AMI_USER = { username: 'demo', secret: 'demo-secret' } as const;

export interface DemoPbxOptions {
  /** AMI port on 127.0.0.1 (0 = a free port). */
  amiPort?: number;
  /** Vendor HTTP API port on 127.0.0.1 (0 = a free port). */
  httpPort?: number;
  /** Make calls on its own (default true). */
  traffic?: boolean | TrafficOptions;
  /** Told about each call the traffic starts, e.g. to log it. */
  onCall?: TrafficOptions['onCall'];
}

/**
 * A simulated PBX on 127.0.0.1: the AMI, answering click-to-dial (Originate) and hangups as
 * Asterisk 22 does, the vendor HTTP API (`/dial`, `/hangup`) driving the same calls, and
 * call traffic of its own replayed from the live recordings.
 */
export interface DemoPbx {
  readonly amiPort: number;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  readonly ami: AmiServer;
  readonly model: PbxModel;
  readonly api: VendorHttpServer;
  readonly traffic: CallTraffic | null;
  close(): Promise<void>;
}

export async function startDemoPbx(options: DemoPbxOptions = {}): Promise<DemoPbx> {
  // One Asterisk numbers every channel from one sequence: the model's calls and the
  // replayed ones never share a Uniqueid or a channel name.
  const ids = new AsteriskCounters();
  const ami = await AmiServer.start({
    port: options.amiPort ?? 0,
    users: { [DEMO_AMI_USER.username]: { secret: DEMO_AMI_USER.secret } },
  });
  const model = new PbxModel({ ids }).attach(ami);
  let api: VendorHttpServer;
  try {
    api = await VendorHttpServer.start({ model, port: options.httpPort ?? 0 });
  } catch (err) {
    model.close();
    await ami.close();
    throw err;
  }
  let traffic: CallTraffic | null = null;
  if (options.traffic !== false) {
    const trafficOptions = typeof options.traffic === 'object' ? options.traffic : {};
    // Each event goes to every logged-in client whose event mask takes it, as recorded.
    const calls = new CallTraffic((frame) => void ami.replay(frame), { ids, onCall: options.onCall, ...trafficOptions });
    // The first call starts when the first client has logged in, so that it is seen whole.
    ami.once('login', () => calls.start());
    traffic = calls;
  }
  return {
    amiPort: ami.port,
    httpUrl: api.url,
    ami,
    model,
    api,
    traffic,
    async close() {
      traffic?.stop();
      model.close();
      await api.close();
      await ami.close();
    },
  };
}
