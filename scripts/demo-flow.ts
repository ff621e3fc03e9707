/**
 * The demo flow `npm start` deploys: the package's value at a glance on the simulated PBX.
 * Node ids are fixed so that a later start can find the demo and point it at the
 * simulator's ports again without touching anything else the user changed.
 */
export interface DemoPorts {
  /** The simulated PBX's AMI port on 127.0.0.1. */
  amiPort: number;
  /** The simulated PBX's vendor HTTP API, e.g. `http://127.0.0.1:18088`. */
  httpUrl: string;
  /** Node-RED's own port (the demo's "information system" is an HTTP-in on it). */
  nodeRedPort: number;
}

export interface DemoLogin {
  username: string;
  secret: string;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export const DEMO_IDS = {
  tab: 'pbx-demo-tab',
  config: 'pbx-demo-config',
  events: 'pbx-demo-events',
  callEventsDebug: 'pbx-demo-events-debug',
  notify: 'pbx-demo-notify',
  isIn: 'pbx-demo-is-in',
  isDebug: 'pbx-demo-is-debug',
  isResponse: 'pbx-demo-is-response',
  dialInject: 'pbx-demo-dial-inject',
  dial: 'pbx-demo-dial',
  dialDebug: 'pbx-demo-dial-debug',
  httpDialInject: 'pbx-demo-http-dial-inject',
  httpDial: 'pbx-demo-http-dial',
  hangupInject: 'pbx-demo-hangup-inject',
  hangup: 'pbx-demo-hangup',
  hangupDebug: 'pbx-demo-hangup-debug',
} as const;

/** Where pbx-notify delivers the vendor-format notifications: an HTTP-in of this flow. */
export const IS_PATH = '/demo/is/pbx-events';

const debug = (id: string, name: string, x: number, y: number, complete = 'payload'): FlowNode => ({
  id,
  type: 'debug',
  z: DEMO_IDS.tab,
  name,
  active: true,
  tosidebar: true,
  console: false,
  tostatus: false,
  complete,
  targetType: 'msg',
  statusVal: '',
  statusType: 'auto',
  x,
  y,
  wires: [],
});

const inject = (id: string, name: string, payload: object, x: number, y: number, wire: string): FlowNode => ({
  id,
  type: 'inject',
  z: DEMO_IDS.tab,
  name,
  props: [{ p: 'payload' }],
  repeat: '',
  crontab: '',
  once: false,
  onceDelay: 0.1,
  topic: '',
  payload: JSON.stringify(payload),
  payloadType: 'json',
  x,
  y,
  wires: [[wire]],
});

const comment = (id: string, name: string, info: string, x: number, y: number): FlowNode => ({
  id,
  type: 'comment',
  z: DEMO_IDS.tab,
  name,
  info,
  x,
  y,
  wires: [],
});

/** The flow, with the AMI login as credentials (Node-RED keeps them in flows_cred.json). */
export function demoFlow(ports: DemoPorts, login: DemoLogin): FlowNode[] {
  return [
    {
      id: DEMO_IDS.tab,
      type: 'tab',
      label: 'PBX demo',
      disabled: false,
      info:
        'A simulated PBX (started by `npm start` on 127.0.0.1) makes a call every few seconds: internal, ' +
        'inbound, outbound, ring group, queue, transfers, pickups, missed calls, replayed from recordings of a ' +
        'real Asterisk 22.\n\nTo use your own Asterisk, open the **Simulated PBX** configuration node and change ' +
        'its host, port and login (see docs/editor.md).',
    },
    comment(
      'pbx-demo-about-events',
      'Call events from the PBX → debug sidebar, and to the IS in the vendor format',
      'Every call on the PBX gives `dial`, `answer_internal` / `answer_external`, `call_pickup`, ' +
        '`hangup_internal` and `endcall` events (msg.topic = the event, msg.payload = its fields).\n\n' +
        '`pbx-notify` sends each one as the PBX vendor\'s HTTP notification (GET with the fields as the ' +
        'query) to the IS below. Change its URL to your information system.',
      330,
      40,
    ),
    {
      id: DEMO_IDS.config,
      type: 'pbx-config',
      name: 'Simulated PBX',
      host: '127.0.0.1',
      port: String(ports.amiPort),
      httpUrl: ports.httpUrl,
    },
    {
      id: DEMO_IDS.events,
      type: 'pbx-event',
      z: DEMO_IDS.tab,
      name: 'call events',
      server: DEMO_IDS.config,
      source: 'ami',
      events: ['dial', 'answer_internal', 'answer_external', 'call_pickup', 'hangup_internal', 'endcall'],
      extensions: '',
      x: 140,
      y: 100,
      wires: [[DEMO_IDS.callEventsDebug, DEMO_IDS.notify]],
    },
    debug(DEMO_IDS.callEventsDebug, 'call events', 410, 100),
    {
      id: DEMO_IDS.notify,
      type: 'pbx-notify',
      z: DEMO_IDS.tab,
      name: 'notify the IS',
      url: `http://127.0.0.1:${ports.nodeRedPort}${IS_PATH}`,
      method: 'GET',
      format: 'vendor',
      x: 420,
      y: 160,
      wires: [[]],
    },
    comment(
      'pbx-demo-about-is',
      'The information system (IS): receives the PBX notifications',
      'Stands in for your CRM or helpdesk: an HTTP endpoint of this Node-RED that shows the URL of each ' +
        'notification it receives, e.g. `?event=dial&ts=…&call_id=…&caller_type=internal&…`.',
      280,
      240,
    ),
    { id: DEMO_IDS.isIn, type: 'http in', z: DEMO_IDS.tab, name: 'IS endpoint', url: IS_PATH, method: 'get', upload: false, swaggerDoc: '', x: 140, y: 300, wires: [[DEMO_IDS.isDebug, DEMO_IDS.isResponse]] },
    debug(DEMO_IDS.isDebug, 'IS received', 420, 300, 'req.url'),
    { id: DEMO_IDS.isResponse, type: 'http response', z: DEMO_IDS.tab, name: 'OK', statusCode: '200', headers: {}, x: 390, y: 340, wires: [] },
    comment(
      'pbx-demo-about-dial',
      'Click-to-dial and hang up: click the buttons on the left',
      'Click-to-dial rings the extension first; when it answers, the PBX dials the number. The result ' +
        '(answered, busy, no_answer, failed) comes when the PBX has decided. The second one goes through the ' +
        'vendor HTTP API instead of the AMI. Hang up ends every call of an extension.',
      240,
      420,
    ),
    inject(DEMO_IDS.dialInject, '101 calls 0612345678', { exten: '101', number: '0612345678' }, 170, 480, DEMO_IDS.dial),
    { id: DEMO_IDS.dial, type: 'pbx-dial', z: DEMO_IDS.tab, name: '', server: DEMO_IDS.config, transport: 'config', number: 'payload.number', numberType: 'msg', exten: 'payload.exten', extenType: 'msg', callerId: '', variables: '', x: 430, y: 480, wires: [[DEMO_IDS.dialDebug]] },
    debug(DEMO_IDS.dialDebug, 'dial result', 650, 500),
    inject(DEMO_IDS.httpDialInject, '102 calls 0698765432 (HTTP API)', { exten: '102', number: '0698765432' }, 200, 540, DEMO_IDS.httpDial),
    { id: DEMO_IDS.httpDial, type: 'pbx-dial', z: DEMO_IDS.tab, name: 'dial over the HTTP API', server: DEMO_IDS.config, transport: 'http', number: 'payload.number', numberType: 'msg', exten: 'payload.exten', extenType: 'msg', callerId: '', variables: '', x: 450, y: 540, wires: [[DEMO_IDS.dialDebug]] },
    inject(DEMO_IDS.hangupInject, 'hang up 101', { exten: '101' }, 140, 600, DEMO_IDS.hangup),
    { id: DEMO_IDS.hangup, type: 'pbx-hangup', z: DEMO_IDS.tab, name: '', server: DEMO_IDS.config, transport: 'config', exten: 'payload.exten', extenType: 'msg', callId: 'payload.call_id', callIdType: 'msg', x: 420, y: 600, wires: [[DEMO_IDS.hangupDebug]] },
    debug(DEMO_IDS.hangupDebug, 'hangup result', 650, 600),
  ].map((node) => (node.id === DEMO_IDS.config ? { ...node, credentials: { username: login.username, secret: login.secret } } : node));
}

/**
 * Points an existing demo at the simulator's current ports (they may differ from the last
 * start, e.g. with PBX_DEMO_AMI_PORT), changing only values that are still what the last
 * start set: a user who pointed the demo at a real PBX keeps that. Returns whether anything
 * changed.
 */
export function alignDemoFlow(flows: FlowNode[], previous: DemoPorts, current: DemoPorts): boolean {
  let changed = false;
  const update = (id: string, key: string, before: string, after: string): void => {
    const node = flows.find((n) => n.id === id);
    if (node && node[key] === before && before !== after) {
      node[key] = after;
      changed = true;
    }
  };
  const isUrl = (ports: DemoPorts): string => `http://127.0.0.1:${ports.nodeRedPort}${IS_PATH}`;
  const config = flows.find((n) => n.id === DEMO_IDS.config);
  if (config?.host === '127.0.0.1') {
    update(DEMO_IDS.config, 'port', String(previous.amiPort), String(current.amiPort));
    update(DEMO_IDS.config, 'httpUrl', previous.httpUrl, current.httpUrl);
  }
  update(DEMO_IDS.notify, 'url', isUrl(previous), isUrl(current));
  return changed;
}
