/**
 * The editor as a user sees it, in real headless Chromium against a real Node-RED with the
 * package and the demo flow deployed on the simulated PBX (what `npm start` runs).
 *
 * UPDATE_DEMO_SCREENSHOT=1 writes the screenshot to docs/demo.png (else to a temporary file).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { deployFlows, getFlows, startDemo, type Demo } from '../../scripts/demo';
import { DEMO_IDS, type FlowNode } from '../../scripts/demo-flow';
import { DEMO_AMI_USER } from '../../simulator/demo-pbx';
import { launchBrowser, openEditor, type EditorBrowser, type PageGlobals } from './browser';
import { DIALOGS, type FieldValue } from './dialog-specs';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const NODE_TYPES = Object.keys(PACKAGE['node-red'].nodes);
const PALETTE_TYPES = NODE_TYPES.filter((type) => type !== 'pbx-config');

let dir: string;
let demo: Demo;
let chromium: EditorBrowser;
let english: BrowserContext;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-editor-'));
  demo = await startDemo({ userDir: join(dir, 'user'), nodeRedPort: 0, amiPort: 0, httpPort: 0 });
  chromium = await launchBrowser();
  english = await chromium.newContext('en-US');
  page = await openEditor(english, demo.editorUrl);
});

after(async () => {
  await chromium?.close();
  await demo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The first paragraph of a node's help file, as plain text (what the help sidebar must show). */
function helpOpening(lang: string, type: string): string {
  const html = readFileSync(join(ROOT, 'nodes', 'locales', lang, `${type}.html`), 'utf8');
  const paragraph = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
  return paragraph.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim().slice(0, 60);
}

/** The help sidebar's text for a node type, as rendered. */
async function renderedHelp(on: Page, type: string): Promise<string> {
  return on.evaluate((nodeType) => {
    const { RED, $ } = globalThis as unknown as PageGlobals;
    RED.sidebar.help.show(nodeType);
    return $('.red-ui-help:visible').text().replace(/\s+/g, ' ');
  }, type);
}

test('the PBX palette category lists every node of the package, in one colour, each with its icon and label', async () => {
  const palette = await page.evaluate(() =>
    Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#red-ui-palette-PBX .red-ui-palette-node')).map((node) => ({
      type: node.getAttribute('data-palette-type'),
      label: node.querySelector('.red-ui-palette-label')?.textContent?.trim(),
      colour: node.style.backgroundColor,
      icon: node.querySelector('.red-ui-palette-icon-container')?.getAttribute('data-palette-icon'),
    })),
  );
  assert.deepEqual(palette.map((node) => node.type).sort(), [...PALETTE_TYPES].sort());
  assert.equal(new Set(palette.map((node) => node.colour)).size, 1, `one colour: ${palette.map((n) => n.colour).join(', ')}`);
  for (const node of palette) {
    assert.match(node.icon ?? '', new RegExp(`/${node.type}\\.svg$`), `${node.type} has its own icon`);
    assert.ok(node.label, `${node.type} has a palette label`);
  }
  const labels = await page.evaluate((types) => types.map((type) => {
    const { RED } = globalThis as unknown as PageGlobals;
    const def = RED.nodes.getType(type) as unknown as { _: unknown; defaults: Record<string, { value: unknown }>; inputLabels?: unknown; outputLabels?: unknown; inputs?: number; outputs?: number; category?: string };
    // Called as the editor does: on a node with the type's defaults and its own message catalogue.
    const node: Record<string, unknown> = { _: def._ };
    for (const [key, value] of Object.entries(def.defaults)) node[key] = value.value;
    const call = (value: unknown): string => (typeof value === 'function' ? (value as (this: unknown, i: number) => string).call(node, 0) : String(value ?? ''));
    return { type, category: def.category, input: def.inputs ? call(def.inputLabels) : '-', output: def.outputs ? call(def.outputLabels) : '-' };
  }), PALETTE_TYPES);
  for (const node of labels) {
    assert.equal(node.category, 'PBX');
    assert.ok(node.input && !node.input.includes('.'), `${node.type} names its input: ${node.input}`);
    assert.ok(node.output && !node.output.includes('.'), `${node.type} names its output: ${node.output}`);
  }
});

