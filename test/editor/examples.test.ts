/**
 * Every example flow (examples/, shown in Node-RED's Import → Examples) imported into a real
 * Node-RED runtime with the package's nodes and the core nodes it uses: every node type is
 * known, every node starts, nothing is logged as an error, the PBX nodes connect to the
 * simulated PBX (and pbx-cdr to a real PostgreSQL); the event examples also deliver what they
 * promise.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import helper = require('node-red-node-test-helper');
import type { Node } from 'node-red';
import { startDemoPbx, DEMO_AMI_USER, type DemoPbx } from '../../simulator/demo-pbx';
import { loadRecordedScenario } from '../../simulator/recorded-scenario';
import { renumberScenario, AsteriskCounters } from '../../simulator/scenario-renumbering';
import { TempPostgres } from '../cdr/temp-postgres';
import { createAsteriskTables, createReadOnlyUser } from '../cdr/load-data';
import { Receiver } from '../helpers/receiver';
import { MqttBroker } from '../helpers/mqtt-broker';
import { collect, type Msg } from '../helpers/node-red';
import { sleep, until } from '../helpers/wait';

helper.init(require.resolve('node-red'));

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const CORE = join(require.resolve('@node-red/nodes/package.json'), '..', 'core');
type NodeModule = Extract<Parameters<typeof helper.load>[0], (...args: never[]) => unknown>;

/** The package's nodes, as Node-RED loads them (the compiled files package.json names). */
const PACKAGE_NODES = Object.values(PACKAGE['node-red'].nodes).map((file) => require(join(ROOT, file)) as NodeModule);
/** Node-RED's own nodes the examples may use. */
const CORE_NODES = [
  'common/20-inject.js', 'common/21-debug.js', 'common/25-catch.js', 'common/25-status.js', 'common/90-comment.js', 'common/60-link.js',
  'function/10-function.js', 'function/10-switch.js', 'function/15-change.js', 'function/80-template.js', 'function/89-delay.js',
  'network/21-httpin.js', 'network/21-httprequest.js', 'network/22-websocket.js', 'network/10-mqtt.js', 'network/05-tls.js',
  'parsers/70-JSON.js',
].map((file) => require(join(CORE, file)) as NodeModule);

type FlowNode = Record<string, unknown> & { id: string; type: string };
const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));

/** Catches on 127.0.0.1 the requests the examples send "outside" (to the IS, to the chat). */
let receiver: Receiver;
let pbx: DemoPbx;
/** A real MQTT broker on 127.0.0.1, subscribed itself to the topics the MQTT example promises. */
let broker: MqttBroker;
const MQTT_TOPICS = 'pbx/events/#';
/** The PBX's call-history database, for examples with pbx-cdr (empty Asterisk tables). */
let database: TempPostgres | undefined;
const DB = { name: 'asteriskcdrdb', user: 'nodered', password: 'cdr-secret' };

before(async () => {
  await helper.startServer();
  pbx = await startDemoPbx({ amiPort: 0, httpPort: 0, traffic: false });
  if (files.some((file) => readFileSync(join(EXAMPLES, file), 'utf8').includes('"pbx-cdr"'))) {
    database = await TempPostgres.start();
    await database.withSuperuser('postgres', (admin) => admin.query(`CREATE DATABASE ${DB.name}`));
    await database.withSuperuser(DB.name, async (client) => {
      await createAsteriskTables(client);
      await createReadOnlyUser(client, DB.name, DB.user, DB.password);
    });
  }
  broker = await MqttBroker.start(MQTT_TOPICS);
  receiver = await Receiver.start();
});

afterEach(async () => {
  await helper.unload();
  receiver.requests.length = 0;
  broker.reset();
});

after(async () => {
  await helper.stopServer();
  await pbx.close();
  await database?.stop();
  await receiver.close();
  await broker.close();
});

/**
 * The example as a user would run it here: its PBX configuration pointed at the simulated PBX
 * (with a login, as the user fills in), its outside URLs at the local receiver (same path),
 * its MQTT broker at the local broker.
 */
