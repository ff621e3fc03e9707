import { parseAmiMessage } from '../../nodes/lib/ami/message';
import { CallCorrelator } from '../../nodes/lib/events/correlator';
import type { PbxEvent } from '../../nodes/lib/events/pbx-event';
import { readSettings } from '../../nodes/lib/settings';

/**
 * The correlator run straight over a stream, outside any timing: how many call events a
 * stream must produce (so a run knows when the package has taken all of it in), and which
 * AMI frame completed each one (so latency can be taken from that frame's send time).
 */

/** A correlator with the defaults a `pbx-config` without settings gets (time zone UTC). */
export function benchCorrelator(now?: () => number): CallCorrelator {
  return new CallCorrelator(readSettings({ timezone: 'UTC' }), now ? { now } : {});
}

export interface TracedEvent {
  /** Index of the frame whose ingestion produced it. */
  frame: number;
  event: PbxEvent;
}

/** Every call event of a stream with the frame that produced it, in order. */
export function correlateFrames(frames: readonly string[]): TracedEvent[] {
  const correlator = benchCorrelator();
  const out: TracedEvent[] = [];
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    for (const produced of correlator.ingest(parseAmiMessage(frame.endsWith('\r\n\r\n') ? frame.slice(0, -4) : frame))) {
      out.push({ frame: i, event: produced.event });
    }
  }
  return out;
}

export function expectedCallEvents(frames: readonly string[]): number {
  return correlateFrames(frames).length;
}

/**
 * A key that names one call event across runs of the same stream: its name, its call, and
 * how many events of that name the call had before it (the `ts` differs from run to run).
 */
export function eventKey(event: { event: string; call_id: string }, seen: Map<string, number>): string {
  const base = `${event.event}|${event.call_id}`;
  const n = seen.get(base) ?? 0;
  seen.set(base, n + 1);
  return `${base}|${n}`;
}
