/**
 * `npm start`: a simulated PBX making calls on 127.0.0.1, and Node-RED with this package and
 * a demo flow on http://127.0.0.1:1880/. Ctrl+C stops everything it started.
 *
 * Ports can be changed with NODE_RED_PORT, PBX_DEMO_AMI_PORT and PBX_DEMO_HTTP_PORT.
 */
import { startDemo, type Demo } from './demo';

function portFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number (0-65535), not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const say = (line: string): void => console.log(`[pbx demo] ${line}`);
  let demo: Demo;
  try {
    demo = await startDemo({
      nodeRedPort: portFromEnv('NODE_RED_PORT', 1880),
      amiPort: portFromEnv('PBX_DEMO_AMI_PORT', 15038),
      httpPort: portFromEnv('PBX_DEMO_HTTP_PORT', 18088),
      output: 'inherit',
      say,
    });
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    console.error(`[pbx demo] could not start: ${error.message}`);
    if (error.code === 'EADDRINUSE') {
      console.error('[pbx demo] a port is taken: set NODE_RED_PORT, PBX_DEMO_AMI_PORT or PBX_DEMO_HTTP_PORT to free ones');
    }
    process.exit(1);
  }

  console.log('');
  console.log(`  Node-RED with the PBX demo: ${demo.editorUrl}`);
  console.log('  Open the debug sidebar to watch the calls; Ctrl+C stops everything.');
  console.log('');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    demo.stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`[pbx demo] ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // If Node-RED ends on its own (a crash, or it was stopped from outside), stop the PBX too.
  demo.nodeRed.child.once('exit', (code) => {
    if (stopping) return;
    say(`Node-RED exited (code ${code}); stopping the simulated PBX`);
    stopping = true;
    void demo.pbx.close().then(() => process.exit(code ?? 1));
  });
}

void main();
