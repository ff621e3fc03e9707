import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignDemoFlow, demoFlow, DEMO_IDS, IS_PATH, type DemoPorts, type FlowNode } from '../../scripts/demo-flow';

const LOGIN = { username: 'demo', secret: 'demo-secret' };
const FIRST: DemoPorts = { amiPort: 15038, httpUrl: 'http://127.0.0.1:18088', nodeRedPort: 1880 };
const SECOND: DemoPorts = { amiPort: 25038, httpUrl: 'http://127.0.0.1:28088', nodeRedPort: 2880 };
const byId = (flows: FlowNode[], id: string): FlowNode => flows.find((n) => n.id === id) as FlowNode;

test('the demo flow carries the AMI login only as the config node\'s credentials', () => {
  const flows = demoFlow(FIRST, LOGIN);
  const withCredentials = flows.filter((n) => 'credentials' in n);
  assert.deepEqual(withCredentials.map((n) => n.id), [DEMO_IDS.config]);
  assert.deepEqual(byId(flows, DEMO_IDS.config).credentials, LOGIN);
  const withoutCredentials = JSON.stringify(flows.map(({ credentials: _credentials, ...rest }) => rest));
  assert.doesNotMatch(withoutCredentials, /demo-secret/);
});

test('the demo wires call events to the debug sidebar and to pbx-notify, which posts to the flow\'s own HTTP-in', () => {
  const flows = demoFlow(FIRST, LOGIN);
  assert.deepEqual(byId(flows, DEMO_IDS.events).wires, [[DEMO_IDS.callEventsDebug, DEMO_IDS.notify]]);
  assert.equal(byId(flows, DEMO_IDS.notify).url, `http://127.0.0.1:1880${IS_PATH}`);
  assert.equal(byId(flows, DEMO_IDS.isIn).url, IS_PATH);
  assert.equal(byId(flows, DEMO_IDS.config).port, '15038');
  for (const node of flows) {
    if (node.type === 'tab' || node.id === DEMO_IDS.config) continue;
    assert.equal(node.z, DEMO_IDS.tab, `${node.id} is on the demo tab`);
    for (const target of (node.wires as string[][]).flat()) assert.ok(byId(flows, target), `${node.id} → ${target} exists`);
  }
});

test('a later start with other ports re-points the demo it made', () => {
  const flows = demoFlow(FIRST, LOGIN);
  assert.equal(alignDemoFlow(flows, FIRST, SECOND), true);
  assert.equal(byId(flows, DEMO_IDS.config).port, '25038');
  assert.equal(byId(flows, DEMO_IDS.config).httpUrl, 'http://127.0.0.1:28088');
  assert.equal(byId(flows, DEMO_IDS.notify).url, `http://127.0.0.1:2880${IS_PATH}`);
  assert.equal(alignDemoFlow(flows, SECOND, SECOND), false, 'nothing to do the next time');
});

test('a demo the user pointed at a real PBX or another IS is left alone', () => {
  const flows = demoFlow(FIRST, LOGIN);
  Object.assign(byId(flows, DEMO_IDS.config), { host: '127.0.0.1', port: '5038', httpUrl: 'http://pbx' });
  byId(flows, DEMO_IDS.notify).url = 'https://crm.example.com/pbx';
  assert.equal(alignDemoFlow(flows, FIRST, SECOND), false);
  assert.equal(byId(flows, DEMO_IDS.config).port, '5038');
  assert.equal(byId(flows, DEMO_IDS.config).httpUrl, 'http://pbx');
  assert.equal(byId(flows, DEMO_IDS.notify).url, 'https://crm.example.com/pbx');

  const remote = demoFlow(FIRST, LOGIN);
  byId(remote, DEMO_IDS.config).host = '10.0.0.5';
  alignDemoFlow(remote, FIRST, SECOND);
  assert.equal(byId(remote, DEMO_IDS.config).port, '15038', 'a remote PBX keeps its port even if it equals the old simulator port');
});
