import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { shorten } from './common/report-error';
import { attachHttpSource, type HttpSourceMessage } from './pbx-event-http-source';
import type { AmiMessage } from './lib/ami/message';
import { callTrackerFor } from './lib/events/call-tracker';
import type { CorrelatedEvent } from './lib/events/correlator';
import { CallEventFilter, readEventNodeProperties, type EventNodeProperties } from './lib/events/event-node-properties';
import type { PbxConfigApi, PbxUser } from './lib/pbx-config-api';

type PbxConfigNode = Node & PbxConfigApi;
type Status = Parameters<PbxUser['status']>[0];
/** The calls-in-progress count on the node's status changes at most this often. */
const STATUS_INTERVAL_MS = 250;
interface EventNodeCredentials {
  token?: string;
}

/**
 * pbx-event: the PBX's call events as messages. `ami`: the six contract events correlated
 * from the AMI stream (shared per PBX by the call tracker); `http`: the notifications the
 * vendor's PBX pushes; `raw`: AMI events as they come, by name.
 */
export = function (RED: NodeAPI) {
  function PbxEventNode(this: Node<EventNodeCredentials>, def: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(String(def.server ?? '')) as PbxConfigNode | null;
    const pbx = config ? { id: config.id, name: config.settings.name } : undefined;
    const cleanups: Array<() => void> = [];
    node.on('close', (_removed: boolean, done: () => void) => {
      for (const cleanup of cleanups.splice(0).reverse()) cleanup();
      done();
    });

    let properties: EventNodeProperties;
    try {
      properties = readEventNodeProperties(def);
      if (!config && properties.source !== 'http') throw new Error('no PBX selected: choose a pbx-config');
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    if (properties.source === 'http') {
      const filter = new CallEventFilter(properties);
      const endpoint = { path: optionalText(def.path), allow: optionalText(def.allow) };
      const detach = attachHttpSource(RED, node, endpoint, node.credentials ?? {}, (msg: HttpSourceMessage) => {
        if (!filter.accepts(msg.payload)) return;
        node.send((pbx ? { ...msg, pbx } : msg) as NodeMessage);
      });
      cleanups.push(detach);
      return;
    }

    // AMI sources: the config node shows the connection's state through this user.
    let connectionStatus: Status = { fill: 'yellow', shape: 'ring', text: 'connecting' };
    let showStatus = (): void => node.status(connectionStatus);
    const user: PbxUser = {
      id: node.id,
      status(status) {
        connectionStatus = status;
        showStatus();
      },
    };
    const connection = config!.register(user);
    cleanups.push(() => config!.deregister(user));
    if (!connection) {
      // With a host set, the pbx-config refused for a reason it has already shown (invalid settings).
      if (config!.settings.host) node.error('pbx-event: the pbx-config cannot connect (see its status)');
      else fail('the pbx-config has no AMI host: set one, or use the http source');
      return;
    }

    if (properties.source === 'raw') {
      const names = properties.rawEvents;
      cleanups.push(connection.onEvent((event: AmiMessage) => {
        const name = typeof event.Event === 'string' ? event.Event : '';
        if (names.size > 0 && !names.has(name)) return;
        node.send({ topic: name, payload: event, pbx } as NodeMessage);
      }, { raw: true }));
      showStatus();
      return;
    }

    const tracker = callTrackerFor(config!, { log: (level, message) => (level === 'warn' ? node.warn(message) : node.log(message)) });
    showStatus = (): void => {
      if (connectionStatus.fill !== 'green') {
        node.status(connectionStatus);
        return;
      }
      const count = tracker.callsInProgress;
      const key = count === 1 ? 'pbx-event.status.call' : 'pbx-event.status.calls';
      const translated = RED._(key, { count });
      // Without the message catalogue (tests, a broken install) RED._ answers the key itself.
      const calls = translated && translated !== key ? translated : `${count} ${count === 1 ? 'call' : 'calls'}`;
      node.status({ ...connectionStatus, text: shorten(`${connectionStatus.text ?? ''} · ${calls}`) });
    };
    const filter = new CallEventFilter<CorrelatedEvent>(properties);
    const send = (item: CorrelatedEvent): void => node.send(toMessage(item));
    cleanups.push(tracker.onEvent((item) => filter.pass(item.event as unknown as Record<string, string>, item.call.extensions, item, send)));
    // A ring group's later member starts ringing: a node filtering on it gets the call's `dial` now.
    cleanups.push(tracker.onRung((rung) => {
      const held = filter.rung(rung.callId, rung.exten);
      if (held !== undefined) node.send(toMessage(held, rung.exten));
    }));
    // The count changes with every call that starts or ends: during a burst that is thousands
    // of RED._ (i18next) look-ups and status messages a second, a quarter of the CPU once the
    // AMI framing is fast (BENCHMARKS.md). Show the first change at once, then at most 4 a second.
    let lastStatusMs = 0;
    let statusTimer: NodeJS.Timeout | undefined;
    const showCallCount = (): void => {
      const waitMs = lastStatusMs + STATUS_INTERVAL_MS - Date.now();
      if (waitMs <= 0) {
        lastStatusMs = Date.now();
        showStatus();
      } else {
        statusTimer ??= setTimeout(() => {
          statusTimer = undefined;
          lastStatusMs = Date.now();
          showStatus();
        }, waitMs);
      }
    };
    cleanups.push(() => clearTimeout(statusTimer));
    cleanups.push(tracker.onCallsInProgress(showCallCount));
    cleanups.push(tracker.attach(connection));
    showStatus();

    /** `alsoRung`: an extension that began to ring after the event (a held `dial`). */
    function toMessage(item: CorrelatedEvent, alsoRung?: string): NodeMessage {
      const extensions = item.call.extensions.slice();
      if (alsoRung !== undefined && !extensions.includes(alsoRung)) extensions.push(alsoRung);
      const msg: NodeMessage & Record<string, unknown> = {
        topic: item.event.event,
        payload: { ...item.event },
        pbx,
        call: { ...item.call, extensions },
      };
      if (item.partial) msg.partial = true;
      if (item.resync) msg.resync = true;
      return msg;
    }

    function fail(message: string): void {
      node.status({ fill: 'red', shape: 'ring', text: shorten(message) });
      node.error(`pbx-event: ${message}`);
    }
  }

  function optionalText(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : String(value);
  }

  RED.nodes.registerType<Node<EventNodeCredentials>, NodeDef & Record<string, unknown>, unknown, EventNodeCredentials>('pbx-event', PbxEventNode, {
    credentials: { token: { type: 'password' } },
  });
};
