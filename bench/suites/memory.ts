import { parseAmiMessage, type AmiMessage } from '../../nodes/lib/ami/message';
import type { CallCorrelator } from '../../nodes/lib/events/correlator';
import { CallFactory, correlatorRelevant, makeTemplate, type CallTemplate } from '../lib/call-generator';
import { MiB, settledHeap } from '../lib/heap';
import { benchCorrelator } from '../lib/offline-correlation';
import { IdRewriter, scenarios, seededRandom } from '../lib/stream';
import { spread } from '../lib/stats';
import type { Suite } from '../lib/suite';
import type { Row } from '../lib/table';

/**
 * 4. Memory of the correlator, fed straight (no TCP, no Node-RED):
 *  a) 1 000 000 calls, 100 in progress at any time: the heap after each 5 % of them, once all
 *     calls in flight have ended; growth after the warm-up (the first 5 %) must stay < 5 MB.
 *  b) 10 000 calls live at once (each fed up to the middle of its events, parsed from wire
 *     text as the adapter does, so any string that pins its message shows): bytes per call.
 */

/** Checks that the events the call generator leaves out change nothing the correlator emits. */
export function checkRelevantFilter(): string[] {
  const problems: string[] = [];
  const withoutIds = (events: ReturnType<CallCorrelator['ingest']>): string =>
    JSON.stringify(events.map((e) => ({ ...e.event, ts: '' })));
  for (const scenario of scenarios()) {
    const outputs = [makeTemplate(scenario), makeTemplate(scenario, correlatorRelevant)].map((template) => {
      const correlator = benchCorrelator(() => 1_795_491_291_000);
      const factory = new CallFactory(1);
      const out: ReturnType<CallCorrelator['ingest']> = [];
      for (const message of factory.messages(template)) out.push(...correlator.ingest(message));
      return withoutIds(out).replace(/\d{10}\.\d+|c2d-\d+-\d+/g, 'ID');
    });
    if (outputs[0] !== outputs[1]) problems.push(scenario.name);
  }
  return problems;
}

/** Feeds `calls` calls through one correlator, `concurrency` in flight, in random interleaving. */
function feedCalls(correlator: CallCorrelator, factory: CallFactory, templates: CallTemplate[], calls: number, concurrency: number, random: () => number, startAt: number): number {
  let started = 0;
  let events = 0;
  const slots: Array<Generator<AmiMessage>> = [];
  const next = (): Generator<AmiMessage> => factory.messages(templates[(startAt + started++) % templates.length]);
  while (slots.length < concurrency && started < calls) slots.push(next());
  while (slots.length > 0) {
    const i = Math.floor(random() * slots.length);
    const step = slots[i].next();
    if (step.done) {
      if (started < calls) slots[i] = next();
      else slots.splice(i, 1);
      continue;
    }
    correlator.ingest(step.value);
    events++;
  }
  return events;
}

export const run: Suite = async ({ scale, runs, log }) => {
  const rows: Row[] = [];
  const notes: string[] = [];
  const problems = checkRelevantFilter();
  const keep = problems.length === 0 ? correlatorRelevant : () => true;
  if (problems.length) notes.push(`Memory: leaving out events changed the correlator's output for ${problems.join(', ')}: every event is fed instead.`);
  const templates = scenarios().map((s) => makeTemplate(s, keep));

  // a) a million calls
  const totalCalls = scale === 'quick' ? 100_000 : 1_000_000;
  const steps = 20;
  const perStep = totalCalls / steps;
  const concurrency = 100;
  const correlator = benchCorrelator();
  const factory = new CallFactory(1_000_000);
  const random = seededRandom(11);
  const samples: number[] = [];
  let events = 0;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    events += feedCalls(correlator, factory, templates, perStep, concurrency, random, step * perStep);
    samples.push(await settledHeap());
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = correlator.stats();
  const warm = samples[0];
  const growth = (samples[samples.length - 1] - warm) / MiB;
  const later = samples.slice(1).map((s) => (s - warm) / MiB);
  log(`${totalCalls} calls, ${events} events in ${seconds.toFixed(1)} s; heap after warm-up ${(warm / MiB).toFixed(1)} MiB, then ${later.map((v) => v.toFixed(2)).join(' ')} MiB; left: ${JSON.stringify(after)}`);
  rows.push({
    section: '4a', figure: `memory: heap growth, ${totalCalls.toLocaleString('en-US')} calls after warm-up`, unit: 'MiB',
    value: spread([growth]), target: '< 5 MB', met: growth < 5 / 1.048576, runsLabel: '1 (one long run)',
  });
  rows.push({
    section: '4a', figure: 'memory: heap at each further 5 % vs warm-up', unit: 'MiB', value: spread(later), runsLabel: `1 run, ${later.length} samples`,
  });
  notes.push(
    `Memory a): ${totalCalls} calls (${events} events the correlator acts on; it returns at once from the others) from the 17 recordings, ${concurrency} in progress at once, ` +
      `in ${seconds.toFixed(1)} s (${Math.round(events / seconds)} events/s straight into the correlator); heap after a full GC at every 5 %: ` +
      `${samples.map((s) => (s / MiB).toFixed(1)).join(', ')} MiB; left at the end: ${after.calls} calls, ${after.channels} channels.`,
  );

  // b) bytes per live call
  const live = scale === 'quick' ? 2_000 : 10_000;
  const texts = scenarios().map((scenario) => scenario.events.filter((text) => keep(parseAmiMessage(text))));
  const perCall: number[] = [];
  let liveSeen = 0;
  for (let r = 0; r < runs; r++) {
    const rewriter = new IdRewriter(50_000_000 + r * 10_000_000);
    const c = benchCorrelator();
    const before = await settledHeap();
    for (let call = 0; call < live; call++) {
      const scenario = texts[call % texts.length];
      const half = scenario.slice(0, Math.ceil(scenario.length / 2));
      for (const text of rewriter.rewrite(half, call)) c.ingest(parseAmiMessage(text));
    }
    const heldBytes = (await settledHeap()) - before;
    liveSeen = c.stats().calls;
    perCall.push(heldBytes / liveSeen);
    log(`run ${r + 1}: ${liveSeen} live calls, ${c.stats().channels} channels, ${(heldBytes / MiB).toFixed(2)} MiB → ${Math.round(heldBytes / liveSeen)} bytes per call`);
  }
  const bytes = spread(perCall);
  rows.push({
    section: '4b', figure: `memory: bytes per live call, ${live.toLocaleString('en-US')} live`, unit: 'B',
    value: bytes, target: '≤ 4 KB', met: bytes.runs ? bytes.median <= 4096 : null,
  });
  notes.push(`Memory b): ${live} calls, each fed (as wire text, parsed by the package's parser) up to the middle of its events: ${liveSeen} calls live in the correlator.`);
  return { rows, notes };
};
