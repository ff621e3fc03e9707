import { loadRecordedScenario, SCENARIO_DIR, type RecordedScenario, type ScenarioFrame } from './recorded-scenario';
import { renumberScenario, AsteriskCounters, type IdSource } from './scenario-renumbering';

/**
 * The calls the demo PBX makes on its own, one after the other: the live recordings'
 * scenarios (internal, inbound, outbound, ring group, queue, transfers, pickups, missed).
 */
export const DEMO_SCENARIOS: readonly string[] = [
  'internal_answered',
  'inbound_answered',
  'outbound_answered',
  'inbound_missed',
  'inbound_ringgroup_answered',
  'call_pickup',
  'inbound_queue_answered',
  'blind_transfer',
  'internal_busy',
  'directed_pickup',
  'attended_transfer',
  'outbound_noanswer',
];

export interface TrafficOptions {
  /** Scenario names in `dir` (default: `DEMO_SCENARIOS`). */
  scenarios?: readonly string[];
  dir?: string;
  /** Pause between the end of one call and the start of the next (default 3000 ms). */
  gapMs?: number;
  /** Start over after the last scenario (default true). */
  loop?: boolean;
  /** Where fresh Uniqueids and channel names come from (default: counters of its own). */
  ids?: IdSource;
  /** Called when a call starts, e.g. to log it. */
  onCall?: (call: { scenario: string; title: string; linkedid: string }) => void;
  /** Epoch ms (default `Date.now`). */
  clock?: () => number;
}

/** Receives every event in wire form; the AMI server sends it to its logged-in clients. */
export type AmiEventSink = (frame: string) => void;

/**
 * Plays the recorded calls with their real timing, each time with fresh ids and times
 * (see `renumberScenario`), a few seconds apart, until stopped.
 */
export class CallTraffic {
  private readonly scenarios: RecordedScenario[];
  private readonly gapMs: number;
  private readonly loop: boolean;
  private readonly ids: IdSource;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private next = 0;

  constructor(private readonly sink: AmiEventSink, private readonly options: TrafficOptions = {}) {
    const dir = options.dir ?? SCENARIO_DIR;
    this.scenarios = (options.scenarios ?? DEMO_SCENARIOS).map((name) => loadRecordedScenario(name, dir));
    this.gapMs = options.gapMs ?? 3000;
    this.loop = options.loop ?? true;
    this.ids = options.ids ?? new AsteriskCounters();
    this.clock = options.clock ?? Date.now;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the first call at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.playNext();
  }

  /** Stops between two events; a call in progress is left unfinished, as a cut cable would. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private playNext(): void {
    if (!this.running) return;
    if (this.next >= this.scenarios.length) {
      if (!this.loop) {
        this.running = false;
        return;
      }
      this.next = 0;
    }
    const scenario = this.scenarios[this.next++] as RecordedScenario;
    const startMs = this.clock();
    const frames = renumberScenario(scenario, startMs, this.ids);
    const linkedid = frames.map((f) => /^Linkedid: *(\S+)/m.exec(f.text)?.[1]).find((id) => id !== undefined) ?? '';
    this.options.onCall?.({ scenario: scenario.name, title: scenario.title, linkedid });
    this.playFrames(frames, 0, startMs);
  }

  /** Sends every frame that is due, then sleeps until the next one (one timer at a time). */
  private playFrames(frames: ScenarioFrame[], index: number, startMs: number): void {
    if (!this.running) return;
    const elapsed = this.clock() - startMs;
    let i = index;
    while (i < frames.length && (frames[i] as ScenarioFrame).atMs <= elapsed) {
      this.sink((frames[i] as ScenarioFrame).text);
      i++;
    }
    if (i < frames.length) {
      const wait = (frames[i] as ScenarioFrame).atMs - elapsed;
      this.timer = setTimeout(() => this.playFrames(frames, i, startMs), wait);
    } else {
      this.timer = setTimeout(() => this.playNext(), this.gapMs);
    }
  }
}
