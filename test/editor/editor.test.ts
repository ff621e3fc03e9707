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

/**
 * Adds a node of `type` with its defaults (as dropped from the palette) to the demo tab, with
 * `properties` on top, and opens its edit dialog.
 */
async function editNewNode(on: Page, type: string, id: string, properties: Record<string, unknown> = {}): Promise<void> {
  await on.evaluate(({ nodeType, nodeId, extra }) => {
    const { RED } = globalThis as unknown as PageGlobals;
    const fresh: Record<string, unknown> = { id: nodeId, type: nodeType, z: 'pbx-demo-tab', x: 700, y: 760, wires: [[]] };
    for (const [key, value] of Object.entries((RED.nodes.getType(nodeType) as { defaults: Record<string, { value: unknown }> }).defaults)) {
      fresh[key] = JSON.parse(JSON.stringify(value.value ?? ''));
    }
    Object.assign(fresh, extra);
    RED.view.importNodes([fresh], { generateIds: false });
    RED.editor.edit(RED.nodes.node(nodeId) as never);
  }, { nodeType: type, nodeId: id, extra: properties });
  await on.waitForSelector('#node-dialog-ok', { state: 'visible' });
  await on.waitForTimeout(300); // the tray's slide-in
}

/** Opens an existing node's edit dialog again. */
async function editNode(on: Page, id: string): Promise<void> {
  await on.evaluate((nodeId) => {
    const { RED } = globalThis as unknown as PageGlobals;
    RED.editor.edit(RED.nodes.node(nodeId) as never);
  }, id);
  await on.waitForSelector('#node-dialog-ok', { state: 'visible' });
  await on.waitForTimeout(300);
}

/** Presses Done and waits for the dialog to close. */
async function pressDone(on: Page): Promise<void> {
  await on.click('#node-dialog-ok');
  await on.waitForSelector('#node-dialog-ok', { state: 'detached' });
}

/** The dialog's fields (`#node-input-<field>`, or its TypedInput) that are shown, of those given. */
async function shownFields(on: Page, fields: string[]): Promise<string[]> {
  return on.evaluate((names) => {
    const { $ } = globalThis as unknown as PageGlobals;
    return names.filter((f) => $(`#node-input-${f}`).is(':visible') || $(`#node-input-${f}`).next('.red-ui-typedInput-container').is(':visible'));
  }, fields);
}

/** Chooses an option of a TypedInput with a fixed list (query, source, method, format) as a user does: open its menu, click. */
async function chooseOption(on: Page, field: string, value: string): Promise<void> {
  const menuSettled = (): boolean => (globalThis as unknown as PageGlobals).$('.red-ui-typedInput-options:animated').length === 0;
  await on.waitForFunction(menuSettled);
  await on.click(`#node-input-${field} + .red-ui-typedInput-container .red-ui-typedInput-option-trigger`);
  await on.waitForFunction(menuSettled); // opened, no longer sliding
  await on.locator(`.red-ui-typedInput-options:visible a[value="${value}"]`).click();
  await on.waitForFunction(
    ({ name, chosen }) => (globalThis as unknown as PageGlobals).$(`#node-input-${name}`).typedInput('value') === chosen,
    { name: field, chosen: value },
    { timeout: 5_000 },
  );
}

/** A node as the editor holds it after Done: its plain properties, list properties as JSON, why it is invalid. */
async function savedNode(on: Page, id: string): Promise<Record<string, unknown>> {
  return on.evaluate((nodeId) => {
    const { RED } = globalThis as unknown as PageGlobals;
    const node = RED.nodes.node(nodeId) as Record<string, unknown>;
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (value === null || typeof value !== 'object') plain[key] = value;
      else if (Array.isArray(value) && key !== 'wires') plain[key] = JSON.parse(JSON.stringify(value));
    }
    plain.invalidProperties = ((node.validationErrors as string[] | undefined) ?? []).join(', ');
    plain.credentials = JSON.stringify(node.credentials ?? {});
    return plain;
  }, id);
}

const CDR_PARAMETERS = ['number', 'from', 'to', 'callId', 'limit', 'offset'];

