import { randomUUID } from 'node:crypto';
import type { RecordedScenario, ScenarioFrame } from './recorded-scenario';

/**
 * Where fresh identifiers come from. Asterisk numbers every channel with one process-wide
 * sequence (`Uniqueid` = `<epoch>.<sequence>`) and names channels `<tech>/<peer>-<8 hex
 * digits>` with a counter per technology.
 */
export interface IdSource {
  nextSequence(): number;
  nextChannelSuffix(tech: string): number;
}

/** Counters as one Asterisk process keeps them. */
export class AsteriskCounters implements IdSource {
  private sequence: number;
  private readonly suffixes = new Map<string, number>();

  constructor(firstSequence = 1) {
    this.sequence = firstSequence;
  }

  nextSequence(): number {
    return this.sequence++;
  }

  nextChannelSuffix(tech: string): number {
    const next = this.suffixes.get(tech) ?? 1;
    this.suffixes.set(tech, next + 1);
    return next;
  }
}

/** Fields whose value is a channel's `<epoch>.<sequence>` id. */
const ID_LINE = /^\w*(?:Uniqueid|UniqueID|Linkedid): *(\d{9,11}\.\d+)\r?$/gm;

/**
 * In one pass over a frame: an `<epoch>.<n>` token, a `YYYY-MM-DD[T ]hh:mm:ss` time, a
 * `YYYYMMDD-hhmmss` time (recording names), a bare epoch, a UUID (bridges, sessions),
 * a channel name with its counter suffix.
 */
const TOKEN =
  /\b(\d{9,11})\.(\d+)\b|\b(\d{4})-(\d\d)-(\d\d)([T ])(\d\d):(\d\d):(\d\d)|\b(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)\b|\b(\d{10})\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b(PJSIP|SIP|IAX2|DAHDI|Local)\/([^\s,;/]+?)-([0-9a-f]{8})\b/g;

/** A number is taken for a time only if it lies within this many seconds of the recording. */
const NEAR_SECONDS = 1_000_000;

/**
 * Rewrites a recorded scenario for one more play that starts at `startMs` (epoch ms): every
 * channel gets a fresh `Uniqueid`/`Linkedid` of the same shape with the current epoch (so
 * `record_name` dates correctly), fresh channel names and bridge ids, and every time in it
 * (event times, CDR times, recording file names) moves by the same whole number of seconds.
 * Nothing of an earlier play is reused, so plays never share an id.
 */
export function renumberScenario(scenario: RecordedScenario, startMs: number, ids: IdSource): ScenarioFrame[] {
  const shiftSeconds = Math.floor(startMs / 1000) - scenario.startEpoch;
  const channelIds = new Set<string>();
  for (const frame of scenario.frames) {
    for (const match of frame.text.matchAll(ID_LINE)) channelIds.add(match[1] as string);
  }
  const renamed = new Map<string, string>();
  const once = (key: string, make: () => string): string => {
    let value = renamed.get(key);
    if (value === undefined) {
      value = make();
      renamed.set(key, value);
    }
    return value;
  };
  const near = (epoch: number): boolean => Math.abs(epoch - scenario.startEpoch) < NEAR_SECONDS;
  const shiftTime = (y: string, mo: string, d: string, h: string, mi: string, s: string): Date | null => {
    const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
    if (!Number.isFinite(ms) || !near(ms / 1000)) return null;
    return new Date(ms + shiftSeconds * 1000);
  };

  const rewrite = (text: string): string =>
    text
      .replace(TOKEN, (token: string, ...groups: (string | undefined)[]) => {
        const [idEpoch, idSequence, y1, mo1, d1, sep, h1, mi1, s1, y2, mo2, d2, h2, mi2, s2, bare, tech, peer, suffix] = groups;
        if (idEpoch !== undefined && idSequence !== undefined) {
          if (channelIds.has(token)) {
            return once(`id ${token}`, () => `${Number(idEpoch) + shiftSeconds}.${ids.nextSequence()}`);
          }
          // Other `<epoch>.<fraction>` values (RTCP's SentNTP) are times.
          return near(Number(idEpoch)) ? `${Number(idEpoch) + shiftSeconds}.${idSequence}` : token;
        }
        if (y1 !== undefined) {
          const time = shiftTime(y1, mo1!, d1!, h1!, mi1!, s1!);
          return time ? `${isoDate(time)}${sep}${isoClock(time)}` : token;
        }
        if (y2 !== undefined) {
          const time = shiftTime(y2, mo2!, d2!, h2!, mi2!, s2!);
          return time ? `${isoDate(time).replace(/-/g, '')}-${isoClock(time).replace(/:/g, '')}` : token;
        }
        if (bare !== undefined) {
          return near(Number(bare)) ? String(Number(bare) + shiftSeconds) : token;
        }
        if (tech !== undefined && suffix !== undefined) {
          const fresh = once(`chan ${tech} ${suffix}`, () => ids.nextChannelSuffix(tech).toString(16).padStart(8, '0'));
          return `${tech}/${peer}-${fresh}`;
        }
        return once(`uuid ${token}`, () => randomUUID());
      })
      // Action ids in events (OriginateResponse) belonged to the recorder's session.
      .replace(/^ActionID: *([^\r\n]*)$/gm, (_line, id: string) => `ActionID: ${once(`action ${id}`, () => `traffic-${randomUUID()}`)}`);

  return scenario.frames.map((frame) => ({ atMs: frame.atMs, text: rewrite(frame.text) }));
}

const pad = (n: number): string => String(n).padStart(2, '0');
const isoDate = (t: Date): string => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
const isoClock = (t: Date): string => `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
