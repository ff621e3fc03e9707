import type { AmiMessage } from './message';

/**
 * What the rest of the package sees of a PBX's AMI connection. `AmiConnection`
 * (connection.ts) implements it over asterisk-ami-client; tests and the simulator
 * never mock it: they run it against the simulator's real TCP AMI server.
 */
export type AmiState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'auth_failed' | 'closed';

export interface AmiStatus {
  state: AmiState;
  /** Why it is not connected (human readable), when it is not. */
  reason?: string;
}

export interface ActionOptions {
  /** Rejects after this long without the answer (default 10 000 ms). */
  timeoutMs?: number;
  /**
   * For asynchronous actions (Originate with `Async: true`): after a Success response,
   * wait for the event of this name carrying the same ActionID and resolve with it.
   */
  completeEvent?: string;
}

export interface EventListenerOptions {
  /** Also the events dropped as noise (for the `raw` source of pbx-event). */
  raw?: boolean;
}

export interface ActionListResult {
  response: AmiMessage;
  /** The list's items, between `EventList: start` and the `…Complete` event. */
  events: AmiMessage[];
  complete: AmiMessage;
}

export interface AmiConnectionApi {
  readonly state: AmiState;
  readonly status: AmiStatus;
  /** The AMI version from the banner (`11.0.0` for Asterisk 22), once connected. */
  readonly amiVersion: string;

  /**
   * Sends an action with an ActionID of the connection's own. Refuses unsafe values
   * (CR/LF/NUL, bad header names) before any byte is written, and fails fast with a
   * clear error when not connected. Resolves with the response (or `completeEvent`);
   * a `Response: Error` rejects with an `AmiActionError` carrying the response.
   */
  action(action: AmiMessage, options?: ActionOptions): Promise<AmiMessage>;
  /** An action that answers with an event list (CoreShowChannels, …), collected. */
  actionList(action: AmiMessage, options?: ActionOptions): Promise<ActionListResult>;

  /**
   * Every AMI event, as parsed (repeated keys as arrays), except noise (RTCP, security
   * events, Newexten) and the items of our own event lists. With `{ raw: true }` the noise
   * is delivered too. Returns an unsubscribe function.
   */
  onEvent(listener: (event: AmiMessage) => void, options?: EventListenerOptions): () => void;
  /** Every state change. Returns an unsubscribe function. */
  onStatus(listener: (status: AmiStatus) => void): () => void;
  /** After each successful login (first connect and every reconnect): time to resync. */
  onConnected(listener: () => void): () => void;
}

/** A `Response: Error` (or a failed completeEvent) for an action. */
export class AmiActionError extends Error {
  constructor(message: string, readonly response: AmiMessage) {
    super(message);
    this.name = 'AmiActionError';
  }
}
