import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { evaluateProperty } from './common/evaluate-property';
import { reportError, shorten } from './common/report-error';
import { AmiPbxClient } from './lib/dial/ami-pbx-client';
import { PbxHttpError } from './lib/dial/errors';
import { HttpPbxClient } from './lib/dial/http-pbx-client';
import { effectiveTransport, readHangupProperties, sourceOf, type HangupProperties } from './lib/dial/node-properties';
import type { PbxClient } from './lib/dial/pbx-client';
import type { PbxConfigApi } from './lib/pbx-config-api';

type PbxConfigNode = Node & PbxConfigApi;

/**
 * pbx-hangup: ends every channel of an extension, or of one call (call_id). Nothing to
 * hang up is `hungup: 0`, not an error.
 */
export = function (RED: NodeAPI) {
  function PbxHangupNode(this: Node, def: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(String(def.server ?? '')) as PbxConfigNode | null;
    // A status word from the catalogue, English when there is none (tests echo the key).
    const word = (key: string, english: string): string => {
      const full = `pbx-hangup.status.${key}`;
      const text = RED._(full);
      return text && text !== full ? text : english;
    };
    let properties: HangupProperties | null = null;
    let client: PbxClient | null = null;
    let registered = false;
    let setupError = '';
    try {
      properties = readHangupProperties(def);
      if (!config) throw new Error('no PBX selected: choose a pbx-config');
      if (effectiveTransport(properties.transport, config.settings) === 'http') {
        client = new HttpPbxClient(config.settings);
      } else {
        const connection = config.register(node);
        registered = connection !== null;
        if (!connection) {
          throw new Error(config.settings.host
            ? 'the pbx-config cannot open its AMI connection: check its settings'
            : 'the pbx-config has no AMI host: set one, or use the HTTP transport');
        }
        client = new AmiPbxClient({ connection, settings: config.settings });
      }
    } catch (err) {
      setupError = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: shorten(setupError) });
      node.error(`pbx-hangup: ${setupError}`);
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      if (!client || !properties) return reportError(node, new Error(`pbx-hangup is not set up: ${setupError}`), done);
      const hanger = client;
      const props = properties;
      Promise.all([
        evaluateProperty(RED, node, msg, props.exten.value, props.exten.type),
        evaluateProperty(RED, node, msg, props.callId.value, props.callId.type),
      ])
        .then(([exten, callId]) => hanger.hangup({ exten, callId, sources: { exten: sourceOf(props.exten), callId: sourceOf(props.callId) } }))
        .then((result) => {
          const out = msg as NodeMessage & { statusCode?: number; response?: unknown };
          out.payload = { exten: result.exten, call_id: result.call_id, hungup: result.hungup };
          if (hanger.transport === 'http') {
            out.statusCode = result.statusCode;
            out.response = result.response;
          }
          const target = result.call_id && !result.exten ? `call ${result.call_id}` : result.exten;
          const text = result.hungup === null
            ? `${target}: ${word('requested', 'requested')}`
            : result.hungup === 0 ? `${target}: ${word('nothing', 'nothing to hang up')}` : `${target}: ${result.hungup} ${word('hungup', 'hung up')}`;
          node.status({ fill: 'green', shape: 'dot', text: shorten(text) });
          send(out);
          done();
        })
        .catch((err: unknown) => {
          if (err instanceof PbxHttpError) Object.assign(msg, { statusCode: err.statusCode, response: err.body });
          reportError(node, err, done);
        });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (registered && config) config.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('pbx-hangup', PbxHangupNode);
};
