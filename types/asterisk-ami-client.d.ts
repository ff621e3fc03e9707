// Declarations for the part of asterisk-ami-client@1.1.5 the package uses (it ships none).
// Only nodes/lib/ami/transport.ts imports it; everything else sees AmiTransport.
declare module 'asterisk-ami-client' {
  import { EventEmitter } from 'node:events';
  import type { NetConnectOpts } from 'node:net';

  namespace AmiClient {
    interface Options {
      /** Keep false: our AmiConnection supervises reconnects itself. */
      reconnect?: boolean;
      maxAttemptsCount?: number;
      attemptsDelay?: number;
      /** Keep false: its keepalive has no pong timeout (ami-client.md #5). */
      keepAlive?: boolean;
      keepAliveDelay?: number;
      emitEventsByTypes?: boolean;
      eventTypeToLowerCase?: boolean;
      emitResponsesById?: boolean;
      dontDeleteSpecActionId?: boolean;
      addTime?: boolean;
      /** A blacklist of event names. */
      eventFilter?: string[] | null;
    }

    /** The logged-in link (`client.connection`). */
    interface Connection extends EventEmitter {
      /** A string is written as is, with the blank line that ends a message appended. */
      write(message: string | Record<string, string>): boolean;
      close(): this;
      readonly isConnected: boolean;
    }
  }

  /**
   * Events: `data` (Buffer: one framed message, or several when one ended with `\r\n\n`),
   * `event`, `response`, `disconnect` (may fire twice), `internalError` (Error).
   */
  class AmiClient extends EventEmitter {
    constructor(options?: AmiClient.Options);
    /** Connects and logs in; the options go straight to `net.connect`. */
    connect(user: string, secret: string, options: NetConnectOpts): Promise<AmiClient.Connection>;
    disconnect(): this;
    readonly connection: AmiClient.Connection | null;
    readonly isConnected: boolean | null;
  }

  export = AmiClient;
}