/** Runs in the page: the canvas labels of nodes made with these properties (not added to the flow). */
function labelsOf(nodes: Record<string, unknown>[]): string[] {
  const { RED } = globalThis as unknown as PageGlobals;
  return nodes.map((properties) => {
    const def = RED.nodes.getType(String(properties.type)) as { defaults: Record<string, { value: unknown }> };
    const node: Record<string, unknown> = { _def: def, _: (def as unknown as { _: unknown })._ };
    for (const [key, value] of Object.entries(def.defaults)) node[key] = value.value;
    return RED.utils.getNodeLabel(Object.assign(node, properties));
  });
}

const LABELLED = [
  { type: 'pbx-dial', exten: '101', extenType: 'str', number: '0612345678', numberType: 'str' },
  { type: 'pbx-dial', exten: 'crm.exten', extenType: 'flow' },
  { type: 'pbx-hangup', exten: '101', extenType: 'str' },
  { type: 'pbx-event', events: ['dial', 'endcall'], extensions: '101' },
  { type: 'pbx-notify', url: 'http://10.1.2.3:8085/', method: 'GET' },
  { type: 'pbx-cdr', query: 'missed' },
  { type: 'pbx-dial', name: 'CRM dial' },
];

test('node labels show the key setting (or the name)', async () => {
  assert.deepEqual(await page.evaluate(labelsOf, LABELLED), [
    'dial 101 → 0612345678',
    'dial flow.crm.exten → number',
    'hang up 101',
    'dial, endcall · 101',
    'GET 10.1.2.3:8085/',
    'missed calls',
    'CRM dial',
  ]);
});

for (const spec of DIALOGS) {
  test(`the ${spec.type} edit dialog opens, shows its fields, accepts valid values and marks invalid ones`, async () => {
    const id = await page.evaluate((s) => {
      const { RED } = globalThis as unknown as PageGlobals;
      // The demo's node of this type, else a new one on the demo tab.
      let node: { id: string } | undefined;
      RED.nodes.eachNode((n) => {
        if (!node && n.type === s.type) node = n;
      });
      if (node) return node.id;
      // As from the palette: the type's defaults.
      const fresh: Record<string, unknown> = { id: `editor-test-${s.type}`, type: s.type, z: 'pbx-demo-tab', x: 700, y: 700, wires: [[]] };
      for (const [key, value] of Object.entries((RED.nodes.getType(s.type) as { defaults: Record<string, { value: unknown }> }).defaults)) {
        fresh[key] = JSON.parse(JSON.stringify(value.value ?? ''));
      }
      fresh.server = 'pbx-demo-config';
      RED.view.importNodes([fresh], { generateIds: false });
      return String(fresh.id);
    }, { type: spec.type });
    await page.evaluate((nodeId) => {
      const { RED } = globalThis as unknown as PageGlobals;
      RED.editor.edit(RED.nodes.node(nodeId) as never);
    }, id);
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    await page.waitForTimeout(300); // the tray's slide-in

    const hidden = await page.evaluate((fields) => {
      const { $ } = globalThis as unknown as PageGlobals;
      // A TypedInput hides its <input> and shows its own container instead.
      return fields.filter((f) => !$(`#node-input-${f}`).is(':visible') && !$(`#node-input-${f}`).next('.red-ui-typedInput-container').is(':visible'));
    }, spec.fields);
    assert.deepEqual(hidden, [], 'every field is shown');
    for (const { field, value } of spec.invalid) {
      const marked = await page.evaluate(setAndCheck, { field, value, restore: true });
      assert.equal(marked, true, `${field} = ${JSON.stringify(value)} is marked invalid`);
    }
    for (const [field, value] of Object.entries(spec.valid)) {
      const marked = await page.evaluate(setAndCheck, { field, value });
      assert.equal(marked, false, `${field} = ${JSON.stringify(value)} is accepted`);
    }
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-dialog-ok', { state: 'detached' });
    const saved = await page.evaluate((nodeId) => {
      const { RED } = globalThis as unknown as PageGlobals;
      // Plain values only: the node object holds references back into the editor.
      const node = RED.nodes.node(nodeId) as Record<string, unknown>;
      const plain: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) if (value === null || typeof value !== 'object') plain[key] = value;
      // Which properties the editor finds invalid, if any.
      plain.invalidProperties = ((node.validationErrors as string[] | undefined) ?? []).join(', ');
      return plain;
    }, id);
    assert.notEqual(saved.valid, false, `${spec.type} is valid after Done (invalid: ${String(saved.invalidProperties)})`);
    for (const [field, value] of Object.entries(spec.valid)) {
      const expected = typeof value === 'object' ? value.value : value;
      assert.equal(String(saved[field]), String(expected), `${field} saved`);
      if (typeof value === 'object' && value.type) assert.equal(saved[`${field}Type`], value.type, `${field}Type saved`);
    }
  });
}

