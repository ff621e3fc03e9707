import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecordedScenario, SCENARIO_DIR, type ScenarioFrame } from '../../simulator/recorded-scenario';
import { renumberScenario, AsteriskCounters } from '../../simulator/scenario-renumbering';
import { CallTraffic, DEMO_SCENARIOS } from '../../simulator/traffic';
import { parseAmiMessage, field, type AmiMessage } from '../../nodes/lib/ami/message';
import { CallCorrelator } from '../../nodes/lib/events/correlator';
import { readSettings } from '../../nodes/lib/settings';
import { execFileSync } from 'node:child_process';

const LIVE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');
const messages = (frames: ScenarioFrame[]): AmiMessage[] => frames.map((f) => parseAmiMessage(f.text));
const events = (frames: ScenarioFrame[], name: string): AmiMessage[] => messages(frames).filter((m) => field(m, 'Event') === name);
const ID_KEY = /(Uniqueid|UniqueID|Linkedid)$/;
const idsOf = (frames: ScenarioFrame[]): Set<string> => {
  const ids = new Set<string>();
  for (const m of messages(frames)) for (const [k, v] of Object.entries(m)) if (ID_KEY.test(k) && typeof v === 'string') ids.add(v);
  return ids;
};

test('the demo scenarios shipped in simulator/scenarios are byte-identical copies of the live recordings', () => {
  for (const name of DEMO_SCENARIOS) {
    for (const ext of ['ami', 'txt']) {
      assert.ok(
        readFileSync(join(SCENARIO_DIR, `${name}.${ext}`)).equals(readFileSync(join(LIVE, `${name}.${ext}`))),
        `${name}.${ext} differs from the recording`,
      );
    }
  }
  const shipped = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.ami')).map((f) => f.replace(/\.ami$/, ''));
  assert.deepEqual(shipped.sort(), [...DEMO_SCENARIOS].sort(), 'every shipped recording is played, every played one shipped');
});

test('a recorded scenario keeps the PBX events and drops the recording session (banner, responses, FullyBooted, its AMI login)', () => {
  const scenario = loadRecordedScenario('inbound_answered');
  const all = messages(scenario.frames);
  assert.ok(all.every((m) => field(m, 'Event') !== ''), 'no Response frames');
  assert.ok(!all.some((m) => field(m, 'Event') === 'FullyBooted'));
  assert.ok(!all.some((m) => field(m, 'Event') === 'SuccessfulAuth' && field(m, 'Service') === 'AMI'));
  assert.equal(field(all[0] as AmiMessage, 'Event'), 'Newchannel');
  assert.ok(scenario.frames.every((f) => f.text.endsWith('\r\n\r\n') && !/[^\r]\n/.test(f.text)), 'CRLF wire form');
  assert.equal(scenario.startEpoch, 1795491291);
  assert.match(scenario.title, /^Inbound call from 0611111111/);
});

test('events keep the recording\'s timing: ring 3 s, talk 6 s (inbound_answered)', () => {
  const { frames } = loadRecordedScenario('inbound_answered');
  const at = (event: string, channel: string): number =>
    (frames.find((f) => {
      const m = parseAmiMessage(f.text);
      return field(m, 'Event') === event && field(m, 'Channel') === channel;
    }) as ScenarioFrame).atMs;
  assert.equal(at('DialBegin', 'PJSIP/carrier-00000043'), 0);
  assert.equal(at('DialEnd', 'PJSIP/carrier-00000043'), 3000);
  assert.equal(at('Hangup', 'PJSIP/101-00000044'), 9000);
  assert.equal(at('Hangup', 'PJSIP/carrier-00000043'), 9100);
  for (let i = 1; i < frames.length; i++) assert.ok((frames[i] as ScenarioFrame).atMs >= (frames[i - 1] as ScenarioFrame).atMs, 'never back in time');
});

test('a CDR written when the call ends is sent when the call ends, not when its channel was last seen (attended transfer)', () => {
  const { frames } = loadRecordedScenario('attended_transfer');
  const last = frames.filter((f) => /Event: Cdr/.test(f.text) && /Channel: PJSIP\/carrier-00000056/.test(f.text));
  assert.equal(last.length, 3);
  for (const f of last) assert.equal(f.atMs, 23400);
});