function localise(nodes: FlowNode[]): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const credentials: Record<string, Record<string, string>> = {};
  const flow = nodes.map((node) => {
    if (node.type === 'pbx-config') {
      credentials[node.id] = { username: DEMO_AMI_USER.username, secret: DEMO_AMI_USER.secret, dbUser: DB.user, dbPassword: DB.password };
      const db = database ? { dbHost: '127.0.0.1', dbPort: String(database.port), dbName: DB.name } : {};
      return { ...node, host: '127.0.0.1', port: String(pbx.amiPort), httpUrl: pbx.httpUrl, ...db };
    }
    if (node.type === 'pbx-notify' || node.type === 'http request') {
      const url = new URL(String(node.url));
      return { ...node, url: receiver.url(`${url.pathname}${url.search}`) };
    }
    if (node.type === 'mqtt-broker') return { ...node, broker: '127.0.0.1', port: String(broker.port) };
    return node;
  });
  const tabs = [...new Set(nodes.map((node) => node.z).filter((z): z is string => typeof z === 'string'))];
  return { flow: [...tabs.map((id) => ({ id, type: 'tab', label: 'example' })), ...flow], credentials };
}

/** Every status a node has shown (the test helper records Node.prototype.status calls). */
function statuses(node: Node): { fill?: string; text?: string }[] {
  const spy = node.status as unknown as { getCalls(): { thisValue: unknown; args: [{ fill?: string; text?: string }] }[] };
  return spy.getCalls().filter((call) => call.thisValue === node).map((call) => call.args[0]);
}

/** Loads an example and checks it deployed cleanly; returns its nodes. */
async function deploy(file: string): Promise<FlowNode[]> {
  const nodes = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as FlowNode[];
  const { flow, credentials } = localise(nodes);
  await helper.load([...PACKAGE_NODES, ...CORE_NODES], flow, credentials);
  for (const node of nodes) assert.ok(helper.getNode(node.id), `${node.type} "${String(node.name ?? node.id)}" started (its type is known)`);
  assert.ok(nodes.some((node) => node.type.startsWith('pbx-') && node.type !== 'pbx-config'), 'the example uses the package');
  // The nodes that talk to the PBX (pbx-notify talks to the IS only).
  const pbxUsers = nodes.filter((node) => node.type.startsWith('pbx-') && typeof node.server === 'string' && node.server !== '');
  for (const node of pbxUsers) {
    const running = helper.getNode(node.id) as Node;
    await until(() => statuses(running).some((status) => status.fill === 'green' && /connected/.test(status.text ?? '')), `${node.type} "${String(node.name ?? '')}" connected`);
  }
  // Errors from anywhere, warnings from the example's nodes (the test helper warns about itself).
  const ids = new Set(nodes.map((node) => node.id));
  const problems = helper.log().args.map(([entry]) => entry).filter((entry) => entry.level <= 20 || (entry.level <= 30 && ids.has(entry.id ?? '')));
  assert.deepEqual(problems.map((entry) => `${entry.type ?? ''} ${String(entry.msg)}`), [], 'nothing logged as an error, no node warns');
  return nodes;
}

/** Plays a recorded call on the simulated PBX, with fresh ids (as the demo traffic does). */
async function playCall(scenario: string): Promise<string> {
  const recorded = loadRecordedScenario(scenario);
  const frames = renumberScenario(recorded, Date.now(), new AsteriskCounters(900_000));
  for (const frame of frames) await pbx.ami.replay(frame.text);
  return /^Linkedid: (\S+)/m.exec(frames[0]?.text ?? '')?.[1] ?? '';
}

test('there are examples for the issue\'s use cases', () => {
  for (const name of ['Click-to-dial from a CRM', 'PBX to IS notifications in the vendor format', 'Missed-call alert', 'Hang up an extension', 'Screen-pop data on ringing', 'Events shared over MQTT']) {
    assert.ok(files.includes(`${name}.json`), name);
  }
});

for (const file of files) {
  test(`example "${file.replace(/\.json$/, '')}": a comment says what it shows and what to change`, () => {
    const nodes = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as FlowNode[];
    const comments = nodes.filter((node) => node.type === 'comment');
    assert.ok(comments.some((node) => /change/i.test(String(node.info))), 'a comment with "what to change"');
    assert.ok(nodes.every((node) => !('credentials' in node)), 'no credentials in an example');
  });

  test(`example "${file.replace(/\.json$/, '')}" deploys cleanly: every type known, no error, PBX nodes connected`, async () => {
    await deploy(file);
  });
}

