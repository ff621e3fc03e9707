import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import helper = require('node-red-node-test-helper');
import type { Node, NodeAPI, NodeDef } from 'node-red';
import pbxConfigNode = require('../../nodes/pbx-config');
import { AmiServer } from '../../simulator';
import type { AmiConnectionApi } from '../../nodes/lib/ami/connection-api';
import type { PbxConfigApi, PbxUser } from '../../nodes/lib/pbx-config-api';
import type { PbxUserStatus } from '../../nodes/lib/pbx-config-core';
import { sharedRegistrySize } from '../../nodes/lib/shared-registry';
import { sleep } from '../helpers/wait';
import { until } from './helpers';

helper.init(require.resolve('node-red'));

/** What a test user node saw, kept across redeploys (each deploy makes a new node object). */
interface Probe {
  statuses: PbxUserStatus[];
  ami: AmiConnectionApi | null;
  resyncs: number;
  config: PbxConfigApi;
}
const probes = new Map<string, Probe>();

/** A minimal node that uses a pbx-config the way pbx-event, pbx-dial, … do. */
function pbxTestUserNode(RED: NodeAPI): void {
  RED.nodes.registerType('pbx-test-user', function (this: Node, def: NodeDef & { server: string }) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.server) as unknown as PbxConfigApi;
    const probe: Probe = { statuses: [], ami: null, resyncs: 0, config };
    probes.set(node.id, probe);
    const user: PbxUser = {
      id: node.id,
      status: (status) => {
        probe.statuses.push(status);
        node.status(status);
      },
    };
    probe.ami = config.register(user);
    const stopListening = probe.ami?.onConnected(() => probe.resyncs++);
    node.on('close', (_removed: boolean, done: () => void) => {
      stopListening?.();
      config.deregister(user);
      done();
    });
  });
}

const NODES = [pbxConfigNode, pbxTestUserNode];
const SECRET = 'Tr0ub4dor&3-never-logged';

let server: AmiServer;

before(async () => {
  server = await AmiServer.start({ users: { nodered: { secret: SECRET } } });
});

after(async () => {
  await server.close();
});

afterEach(async () => {
  await helper.unload();
  probes.clear();
  server.refuseLogins(false);
  if (!server.listening) await server.startListening();
  await until(() => server.connectionCount === 0, 'every AMI socket to close after unload');
});

function flow(extra: Record<string, unknown> = {}, users = ['user1']): Array<Record<string, unknown> & { id: string; type: string }> {
  return [
    { id: 'pbx1', type: 'pbx-config', name: 'Office PBX', host: '127.0.0.1', port: String(server.port), ...extra },
    ...users.map((id) => ({ id, type: 'pbx-test-user', server: 'pbx1', wires: [] })),
  ];
}

const CREDENTIALS = { pbx1: { username: 'nodered', secret: SECRET } };

function probe(id = 'user1'): Probe {
  const found = probes.get(id);
  assert.ok(found, `node ${id} was created`);
  return found;
}

test('user nodes show connecting (yellow ring), then connected (green dot)', async () => {
  await helper.load(NODES, flow(), CREDENTIALS);
  await until(() => probe().statuses.some((s) => s.fill === 'green'), 'the green status');
  assert.deepEqual(probe().statuses, [
    { fill: 'yellow', shape: 'ring', text: 'connecting' },
    { fill: 'green', shape: 'dot', text: 'connected' },
  ]);
  assert.equal(probe().ami?.state, 'connected');
});

test('every node using one pbx-config shares one AMI connection', async () => {
  await helper.load(NODES, flow({}, ['user1', 'user2', 'user3']), CREDENTIALS);
  await until(() => probe('user3').statuses.some((s) => s.fill === 'green'), 'connected');
  assert.equal(server.connectionCount, 1);
  assert.equal(probe('user1').ami, probe('user3').ami);
  assert.ok(probe('user2').statuses.some((s) => s.text === 'connected'));
});

test('redeploying 50 times leaves exactly one socket on the server and no timer behind', async () => {
  await helper.load(NODES, flow(), CREDENTIALS);
  await until(() => probe().ami?.state === 'connected', 'connected');
  await sleep(20);
  const resources = (): string[] => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').sort();
  const baseline = resources();
  for (let i = 0; i < 50; i++) {
    // alternate full deploys with changed-config deploys (a different name restarts pbx-config too)
    await helper.setFlows(flow({ name: `Office PBX ${i % 2}` }), i % 2 ? 'full' : 'nodes', CREDENTIALS);
  }
  await until(() => probe().ami?.state === 'connected', 'connected after the last deploy');
  await until(() => server.connectionCount === 1, 'one socket on the server', 5000);
  await sleep(20);
  assert.deepEqual(resources(), baseline);
  assert.equal(server.loggedInSessions.length, 1);
});

