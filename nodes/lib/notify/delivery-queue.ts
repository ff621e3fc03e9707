import { randomUUID } from 'node:crypto';
import type { AttemptOutcome, DeliveryResponse } from './http-sender';
import type { QueueStore, StoredItem } from './queue-store';
import type { PreparedRequest } from './request-builder';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './retry-policy';

/** Timers, replaceable in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A queued item; `context` is what the node keeps in memory only (e.g. `send`/`done`). */
export interface QueuedItem<C> extends StoredItem {
  context?: C;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** A notification given up: refused by the receiver, unbuildable, or out of time. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly attempts: number,
    readonly response?: DeliveryResponse,
  ) {
    super(message);
  }
}

export interface DeliveryQueueOptions<C> {
  send(request: PreparedRequest): Promise<AttemptOutcome>;
  /** the most items queued at once (in flight included) */
  limit: number;
  /** how long an item may stay queued, retries included, ms */
  maxAgeMs: number;
  /** attempts in flight at once, over all lanes */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  clock?: Clock;
  store?: QueueStore;
  onDelivered(item: QueuedItem<C>, response: DeliveryResponse): void;
  onFailed(item: QueuedItem<C>, error: DeliveryError): void;
  /** an attempt failed and the item waits `delayMs` for the next one */
  onRetry?(item: QueuedItem<C>, reason: string, delayMs: number): void;
  /** the number of queued items changed */
  onChange?(): void;
  /** one of the callbacks above threw; the queue itself carries on */
  onInternalError?(err: Error): void;
}

export const DEFAULT_CONCURRENCY = 8;

/**
 * A per-node delivery queue. Items of one lane (one call) go out one after the other in
 * the order they came, so a receiver never sees `endcall` before `dial`; different lanes
 * proceed side by side up to `concurrency`. A failed attempt is retried with exponential
 * backoff (or after the receiver's Retry-After) while it is worth it and the item is younger
 * than `maxAgeMs`; then the item is given up through `onFailed`, never dropped silently.
 * With a store, every change is written to disk so a restart continues where this one
 * stopped.
 */
export class DeliveryQueue<C = unknown> {
  private readonly items = new Map<string, QueuedItem<C>>();
  private readonly lanes = new Map<string, QueuedItem<C>[]>();
  /** lanes whose head may start now, in the order they became ready */
  private readonly ready = new Set<string>();
  /** lanes whose head waits for its next attempt */
  private readonly waiting = new Map<string, unknown>();
  private readonly busy = new Set<string>();
  private readonly attemptsInFlight = new Set<Promise<void>>();
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly concurrency: number;
  private stopped = false;

  constructor(
    private readonly options: DeliveryQueueOptions<C>,
    initial: Array<QueuedItem<C>> = [],
  ) {
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    // items handed over from a previous run are kept even beyond the limit: nothing is lost
    for (const item of initial) this.add({ ...item });
    if (initial.length > 0) this.persist();
    this.pump();
  }

  /** Queued items, in flight included. */
  get size(): number {
    return this.items.size;
  }

  get inFlight(): number {
    return this.attemptsInFlight.size;
  }

  /** Queues a request; throws `QueueFullError` when `limit` items are queued already. */
  enqueue(entry: { lane: string; request: PreparedRequest; message: Record<string, unknown>; context?: C }): QueuedItem<C> {
    if (this.stopped) throw new Error('the delivery queue is stopped');
    if (this.items.size >= this.options.limit) {
      throw new QueueFullError(`queue full: ${this.items.size} notifications waiting (queueLimit ${this.options.limit})`);
    }
    const item: QueuedItem<C> = { id: randomUUID(), enqueuedAt: this.clock.now(), attempts: 0, ...entry };
    this.add(item);
    this.persist();
    this.options.onChange?.();
    this.pump();
    return item;
  }

  /**
   * Stops starting attempts, waits for those in flight, writes the final state and returns
   * what is still queued (for the next instance of the node).
   */
  async stop(): Promise<Array<QueuedItem<C>>> {
    this.stopped = true;
    for (const handle of this.waiting.values()) this.clock.clearTimeout(handle);
    this.waiting.clear();
    this.ready.clear();
    while (this.attemptsInFlight.size > 0) await Promise.all([...this.attemptsInFlight]);
    await this.options.store?.flush();
    return [...this.items.values()];
  }