test('a replayed call has fresh <epoch>.<seq> ids with the current epoch, the same structure and shifted times', () => {
  const scenario = loadRecordedScenario('attended_transfer');
  const start = Date.UTC(2030, 0, 2, 3, 4, 5, 600);
  const frames = renumberScenario(scenario, start, new AsteriskCounters(1000));
  const first = parseAmiMessage((frames[0] as ScenarioFrame).text);
  const callId = field(first, 'Linkedid');
  assert.equal(callId, `${Math.floor(start / 1000)}.1000`);
  // Every channel still belongs to the call; the consultation leg, created 7 s later, keeps its later epoch.
  const newchannels = events(frames, 'Newchannel');
  assert.deepEqual(newchannels.map((m) => field(m, 'Linkedid')), Array(5).fill(callId));
  assert.deepEqual(
    newchannels.map((m) => field(m, 'Uniqueid')),
    ['1893553445.1000', '1893553445.1001', '1893553452.1002', '1893553452.1003', '1893553452.1004'],
  );
  assert.deepEqual(
    newchannels.map((m) => field(m, 'Channel')),
    ['PJSIP/carrier-00000001', 'PJSIP/101-00000002', 'Local/102@from-internal-00000001;1', 'Local/102@from-internal-00000001;2', 'PJSIP/102-00000003'],
  );
  const recording = messages(frames).find((m) => field(m, 'Variable') === 'MIXMONITOR_FILENAME') as AmiMessage;
  assert.equal(field(recording, 'Value'), '/var/spool/asterisk/monitor/20300102-030405-0666666666-101.wav');
  const cdr = events(frames, 'Cdr').find((m) => field(m, 'DestinationChannel') === 'PJSIP/101-00000002') as AmiMessage;
  assert.equal(field(cdr, 'StartTime'), '2030-01-02 03:04:05');
  assert.equal(field(cdr, 'UniqueID'), callId);
  const transfer = events(frames, 'AttendedTransfer')[0] as AmiMessage;
  assert.equal(field(transfer, 'TransfereeLinkedid'), callId);
  assert.equal(field(transfer, 'TransfereeChannel'), 'PJSIP/carrier-00000001');
  // No trace of the recording's ids, channel suffixes or bridge ids is left.
  const text = frames.map((f) => f.text).join('');
  assert.doesNotMatch(text, /1795491(41[0-9]|40[0-9])\.\d+|00000056|00000057|82c92f73-cc61|2026-11-24|20261124/);
});

test('two plays of the same recording share no call id, channel id, channel name or bridge', () => {
  const scenario = loadRecordedScenario('inbound_ringgroup_answered');
  const counters = new AsteriskCounters();
  const start = Date.now();
  const a = renumberScenario(scenario, start, counters);
  const b = renumberScenario(scenario, start, counters);
  const names = (frames: ScenarioFrame[], key: string): Set<string> =>
    new Set(messages(frames).map((m) => field(m, key)).filter((v) => v !== ''));
  for (const key of ['Channel', 'BridgeUniqueid']) {
    const shared = [...names(a, key)].filter((v) => names(b, key).has(v));
    assert.deepEqual(shared, [], `${key} reused`);
  }
  const sharedIds = [...idsOf(a)].filter((id) => idsOf(b).has(id));
  assert.deepEqual(sharedIds, []);
  assert.equal(idsOf(a).size, idsOf(b).size);
});

test('the traffic loop plays the scenarios in turn, again and again, with fresh ids and a pause between calls', async () => {
  const frames: string[] = [];
  const calls: string[] = [];
  let traffic!: CallTraffic;
  await new Promise<void>((resolve) => {
    traffic = new CallTraffic((frame) => frames.push(frame), {
      scenarios: ['internal_busy'],
      gapMs: 20,
      onCall: (call) => {
        calls.push(call.linkedid);
        if (calls.length === 3) resolve();
      },
    });
    traffic.start();
  });
  traffic.stop();
  assert.equal(traffic.isRunning, false);
  assert.equal(new Set(calls).size, 3, 'each round is a new call');
  // Each call's events come in one block, in the order the calls started: no overlap.
  const linkedids = frames.map((f) => /^Linkedid: (\S+)/m.exec(f)?.[1]).filter((v): v is string => v !== undefined);
  const blocks = linkedids.filter((id, i) => i === 0 || linkedids[i - 1] !== id);
  assert.deepEqual(blocks, calls.slice(0, blocks.length));
  assert.ok(blocks.length >= 2);
});