/**
 * Runs in the page: sets a dialog field (plain input, checkbox or TypedInput), says whether it
 * is marked invalid, and with `restore` puts the previous value back.
 */
function setAndCheck({ field, value, restore }: { field: string; value: FieldValue; restore?: boolean }): boolean {
  const { $ } = globalThis as unknown as PageGlobals;
  const input = $(`#node-input-${field}`);
  if (input.length === 0) throw new Error(`no field ${field}`);
  const typed = input.next('.red-ui-typedInput-container').length > 0;
  const checkbox = input.attr('type') === 'checkbox';
  const before = typed ? { type: input.typedInput('type') as string, value: String(input.typedInput('value')) } : checkbox ? String(input.prop('checked')) : String(input.val());
  const set = (v: FieldValue): void => {
    if (typeof v === 'object') {
      if (v.type) input.typedInput('type', v.type);
      input.typedInput('value', v.value);
    } else if (typed) {
      input.typedInput('value', v);
    } else if (checkbox) {
      input.prop('checked', v === 'true');
    } else {
      input.val(v);
    }
    input.trigger('change');
  };
  set(value);
  const marked = input.hasClass('input-error') || input.next('.red-ui-typedInput-container').hasClass('input-error');
  if (restore) set(before);
  return marked;
}

test('every example imports into the editor as Import → Examples does, with no invalid node (and so does the demo)', async () => {
  const examplePage = await openEditor(english, demo.editorUrl);
  try {
    const invalidOnDemo = await examplePage.evaluate(() => {
      const { RED } = globalThis as unknown as PageGlobals;
      const invalid: string[] = [];
      RED.nodes.eachNode((node) => {
        if (node.z === 'pbx-demo-tab' && node.valid === false) invalid.push(`${node.type} ${String(node.name ?? node.id)}: ${String(node.validationErrors)}`);
      });
      return invalid;
    });
    assert.deepEqual(invalidOnDemo, [], 'the demo flow');
    const files = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.json'));
    for (const file of files) {
      const nodes = JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as unknown[];
      const invalid = await examplePage.evaluate((flow) => {
        const { RED } = globalThis as unknown as PageGlobals;
        RED.view.importNodes(flow, { generateIds: true, addFlow: true, touchImport: true, notify: false });
        const tab = RED.workspaces.active();
        const problems: string[] = [];
        const check = (node: { type: string; id: string; valid?: boolean; name?: unknown; validationErrors?: unknown }): void => {
          if (node.valid === false) problems.push(`${node.type} ${String(node.name || node.id)}: ${String(node.validationErrors)}`);
        };
        RED.nodes.eachNode((node) => {
          if (node.z !== tab) return;
          if (!RED.nodes.getType(node.type)) problems.push(`unknown type ${node.type}`);
          check(node);
          if (typeof node.server === 'string' && node.server) check(RED.nodes.node(node.server) as never);
        });
        return problems;
      }, nodes);
      assert.deepEqual(invalid, [], file);
    }
  } finally {
    await examplePage.close();
  }
});

