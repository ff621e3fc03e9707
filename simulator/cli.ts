/**
 * The simulated PBX on its own, for trying flows without a PBX:
 *
 *   node dist/simulator/cli.js [--ami-port 15038] [--http-port 18088] [--no-traffic] [--quiet]
 *
 * Listens on 127.0.0.1 only: the AMI (login `demo` / `demo-secret`) and the vendor HTTP API
 * (`/dial?number=&exten=`, `/hangup?exten=`). Unless `--no-traffic`, it makes calls on its
 * own, replayed from recordings of a real Asterisk. Ctrl+C stops it.
 */
import { startDemoPbx, DEMO_AMI_USER } from './demo-pbx';

interface CliOptions {
  amiPort: number;
  httpPort: number;
  traffic: boolean;
  quiet: boolean;
}

const USAGE = 'usage: node dist/simulator/cli.js [--ami-port N] [--http-port N] [--no-traffic] [--quiet]';

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { amiPort: 15038, httpPort: 18088, traffic: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const port = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${arg} needs a port number (0-65535)\n${USAGE}`);
      return value;
    };
    if (arg === '--ami-port') options.amiPort = port();
    else if (arg === '--http-port') options.httpPort = port();
    else if (arg === '--no-traffic') options.traffic = false;
    else if (arg === '--quiet') options.quiet = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const pbx = await startDemoPbx({
    amiPort: options.amiPort,
    httpPort: options.httpPort,
    traffic: options.traffic,
    onCall: options.quiet ? undefined : (call) => console.log(`call ${call.linkedid}: ${call.title}`),
  });
  console.log(`AMI:             127.0.0.1:${pbx.amiPort} (username ${DEMO_AMI_USER.username}, secret ${DEMO_AMI_USER.secret})`);
  console.log(`vendor HTTP API: ${pbx.httpUrl}`);
  console.log(options.traffic ? 'making calls on its own; Ctrl+C stops' : 'no traffic of its own; Ctrl+C stops');
  const stop = (): void => {
    void pbx.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
