import type { ZonedTime } from './zoned-time';

/**
 * The vendor's recording name: `YYYYMMDD-HHMMSS-<caller_num>-<called_num>`, the time being the
 * call's start in the PBX's time zone (`20160121-130925-758-800123456`).
 */
export function templateRecordName(time: ZonedTime, startEpochSeconds: number, callerNum: string, calledNum: string): string {
  return `${time.formatCompact(startEpochSeconds)}-${callerNum}-${calledNum}`;
}

/**
 * `recordName: mixmonitor`: the file MixMonitor writes (VarSet `MIXMONITOR_FILENAME`, an absolute
 * path), without its directory and extension, so that it has the template's shape
 * (`/var/spool/asterisk/monitor/20261124-033913-101-102.wav` → `20261124-033913-101-102`).
 */
export function mixMonitorRecordName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * `recordName: freepbx`: FreePBX's `CALLFILENAME` (set by sub-record-check before the Dial), the
 * recording's name without directory and format: `out-800123456-758-20160121-130925-1453378165.749958`.
 * Taken as it is: its last dot belongs to the uniqueid, not to a file extension.
 */
export function freePbxRecordName(value: string): string {
  return value.slice(value.lastIndexOf('/') + 1).trim();
}

/** The recording's name from a channel variable, by the pbx-config's `recordName` source ('' if it names none). */
export function recordingNameFrom(source: 'template' | 'mixmonitor' | 'freepbx', variable: string, value: string): string {
  if (value === '') return '';
  if (source === 'mixmonitor' && variable === 'MIXMONITOR_FILENAME') return mixMonitorRecordName(value);
  if (source === 'freepbx' && (variable === 'CALLFILENAME' || variable === '__CALLFILENAME')) return freePbxRecordName(value);
  return '';
}
