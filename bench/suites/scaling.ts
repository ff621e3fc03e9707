import { parseAmiMessage } from '../../nodes/lib/ami/message';
import { correlatorRelevant } from '../lib/call-generator';
import { deliveredByAdapter } from '../lib/adapter-consumers';
import { FeedProcess } from '../lib/feed-process';
import { settledHeap } from '../lib/heap';
import { measureIngest, type Expected } from '../lib/measure';
import { NodeRedRuntime } from '../lib/node-red';
import { benchCorrelator, expectedCallEvents } from '../lib/offline-correlation';
import { deployPackages, PackageInNodeRed } from '../lib/package-consumers';
import { failures, spread } from '../lib/stats';
import { buildStream, countByEventName, IdRewriter, scenarios, type StreamOptions } from '../lib/stream';
import { pause, type Suite } from '../lib/suite';
import type { Row } from '../lib/table';

/**
 * 5. Scaling of the package in Node-RED:
 *  a) ingest (64 KB writes) with 1, 10, 100 and 1 000 calls in progress at once, and the heap
 *     the correlator holds for that many live calls;
 *  b) 1 to 5 PBXs (pbx-config + pbx-event each) in one runtime, all streaming at once.
 */

const CONCURRENCY = [1, 10, 100, 1_000];
const CONNECTIONS = [1, 2, 3, 4, 5];

function expectationsFor(shape: StreamOptions): Expected & { frames: number } {
  const sample = buildStream(shape);
  const all = sample.frames.length;
  return { streamEvents: all, amiEvents: deliveredByAdapter(countByEventName(sample.frames)), callEvents: expectedCallEvents(sample.frames), frames: all };
}

/** Heap the correlator holds with `live` calls in progress (each fed up to its middle). */
async function heapForLiveCalls(live: number, idBase: number): Promise<number> {
  const texts = scenarios().map((scenario) => scenario.events.filter((text) => correlatorRelevant(parseAmiMessage(text))));
  const rewriter = new IdRewriter(idBase);
  const correlator = benchCorrelator();
  const before = await settledHeap();
  for (let call = 0; call < live; call++) {
    const scenario = texts[call % texts.length];
    for (const text of rewriter.rewrite(scenario.slice(0, Math.ceil(scenario.length / 2)), call)) correlator.ingest(parseAmiMessage(text));
  }
  const held = (await settledHeap()) - before;
  if (correlator.stats().calls !== live) throw new Error(`${correlator.stats().calls} live calls instead of ${live}`);
  return held;
}

