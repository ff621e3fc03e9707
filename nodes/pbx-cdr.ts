import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { evaluateProperty } from './common/evaluate-property';
import { failureWords } from './common/error-status';
import { notSetUp, reportSetupFailure, usablePbxConfig } from './common/node-setup';
import { failureStatusText, reportError } from './common/report-error';
import { statusWord } from './common/status-words';
import { CdrPool, databaseOptionsFrom } from './lib/cdr/cdr-pool';
import { CdrQueries, cdrRulesFrom } from './lib/cdr/cdr-queries';
import { propertiesOf, readCdrNodeProperties, type CdrNodeProperties } from './lib/cdr/node-properties';
import type { CdrQueryInput } from './lib/cdr/query-input';
import type { PbxConfigApi } from './lib/pbx-config-api';

type PbxConfigNode = Node & PbxConfigApi;

/** What the rows of each query are, in the status after it (English when there is no catalogue). */
const ROW_WORDS = { calls: '__count__ calls', missed: '__count__ callers', stats: '__count__ rows', call: '__count__ legs' } as const;

/**
 * pbx-cdr: call history and statistics from the PBX's PostgreSQL (Asterisk's cdr and cel
 * tables). One database pool per pbx-config, shared by its pbx-cdr nodes.
 */
export = function (RED: NodeAPI) {
  function PbxCdrNode(this: Node, def: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(String(def.server ?? '')) as PbxConfigNode | null;
    let properties: CdrNodeProperties | null = null;
    let queries: CdrQueries | null = null;
    let pool: CdrPool | null = null;
    const failed = failureWords(RED, 'pbx-cdr');
    let setupError: Error | null = null;
    try {
      properties = readCdrNodeProperties(def);
      const pbx = usablePbxConfig(config);
      pool = pbx.shared('cdr-pool', () => new CdrPool());
      queries = new CdrQueries(pool.acquire(node.id, databaseOptionsFrom(pbx.settings)), cdrRulesFrom(pbx.settings));
    } catch (err) {
      setupError = reportSetupFailure(node, 'pbx-cdr', err, properties !== null, failed);
    }
    // Show at once whether the database is usable (as the AMI nodes show their connection);
    // a query that has started since then sets the status itself.
    let queried = false;
    let closing = false;
    queries?.check().then(
      () => { if (!queried && !closing) node.status({ fill: 'green', shape: 'dot', text: statusWord(RED, 'pbx-cdr.status.connected', 'connected') }); },
      (err: Error) => {
        if (queried || closing) return;
        node.status({ fill: 'red', shape: 'ring', text: failureStatusText(err, failed) });
        node.warn(`pbx-cdr: ${err.message}`);
      },
    );

    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      if (!queries || !properties) return reportError(node, notSetUp('pbx-cdr', setupError), done, failed);
      const run = queries;
      const props = properties;
      const names = propertiesOf(props.query);
      queried = true;
      node.status({ fill: 'blue', shape: 'ring', text: statusWord(RED, `pbx-cdr.query.${props.query}`, props.query) });
      Promise.all(names.map((name) => evaluateProperty(RED, node, msg, props[name].value, props[name].type)))
        .then((values) => {
          const input: CdrQueryInput = {};
          names.forEach((name, i) => { input[name] = values[i]; });
          return run.run(props.query, input, { timeoutMs: props.timeoutMs });
        })
        .then((result) => {
          const out = msg as NodeMessage & { cel?: unknown };
          out.payload = result.rows;
          if (result.cel !== undefined) out.cel = result.cel;
          node.status({ fill: 'green', shape: 'dot', text: statusWord(RED, `pbx-cdr.status.${props.query}`, ROW_WORDS[props.query], { count: result.rows.length }) });
          send(out);
          done();
        })
        .catch((err: unknown) => reportError(node, err, done, failed));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (!pool) return done();
      pool.release(node.id).then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('pbx-cdr', PbxCdrNode);
};
