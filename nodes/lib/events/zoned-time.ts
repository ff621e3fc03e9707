/**
 * Times as the vendor writes them, in the PBX's time zone:
 * - `ts`: ISO 8601 with microseconds (trailing zeros trimmed, at least one digit kept) and the
 *   zone's offset as `+hh:mm` (UTC is `+00:00`, never `Z`): `2016-01-21T13:09:25.95104+01:00`;
 * - `record_name`'s time: `YYYYMMDD-HHMMSS` of the call's start (`20160121-130925`).
 *
 * Times are carried as whole microseconds since the epoch: AMI's `Timestamp: 1453378165.951040`
 * keeps its six digits exactly, and 2^53 µs is still centuries away.
 */

/** Offsets only change on the quarter hour (DST, historic zones), so 15 min buckets are safe to cache. */
const BUCKET_MS = 15 * 60 * 1000;
const MAX_CACHED_BUCKETS = 4096;

export class ZonedTime {
  private readonly parts: Intl.DateTimeFormat | null;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.parts =
      timeZone === 'UTC' || timeZone === 'Etc/UTC'
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
          });
  }

  /** The zone's UTC offset in minutes at the given instant (east positive). */
  offsetMinutes(epochMs: number): number {
    if (this.parts === null) return 0;
    const bucket = Math.floor(epochMs / BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      offset = this.computeOffset(bucket * BUCKET_MS);
      if (this.offsets.size >= MAX_CACHED_BUCKETS) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /** `ts`: `2016-01-21T13:09:25.95104+01:00`. */
  formatTimestamp(epochMicros: number): string {
    const seconds = Math.floor(epochMicros / 1e6);
    const micros = epochMicros - seconds * 1e6;
    const offset = this.offsetMinutes(seconds * 1000);
    const local = new Date((seconds + offset * 60) * 1000);
    let fraction = pad(micros, 6);
    let end = fraction.length;
    while (end > 1 && fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
    fraction = fraction.slice(0, end);
    return (
      `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
      `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
      `.${fraction}${formatOffset(offset)}`
    );
  }

  /** `record_name`'s time: `20160121-130925`. */
  formatCompact(epochSeconds: number): string {
    const offset = this.offsetMinutes(epochSeconds * 1000);
    const local = new Date((epochSeconds + offset * 60) * 1000);
    return (
      `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1, 2)}${pad(local.getUTCDate(), 2)}` +
      `-${pad(local.getUTCHours(), 2)}${pad(local.getUTCMinutes(), 2)}${pad(local.getUTCSeconds(), 2)}`
    );
  }

  private computeOffset(epochMs: number): number {
    const values: Record<string, number> = {};
    for (const part of this.parts!.formatToParts(new Date(epochMs))) {
      if (part.type !== 'literal') values[part.type] = Number(part.value);
    }
    const wallClock = Date.UTC(values.year, values.month - 1, values.day, values.hour, values.minute, values.second);
    return Math.round((wallClock - Math.floor(epochMs / 1000) * 1000) / 60000);
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/**
 * AMI's `Timestamp` header (`1453378165.951040`, sent with `timestampevents=yes`) as epoch
 * microseconds; undefined when absent or not a time.
 */
export function parseAmiTimestamp(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const dot = value.indexOf('.');
  const wholePart = dot === -1 ? value : value.slice(0, dot);
  const fractionPart = dot === -1 ? '' : value.slice(dot + 1, dot + 7);
  if (!/^\d{1,12}$/.test(wholePart) || !/^\d*$/.test(fractionPart)) return undefined;
  return Number(wholePart) * 1e6 + Number(fractionPart.padEnd(6, '0'));
}

/**
 * The call's start as the vendor dates `record_name`: the epoch in the call_id, i.e. its first
 * run of 9–11 digits (`1453378165.749958`, `c2d-1795491359`, `asterisk-1750662739.6193`).
 */
export function epochSecondsFromCallId(callId: string): number | undefined {
  const match = /(?:^|\D)(\d{9,11})(?!\d)/.exec(callId);
  return match ? Number(match[1]) : undefined;
}
