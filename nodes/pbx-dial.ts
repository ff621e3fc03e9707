import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { evaluateProperty } from './common/evaluate-property';
import { addHttpAnswer, addHttpErrorAnswer, pbxClientFor, type HttpAnswerMessage, type PbxConfigNode } from './common/pbx-client-link';
import { failureWords } from './common/error-status';
import { notSetUp, reportSetupFailure, usablePbxConfig } from './common/node-setup';
import { reportError, shorten } from './common/report-error';
import { statusWord } from './common/status-words';
import { AmiPbxClient } from './lib/dial/ami-pbx-client';
import { EndpointNames } from './lib/dial/endpoint-names';
import { readDialProperties, sourceOf, type DialProperties } from './lib/dial/node-properties';
import type { DialResult, PbxClient } from './lib/dial/pbx-client';
import { callTrackerFor } from './lib/events/call-tracker';

/** Status colours and English words of each result (the words are translated via the catalogue). */
const RESULT_STATUS: Record<DialResult['result'], { fill: 'green' | 'yellow' | 'red'; text: string }> = {
  answered: { fill: 'green', text: 'answered' },
  busy: { fill: 'yellow', text: 'busy' },
  no_answer: { fill: 'yellow', text: 'no answer' },
  failed: { fill: 'red', text: 'failed' },
  requested: { fill: 'green', text: 'requested' },
};

/**
 * pbx-dial: click-to-dial. The extension's phone rings; when it is picked up, the PBX
 * dials the number. One output message per input, when the PBX has decided.
 */
export = function (RED: NodeAPI) {
  function PbxDialNode(this: Node, def: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(String(def.server ?? '')) as PbxConfigNode | null;
    const word = (key: string, english: string): string => statusWord(RED, `pbx-dial.status.${key}`, english);
    let properties: DialProperties | null = null;
    let client: PbxClient | null = null;
    const failed = failureWords(RED, 'pbx-dial');
    let setupError: Error | null = null;
    try {
      properties = readDialProperties(def);
      const pbx = usablePbxConfig(config);
      client = pbxClientFor(node, pbx, properties.transport, (connection) => new AmiPbxClient({
        connection,
        settings: pbx.settings,
        endpointNames: pbx.shared('endpoint-names', () => new EndpointNames()),
        // pbx-event's per-PBX call tracker learns our call_id, extension and number before
        // the Originate leaves, so it reports the call as caller_type=originate from `exten`.
        // Looked up at dial time: pbx-event nodes may be started after this one.
        originates: { registerOriginate: (originate) => callTrackerFor(pbx).registerOriginate(originate) },
      }));
      if (client.transport === 'http' && (properties.callerId || properties.variables)) node.warn('callerId and variables are not sent over the vendor HTTP API');
    } catch (err) {
      setupError = reportSetupFailure(node, 'pbx-dial', err, properties !== null, failed);
    }

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      if (!client || !properties) return reportError(node, notSetUp('pbx-dial', setupError), done, failed);
      const dialer = client;
      const props = properties;
      Promise.all([
        evaluateProperty(RED, node, msg, props.number.value, props.number.type),
        evaluateProperty(RED, node, msg, props.exten.value, props.exten.type),
      ])
        .then(([number, exten]) => {
          node.status({ fill: 'blue', shape: 'ring', text: shorten(`${word('dialling', 'dialling')} ${String(exten)} → ${String(number)}`) });
          return dialer.dial({
            number, exten, callerId: props.callerId, variables: props.variables, sources: { number: sourceOf(props.number), exten: sourceOf(props.exten) },
          });
        })
        .then((result) => {
          const out = msg as HttpAnswerMessage;
          out.payload = { call_id: result.call_id, exten: result.exten, number: result.number, result: result.result, reason: result.reason };
          addHttpAnswer(out, dialer, result);
          const shown = RESULT_STATUS[result.result];
          node.status({ fill: shown.fill, shape: 'dot', text: shorten(`${result.exten} → ${result.number}: ${word(result.result, shown.text)}`) });
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

  RED.nodes.registerType('pbx-dial', PbxDialNode);
};
