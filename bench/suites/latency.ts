import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { FeedProcess } from '../lib/feed-process';
import { nowMs } from '../lib/feed-server';
import { NodeRedRuntime } from '../lib/node-red';
import { correlateFrames, eventKey } from '../lib/offline-correlation';
import { deployPackages, PackageInNodeRed } from '../lib/package-consumers';
import { quantile, spread } from '../lib/stats';
import { buildStream, type StreamOptions } from '../lib/stream';
import { pause, type Suite } from '../lib/suite';
import type { Row } from '../lib/table';

/**
 * 2. Latency: the PBX process sends the mixed stream (noise included) at 1 000 AMI events/s,
 * one event per write; Node-RED runs pbx-config + pbx-event → pbx-notify (vendor GET) to an
 * HTTP receiver in the PBX process. For every notification: the time from the write of the
 * AMI frame that completed it to its arrival at the receiver (both processes read the same
 * monotonic clock). The frame is known from running the correlator over the same stream.
 */

const RATE = 1_000;

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, count: sorted.length };
}

export const run: Suite = async ({ scale, runs, log }) => {
  const shape: StreamOptions = scale === 'quick' ? { events: 1_500, concurrency: 10, seed: 3 } : { events: 3_000, concurrency: 30, seed: 3 };
  const feed = new FeedProcess();
  const amiPort = await feed.amiListen();
  const httpPort = await feed.httpListen();
  const runtime = await NodeRedRuntime.start();
  const consumer = new PackageInNodeRed(runtime, 0);
  const eventSeen = new Map<string, number>();
  let eventKeys = new Map<string, number>();
  await deployPackages(runtime, [amiPort], [consumer], {
    after: (index) => ({
      wires: [`notify-${index}`],
      nodes: [{ id: `notify-${index}`, type: 'pbx-notify', z: 'bench-tab', url: `http://127.0.0.1:${httpPort}/pbx/events`, method: 'GET', format: 'vendor', wires: [] }],
    }),
  });
  // Also note when each pbx-event message reaches the end of the flow: that splits the latency.
  runtime.onSink('sink-0', (msg) => {
    const payload = msg.payload as { event: string; call_id: string };
    eventKeys.set(eventKey(payload, eventSeen), nowMs());
  });
  await feed.waitForLogins(amiPort, 1);
  await pause(300);

  // Why the tail: how late the event loop ran (timers of 1 ms resolution) and how busy the
  // process was while the stream came at 1 000 events/s.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gcEntries: Array<{ at: number; ms: number }> = [];
  const paceWindows: Array<[number, number]> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcEntries.push({ at: entry.startTime, ms: entry.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loopP99: number[] = [];
  const loopMax: number[] = [];
  const cpuShares: number[] = [];
  const toReceiver: Percentiles[] = [];
  const toEventNode: Percentiles[] = [];
  const allReceiver: number[] = [];
  const notes: string[] = [];
  for (let r = 0; r < runs; r++) {
    const options: StreamOptions = { ...shape, idBase: 100_000_000 + r * 10_000_000 };
    const frames = buildStream(options).frames;
    const traced = correlateFrames(frames);
    const frameOf = new Map<string, number>();
    const seen = new Map<string, number>();
    for (const t of traced) frameOf.set(eventKey(t.event, seen), t.frame);
    await feed.prepare(amiPort, options);
    eventSeen.clear();
    eventKeys = new Map();
    await feed.httpTake();
    loopDelay.reset();
    const cpuBefore = process.cpuUsage();
    const wallBefore = nowMs();
    const paceStart = performance.now();
    const sent = await feed.pace(amiPort, RATE);
    paceWindows.push([paceStart, performance.now()]);
    const cpu = process.cpuUsage(cpuBefore);
    cpuShares.push((cpu.user + cpu.system) / 1000 / (nowMs() - wallBefore));
    loopP99.push(loopDelay.percentile(99) / 1e6);
    loopMax.push(loopDelay.max / 1e6);
    await Promise.race([feed.httpWait(traced.length * (r + 1)), pause(10_000)]);
    const received = await feed.httpTake();
    const receiverSeen = new Map<string, number>();
    const latencies: number[] = [];
    const eventLatencies: number[] = [];
    let unmatched = 0;
    for (const request of received) {
      const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1));
      const key = eventKey({ event: query.get('event') ?? '', call_id: query.get('call_id') ?? '' }, receiverSeen);
      const frame = frameOf.get(key);
      if (frame === undefined) {
        unmatched++;
        continue;
      }
      latencies.push(request.atMs - sent[frame]);
      const atNode = eventKeys.get(key);
      if (atNode !== undefined) eventLatencies.push(atNode - sent[frame]);
    }
    const p = percentiles(latencies);
    const q = percentiles(eventLatencies);
    toReceiver.push(p);
    toEventNode.push(q);
    allReceiver.push(...latencies);
    log(
      `run ${r + 1}: ${frames.length} AMI events at ${RATE}/s → ${received.length}/${traced.length} notifications; ` +
        `to receiver p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)} max ${p.max.toFixed(2)} ms; to pbx-event output p50 ${q.p50.toFixed(2)} p99 ${q.p99.toFixed(2)} ms` +
        (unmatched ? `; ${unmatched} unmatched` : ''),
    );
    if (received.length !== traced.length || unmatched) notes.push(`Latency run ${r + 1}: ${received.length} notifications received, ${traced.length} expected, ${unmatched} not matched to a frame.`);
  }
  loopDelay.disable();
  gcObserver.disconnect();
  await runtime.stop();
  await feed.exit();

  const rows: Row[] = [];
  const pick = (list: Percentiles[], k: keyof Percentiles): number[] => list.map((p) => p[k]).filter(Number.isFinite);
  const p99 = spread(pick(toReceiver, 'p99'));
  rows.push({ section: '2', figure: `latency @${RATE} ev/s, AMI frame → HTTP receiver: p50`, unit: 'ms', value: spread(pick(toReceiver, 'p50')) });
  rows.push({ section: '2', figure: `latency @${RATE} ev/s, AMI frame → HTTP receiver: p99`, unit: 'ms', value: p99, target: '≤ 5 ms', met: p99.runs ? p99.median <= 5 : null });
  rows.push({ section: '2', figure: `latency @${RATE} ev/s, AMI frame → HTTP receiver: max`, unit: 'ms', value: spread(pick(toReceiver, 'max')) });
  rows.push({ section: '2', figure: `latency @${RATE} ev/s, AMI frame → pbx-event msg: p50`, unit: 'ms', value: spread(pick(toEventNode, 'p50')) });
  rows.push({ section: '2', figure: `latency @${RATE} ev/s, AMI frame → pbx-event msg: p99`, unit: 'ms', value: spread(pick(toEventNode, 'p99')) });
  const pooled = percentiles(allReceiver);
  const med = (xs: number[]): string => spread(xs).median.toFixed(2);
  // Only the collections while a stream came (building the next stream between runs collects too).
  const gcPauses = gcEntries.filter((g) => paceWindows.some(([a, b]) => g.at >= a && g.at <= b)).map((g) => g.ms);
  notes.push(
    `Latency, the Node-RED process while the stream came: CPU busy ${(spread(cpuShares).median * 100).toFixed(1)} % of one core (median of runs); ` +
      `event-loop lateness p99 ${med(loopP99)} ms, max ${med(loopMax)} ms (median of runs; perf_hooks.monitorEventLoopDelay, 1 ms resolution); ` +
      `GC pauses while streams came: ${gcPauses.length}, longest ${Math.max(0, ...gcPauses).toFixed(2)} ms, ${gcPauses.filter((d) => d > 1).length} over 1 ms.`,
  );
  notes.unshift(
    `Latency: per run the mixed stream (${shape.concurrency} calls at once, noise included) at ${RATE} AMI events/s, one event per write, ` +
      `${toReceiver[0]?.count ?? 0} notifications in the first run; all runs pooled: ${pooled.count} notifications, p50 ${pooled.p50.toFixed(2)} ms, p99 ${pooled.p99.toFixed(2)} ms, max ${pooled.max.toFixed(2)} ms.`,
  );
  return { rows, notes };
};
