import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { evaluateProperty } from './common/evaluate-property';
import { addHttpAnswer, addHttpErrorAnswer, pbxClientFor, type HttpAnswerMessage, type PbxConfigNode } from './common/pbx-client-link';
import { failureWords } from './common/error-status';
import { notSetUp, reportSetupFailure, usablePbxConfig } from './common/node-setup';
import { reportError, shorten } from './common/report-error';
import { statusWord } from './common/status-words';
import { AmiPbxClient } from './lib/dial/ami-pbx-client';
import { readHangupProperties, sourceOf, type HangupProperties } from './lib/dial/node-properties';
import type { PbxClient } from './lib/dial/pbx-client';

/**
 * pbx-hangup: ends every channel of an extension, or of one call (call_id). Nothing to
 * hang up is `hungup: 0`, not an error.
 */
export = function (RED: NodeAPI) {
  function PbxHangupNode(this: Node, def: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(String(def.server ?? '')) as PbxConfigNode | null;
    const word = (key: string, english: string): string => statusWord(RED, `pbx-hangup.status.${key}`, english);
    let properties: HangupProperties | null = null;
    let client: PbxClient | null = null;
    const failed = failureWords(RED, 'pbx-hangup');
    let setupError: Error | null = null;
    try {
      properties = readHangupProperties(def);
      const pbx = usablePbxConfig(config);
      client = pbxClientFor(node, pbx, properties.transport, (connection) => new AmiPbxClient({ connection, settings: pbx.settings }));
    } catch (err) {
      setupError = reportSetupFailure(node, 'pbx-hangup', err, properties !== null, failed);
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      if (!client || !properties) return reportError(node, notSetUp('pbx-hangup', setupError), done, failed);
      const hanger = client;
      const props = properties;
      Promise.all([
        evaluateProperty(RED, node, msg, props.exten.value, props.exten.type),
        evaluateProperty(RED, node, msg, props.callId.value, props.callId.type),
      ])
        .then(([exten, callId]) => hanger.hangup({ exten, callId, sources: { exten: sourceOf(props.exten), callId: sourceOf(props.callId) } }))
        .then((result) => {
          const out = msg as HttpAnswerMessage;
          out.payload = { exten: result.exten, call_id: result.call_id, hungup: result.hungup };
          addHttpAnswer(out, hanger, result);
          const target = result.call_id && !result.exten ? `call ${result.call_id}` : result.exten;
          const text = result.hungup === null
            ? `${target}: ${word('requested', 'requested')}`
            : result.hungup === 0 ? `${target}: ${word('nothing', 'nothing to hang up')}` : `${target}: ${result.hungup} ${word('hungup', 'hung up')}`;
          node.status({ fill: 'green', shape: 'dot', text: shorten(text) });
          send(out);
          done();
        })
        .catch((err: unknown) => {
          addHttpErrorAnswer(msg, err);
          reportError(node, err, done, failed);
        });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // Only an AMI client registered with the pbx-config.
      if (client?.transport === 'ami' && config) config.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('pbx-hangup', PbxHangupNode);
};