test('the pbx-config dialog hides the AMI secret: a password field, never the value, not in the page nor in the flows', async () => {
  await page.evaluate((id) => (globalThis as unknown as PageGlobals).RED.editor.editConfig('', 'pbx-config', id), DEMO_IDS.config);
  await page.waitForSelector('#node-config-input-secret', { state: 'attached' });
  const field = await page.evaluate(() => {
    const { $ } = globalThis as unknown as PageGlobals;
    return { type: $('#node-config-input-secret').attr('type'), value: String($('#node-config-input-secret').val()) };
  });
  assert.equal(field.type, 'password');
  assert.notEqual(field.value, DEMO_AMI_USER.secret);
  assert.equal(field.value, '__PWRD__', 'Node-RED shows a placeholder for a stored secret');
  assert.doesNotMatch(await page.content(), new RegExp(DEMO_AMI_USER.secret));
  // Its other fields are checked as the user types.
  const marked = await page.evaluate(() => {
    const { $ } = globalThis as unknown as PageGlobals;
    const check = (field: string, value: string): boolean => $(`#node-config-input-${field}`).val(value).trigger('change').hasClass('input-error');
    return {
      badPort: check('port', '70000'),
      goodPort: check('port', '5038'),
      badZone: check('timezone', 'Mars/Olympus_Mons'),
      goodZone: check('timezone', 'Europe/Prague'),
      badPattern: check('extensionPattern', '^(\\d{3}'),
      badMask: check('eventMask', 'call,rtcp'),
      goodMask: check('eventMask', 'system,call,dialplan,reporting,security'),
      badRewrite: check('numberRewrite', '^0(\\d+)$ => +420$1\n^(0 => 0'),
      goodRewrite: check('numberRewrite', '# E.164\n^0(\\d{9})$ => +420$1'),
      badDbZone: check('dbTimezone', 'Mars/Olympus_Mons'),
      goodDbZone: check('dbTimezone', 'UTC'),
      emptyDbZone: check('dbTimezone', ''),
      badCdrTable: check('dbCdrTable', 'asterisk.cdr.old'),
      goodCdrTable: check('dbCdrTable', 'asterisk.pbx_cdr'),
      badCelTable: check('dbCelTable', 'cel.'),
      goodCelTable: check('dbCelTable', 'pbx_cel'),
      // The runtime's rule (NUMBER_RULE_PATTERNS): what is red here is refused at deploy, and only that.
      badIntlPrefix: check('internationalPrefix', '+00'),
      spacedIntlPrefix: check('internationalPrefix', '0 0'),
      longIntlPrefix: check('internationalPrefix', '0'.repeat(17)),
      goodIntlPrefix: check('internationalPrefix', '0011'),
      emptyIntlPrefix: check('internationalPrefix', ''),
      badStripPrefix: check('stripPrefix', '12+3'),
      spacedStripPrefix: check('stripPrefix', '00 420'),
      goodStripPrefix: check('stripPrefix', '00420'),
      plusStripPrefix: check('stripPrefix', '+420'),
      onlyPlusStripPrefix: check('stripPrefix', '+'),
      emptyStripPrefix: check('stripPrefix', ''),
    };
  });
  assert.deepEqual(marked, {
    badPort: true, goodPort: false, badZone: true, goodZone: false, badPattern: true,
    badMask: true, goodMask: false, badRewrite: true, goodRewrite: false,
    badDbZone: true, goodDbZone: false, emptyDbZone: false, badCdrTable: true, goodCdrTable: false, badCelTable: true, goodCelTable: false,
    badIntlPrefix: true, spacedIntlPrefix: true, longIntlPrefix: true, goodIntlPrefix: false, emptyIntlPrefix: false,
    badStripPrefix: true, spacedStripPrefix: true, goodStripPrefix: false, plusStripPrefix: false, onlyPlusStripPrefix: false, emptyStripPrefix: false,
  });
  await page.click('#node-config-dialog-cancel');
  const flows = await (await fetch(`${demo.editorUrl}flows`)).text();
  assert.doesNotMatch(flows, new RegExp(DEMO_AMI_USER.secret));
  const stored = (await (await fetch(`${demo.editorUrl}credentials/pbx-config/${DEMO_IDS.config}`)).json()) as Record<string, unknown>;
  assert.equal(stored.username, DEMO_AMI_USER.username);
  assert.equal(stored.has_secret, true, 'the admin API tells only that a secret is set');
  assert.ok(!('secret' in stored));
});

