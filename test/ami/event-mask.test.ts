import { test } from 'node:test';
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxEventNode = require('../../nodes/pbx-event');
import { DEFAULT_EVENT_MASK } from '../../nodes/lib/ami/connection';
import type { AmiMessage } from '../../nodes/lib/ami/message';
import { collect, type FlowNode } from '../helpers/node-red';
import { until } from '../helpers/wait';
import { amiSimulatorForFlows } from '../helpers/ami-simulator';

/**
 * pbx-config `eventMask`: the AMI event classes the connection asks Asterisk for after login.
 * A `raw` pbx-event node sees only those classes: by default no `reporting` (RTCP) nor
 * `security` events; with them in the mask, they arrive. The AMI simulator filters each
 * session's events by their Privilege class, as Asterisk does.
 */
helper.init(require.resolve('node-red'));

const NODES = [pbxConfigNode, pbxEventNode];
const CREDENTIALS = { pbx: { username: 'admin', secret: 'admin' } };
const simulator = amiSimulatorForFlows();

/** A raw node for an RTCP report, a SIP authentication and a Hangup (as the marker that the others had their chance). */
async function deployRawNode(pbx: Record<string, unknown>): Promise<void> {
  const events = simulator.server.actionsNamed('Events').length;
  const flow: FlowNode[] = [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', host: '127.0.0.1', port: String(simulator.server.port), timezone: 'UTC', ...pbx },
    { id: 'rtcp-watcher', type: 'pbx-event', z: 'f1', server: 'pbx', source: 'raw', rawEvents: 'RTCPSent, SuccessfulAuth, Hangup', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
  ];
  await helper.load(NODES, flow, CREDENTIALS);
  // The mask is set by the Events action right after login; events sent before it would be judged by the old mask.
  await until(() => simulator.server.actionsNamed('Events').length > events, 'the Events action after login');
}

const rtcp: AmiMessage = {
  Event: 'RTCPSent', Privilege: 'reporting,all', Channel: 'PJSIP/101-00000001', Uniqueid: '1795491000.1', Linkedid: '1795491000.1',
  SSRC: '0x1a2b3c4d', PT: '200(SR)', To: '192.0.2.10:10001', ReportCount: '1', SentPackets: '250', SentOctets: '40000',
};
const auth: AmiMessage = {
  Event: 'SuccessfulAuth', Privilege: 'security,all', EventTV: '2026-11-24T03:30:00.000+0000', Severity: 'Informational',
  Service: 'PJSIP', EventVersion: '1', AccountID: '101', SessionID: '0x7f', LocalAddress: 'IPV4/UDP/192.0.2.1/5060',
  RemoteAddress: 'IPV4/UDP/192.0.2.10/5060', UsingPassword: '1',
};
const marker: AmiMessage = {
  Event: 'Hangup', Privilege: 'call,all', Channel: 'PJSIP/101-00000001', Uniqueid: '1795491000.1', Linkedid: '1795491000.1',
  Cause: '16', 'Cause-txt': 'Normal Clearing',
};

async function topicsSeen(): Promise<string[]> {
  const got = collect('out');
  for (const event of [rtcp, auth, marker]) simulator.server.broadcast(event);
  await until(() => got.some((msg) => msg.topic === 'Hangup'), 'the Hangup marker in the raw node');
  return got.map((msg) => String(msg.topic));
}

test('eventMask by default: the connection asks for system,call,agent,dialplan,user,cdr; a raw node gets no RTCP or security events', async () => {
  await deployRawNode({});
  assert.equal(simulator.server.actionsNamed('Events').at(-1)?.EventMask, DEFAULT_EVENT_MASK);
  assert.equal(DEFAULT_EVENT_MASK, 'system,call,agent,dialplan,user,cdr');
  assert.deepEqual(await topicsSeen(), ['Hangup']);
});

test('eventMask with reporting and security: a raw node gets RTCPSent and SuccessfulAuth too', async () => {
  await deployRawNode({ eventMask: `${DEFAULT_EVENT_MASK},reporting,security` });
  assert.equal(simulator.server.actionsNamed('Events').at(-1)?.EventMask, 'system,call,agent,dialplan,user,cdr,reporting,security');
  const topics = await topicsSeen();
  assert.deepEqual(topics, ['RTCPSent', 'SuccessfulAuth', 'Hangup']);
});

test('eventMask with an unknown class: the pbx-config refuses its settings and does not connect', async () => {
  const flow: FlowNode[] = [
    { id: 'f1', type: 'tab' },
    { id: 'pbx', type: 'pbx-config', host: '127.0.0.1', port: String(simulator.server.port), eventMask: 'call,rtcp' },
    { id: 'rtcp-watcher', type: 'pbx-event', z: 'f1', server: 'pbx', source: 'raw', wires: [[]] },
  ];
  const logins = simulator.server.actionsNamed('Login').length;
  await helper.load(NODES, flow, CREDENTIALS);
  await until(
    () => helper.log().args.some(([entry]) => entry.level === 20 && /eventMask: "rtcp" is not an AMI event class/.test(String(entry.msg))),
    'the settings error in the log',
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(simulator.server.actionsNamed('Login').length, logins, 'no login attempted');
});