test('the pbx-cdr dialog shows the parameters the chosen query reads: number, time range and page for calls, missed, stats; only the call id for call', async () => {
  const id = 'editor-test-pbx-cdr-query';
  await editNewNode(page, 'pbx-cdr', id, { server: DEMO_IDS.config });
  const english = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', 'en-US', 'pbx-cdr.json'), 'utf8')) as { 'pbx-cdr': { numberHint: Record<string, string> } };
  const rows: Record<string, { shown: string[]; hint: string }> = {};
  for (const query of ['call', 'missed', 'stats', 'calls']) {
    await chooseOption(page, 'query', query);
    rows[query] = {
      shown: await shownFields(page, [...CDR_PARAMETERS, 'server', 'timeout', 'name']),
      hint: (await page.textContent('#pbx-cdr-number-hint'))?.trim() ?? '',
    };
  }
  const always = ['server', 'timeout', 'name'];
  const range = ['number', 'from', 'to', 'limit', 'offset', ...always];
  assert.deepEqual(rows, {
    call: { shown: ['callId', ...always], hint: english['pbx-cdr'].numberHint.call },
    missed: { shown: range, hint: english['pbx-cdr'].numberHint.missed },
    stats: { shown: range, hint: english['pbx-cdr'].numberHint.stats },
    calls: { shown: range, hint: english['pbx-cdr'].numberHint.calls },
  });

  await chooseOption(page, 'query', 'call');
  assert.equal(await page.evaluate(setAndCheck, { field: 'callId', value: { type: 'msg', value: 'payload..call_id' }, restore: true }), true, 'a broken msg property is marked');
  assert.equal(await page.evaluate(setAndCheck, { field: 'callId', value: { type: 'str', value: '1767225600.42' } }), false, 'a call id is accepted');
  await pressDone(page);
  const saved = await savedNode(page, id);
  assert.equal(saved.valid, true, `valid after Done (invalid: ${String(saved.invalidProperties)})`);
  assert.deepEqual([saved.query, saved.callId, saved.callIdType], ['call', '1767225600.42', 'str']);
  assert.equal(await page.evaluate(labelsOf, [{ type: 'pbx-cdr', query: 'call' }]).then((labels) => labels[0]), 'one call with its legs');
});

test('the pbx-event dialog shows path, token (hidden) and allowlist only for the http source and the AMI event names only for raw; bad paths and addresses are marked', async () => {
  const id = 'editor-test-pbx-event-http';
  await editNewNode(page, 'pbx-event', id, { server: DEMO_IDS.config });
  const fields = ['server', 'source', 'extensions', 'rawEvents', 'path', 'token', 'allow', 'name'];
  const shown: Record<string, string[]> = {};
  for (const source of ['http', 'raw', 'ami']) {
    await chooseOption(page, 'source', source);
    shown[source] = await shownFields(page, fields);
    shown[`${source} event boxes`] = [String(await page.locator('#pbx-event-events').isVisible())];
  }
  assert.deepEqual(shown, {
    ami: ['server', 'source', 'extensions', 'name'],
    'ami event boxes': ['true'],
    http: ['server', 'source', 'extensions', 'path', 'token', 'allow', 'name'],
    'http event boxes': ['true'],
    raw: ['server', 'source', 'rawEvents', 'name'],
    'raw event boxes': ['false'],
  });

  await chooseOption(page, 'source', 'http');
  assert.equal(await page.getAttribute('#node-input-token', 'type'), 'password', 'the token is typed hidden');
  const marked = await page.evaluate(() => {
    const { $ } = globalThis as unknown as PageGlobals;
    const check = (field: string, value: string): boolean => $(`#node-input-${field}`).val(value).trigger('change').hasClass('input-error');
    // The runtime refuses these at deploy (normalisePath, parseAllowlist): the dialog marks them.
    return {
      spacedPath: check('path', '/pbx events'),
      queryPath: check('path', '/pbx?x=1'),
      rootPath: check('path', '/'),
      goodPath: check('path', 'crm/pbx-events/'),
      hostAllow: check('allow', '10.1.2.3, crm.example.com'),
      badAddressAllow: check('allow', '10.1.2.300'),
      badPrefixAllow: check('allow', '192.168.0.0/33'),
      badV6Allow: check('allow', '2001:db8::1::2'),
      goodAllow: check('allow', '10.1.2.3, 192.168.0.0/24, 2001:db8::/32, ::1'),
      emptyAllow: check('allow', ''),
      badExtensions: check('extensions', '101 102'),
      goodExtensions: check('extensions', '101, 102'),
    };
  });
  assert.deepEqual(marked, {
    spacedPath: true, queryPath: true, rootPath: true, goodPath: false,
    hostAllow: true, badAddressAllow: true, badPrefixAllow: true, badV6Allow: true, goodAllow: false, emptyAllow: false,
    badExtensions: true, goodExtensions: false,
  });
  await page.evaluate(() => {
    const { $ } = globalThis as unknown as PageGlobals;
    $('#node-input-path').val('/crm/pbx-events').trigger('change');
    $('#node-input-allow').val('10.1.2.3, 192.168.0.0/24').trigger('change');
  });
  await page.fill('#node-input-token', 'editor-test-token-5190');
  await pressDone(page);
  const saved = await savedNode(page, id);
  assert.equal(saved.valid, true, `valid after Done (invalid: ${String(saved.invalidProperties)})`);
  assert.deepEqual([saved.source, saved.path, saved.allow], ['http', '/crm/pbx-events', '10.1.2.3, 192.168.0.0/24']);
  assert.equal(saved.token, undefined, 'the token is a credential, not a node property');
  assert.equal((JSON.parse(String(saved.credentials)) as Record<string, unknown>).token, 'editor-test-token-5190', 'kept as a credential until deployed');
  assert.deepEqual(await page.evaluate(labelsOf, [{ type: 'pbx-event', source: 'http', path: '/crm/pbx-events' }]), ['/crm/pbx-events']);

  // The raw source: its event-name filter, checked and saved.
  await editNode(page, id);
  await chooseOption(page, 'source', 'raw');
  assert.equal(await page.evaluate(setAndCheck, { field: 'rawEvents', value: 'Hangup,,Newchannel', restore: true }), true, 'an empty name in the list is marked');
  assert.equal(await page.evaluate(setAndCheck, { field: 'rawEvents', value: 'Hangup, Newchannel' }), false);
  await pressDone(page);
  const raw = await savedNode(page, id);
  assert.deepEqual([raw.valid, raw.source, raw.rawEvents], [true, 'raw', 'Hangup, Newchannel']);
});