export const run: Suite = async ({ scale, runs, log }) => {
  const perStream = scale === 'quick' ? 3_000 : 8_000;
  const rows: Row[] = [];
  const notes: string[] = [];
  const feed = new FeedProcess();
  const ports: number[] = [];
  for (let i = 0; i < CONNECTIONS[CONNECTIONS.length - 1]; i++) ports.push(await feed.amiListen());
  const runtime = await NodeRedRuntime.start();
  const consumers = ports.map((_, i) => new PackageInNodeRed(runtime, i));
  await deployPackages(runtime, ports, consumers);
  for (const port of ports) await feed.waitForLogins(port, 1);
  await pause(200);
  let idBase = 0;
  const fresh = (shape: StreamOptions): StreamOptions => ({ ...shape, idBase: (idBase += 5_000_000) });

  // a) concurrent calls
  const byConcurrency = new Map<number, number[]>();
  const shapes = new Map<number, StreamOptions>();
  const expectations = new Map<number, Expected>();
  for (const k of CONCURRENCY) {
    const shape: StreamOptions = { events: scale === 'quick' ? 3_000 : 20_000, concurrency: k, seed: 5 };
    shapes.set(k, shape);
    expectations.set(k, expectationsFor(shape));
  }
  for (let r = 0; r < runs; r++) {
    for (const k of CONCURRENCY) {
      try {
        const m = await measureIngest(feed, ports[0], consumers[0], 'chunk64k', fresh(shapes.get(k)!), expectations.get(k)!);
        byConcurrency.set(k, [...(byConcurrency.get(k) ?? []), m.amiPerSecond]);
        log(`run ${r + 1}: ${k} calls at once, ${expectations.get(k)!.streamEvents} events: ${Math.round(m.amiPerSecond)} AMI ev/s`);
      } catch (err) {
        byConcurrency.set(k, [...(byConcurrency.get(k) ?? []), NaN]);
        notes.push(`Scaling ${k} calls: ${(err as Error).message}`);
      }
    }
  }
  const one = byConcurrency.get(1) ?? [];
  for (const k of CONCURRENCY) {
    const values = byConcurrency.get(k) ?? [];
    rows.push({
      section: '5a', figure: `scaling: ingest, ${k} call${k > 1 ? 's' : ''} at once (64 KB writes)`, unit: 'AMI ev/s', value: spread(values.filter(Number.isFinite)), failed: failures(values),
      ...(k > 1 ? { baseline: { name: '1 call', value: spread(one.filter(Number.isFinite)) }, ratio: spread(values.map((v, i) => v / one[i]).filter(Number.isFinite)) } : {}),
    });
  }

  // b) PBX connections in one runtime
  const byConnections = new Map<number, number[]>();
  const shape: StreamOptions = { events: perStream, concurrency: 50, seed: 9 };
  const expected = expectationsFor(shape);
  for (let r = 0; r < runs; r++) {
    for (const p of CONNECTIONS) {
      const used = ports.slice(0, p);
      try {
        for (const port of used) {
          await feed.prepare(port, fresh(shape));
          await feed.waitForLogins(port, 1);
        }
        for (const c of consumers) c.reset();
        const done = consumers.slice(0, p).map((c) => c.until(expected.amiEvents, expected.callEvents, 30_000));
        const settled = Promise.allSettled(done);
        const blasts = await feed.blast(used, 'chunk64k').catch((err: Error) => {
          const why = consumers.flatMap((c) => c.problems);
          throw new Error(`${err.message}${why.length ? `; ${why.join('; ')}` : ''}`);
        });
        const outcomes = await settled;
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed) throw failed.reason;
        const ends = outcomes.map((o) => (o as PromiseFulfilledResult<number>).value);
        const ms = Math.max(...ends) - Math.min(...blasts.map((b) => b.startMs));
        const rate = ((expected.streamEvents * p) / ms) * 1000;
        byConnections.set(p, [...(byConnections.get(p) ?? []), rate]);
        log(`run ${r + 1}: ${p} PBX connection${p > 1 ? 's' : ''}, ${expected.streamEvents} events each: ${Math.round(rate)} AMI ev/s in all`);
      } catch (err) {
        byConnections.set(p, [...(byConnections.get(p) ?? []), NaN]);
        notes.push(`Scaling ${p} connections: ${(err as Error).message}`);
        await pause(1000);
      }
    }
  }
  await runtime.stop();
  await feed.exit();
  const single = byConnections.get(1) ?? [];
  for (const p of CONNECTIONS) {
    const values = byConnections.get(p) ?? [];
    rows.push({
      section: '5b', figure: `scaling: ${p} PBX${p > 1 ? 's' : ''} in one Node-RED, all streaming (sum)`, unit: 'AMI ev/s', value: spread(values.filter(Number.isFinite)), failed: failures(values),
      ...(p > 1 ? { baseline: { name: '1 PBX', value: spread(single.filter(Number.isFinite)) }, ratio: spread(values.map((v, i) => v / single[i]).filter(Number.isFinite)) } : {}),
    });
  }

  // a) memory: what the correlator holds for k live calls. With 1 or 10 calls the heap moves by
  // less than a measurement's noise (tens of KiB), so those are shown as a total, not per call.
  for (const k of CONCURRENCY) {
    const held: number[] = [];
    for (let r = 0; r < runs; r++) held.push(await heapForLiveCalls(k, 900_000_000 + r * 10_000_000));
    const perCall = k >= 100;
    rows.push({
      section: '5a', figure: perCall ? `scaling: correlator heap per live call, ${k} live calls` : `scaling: correlator heap, ${k} live call${k > 1 ? 's' : ''} (below GC noise)`,
      unit: perCall ? 'B' : 'KiB', value: spread(held.map((b) => (perCall ? b / k : b / 1024))),
    });
  }
  notes.push(
    `Scaling: a) the mixed stream with 1/10/100/1000 calls at once (${CONCURRENCY.map((k) => `${k}: ${expectations.get(k)!.streamEvents} events`).join(', ')}), one PBX; ` +
      `b) ${expected.streamEvents} events (50 calls at once) to each of 1–5 PBX connections at the same time, rate = all events / (last consumer done − first write). ` +
      `The PBX process writes all streams from one core; the consumers share the other.`,
  );
  return { rows, notes };
};