  /** What is queued, as the store keeps it. */
  snapshot(): StoredItem[] {
    return [...this.items.values()].map(storedForm);
  }

  private add(item: QueuedItem<C>): void {
    this.items.set(item.id, item);
    const lane = this.lanes.get(item.lane);
    if (lane) {
      lane.push(item);
    } else {
      this.lanes.set(item.lane, [item]);
      this.ready.add(item.lane);
    }
  }

  private pump(): void {
    while (!this.stopped && this.attemptsInFlight.size < this.concurrency && this.ready.size > 0) {
      const lane = this.ready.values().next().value as string;
      this.ready.delete(lane);
      const head = this.lanes.get(lane)?.[0];
      if (!head || this.busy.has(lane)) continue;
      if (this.clock.now() >= this.deadline(head)) {
        const reason = head.attempts === 0
          ? `not sent: it waited ${Math.round(this.options.maxAgeMs / 1000)} s (maxAge) in the queue`
          : `gave up after ${head.attempts} attempts in ${Math.round(this.options.maxAgeMs / 1000)} s (maxAge): ${head.lastError ?? 'no answer'}`;
        this.finish(head);
        this.options.onFailed(head, new DeliveryError(reason, head.attempts));
        continue;
      }
      this.start(head);
    }
  }

  private start(item: QueuedItem<C>): void {
    this.busy.add(item.lane);
    item.attempts += 1;
    const attempt = this.options
      .send(item.request)
      .catch((err: unknown): AttemptOutcome => ({ kind: 'retry', reason: (err as Error).message ?? String(err) }))
      .then((outcome) => this.settle(item, outcome))
      .catch((err: unknown) => this.options.onInternalError?.(err as Error))
      .finally(() => {
        this.attemptsInFlight.delete(attempt);
        this.pump();
      });
    this.attemptsInFlight.add(attempt);
  }

  private settle(item: QueuedItem<C>, outcome: AttemptOutcome): void {
    this.busy.delete(item.lane);
    if (outcome.kind === 'delivered') {
      this.finish(item);
      this.options.onDelivered(item, outcome.response);
      return;
    }
    if (outcome.kind === 'refused') {
      this.finish(item);
      this.options.onFailed(item, new DeliveryError(`${outcome.reason} (not retried)`, item.attempts, outcome.response));
      return;
    }
    item.lastError = outcome.reason;
    const now = this.clock.now();
    const remaining = this.deadline(item) - now;
    const delay = outcome.retryAfterMs ?? backoffDelay(item.attempts, this.backoff, this.options.random);
    if (delay >= remaining) {
      // the next attempt would come after maxAge (or the receiver asks for a longer pause)
      this.finish(item);
      const why = outcome.retryAfterMs !== undefined ? `Retry-After ${Math.ceil(outcome.retryAfterMs / 1000)} s reaches past maxAge` : 'maxAge reached';
      this.options.onFailed(item, new DeliveryError(`gave up after ${item.attempts} attempts (${why}): ${outcome.reason}`, item.attempts, outcome.response));
      return;
    }
    this.persist();
    this.options.onRetry?.(item, outcome.reason, delay);
    if (this.stopped) return; // the item stays queued for the next run
    const handle = this.clock.setTimeout(() => {
      this.waiting.delete(item.lane);
      this.ready.add(item.lane);
      this.pump();
    }, delay);
    this.waiting.set(item.lane, handle);
  }

  /** Removes the head of a lane (delivered or given up) and lets the next item of its call go. */
  private finish(item: QueuedItem<C>): void {
    this.items.delete(item.id);
    const lane = this.lanes.get(item.lane);
    if (lane && lane[0] === item) lane.shift();
    if (!lane || lane.length === 0) this.lanes.delete(item.lane);
    else if (!this.stopped) this.ready.add(item.lane);
    this.persist();
    this.options.onChange?.();
  }

  private deadline(item: StoredItem): number {
    return item.enqueuedAt + this.options.maxAgeMs;
  }

  private persist(): void {
    this.options.store?.save(() => this.snapshot());
  }
}

function storedForm(item: StoredItem): StoredItem {
  const { id, lane, request, message, enqueuedAt, attempts, lastError } = item;
  return lastError === undefined ? { id, lane, request, message, enqueuedAt, attempts } : { id, lane, request, message, enqueuedAt, attempts, lastError };
}
