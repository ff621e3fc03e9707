import { fork, type ChildProcess } from 'node:child_process';
import { AmiFeedServer, type BlastResult, type WriteMode } from './feed-server';
import { HttpReceiver, type Received } from './http-receiver';
import { buildStream, type StreamOptions } from './stream';
import type { AmiMessage } from '../../nodes/lib/ami/message';

/**
 * The PBX side of a benchmark runs in its own process, as Asterisk does: its CPU is not the
 * package's, and on a 2-core machine it gets the other core. The runner drives it over IPC.
 * The two processes share the machine's monotonic clock (`process.hrtime`), so a time taken
 * here (frame written) and one taken there (message seen) can be subtracted.
 */

type Request =
  | { cmd: 'ami-listen' }
  | { cmd: 'prepare'; port: number; stream: StreamOptions }
  | { cmd: 'wait-logins'; port: number; count: number }
  | { cmd: 'blast'; ports: number[]; mode: WriteMode }
  | { cmd: 'pace'; port: number; rate: number }
  | { cmd: 'drop'; port: number }
  | { cmd: 'actions'; port: number }
  | { cmd: 'http-listen' }
  | { cmd: 'http-wait'; count: number }
  | { cmd: 'http-take' }
  | { cmd: 'exit' };

interface Envelope {
  id: number;
  request: Request;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Prepared {
  events: number;
  bytes: number;
  calls: number;
}

/** The runner's handle on the PBX process. */
export class FeedProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.child = fork(__filename, ['--feed-process'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error));
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`feed process exited (${code})`));
      this.pending.clear();
    });
  }

  private call<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request } satisfies Envelope);
    });
  }

  amiListen(): Promise<number> {
    return this.call({ cmd: 'ami-listen' });
  }
  /** Builds the stream in the PBX process (same options, same bytes as `buildStream` here). */
  prepare(port: number, stream: StreamOptions): Promise<Prepared> {
    return this.call({ cmd: 'prepare', port, stream });
  }
  waitForLogins(port: number, count = 1): Promise<void> {
    return this.call({ cmd: 'wait-logins', port, count });
  }
  blast(ports: number[], mode: WriteMode): Promise<BlastResult[]> {
    return this.call({ cmd: 'blast', ports, mode });
  }
  /** Frame send times (ms, monotonic), one per event. */
  pace(port: number, rate: number): Promise<number[]> {
    return this.call({ cmd: 'pace', port, rate });
  }
  drop(port: number): Promise<void> {
    return this.call({ cmd: 'drop', port });
  }
  /** Every action the clients of this port sent. */
  actions(port: number): Promise<AmiMessage[]> {
    return this.call({ cmd: 'actions', port });
  }
  httpListen(): Promise<number> {
    return this.call({ cmd: 'http-listen' });
  }
  httpWait(count: number): Promise<void> {
    return this.call({ cmd: 'http-wait', count });
  }
  httpTake(): Promise<Received[]> {
    return this.call({ cmd: 'http-take' });
  }
  async exit(): Promise<void> {
    await this.call({ cmd: 'exit' }).catch(() => undefined);
  }
}

/** The PBX process itself. */
function serve(): void {
  const servers = new Map<number, AmiFeedServer>();
  let receiver: HttpReceiver | undefined;
  const server = (port: number): AmiFeedServer => {
    const found = servers.get(port);
    if (!found) throw new Error(`no AMI server on port ${port}`);
    return found;
  };
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.cmd) {
      case 'ami-listen': {
        const ami = await AmiFeedServer.start();
        servers.set(ami.port, ami);
        return ami.port;
      }
      case 'prepare': {
        const stream = buildStream(request.stream);
        server(request.port).prepare(stream.frames);
        return { events: stream.frames.length, bytes: stream.bytes, calls: stream.calls } satisfies Prepared;
      }
      case 'wait-logins':
        return server(request.port).waitForLogins(request.count);
      case 'blast':
        return Promise.all(request.ports.map((port) => server(port).blast(request.mode)));
      case 'pace':
        return server(request.port).pace(request.rate);
      case 'drop':
        return server(request.port).dropClients();
      case 'actions':
        return server(request.port).ami.actions.map((entry) => entry.action);
      case 'http-listen':
        receiver ??= new HttpReceiver();
        return receiver.listen();
      case 'http-wait':
        if (!receiver) throw new Error('no HTTP receiver');
        return receiver.waitFor(request.count);
      case 'http-take':
        return receiver?.take() ?? [];
      case 'exit':
        await Promise.all([...servers.values()].map((s) => s.close()));
        await receiver?.close();
        setImmediate(() => process.exit(0));
        return undefined;
    }
  };
  process.on('message', ({ id, request }: Envelope) => {
    handle(request).then(
      (value) => process.send?.({ id, ok: true, value } satisfies Reply),
      (error: unknown) => process.send?.({ id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module && process.argv.includes('--feed-process')) serve();
