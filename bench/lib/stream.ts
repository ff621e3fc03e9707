import { loadScenarios, type Scenario } from './recordings';

/**
 * A realistic AMI byte stream: scenario instances from the live recordings, each with fresh
 * ids, interleaved so that `concurrency` calls are in progress at once, as a busy PBX sends them.
 */
export interface StreamOptions {
  /** At least this many events; the calls in progress then run to their end. */
  events: number;
  /** Calls in progress at once. */
  concurrency: number;
  /** Same seed, same stream (the feed server and the runner build it independently). */
  seed?: number;
  /** First number used for fresh Uniqueids, so that streams of one run never share an id. */
  idBase?: number;
}

export interface AmiStream {
  /** Every event with its terminating blank line, in the order they go on the wire. */
  frames: string[];
  /** Scenario instances (one call each) the stream holds. */
  calls: number;
  /** UTF-8 size of all frames. */
  bytes: number;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same interleaving. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);

/**
 * Everything in a recording that names one call, channel or bridge: BridgeUniqueids (UUIDs),
 * Uniqueids/Linkedids (`<epoch>.<n>`, also inside MixMonitor file names), click-to-dial
 * ChannelIds (`c2d-<epoch>`), channel-name suffixes (`PJSIP/101-0000004a`,
 * `Local/101@from-queue-00000012;1`) and the recorder's ActionIDs (OriginateResponse).
 */
export const ID_PATTERN =
  /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|\b(\d{10})\.(\d+)\b|c2d-(\d{10})\b|((?:PJSIP|Local|SIP|IAX2|DAHDI)\/[^\s,;]*?)-([0-9a-f]{8})(?![0-9a-f])|(ActionID: )(\S+)/g;

/** Gives one scenario instance ids no other instance uses, consistently across its events. */
export class IdRewriter {
  private counter: number;

  constructor(idBase: number) {
    this.counter = idBase;
  }

  rewrite(events: readonly string[], instance: number): string[] {
    const map = new Map<string, string>();
    const fresh = (original: string, make: (n: number) => string): string => {
      let value = map.get(original);
      if (value === undefined) {
        value = make(this.counter++);
        map.set(original, value);
      }
      return value;
    };
    return events.map((event) =>
      event.replace(ID_PATTERN, (whole, uuid, epoch, _seq, c2dEpoch, channel, _suffix, actionKey, actionId) => {
        if (uuid) return fresh(whole, (n) => `${hex(instance, 8)}-0000-4000-8000-${hex(n, 12)}`);
        if (epoch) return fresh(whole, (n) => `${epoch}.${n}`);
        if (c2dEpoch) return fresh(whole, (n) => `c2d-${c2dEpoch}-${n}`);
        if (channel) return `${channel}-${fresh(`chan:${whole.slice(channel.length + 1)}`, (n) => hex(n, 8))}`;
        if (actionKey) return `${actionKey}${fresh(`action:${actionId}`, (n) => `bench-${n}-${actionId}`)}`;
        return whole;
      }),
    );
  }
}

let cachedScenarios: Scenario[] | undefined;

export function scenarios(): Scenario[] {
  cachedScenarios ??= loadScenarios();
  return cachedScenarios;
}

/**
 * Interleaves scenario instances: `concurrency` slots each play one call; at every step a
 * random slot sends its next event; a slot whose call has ended starts the next scenario (the
 * scenarios taken in turn). Once `events` is reached no call starts, and the others finish.
 */
export function buildStream(options: StreamOptions): AmiStream {
  const all = scenarios();
  const random = seededRandom(options.seed ?? 1);
  const rewriter = new IdRewriter(options.idBase ?? 1_000_000);
  const frames: string[] = [];
  let calls = 0;
  const startCall = (): { events: string[]; next: number } => {
    const scenario = all[calls % all.length];
    return { events: rewriter.rewrite(scenario.events, calls++), next: 0 };
  };
  const slots = Array.from({ length: Math.max(1, options.concurrency) }, startCall);
  while (slots.length > 0) {
    const index = Math.floor(random() * slots.length);
    const slot = slots[index];
    frames.push(`${slot.events[slot.next++]}\r\n\r\n`);
    if (slot.next === slot.events.length) {
      if (frames.length < options.events) slots[index] = startCall();
      else slots.splice(index, 1);
    }
  }
  let bytes = 0;
  for (const frame of frames) bytes += Buffer.byteLength(frame);
  return { frames, calls, bytes };
}

/** Event names of a stream, counted (to say how much of it is noise). */
export function countByEventName(frames: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const frame of frames) {
    const end = frame.indexOf('\r\n');
    const name = frame.slice('Event: '.length, end);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