test('after the demo is deployed, its PBX nodes show "connected" and call events reach the debug sidebar; screenshot', async () => {
  const demoPage = await openEditor(english, demo.editorUrl);
  await demoPage.evaluate(() => {
    const { RED } = globalThis as unknown as PageGlobals;
    RED.workspaces.show('pbx-demo-tab');
    RED.sidebar.show('debug');
  });
  const pbxNodes = [DEMO_IDS.events, DEMO_IDS.dial, DEMO_IDS.hangup];
  await demoPage.waitForFunction(
    (ids) => ids.every((id) => /^connected\b/.test((globalThis as unknown as PageGlobals).RED.nodes.node(id)?.status?.text ?? '')),
    pbxNodes,
    { timeout: 15_000 },
  );
  const shown = await demoPage.evaluate((ids) => ids.map((id) => (globalThis as unknown as PageGlobals).document.getElementById(id)?.querySelector('.red-ui-flow-node-status-label')?.textContent), pbxNodes);
  for (const text of shown) assert.match(text ?? '', /^connected\b/, 'the status text under each node on the canvas');

  // Call events of the simulated traffic, and the same events received by the IS endpoint.
  // (The page shows what arrives while it is open: wait for the next call's dial.)
  await demoPage.waitForFunction(
    () => {
      const texts = Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('.red-ui-debug-msg')).map((m) => m.textContent ?? '');
      return texts.some((t) => /call events\s*dial/.test(t)) && texts.some((t) => /IS received[\s\S]*event=dial&ts=/.test(t)) && texts.length >= 6;
    },
    undefined,
    { timeout: 40_000 },
  );
  const debug = await demoPage.evaluate(() => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('.red-ui-debug-msg')).map((m) => m.textContent ?? ''));
  assert.ok(debug.some((text) => /call events[\s\S]*dial/.test(text)), `a dial event from pbx-event in ${JSON.stringify(debug.slice(0, 4))}`);
  assert.ok(debug.some((text) => /IS received[\s\S]*event=dial&ts=/.test(text)), 'the vendor-format notification received by the IS');

  const target = process.env.UPDATE_DEMO_SCREENSHOT ? join(ROOT, 'docs', 'demo.png') : join(dir, 'demo.png');
  // A wider debug sidebar (drag its separator, as a user would), nothing selected, no tooltip.
  const separator = await demoPage.locator('#red-ui-sidebar-separator').boundingBox();
  if (separator) {
    const x = separator.x + separator.width / 2;
    const y = separator.y + separator.height / 2;
    await demoPage.mouse.move(x, y);
    await demoPage.mouse.down();
    await demoPage.mouse.move(x - 170, y, { steps: 5 });
    await demoPage.mouse.up();
  }
  await demoPage.mouse.click(700, 800);
  await demoPage.waitForTimeout(300);
  await demoPage.screenshot({ path: target });
  assert.ok(statSync(target).size > 50_000, 'a real screenshot');
  await demoPage.close();
});

test('help text renders in English for every node', async () => {
  for (const type of NODE_TYPES) {
    const help = await renderedHelp(page, type);
    assert.ok(help.includes(helpOpening('en-US', type)), `${type}: "${helpOpening('en-US', type)}" in "${help.slice(0, 200)}"`);
  }
});