test('stopping the traffic leaves no timer behind and sends nothing more', async () => {
  let sent = 0;
  const traffic = new CallTraffic(() => sent++, { scenarios: ['inbound_answered'] });
  traffic.start();
  const atStop = sent;
  assert.ok(atStop > 0, 'the first events go out at once');
  traffic.stop();
  await new Promise((r) => setTimeout(r, 3200));
  assert.equal(sent, atStop);
});

test('a whole round of demo traffic, renumbered, gives each recording\'s expected events with its fresh call id (real correlator)', () => {
  const counters = new AsteriskCounters();
  const correlator = new CallCorrelator(readSettings({ timezone: 'UTC' }));
  let clockMs = Date.now();
  const got = new Map<string, Record<string, string>[]>();
  const compact = (epoch: number): string => new Date(epoch * 1000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  for (const name of DEMO_SCENARIOS) {
    const scenario = loadRecordedScenario(name);
    const frames = renumberScenario(scenario, clockMs, counters);
    // The recording's call ids, in order of appearance, and the fresh ones in their place.
    const fresh = new Map<string, string>();
    scenario.frames.forEach((frame, i) => {
      const before = field(parseAmiMessage(frame.text), 'Linkedid');
      if (before) fresh.set(before, field(parseAmiMessage((frames[i] as ScenarioFrame).text), 'Linkedid'));
    });
    for (const frame of frames) {
      for (const out of correlator.ingest(parseAmiMessage(frame.text))) {
        const list = got.get(out.event.call_id) ?? [];
        list.push({ ...out.event });
        got.set(out.event.call_id, list);
      }
    }
    const expected = JSON.parse(readFileSync(join(LIVE, `${name}.expected.json`), 'utf8')) as Record<string, string>[];
    for (const want of expected) {
      const callId = fresh.get(want.call_id as string) as string;
      assert.ok(callId, `${name}: a fresh id for ${want.call_id}`);
      const events = got.get(callId) ?? [];
      assert.equal(events.length, expected.filter((e) => e.call_id === want.call_id).length, `${name}: number of events of ${callId}`);
      const index = expected.filter((e) => e.call_id === want.call_id).indexOf(want);
      const actual = events[index] as Record<string, string>;
      assert.ok(actual, `${name}: event #${index} of ${callId} (${want.event})`);
      const wanted: Record<string, string> = { ...want, call_id: callId, ts: actual.ts as string };
      if (want.record_name) wanted.record_name = (want.record_name as string).replace(/^\d{8}-\d{6}/, compact(Number(callId.split('.')[0])));
      // Two legs hanging up at once may come in either order (live/README.md).
      if (want.event === 'hangup_internal' && actual.exten_num !== want.exten_num) continue;
      assert.deepEqual(actual, wanted, `${name}: ${want.event} of ${callId}`);
    }
    clockMs += scenario.durationMs + 3000;
  }
  assert.equal(correlator.stats().calls, 0, 'every call ended');
});

test('the npm package ships every scenario the demo traffic plays', () => {
  const root = join(__dirname, '..', '..', '..');
  const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as { files: { path: string }[] }[];
  const files = new Set((listing[0] as { files: { path: string }[] }).files.map((f) => f.path));
  for (const name of DEMO_SCENARIOS) {
    assert.ok(files.has(`simulator/scenarios/${name}.ami`), `${name}.ami in the package`);
    assert.ok(files.has(`simulator/scenarios/${name}.txt`), `${name}.txt in the package`);
  }
  assert.ok(files.has('dist/simulator/traffic.js'));
});
