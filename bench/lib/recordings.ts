import fs from 'node:fs';
import path from 'node:path';

/** The live Asterisk 22 recordings the benchmark streams are made of. */
export const RECORDINGS_DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');

export interface Scenario {
  name: string;
  /** The scenario's AMI events as Asterisk sent them, each without the blank line that ends it. */
  events: string[];
}

/**
 * `concurrent_10_calls` already overlaps ten calls; the stream builder makes its own overlap,
 * so that recording is left out and every scenario instance is one call.
 */
const LEFT_OUT = new Set(['concurrent_10_calls']);

/**
 * Reads every `<scenario>.ami` and keeps the events a monitoring session would receive in the
 * middle of a busy day: the banner and the responses to the recorder's own actions are dropped,
 * and so is the `FullyBooted` each recording starts with (it follows a Login, and an adapter may
 * take a new `Uptime` for a PBX restart). Everything else stays, noise included (VarSet,
 * Newexten, RTCP, security events, Cdr).
 */
export function loadScenarios(dir = RECORDINGS_DIR): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.ami')) continue;
    const name = file.slice(0, -'.ami'.length);
    if (LEFT_OUT.has(name)) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const events = text
      .split(/\r\n\r\n/)
      .map((frame) => frame.replace(/^(?:\r\n)+/, ''))
      .filter((frame) => frame.startsWith('Event: ') && !frame.startsWith('Event: FullyBooted\r\n'));
    scenarios.push({ name, events });
  }
  if (scenarios.length === 0) throw new Error(`no recordings in ${dir}`);
  return scenarios;
}
