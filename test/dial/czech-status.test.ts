/**
 * Failure statuses in the runtime's language. The test helper gives nodes `RED._ = key => key`
 * (no catalogue), so each node here gets the `RED._` Node-RED itself builds
 * (@node-red/registry's createNodeApi: the node set's namespace `<module>/<type>` in front of
 * the key, then @node-red/util's i18n), with the node's catalogue registered as the registry's
 * loadNodeLocales does and the language set to Czech, as a runtime started with
 * LANG=cs_CZ.UTF-8 or `lang: 'cs'` has it.
 */
import { afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { NodeAPI, NodeMessage } from 'node-red';
import helper from 'node-red-node-test-helper';
import pbxConfigNode = require('../../nodes/pbx-config');
import pbxDialNode = require('../../nodes/pbx-dial');
import { freePort } from '../../scripts/node-red-process';
import { collect, statusesOf, type FlowNode } from '../helpers/node-red';
import { until } from '../helpers/wait';
import { CATCH, CREDENTIALS } from './node-helpers';

interface NodeRedI18n {
  init(settings: { lang?: string }): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _(key: string, substitutions?: Record<string, unknown>): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { i18n } = require('@node-red/util') as { i18n: NodeRedI18n };

const MODULE = '@pbx-api/node-red-pbx';
const LOCALES = join(__dirname, '..', '..', '..', 'nodes', 'locales');

helper.init(require.resolve('node-red'));

before(async () => {
  i18n.init({ lang: 'cs' });
  for (const type of ['pbx-config', 'pbx-dial']) await i18n.registerMessageCatalog(`${MODULE}/${type}`, LOCALES, `${type}.json`);
});

afterEach(() => helper.unload());

/** A node module given the RED object with Node-RED's own translation instead of the helper's echo. */
function inCzech(type: string, nodeModule: (RED: NodeAPI) => void): (RED: NodeAPI) => void {
  return (RED) => {
    (RED as unknown as { _: NodeRedI18n['_'] })._ = (key, substitutions) => i18n._(key.includes(':') ? key : `${MODULE}/${type}:${key}`, substitutions);
    nodeModule(RED);
  };
}
const NODES = [inCzech('pbx-config', pbxConfigNode), inCzech('pbx-dial', pbxDialNode)];

/** A pbx-config with only a vendor HTTP API, where nothing listens (so no AMI connection status interleaves). */
async function unansweredHttpPbx(): Promise<FlowNode> {
  return { id: 'pbx', type: 'pbx-config', host: '', httpUrl: `http://127.0.0.1:${await freePort()}` };
}

const dial: FlowNode = { id: 'dial', type: 'pbx-dial', z: 'f1', server: 'pbx', wires: [['out']] };

test('the catalogue is Czech here: a fixed status word of pbx-dial is translated', () => {
  assert.equal(i18n._(`${MODULE}/pbx-dial:pbx-dial.status.dialling`), 'vytáčím');
});

test('pbx-dial with a bad number: the red status is "neplatný vstup", Catch gets the English message unchanged', async () => {
  await helper.load(NODES, [await unansweredHttpPbx(), dial, ...CATCH], CREDENTIALS);
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612 ABC', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /^DialInputError: number \(msg\.payload\.number\) "0612 ABC" contains characters other than/);
  assert.deepEqual(statusesOf('dial').at(-1), { fill: 'red', shape: 'ring', text: 'neplatný vstup' });
});

test('pbx-dial while the PBX does not answer: the red status is "ústředna nedostupná", Catch gets the English reason', async () => {
  await helper.load(NODES, [await unansweredHttpPbx(), dial, ...CATCH], CREDENTIALS);
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.match((caught[0].error as { message: string }).message, /^PbxHttpError: /);
  assert.deepEqual(statusesOf('dial').at(-1), { fill: 'red', shape: 'ring', text: 'ústředna nedostupná' });
});

test('pbx-dial without a pbx-config: "není vybrána ústředna" at deploy and for each message, which Catch gets in English', async () => {
  await helper.load(NODES, [{ ...dial, server: '' }, ...CATCH]);
  assert.deepEqual(statusesOf('dial').at(-1), { fill: 'red', shape: 'ring', text: 'není vybrána ústředna' });
  const caught = collect('caught');
  helper.getNode('dial')!.receive({ payload: { number: '0612345678', exten: '101' } } as NodeMessage);
  await until(() => caught.length === 1);
  assert.equal((caught[0].error as { message: string }).message, 'Error: pbx-dial is not set up: no PBX selected: choose a pbx-config');
  assert.deepEqual(statusesOf('dial').at(-1), { fill: 'red', shape: 'ring', text: 'není vybrána ústředna' });
});
