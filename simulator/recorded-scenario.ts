import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAmiMessage, field, type AmiMessage } from '../nodes/lib/ami/message';

/**
 * A call scenario recorded on a real Asterisk 22 (`<name>.ami`: every byte of one AMI
 * connection; `<name>.txt`: what happened, with a timeline), turned into the PBX's own
 * events with the time each one happened, ready to be played again.
 */
export interface RecordedScenario {
  name: string;
  /** One line in business terms, e.g. "Internal call 101 -> 102, answered". */
  title: string;
  /** The events as recorded, in wire form (`Key: value\r\n` lines and the blank line). */
  frames: ScenarioFrame[];
  /** The first channel's creation (epoch seconds): where the recording's clock starts. */
  startEpoch: number;
  /** When the last event happened, in ms after the start. */
  durationMs: number;
}

export interface ScenarioFrame {
  /** ms after the scenario's start. */
  atMs: number;
  text: string;
}

/** The scenarios of `simulator/scenarios/` (copies of `test/fixtures/ami/live/`). */
export const SCENARIO_DIR = join(__dirname, '..', '..', 'simulator', 'scenarios');

export function loadRecordedScenario(name: string, dir = SCENARIO_DIR): RecordedScenario {
  const transcript = readFileSync(join(dir, `${name}.ami`), 'utf8');
  const timeline = parseTimeline(readFileSync(join(dir, `${name}.txt`), 'utf8'));
  const frames: ScenarioFrame[] = [];
  let startEpoch = Number.POSITIVE_INFINITY;
  let atMs = 0;
  for (const text of splitFrames(transcript)) {
    const message = parseAmiMessage(text);
    const event = field(message, 'Event');
    if (!isPbxEvent(event, message)) continue;
    const uniqueid = field(message, 'Uniqueid');
    if (/^\d{9,11}\.\d+$/.test(uniqueid)) startEpoch = Math.min(startEpoch, Math.floor(Number(uniqueid)));
    const known = timeline.timeOf(event, message);
    // Events without a timeline entry happened with the one before them; never go back.
    if (known !== undefined && known > atMs) atMs = known;
    frames.push({ atMs, text });
  }
  if (!Number.isFinite(startEpoch)) throw new Error(`scenario ${name}: no channel in the recording`);
  return { name, title: timeline.title, frames, startEpoch, durationMs: atMs };
}

/**
 * Keeps the PBX's own events and drops what belonged to the recorder's AMI session: the
 * banner, the responses to its actions, its FullyBooted and its own AMI login event.
 */
function isPbxEvent(event: string, message: AmiMessage): boolean {
  if (event === '' || event === 'FullyBooted') return false;
  if (event === 'SuccessfulAuth' && field(message, 'Service') === 'AMI') return false;
  return true;
}

/** The transcript's messages, each with its blank line, in wire form (CRLF). */
function splitFrames(transcript: string): string[] {
  return transcript
    .split(/\r?\n\r?\n/)
    .map((part) => part.replace(/^\r?\n+/, ''))
    .filter((part) => part.trim() !== '' && !part.startsWith('Asterisk Call Manager/'))
    .map((part) => `${part.split(/\r?\n/).join('\r\n')}\r\n\r\n`);
}

/** Times from the `.txt` timeline, in ms after the start. */
interface Timeline {
  title: string;
  timeOf(event: string, message: AmiMessage): number | undefined;
}

/**
 * The `.txt` gives each channel's creation, ringing, answer and hangup, and the key events
 * (DialBegin, DialEnd, BridgeEnter, Pickup, transfers, queue events, …) with their first
 * channel, to 0.1 s. Each AMI event is matched to its channel's moment, or to the next
 * unused key event of the same name and channel.
 */
function parseTimeline(text: string): Timeline {
  const lines = text.split(/\r?\n/);
  const title = (lines[1] ?? '').trim();
  const channels = new Map<string, { created?: number; ringing?: number; answered?: number; hangup?: number }>();
  const keyEvents = new Map<string, number[]>();
  let section = '';
  const seconds = (s: string | undefined): number | undefined => (s === undefined ? undefined : Math.round(Number(s) * 1000));
  for (const line of lines) {
    if (/^PBX channels seen/.test(line)) section = 'channels';
    else if (/^Key events/.test(line)) section = 'key';
    else if (/^\S/.test(line)) section = '';
    else if (section === 'channels') {
      const name = line.trim().split(/\s+/)[0];
      if (!name) continue;
      channels.set(name, {
        created: seconds(/created t\+\s*([\d.]+)s/.exec(line)?.[1]),
        ringing: seconds(/ringing t\+\s*([\d.]+)s/.exec(line)?.[1]),
        answered: seconds(/answered t\+\s*([\d.]+)s/.exec(line)?.[1]),
        hangup: seconds(/hangup t\+\s*([\d.]+)s/.exec(line)?.[1]),
      });
    } else if (section === 'key') {
      const match = /^\s+t\+\s*([\d.]+)s\s+(\w+)\s+(\S+)/.exec(line);
      if (!match) continue;
      // The subject is the first word (a channel or a bridge), or the channel named as
      // `channel=` (Cdr), `OrigTransfererChannel=` / `TransfererChannel=` (transfers).
      const named = /\b(?:channel|OrigTransfererChannel|TransfererChannel|caller)=([^\s,]+)/.exec(line)?.[1];
      const key = `${match[2]} ${(match[3] as string).includes('=') && named ? named : match[3]}`;
      const list = keyEvents.get(key) ?? [];
      list.push(seconds(match[1]) as number);
      keyEvents.set(key, list);
    }
  }
  return {
    title,
    timeOf(event, message) {
      const channel = field(message, 'Channel');
      const moments = channels.get(channel);
      if (moments) {
        if (event === 'Newchannel') return moments.created;
        if (event === 'Hangup') return moments.hangup;
        if (event === 'Newstate') {
          const state = field(message, 'ChannelStateDesc');
          if (state === 'Ringing') return moments.ringing;
          if (state === 'Up') return moments.answered;
        }
      }
      // Key events are listed by their channel (or bridge), in stream order.
      const subject =
        channel ||
        field(message, 'BridgeUniqueid') ||
        field(message, 'OrigTransfererChannel') ||
        field(message, 'TransfererChannel');
      const queue = keyEvents.get(`${event} ${subject}`);
      return queue && queue.length > 0 ? queue.shift() : undefined;
    },
  };
}
