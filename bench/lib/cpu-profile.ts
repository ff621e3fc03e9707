import inspector from 'node:inspector';

/**
 * V8 CPU profiles (the format `node --cpu-prof` writes), taken in-process with the inspector
 * so that one process can profile each run separately, and summarised by who caused the time.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Starts the V8 sampling profiler; the returned function stops it and gives the profile. */
export async function startProfiling(samplingIntervalUs = 200): Promise<() => Promise<CpuProfile>> {
  const session = new inspector.Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
    await post('Profiler.disable');
    session.disconnect();
    return profile;
  };
}

/** Where a piece of code belongs, for the "own cost" share. */
export type Category =
  | 'adapter'
  | 'correlator'
  | 'node'
  | 'notify'
  | 'package (other)'
  | 'asterisk-ami-client'
  | 'axios'
  | 'Node-RED runtime'
  | 'other dependencies'
  | 'benchmark harness'
  | 'Node.js core'
  | 'GC'
  | 'VM / native';

/** The package's own code: what the target "own cost ≤ 30 %" is about. */
export const OWN_CATEGORIES: readonly Category[] = ['adapter', 'correlator', 'node', 'notify', 'package (other)'];

/** Categories of user-level code; Node.js core and native frames are charged to the nearest of these that called them. */
function categoryOfUrl(url: string): Category | 'core' | undefined {
  if (!url) return undefined;
  if (url.startsWith('node:') || !url.includes('/')) return 'core';
  const path = url.replace(/^file:\/\//, '');
  if (/\/node_modules\/asterisk-ami-/.test(path)) return 'asterisk-ami-client';
  if (/\/node_modules\/(@node-red|node-red)\//.test(path)) return 'Node-RED runtime';
  if (/\/node_modules\/(axios|follow-redirects|form-data|proxy-from-env)\//.test(path)) return 'axios';
  if (path.includes('/node_modules/')) return 'other dependencies';
  if (/\/dist\/nodes\/lib\/ami\//.test(path)) return 'adapter';
  if (/\/dist\/nodes\/lib\/events\//.test(path)) return 'correlator';
  if (/\/dist\/nodes\/lib\/(notify|notifications)\//.test(path)) return 'notify';
  if (/\/dist\/nodes\/pbx-[^/]*\.js$|\/dist\/nodes\/common\//.test(path)) return 'node';
  if (/\/dist\/nodes\//.test(path)) return 'package (other)';
  if (/\/dist\/bench\/|\/dist\/simulator\//.test(path)) return 'benchmark harness';
  return 'other dependencies';
}

export interface FrameCost {
  functionName: string;
  location: string;
  category: Category;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle (ms). */
  busyMs: number;
  byCategory: Map<Category, number>;
  /** Share of busy time in the package's own code (OWN_CATEGORIES), 0..1. */
  ownShare: number;
  /** Every frame by self time, largest first. */
  topFrames: FrameCost[];
}

/**
 * Charges every sample to a category: the innermost frame that is user-level code (package,
 * library, Node-RED, harness) decides, so that Node.js core and native work (a Buffer decode,
 * a stream push) counts for the code that asked for it. Samples with no such frame are Node.js
 * core (socket reads, timers) or VM/GC.
 */
export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, CpuProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryCache = new Map<number, Category | 'idle' | 'root'>();
  const categoryOf = (id: number): Category | 'idle' | 'root' => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let result: Category | 'idle' | 'root';
    if (name === '(idle)') result = 'idle';
    else if (name === '(garbage collector)') result = 'GC';
    else if (name === '(program)') result = 'VM / native';
    else if (name === '(root)') result = 'root';
    else {
      let sawCore = false;
      let found: Category | undefined;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const c = categoryOfUrl(byId.get(at)!.callFrame.url);
        if (c === 'core') sawCore = true;
        else if (c !== undefined) {
          found = c;
          break;
        }
      }
      result = found ?? (sawCore ? 'Node.js core' : 'VM / native');
    }
    categoryCache.set(id, result);
    return result;
  };

  const selfUs = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    if (dt > 0) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  const byCategory = new Map<Category, number>();
  let busyUs = 0;
  const frames = new Map<string, FrameCost>();
  for (const [id, us] of selfUs) {
    const category = categoryOf(id);
    if (category === 'idle' || category === 'root') continue;
    busyUs += us;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us / 1000);
    const frame = byId.get(id)!.callFrame;
    const file = frame.url ? frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/') : '(native)';
    const location = frame.url ? `${file}:${frame.lineNumber + 1}` : file;
    const key = `${frame.functionName}@${location}@${category}`;
    const entry = frames.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, category, selfMs: 0, share: 0 };
    entry.selfMs += us / 1000;
    frames.set(key, entry);
  }
  const busyMs = busyUs / 1000;
  let own = 0;
  for (const c of OWN_CATEGORIES) own += byCategory.get(c) ?? 0;
  const topFrames = [...frames.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const f of topFrames) f.share = busyMs > 0 ? f.selfMs / busyMs : 0;
  return { busyMs, byCategory, ownShare: busyMs > 0 ? own / busyMs : 0, topFrames };
}

/** Adds summaries together (per-run profiles of one figure). */
export function mergeSummaries(summaries: readonly ProfileSummary[]): ProfileSummary {
  const byCategory = new Map<Category, number>();
  const frames = new Map<string, FrameCost>();
  let busyMs = 0;
  for (const s of summaries) {
    busyMs += s.busyMs;
    for (const [c, ms] of s.byCategory) byCategory.set(c, (byCategory.get(c) ?? 0) + ms);
    for (const f of s.topFrames) {
      const key = `${f.functionName}@${f.location}@${f.category}`;
      const entry = frames.get(key) ?? { ...f, selfMs: 0 };
      entry.selfMs += f.selfMs;
      frames.set(key, entry);
    }
  }
  let own = 0;
  for (const c of OWN_CATEGORIES) own += byCategory.get(c) ?? 0;
  const topFrames = [...frames.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const f of topFrames) f.share = busyMs > 0 ? f.selfMs / busyMs : 0;
  return { busyMs, byCategory, ownShare: busyMs > 0 ? own / busyMs : 0, topFrames };
}

/** `events`: AMI events (or requests) processed while profiling, to show CPU time per item. */
export function renderSummary(title: string, s: ProfileSummary, top = 15, events = 0): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
  const perEvent = (ms: number): string => (events > 0 ? ` (${((ms * 1000) / events).toFixed(2)} µs each)` : '');
  const lines = [`${title}: ${s.busyMs.toFixed(0)} ms busy${perEvent(s.busyMs)}; package's own code ${pct(s.ownShare)}`];
  const cats = [...s.byCategory.entries()].sort((a, b) => b[1] - a[1]);
  lines.push('  by category: ' + cats.map(([c, ms]) => `${c} ${pct(ms / s.busyMs)}${perEvent(ms)}`).join(', '));
  lines.push('  top frames (self time, native work charged to its caller\'s category):');
  for (const f of s.topFrames.slice(0, top)) {
    lines.push(`    ${pct(f.share).padStart(7)}  ${f.functionName}  ${f.location}  [${f.category}]`);
  }
  return lines.join('\n');
}