test('the pbx-notify dialog: method menu, body and content type only for the template format, the headers list saved; a bad header name makes the node invalid', async () => {
  const id = 'editor-test-pbx-notify';
  await editNewNode(page, 'pbx-notify', id, { url: 'https://crm.example.com/pbx' });
  const shown: Record<string, string[]> = {};
  for (const format of ['json', 'template', 'vendor']) {
    await chooseOption(page, 'format', format);
    shown[format] = await shownFields(page, ['url', 'method', 'format', 'contentType', 'body']);
  }
  assert.deepEqual(shown, {
    json: ['url', 'method', 'format'],
    template: ['url', 'method', 'format', 'contentType', 'body'],
    vendor: ['url', 'method', 'format'],
  });
  await chooseOption(page, 'method', 'PUT');
  assert.equal((await page.textContent('#node-input-method + .red-ui-typedInput-container .red-ui-typedInput-option-label'))?.trim(), 'PUT', 'the menu shows the chosen method');
  await chooseOption(page, 'format', 'template');
  await page.fill('#node-input-contentType', 'application/xml');
  await page.fill('#node-input-body', '<call id="{{payload.call_id}}" event="{{topic}}"/>');
  // Headers, added as a user does: the list's add button, then the two inputs of the new row.
  const addHeader = async (name: string, value: string): Promise<void> => {
    await page.click('.node-input-headers-row .red-ui-editableList-addButton');
    await page.locator('#node-input-headers-container .node-input-header-name').last().fill(name);
    await page.locator('#node-input-headers-container .node-input-header-value').last().fill(value);
  };
  await addHeader('X-Api-Key', '{{env.CRM_KEY}}');
  await addHeader('Accept', 'application/json');
  await addHeader('', 'dropped: a row without a name');
  await pressDone(page);
  const saved = await savedNode(page, id);
  assert.equal(saved.valid, true, `valid after Done (invalid: ${String(saved.invalidProperties)})`);
  assert.deepEqual(
    { method: saved.method, format: saved.format, contentType: saved.contentType, body: saved.body, headers: saved.headers },
    {
      method: 'PUT',
      format: 'template',
      contentType: 'application/xml',
      body: '<call id="{{payload.call_id}}" event="{{topic}}"/>',
      headers: [{ name: 'X-Api-Key', value: '{{env.CRM_KEY}}' }, { name: 'Accept', value: 'application/json' }],
    },
  );
  assert.deepEqual(await page.evaluate(labelsOf, [{ type: 'pbx-notify', url: 'https://crm.example.com/pbx', method: 'PUT' }]), ['PUT crm.example.com/pbx']);

  // A header name with a space (the runtime refuses it at deploy): the node is marked invalid.
  await editNode(page, id);
  assert.equal(await page.locator('#node-input-headers-container .node-input-header-name').count(), 2, 'the saved headers are listed again');
  await addHeader('X Bad Header', '1');
  const badName = page.locator('#node-input-headers-container .node-input-header-name').last();
  assert.equal(await badName.evaluate((input) => input.classList.contains('input-error')), true, 'the bad name is marked red as typed');
  assert.equal(
    await page.locator('#node-input-headers-container .node-input-header-name').first().evaluate((input) => input.classList.contains('input-error')),
    false,
    'a good name is not',
  );
  await pressDone(page);
  const invalid = await savedNode(page, id);
  assert.equal(invalid.valid, false, 'invalid with a bad header name');
  assert.match(String(invalid.invalidProperties), /\bheaders\b/);
  // Removed again (the row's remove button): valid.
  await editNode(page, id);
  await page.locator('#node-input-headers-container li').last().locator('.red-ui-editableList-item-remove').click();
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).$('#node-input-headers-container li').length === 2); // it fades out
  await pressDone(page);
  assert.equal((await savedNode(page, id)).valid, true, 'valid once the bad header is removed');
});

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