test('the vendor-notification example sends each call event as the vendor\'s GET with the fields in order', async () => {
  await deploy('PBX to IS notifications in the vendor format.json');
  const callId = await playCall('inbound_missed');
  await until(() => receiver.requests.length >= 2, 'two notifications (dial, endcall)', 10_000);
  const [dial, endcall] = receiver.requests.map((request) => new URL(request.url, 'http://x'));
  assert.equal(receiver.requests[0]?.method, 'GET');
  assert.deepEqual([...(dial as URL).searchParams.keys()], ['event', 'ts', 'call_id', 'caller_type', 'caller_num', 'called_num', 'transfering_exten', 'record_name']);
  assert.equal((dial as URL).searchParams.get('call_id'), callId);
  assert.equal((endcall as URL).searchParams.get('event'), 'endcall');
  assert.equal((endcall as URL).searchParams.get('call_answered'), 'f');
});

test('the missed-call example posts one chat message for an unanswered external call, none for an answered one', async () => {
  await deploy('Missed-call alert.json');
  await playCall('inbound_answered');
  await playCall('inbound_missed');
  await until(() => receiver.requests.length >= 1, 'the chat message', 10_000);
  await sleep(300);
  assert.equal(receiver.requests.length, 1, 'only the missed call');
  assert.equal(receiver.requests[0]?.method, 'POST');
  assert.match(String(receiver.requests[0]?.headers['content-type'] ?? ''), /^application\/json/);
  const message = JSON.parse(receiver.requests[0]?.body ?? '{}') as { text: string };
  assert.match(message.text, /^Missed call from 0622222222 to 800123456 at \d{4}-\d\d-\d\dT/);
});

test('the MQTT example publishes each call event to pbx/events/<event> as JSON with QoS 1, and its receiving flow gets the same events', async () => {
  const nodes = await deploy('Events shared over MQTT.json');
  const only = (type: string): FlowNode => {
    const found = nodes.filter((node) => node.type === type);
    assert.equal(found.length, 1, `one ${type} node`);
    return found[0] as FlowNode;
  };
  const source = only('pbx-event');
  const publish = only('mqtt out');
  const subscribe = only('mqtt in');
  const [[shown]] = subscribe.wires as string[][] as [[string]];
  // What pbx-event sends into the publishing side (a copy: mqtt out turns msg.payload into its JSON text in place),
  // and what the receiving side shows.
  const sent: Record<string, unknown>[] = [];
  helper.getNode((source.wires as string[][])[0]?.[0] ?? '')?.on('input', (msg: Msg) => sent.push(JSON.parse(JSON.stringify(msg.payload)) as Record<string, unknown>));
  const received = collect(shown);
  await until(() => statuses(helper.getNode(publish.id) as Node).some((status) => status.fill === 'green'), 'mqtt out connected to the broker');
  await until(() => broker.subscriptions.includes(String(subscribe.topic)), `mqtt in subscribed to ${String(subscribe.topic)}`);

  const callId = await playCall('inbound_answered');
  await until(() => sent.some((event) => event.event === 'endcall') && broker.messages.length >= sent.length && received.length >= sent.length, 'every call event over MQTT', 10_000);
  await sleep(300);

  // (a) an independent subscriber to pbx/events/# gets every event, on pbx/events/<event>, as JSON, QoS 1.
  const events = sent.map((event) => String(event.event));
  assert.deepEqual([events[0], events.at(-1)], ['dial', 'endcall']);
  assert.deepEqual(
    broker.messages.map((message) => message.topic),
    events.map((event) => `pbx/events/${event}`),
  );
  assert.ok(broker.messages.every((message) => message.qos === 1 && !message.retain), 'QoS 1, not retained');
  const published = broker.messages.map((message) => JSON.parse(message.payload.toString('utf8')) as Record<string, unknown>);
  assert.deepEqual(published, sent, 'the events exactly as pbx-event sent them');
  assert.ok(published.every((event) => event.call_id === callId), 'all of the replayed call');
  // (b) the receiving flow (mqtt in → debug) gets the same events, parsed back into objects.
  assert.deepEqual(received.map((msg) => msg.topic), broker.messages.map((message) => message.topic));
  assert.deepEqual(received.map((msg) => msg.payload), published);
});