test('credentials come from the credential store: never in the exported flow, never in the log', async () => {
  server.refuseLogins();
  // deployed as the editor does it: credentials inline in the node, extracted by the runtime
  const deployed = flow();
  deployed[0].credentials = { username: 'nodered', secret: SECRET, dbPassword: 'db-secret-too' };
  await helper.load(NODES, flow(), {});
  await helper.setFlows(deployed, 'full', {});
  await until(() => probe().statuses.some((s) => s.fill === 'red'), 'the refused login');
  assert.deepEqual(probe().statuses.at(-1), { fill: 'red', shape: 'ring', text: 'login refused: Authentication failed' });
  const login = server.actionsNamed('Login').at(-1)!;
  assert.equal(login.Username, 'nodered');
  assert.equal(login.Secret, SECRET);
  const exported = JSON.stringify(helper._redNodes.getFlows().flows);
  assert.ok(!exported.includes(SECRET) && !exported.includes('db-secret-too'), 'no secret in the flow JSON');
  assert.ok(exported.includes('Office PBX'), 'the exported flow holds the pbx-config');
  assert.ok(!exported.includes('"credentials"'));
  // the refused login is retried only every minute or so; fixing the secret and deploying reconnects at once
  server.refuseLogins(false);
  await helper.setFlows(deployed, 'full', {});
  await until(() => probe().ami?.state === 'connected', 'connected after the deploy');
  const logged = JSON.stringify(helper.log().args.map((args) => args[0].msg));
  assert.ok(logged.includes('refused'), 'the refusal is logged');
  assert.ok(!logged.includes(SECRET), 'the secret is not');
});

test('server killed and restarted: users go red, then green again, and the resync is signalled', async () => {
  await helper.load(NODES, flow(), CREDENTIALS);
  await until(() => probe().ami?.state === 'connected', 'connected');
  assert.equal(probe().resyncs, 1);
  await server.stopListening();
  await until(() => probe().statuses.at(-1)?.fill === 'red' || probe().statuses.at(-1)?.fill === 'yellow', 'the drop to show');
  const red = probe().statuses.find((s) => s.fill === 'red');
  assert.match(red?.text ?? '', /^disconnected: /);
  await server.startListening();
  await until(() => probe().statuses.at(-1)?.fill === 'green', 'green again', 8000);
  assert.equal(probe().resyncs, 2);
});

test('settings may come from environment variables (${AMI_HOST}, ${AMI_PORT})', async () => {
  process.env.PBX_TEST_AMI_HOST = '127.0.0.1';
  process.env.PBX_TEST_AMI_PORT = String(server.port);
  try {
    await helper.load(NODES, flow({ host: '${PBX_TEST_AMI_HOST}', port: '${PBX_TEST_AMI_PORT}' }), CREDENTIALS);
    await until(() => probe().ami?.state === 'connected', 'connected');
    assert.equal(probe().config.settings.port, server.port);
  } finally {
    delete process.env.PBX_TEST_AMI_HOST;
    delete process.env.PBX_TEST_AMI_PORT;
  }
});

test('shared objects survive a redeploy and are dropped when the pbx-config is removed', async () => {
  await helper.load(NODES, flow(), CREDENTIALS);
  let disposed = 0;
  const state = probe().config.shared('calls', () => ({ calls: new Map(), dispose: () => disposed++ }));
  await helper.setFlows(flow({ name: 'renamed' }), 'full', CREDENTIALS);
  assert.notEqual(probe().config, undefined);
  assert.equal(probe().config.shared('calls', () => ({ calls: new Map(), dispose: () => disposed++ })), state);
  const sizeBefore = sharedRegistrySize();
  await helper.setFlows([], 'full', {});
  assert.equal(sharedRegistrySize(), sizeBefore - 1);
  assert.equal(disposed, 1);
});

test('a pbx-config without an AMI host gives no connection (HTTP-only PBX)', async () => {
  await helper.load(NODES, flow({ host: '', httpUrl: 'http://127.0.0.1:1' }), {});
  assert.equal(probe().ami, null);
  assert.equal(probe().config.settings.transport, 'http');
  await sleep(50);
  assert.equal(server.connectionCount, 0);
});

test('invalid settings turn user nodes red and open no connection', async () => {
  await helper.load(NODES, flow({ extensionPattern: '([' }), CREDENTIALS);
  assert.equal(probe().ami, null);
  assert.equal(probe().statuses[0].fill, 'red');
  assert.match(probe().statuses[0].text ?? '', /^invalid PBX settings: extensionPattern/);
  await sleep(50);
  assert.equal(server.connectionCount, 0);
});
