import type { AmiConnectionApi } from '../ami/connection-api';
import type { AmiMessage } from '../ami/message';
import type { PbxConfigApi } from '../pbx-config-api';
import {
  CallCorrelator, type CorrelatedEvent, type CorrelatorConfig, type CorrelatorOptions, type OriginateRegistration, type RungExtension,
} from './correlator';

/**
 * The calls in progress on one PBX: a CallCorrelator fed by the PBX's AMI connection, with
 * the resync after every (re)connect and a stale-call sweep, its events fanned out to every
 * pbx-event node of that PBX. Kept per PBX (`config.shared('calls', …)`, see `callTrackerFor`)
 * so that a redeploy of the flow does not forget the calls in progress.
 */
export interface CallTrackerOptions extends CorrelatorOptions {
  /** How often the sweep runs (ms, default 60 000). */
  sweepIntervalMs?: number;
  /** A call without events this long is checked against CoreShowChannels (ms, default 10 min). */
  staleAfterMs?: number;
  /** A call without events this long ends even when it cannot be checked (ms, default 4 h). */
  maxIdleMs?: number;
  /** Timeout of the CoreShowChannels list (ms, default 15 000). */
  resyncTimeoutMs?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export type CorrelatedEventListener = (item: CorrelatedEvent) => void;

export class CallTracker {
  readonly correlator: CallCorrelator;
  private connection: AmiConnectionApi | null = null;
  private subscriptions: Array<() => void> = [];
  private attachments = 0;
  private eventListeners: CorrelatedEventListener[] = [];
  private countListeners: Array<(count: number) => void> = [];
  private rungListeners: Array<(rung: RungExtension) => void> = [];
  private lastCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private resyncInFlight: Promise<void> | null = null;
  private resyncFailureLogged = false;
  private disposed = false;
  private readonly sweepIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxIdleMs: number;
  private readonly resyncTimeoutMs: number;
  private readonly log: (level: 'info' | 'warn', message: string) => void;

  constructor(config: CorrelatorConfig, options: CallTrackerOptions = {}) {
    this.correlator = new CallCorrelator(config, options);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
    this.maxIdleMs = options.maxIdleMs ?? 4 * 3_600_000;
    this.resyncTimeoutMs = options.resyncTimeoutMs ?? 15_000;
    this.log = options.log ?? (() => undefined);
  }

  /** New settings of the pbx-config (after its redeploy); the calls in progress are kept. */
  configure(config: CorrelatorConfig): void {
    this.correlator.configure(config);
  }

  /** Calls whose events are reported and that have not ended. */
  get callsInProgress(): number {
    return this.correlator.callsInProgress;
  }

  /**
   * Feeds the tracker from this connection until the returned function is called (once per
   * pbx-event node: the last release stops it). Re-attaching to a new connection (the
   * pbx-config was redeployed) moves to it and resyncs when it is up.
   */
  attach(connection: AmiConnectionApi): () => void {
    if (this.disposed) throw new Error('the call tracker of this PBX was disposed');
    if (this.connection !== connection) {
      this.unsubscribe();
      this.connection = connection;
      this.attachments = 0;
      this.subscriptions = [
        connection.onEvent((event) => this.receive(event)),
        connection.onConnected(() => void this.resync()),
      ];
      if (connection.state === 'connected') void this.resync();
    }
    this.attachments++;
    this.startSweeping();
    let released = false;
    return () => {
      if (released || this.connection !== connection) return;
      released = true;
      if (--this.attachments === 0) {
        this.unsubscribe();
        this.connection = null;
        this.stopSweeping();
      }
    };
  }

  /** Every correlated event of this PBX. Returns the unsubscribe function. */
  onEvent(listener: CorrelatedEventListener): () => void {
    this.eventListeners = [...this.eventListeners, listener];
    return () => {
      this.eventListeners = this.eventListeners.filter((other) => other !== listener);
    };
  }

