import http from 'node:http';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { FeedProcess } from '../lib/feed-process';
import { mergeSummaries, renderSummary, startProfiling, summarise, type ProfileSummary } from '../lib/cpu-profile';
import { nowMs } from '../lib/feed-server';
import { NodeRedRuntime, type FlowNode } from '../lib/node-red';
import { recordedPayloads, type EventPayload } from '../lib/payloads';
import { failures, spread } from '../lib/stats';
import { pause, type Suite } from '../lib/suite';
import type { Row } from '../lib/table';

/**
 * 3. Delivery: notifications per second from `pbx-notify` to a local keep-alive receiver,
 * against Node-RED's core `http request` node doing the same job: the same contract events as
 * `msg.payload`, sent as a GET with the payload as the query (`paytoqs: query`, keep-alive on),
 * to the same receiver, with the same number of messages in flight (pbx-notify's concurrency).
 */

/** pbx-notify's delivery queue sends up to this many requests at once (delivery-queue.ts). */
const IN_FLIGHT = 8;

interface Contender {
  key: string;
  label: string;
  node: string;
  sink: string;
}

export const run: Suite = async ({ scale, runs, log }) => {
  const perRun = scale === 'quick' ? 500 : 4_000;
  const payloads = recordedPayloads();
  const feed = new FeedProcess();
  const port = await feed.httpListen();
  const url = `http://127.0.0.1:${port}/pbx/events`;
  const runtime = await NodeRedRuntime.start();
  const flows: FlowNode[] = [
    { id: 'tab', type: 'tab', label: 'delivery' },
    { id: 'notify', type: 'pbx-notify', z: 'tab', name: '', url, method: 'GET', format: 'vendor', wires: [['notify-sink']] },
    { id: 'notify-sink', type: 'bench-sink', z: 'tab', wires: [] },
    {
      id: 'request', type: 'http request', z: 'tab', name: '', method: 'GET', ret: 'txt', paytoqs: 'query', url,
      tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], wires: [['request-sink']],
    },
    { id: 'request-sink', type: 'bench-sink', z: 'tab', wires: [] },
  ];
  await runtime.deploy(flows);
  const contenders: Contender[] = [
    { key: 'notify', label: 'pbx-notify (vendor GET)', node: 'notify', sink: 'notify-sink' },
    { key: 'request', label: 'core http request (GET, paytoqs, keep-alive)', node: 'request', sink: 'request-sink' },
  ];

  let callCounter = 0;
  /** Sends `count` messages through one node, keeping IN_FLIGHT of them unanswered; returns requests/s. */
  const drive = async (contender: Contender, count: number): Promise<number> => {
    const node = runtime.node(contender.node) as unknown as { receive(msg: object): void } | null;
    if (!node) throw new Error(`${contender.node} is not running (is the node type installed?)`);
    let sent = 0;
    let answered = 0;
    const base = 1_795_491_291 + callCounter;
    callCounter += count;
    const inject = (): void => {
      const template: EventPayload = payloads[sent % payloads.length];
      // A call id per message: pbx-notify keeps one call's notifications in order, and this
      // benchmark is about throughput across calls.
      const payload: EventPayload = { ...template, call_id: `${base}.${sent}` };
      sent++;
      node.receive({ topic: payload.event, payload });
    };
    const finished = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${contender.label}: ${answered}/${count} answered after 120 s`)), 120_000);
      runtime.onSink(contender.sink, () => {
        answered++;
        if (answered === count) {
          clearTimeout(timer);
          resolve(nowMs());
        } else if (sent < count) inject();
      });
    });
    const startMs = nowMs();
    for (let i = 0; i < Math.min(IN_FLIGHT, count); i++) inject();
    const endMs = await finished;
    return (count / (endMs - startMs)) * 1000;
  };

  /**
   * Sends `count` GETs of the same queries as the nodes, `IN_FLIGHT` at a time, with `get`, no
   * Node-RED around it; returns requests/s.
   */
  const direct = async (count: number, get: (url: string) => Promise<void>): Promise<number> => {
    let sent = 0;
    const startMs = nowMs();
    const lane = async (): Promise<void> => {
      while (sent < count) {
        const payload: EventPayload = { ...payloads[sent % payloads.length], call_id: `1795491291.${sent}` };
        sent++;
        const query = Object.entries(payload).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        await get(`${url}?${query}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane));
    return (count / (nowMs() - startMs)) * 1000;
  };
  /** The ceiling: node:http with a keep-alive agent. */
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const ceiling = (count: number): Promise<number> => direct(count, (target) => new Promise<void>((resolve, reject) => {
    http.get(target, { agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  }));
  /** pbx-notify's sender (axios, as the node configures it) on its own: what axios costs without Node-RED. */
  const sender = new HttpSender({ timeout: 10_000, tlsVerify: true, maxSockets: IN_FLIGHT });
  const senderAlone = (count: number): Promise<number> => direct(count, async (target) => {
    const outcome = await sender.send({ method: 'GET', url: target, headers: {} });
    if (outcome.kind !== 'delivered') throw new Error(`sender: ${outcome.reason}`);
  });

  // Warm up both (JIT, keep-alive connections), and check that they send the same thing.
  const warmUp = Math.min(500, perRun);
  for (const contender of contenders) await drive(contender, warmUp);
  const received = await feed.httpTake();
  const withoutCallId = (u: string | undefined): string => (u ?? '').replace(/call_id=[^&]*/, 'call_id=');
  const firstNotify = withoutCallId(received[0]?.url);
  const firstRequest = withoutCallId(received[warmUp]?.url);
  const sameRequest = received.length === 2 * warmUp && firstNotify === firstRequest && firstNotify.startsWith('/pbx/events?event=');
  const notes: string[] = [];
  const byNode = new Map<string, number[]>();
  await ceiling(Math.min(500, perRun));
  await senderAlone(Math.min(500, perRun));
  await feed.httpTake();
  for (let r = 0; r < runs; r++) {
    const raw = await ceiling(perRun);
    byNode.set('ceiling', [...(byNode.get('ceiling') ?? []), raw]);
    log(`run ${r + 1} ${'node:http, no Node-RED (ceiling)'.padEnd(46)} ${Math.round(raw)} requests/s`);
    await feed.httpTake();
    const alone = await senderAlone(perRun);
    byNode.set('sender', [...(byNode.get('sender') ?? []), alone]);
    log(`run ${r + 1} ${'pbx-notify sender (axios), no Node-RED'.padEnd(46)} ${Math.round(alone)} requests/s`);
    await feed.httpTake();
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      await pause(100);
      try {
        const rate = await drive(contender, perRun);
        byNode.set(contender.key, [...(byNode.get(contender.key) ?? []), rate]);
        log(`run ${r + 1} ${contender.label.padEnd(46)} ${Math.round(rate)} requests/s`);
      } catch (err) {
        byNode.set(contender.key, [...(byNode.get(contender.key) ?? []), NaN]);
        log(`run ${r + 1} ${contender.label}: FAILED ${(err as Error).message}`);
        notes.push(`delivery ${contender.key} run ${r + 1}: ${(err as Error).message}`);
      }
      await feed.httpTake();
    }
  }
  // pbx-notify again under the V8 sampling profiler: where a request's CPU time goes.
  const profiles: ProfileSummary[] = [];
  const notifyContender = contenders[0];
  for (let r = 0; r < runs; r++) {
    try {
      const stop = await startProfiling();
      await drive(notifyContender, perRun);
      profiles.push(summarise(await stop()));
      await feed.httpTake();
    } catch (err) {
      notes.push(`delivery profile run ${r + 1}: ${(err as Error).message}`);
    }
  }
  if (profiles.length) notes.push(renderSummary(`Profile, pbx-notify delivery (${profiles.length} runs merged; µs per request)`, mergeSummaries(profiles), 15, perRun * profiles.length));

  agent.destroy();
  sender.close();
  await runtime.stop();
  await feed.exit();

  const notify = byNode.get('notify') ?? [];
  const request = byNode.get('request') ?? [];
  const ratio = spread(notify.map((v, i) => v / request[i]).filter(Number.isFinite));
  const rows: Row[] = [
    { section: '3', figure: `delivery: node:http keep-alive, no Node-RED (ceiling)`, unit: 'req/s', value: spread(byNode.get('ceiling') ?? []) },
    {
      section: '3', figure: `delivery: pbx-notify's sender (axios) alone, no Node-RED`, unit: 'req/s', value: spread(byNode.get('sender') ?? []),
      baseline: { name: 'ceiling', value: spread(byNode.get('ceiling') ?? []) }, ratio: spread((byNode.get('sender') ?? []).map((v, i) => v / (byNode.get('ceiling') ?? [])[i]).filter(Number.isFinite)),
    },
    {
      section: '3', figure: `delivery: core http request node, ${IN_FLIGHT} in flight`, unit: 'req/s', value: spread(request.filter(Number.isFinite)),
      baseline: { name: 'ceiling', value: spread(byNode.get('ceiling') ?? []) }, ratio: spread(request.map((v, i) => v / (byNode.get('ceiling') ?? [])[i]).filter(Number.isFinite)),
    },
    {
      section: '3', figure: `delivery: pbx-notify, ${IN_FLIGHT} in flight`, unit: 'req/s', value: spread(notify.filter(Number.isFinite)), failed: failures(notify) + failures(request),
      baseline: { name: 'http request', value: spread(request.filter(Number.isFinite)) }, ratio, target: '≥ 2×', met: ratio.runs ? ratio.median >= 2 : null,
    },
  ];
  notes.unshift(
    `Delivery: ${perRun} notifications per run (the ${payloads.length} contract events of the recordings, each with its own call_id), GET to a keep-alive receiver on 127.0.0.1 in another process, ` +
      `${IN_FLIGHT} messages in flight for both nodes (the next message goes in when a response message comes out). ` +
      (sameRequest
        ? `Both nodes sent the same request line (checked on the receiver: ${firstNotify.slice(0, 90)}…).`
        : `WARNING: the two nodes did not send the same request: pbx-notify ${firstNotify.slice(0, 120)} | http request ${firstRequest.slice(0, 120)}`),
  );
  return { rows, notes };
};