test('a new pbx-config filled in the dialog and deployed: its settings reach the runtime, its passwords are hidden fields and never in the flows', async () => {
  // Its own page, so that only this change (and not the other tests' edits) is deployed.
  const configPage = await openEditor(english, demo.editorUrl);
  try {
    await configPage.evaluate(() => (globalThis as unknown as PageGlobals).RED.editor.editConfig('', 'pbx-config', '_ADD_'));
    await configPage.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
    await configPage.waitForTimeout(300);
    const inputTypes = await configPage.evaluate(() => {
      const { $ } = globalThis as unknown as PageGlobals;
      const types: Record<string, string | undefined> = {};
      for (const field of ['username', 'secret', 'httpUser', 'httpPassword', 'dbUser', 'dbPassword']) types[field] = $(`#node-config-input-${field}`).attr('type');
      return types;
    });
    assert.deepEqual(inputTypes, { username: 'text', secret: 'password', httpUser: 'text', httpPassword: 'password', dbUser: 'text', dbPassword: 'password' });

    const secrets = { secret: 'ami-secret-7431', httpPassword: 'http-secret-8812', dbPassword: 'db-secret-5519' };
    const settings = {
      name: 'Editor test PBX', host: 'pbx.example.invalid', port: '5039', eventMask: 'system,call,dialplan,cdr',
      httpUrl: 'http://pbx.example.invalid', timezone: 'Europe/Prague', originateContext: 'from-crm',
      dbHost: 'db.example.invalid', dbPort: '5433', dbName: 'asteriskcdrdb', dbCdrTable: 'asterisk.cdr',
    };
    const logins = { username: 'editor-ami-user', httpUser: 'editor-http-user', dbUser: 'editor-db-user' };
    // Typed into each tab as a user does.
    const tabs: Record<string, string[]> = {
      connection: ['host', 'port', 'username', 'secret', 'eventMask', 'httpUrl', 'httpUser', 'httpPassword'],
      calls: ['timezone'],
      dial: ['originateContext'],
      database: ['dbHost', 'dbPort', 'dbName', 'dbUser', 'dbPassword', 'dbCdrTable'],
    };
    const values: Record<string, string> = { ...settings, ...logins, ...secrets };
    await configPage.fill('#node-config-input-name', values.name);
    for (const [tab, fields] of Object.entries(tabs)) {
      // Two clicks on the tab bar within 400 ms are a double click (which renames a tab), not a tab change.
      await configPage.waitForTimeout(500);
      await configPage.click(`#node-config-pbx-tabs a.red-ui-tab-label[href="#pbx-config-tab-${tab}"]`);
      await configPage.waitForSelector(`#pbx-config-tab-${tab}`, { state: 'visible' });
      for (const field of fields) await configPage.fill(`#node-config-input-${field}`, values[field]);
    }
    const marked = await configPage.evaluate(() => (globalThis as unknown as PageGlobals).$('#node-config-dialog-edit-form .input-error').length);
    assert.equal(marked, 0, 'no field marked');
    await configPage.click('#node-config-dialog-ok');
    await configPage.waitForSelector('#node-config-dialog-ok', { state: 'detached' });
    const id = await configPage.evaluate((name) => {
      const { RED } = globalThis as unknown as PageGlobals;
      let found = '';
      RED.nodes.eachConfig((node) => {
        if (node.type === 'pbx-config' && node.name === name) found = node.id;
      });
      return found;
    }, settings.name);
    assert.ok(id, 'the new pbx-config is in the editor');

    await configPage.click('#red-ui-header-button-deploy');
    await configPage.waitForFunction(() => !(globalThis as unknown as PageGlobals).RED.nodes.dirty(), undefined, { timeout: 20_000 });
    const flows = await (await fetch(`${demo.editorUrl}flows`)).text();
    const deployed = (JSON.parse(flows) as Record<string, unknown>[]).find((node) => node.id === id);
    assert.ok(deployed, 'deployed');
    for (const [field, value] of Object.entries(settings)) assert.equal(String(deployed[field]), value, `${field} in the flows`);
    for (const value of [...Object.values(secrets), ...Object.values(logins)]) assert.ok(!flows.includes(value), `"${value}" is not in the flows`);
    assert.ok(!('credentials' in deployed), 'no credentials in the flows');
    const stored = (await (await fetch(`${demo.editorUrl}credentials/pbx-config/${id}`)).json()) as Record<string, unknown>;
    assert.deepEqual(stored, { ...logins, has_secret: true, has_httpPassword: true, has_dbPassword: true }, 'the admin API tells only that the passwords are set');

    // Opened again: the stored passwords are placeholders, not their values.
    await configPage.evaluate((configId) => (globalThis as unknown as PageGlobals).RED.editor.editConfig('', 'pbx-config', configId), id);
    await configPage.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
    await configPage.waitForFunction(() => (globalThis as unknown as PageGlobals).$('#node-config-input-secret').val() === '__PWRD__');
    const shown = await configPage.evaluate(() => {
      const { $ } = globalThis as unknown as PageGlobals;
      return ['secret', 'httpPassword', 'dbPassword'].map((field) => String($(`#node-config-input-${field}`).val()));
    });
    assert.deepEqual(shown, ['__PWRD__', '__PWRD__', '__PWRD__']);
    for (const value of Object.values(secrets)) assert.ok(!(await configPage.content()).includes(value), `"${value}" is not in the page`);
    await configPage.click('#node-config-dialog-cancel');
  } finally {
    await configPage.close();
  }
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
      // The Czech text, not the English one (which would also pass where the two are alike).
      assert.notEqual(helpOpening('cs', type), helpOpening('en-US', type), `${type}: the Czech help opening differs from the English`);
      assert.ok(!help.includes(helpOpening('en-US', type)), `${type}: no English help in Czech`);
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
    await cs.click('#node-dialog-cancel');
    await cs.waitForSelector('#node-dialog-ok', { state: 'detached' });

    // Dialog labels and menu options that differ from English: pbx-cdr's, as a user opens a new one.
    const catalogue = (lang: string): { label: Record<string, string>; query: Record<string, string> } =>
      (JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', lang, 'pbx-cdr.json'), 'utf8')) as Record<string, { label: Record<string, string>; query: Record<string, string> }>)['pbx-cdr'];
    const [czechCdr, englishCdr] = [catalogue('cs'), catalogue('en-US')];
    await editNewNode(cs, 'pbx-cdr', 'editor-test-pbx-cdr-cs', { server: DEMO_IDS.config });
    const shown = await cs.evaluate(() => {
      const { $ } = globalThis as unknown as PageGlobals;
      const label = (field: string): string => $(`label[for="node-input-${field}"]`).text().trim();
      return {
        query: label('query'),
        callId: label('callId'),
        timeout: label('timeout'),
        chosenQuery: $('#node-input-query + .red-ui-typedInput-container .red-ui-typedInput-option-label').text().trim(),
      };
    });
    const expected = { query: czechCdr.label.query, callId: czechCdr.label.callId, timeout: czechCdr.label.timeout, chosenQuery: czechCdr.query.calls };
    for (const [key, value] of Object.entries(expected)) {
      const english = key === 'chosenQuery' ? englishCdr.query.calls : englishCdr.label[key];
      assert.notEqual(value, english, `${key}: the Czech catalogue differs from the English`);
    }
    assert.deepEqual(shown, expected);
    await cs.click('#node-dialog-cancel');
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