  /**
   * An extension began to ring in a call already reported (a ring group's or queue's other
   * members): see CallCorrelator.lastRung. Returns the unsubscribe function.
   */
  onRung(listener: (rung: RungExtension) => void): () => void {
    this.rungListeners = [...this.rungListeners, listener];
    return () => {
      this.rungListeners = this.rungListeners.filter((other) => other !== listener);
    };
  }

  /** The number of calls in progress, whenever it changes. Returns the unsubscribe function. */
  onCallsInProgress(listener: (count: number) => void): () => void {
    this.countListeners = [...this.countListeners, listener];
    return () => {
      this.countListeners = this.countListeners.filter((other) => other !== listener);
    };
  }

  /** pbx-dial, before its Originate: the call `callId` is our click-to-dial (see CallCorrelator). */
  registerOriginate(registration: OriginateRegistration): void {
    this.correlator.registerOriginate(registration);
  }

  /**
   * Reconciles the calls in progress with CoreShowChannels (after a connect; by the sweep).
   * Events keep flowing meanwhile. A failure (no `reporting` write permission, a timeout) is
   * logged once; the calls are then kept until their Hangup or the stale-call limit.
   */
  resync(): Promise<void> {
    if (this.resyncInFlight) return this.resyncInFlight;
    const connection = this.connection;
    if (!connection || connection.state !== 'connected') return Promise.resolve();
    this.correlator.beginResync();
    this.resyncInFlight = connection
      .actionList({ Action: 'CoreShowChannels' }, { timeoutMs: this.resyncTimeoutMs })
      .then((list) => {
        if (this.connection !== connection) return;
        this.resyncFailureLogged = false;
        this.deliver(this.correlator.resync(list.events));
      })
      .catch((err: unknown) => {
        if (!this.resyncFailureLogged) {
          this.resyncFailureLogged = true;
          this.log('warn', `calls in progress could not be checked (CoreShowChannels: ${(err as Error).message}); ` +
            'give the AMI user write=reporting');
        }
      })
      .finally(() => {
        this.resyncInFlight = null;
      });
    return this.resyncInFlight;
  }

  /**
   * The stale-call sweep: calls idle for `staleAfterMs` are checked with a resync; calls idle for
   * `maxIdleMs` end regardless (their Hangups were lost and nothing can check them).
   */
  async sweep(): Promise<void> {
    if (this.correlator.idleCalls(this.staleAfterMs).length > 0) await this.resync();
    this.deliver(this.correlator.sweep(this.maxIdleMs));
  }

  /** The PBX was removed: stop everything and forget the calls. */
  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.connection = null;
    this.stopSweeping();
    this.eventListeners = [];
    this.countListeners = [];
    this.rungListeners = [];
  }

  private receive(event: AmiMessage): void {
    const items = this.correlator.ingest(event);
    if (items.length > 0) this.deliver(items);
    const rung = this.correlator.lastRung;
    if (rung.length > 0) {
      for (const item of rung) {
        for (const listener of this.rungListeners) {
          try {
            listener(item);
          } catch (err) {
            this.log('warn', `a ringing listener failed: ${(err as Error).message}`);
          }
        }
      }
    }
  }

  private deliver(items: CorrelatedEvent[]): void {
    for (const item of items) {
      const listeners = this.eventListeners;
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i](item);
        } catch (err) {
          this.log('warn', `a call event listener failed on ${item.event.event}: ${(err as Error).message}`);
        }
      }
    }
    const count = this.correlator.callsInProgress;
    if (count !== this.lastCount) {
      this.lastCount = count;
      for (const listener of this.countListeners) listener(count);
    }
  }

  private unsubscribe(): void {
    for (const unsubscribe of this.subscriptions) unsubscribe();
    this.subscriptions = [];
  }

  private startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.sweepIntervalMs);
    this.timer.unref();
  }

  private stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The call tracker of a PBX, created on first use and kept across redeploys; always with its current settings. */
export function callTrackerFor(config: PbxConfigApi, options: CallTrackerOptions = {}): CallTracker {
  const tracker = config.shared('calls', () => new CallTracker(config.settings, options));
  tracker.configure(config.settings);
  return tracker;
}