test('with the browser in Czech, help, palette and node labels and dialogs are in Czech', async () => {
  const czech = await chromium.newContext('cs-CZ');
  try {
    const cs = await openEditor(czech, demo.editorUrl);
    assert.equal(await cs.evaluate(() => (globalThis as unknown as PageGlobals).navigator.language), 'cs-CZ');
    for (const type of NODE_TYPES) {
      const help = await renderedHelp(cs, type);
      assert.ok(help.includes(helpOpening('cs', type)), `${type}: "${helpOpening('cs', type)}" in "${help.slice(0, 200)}"`);
    }
    for (const type of PALETTE_TYPES) {
      const messages = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', 'cs', `${type}.json`), 'utf8')) as Record<string, Record<string, string>>;
      const label = await cs.evaluate((t) => (globalThis as unknown as PageGlobals).document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"] .red-ui-palette-label`)?.textContent?.trim(), type);
      assert.equal(label?.replace(/\s+/g, ' '), messages[type]?.paletteLabel, `${type} palette label`);
    }
    assert.deepEqual((await cs.evaluate(labelsOf, LABELLED)).slice(0, 3), ['vytočit 101 → 0612345678', 'vytočit flow.crm.exten → číslo', 'zavěsit 101']);
    await cs.evaluate((id) => {
      const { RED } = globalThis as unknown as PageGlobals;
      RED.editor.edit(RED.nodes.node(id) as never);
    }, DEMO_IDS.notify);
    await cs.waitForSelector('#node-dialog-ok', { state: 'visible' });
    const czechLabels = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', 'cs', 'pbx-notify.json'), 'utf8')) as { 'pbx-notify': { label: Record<string, string> } };
    assert.equal((await cs.textContent('label[for="node-input-method"]'))?.trim(), czechLabels['pbx-notify'].label.method);
  } finally {
    await czech.close();
  }
});

test('with Node-RED itself in Czech (LC_ALL=cs_CZ.UTF-8), the nodes\' status texts are Czech', async () => {
  const czechDemo = await startDemo({ userDir: join(dir, 'user-cs'), nodeRedPort: 0, amiPort: 0, httpPort: 0, env: { LANG: 'cs_CZ.UTF-8', LC_ALL: 'cs_CZ.UTF-8' } });
  const czech = await chromium.newContext('cs-CZ');
  try {
    const cs = await openEditor(czech, czechDemo.editorUrl);
    await cs.waitForFunction(
      (ids) => {
        const { RED } = globalThis as unknown as PageGlobals;
        const text = (id: string): string => RED.nodes.node(id)?.status?.text ?? '';
        return text(ids.dial) === 'připojeno' && /^připojeno · (1 hovor|hovorů: \d+)$/.test(text(ids.events)) && text(ids.notify) === 'vše doručeno';
      },
      { dial: DEMO_IDS.dial, events: DEMO_IDS.events, notify: DEMO_IDS.notify },
      { timeout: 30_000 },
    );
  } finally {
    await czech.close();
    await czechDemo.stop();
  }
});

test('imported into the demo\'s Node-RED, the CRM click-to-dial and screen-pop examples answer over HTTP', async () => {
  // As their comments say: use the demo's "Simulated PBX" instead of the example's own PBX node.
  const imported: FlowNode[] = [{ id: 'examples-tab', type: 'tab', label: 'examples' }];
  for (const file of ['Click-to-dial from a CRM.json', 'Screen-pop data on ringing.json']) {
    const nodes = JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as FlowNode[];
    const own = nodes.find((node) => node.type === 'pbx-config')?.id;
    for (const node of nodes) {
      if (node.type === 'pbx-config') continue;
      imported.push({ ...node, ...(node.z ? { z: 'examples-tab' } : {}), ...(node.server === own ? { server: DEMO_IDS.config } : {}) });
    }
  }
  await deployFlows(demo.editorUrl, [...(await getFlows(demo.editorUrl)), ...imported]);
  // The deploy answers before the new flows have started their HTTP endpoints.
  for (const deadline = Date.now() + 10_000; (await fetch(`${demo.editorUrl}screenpop`)).status === 404 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const dialled = await fetch(`${demo.editorUrl}click2dial?exten=101&number=0612345678`, { signal: AbortSignal.timeout(20_000) });
  assert.equal(dialled.status, 200);
  const result = (await dialled.json()) as Record<string, string>;
  assert.equal(result.result, 'answered', JSON.stringify(result));
  assert.equal(result.exten, '101');
  assert.match(result.call_id ?? '', /^\d{10}\.\w+$/);

  const refused = await fetch(`${demo.editorUrl}click2dial?exten=101&number=${encodeURIComponent('0612\r\nAction: Command')}`);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: string }).error, /number/i);

  const popPage = await fetch(`${demo.editorUrl}screenpop`);
  assert.equal(popPage.status, 200);
  assert.match(await popPage.text(), /new WebSocket\(.*\/ws\/screenpop/);
});
