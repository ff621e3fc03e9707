/**
 * `pbx-notify` in Node-RED as users run it: a separate Node-RED process with this package
 * installed in its user directory, stopped (SIGINT) and started again; and its editor
 * dialog in Chromium.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareUserDir } from '../../scripts/demo-user-dir';
import { startNodeRed, type NodeRedProcess } from '../../scripts/node-red-process';
import { chromium } from 'playwright-core';
import { CHROMIUM, openEditor, type EditorNode, type EditorRED } from '../editor/browser';
import { sleep } from '../helpers/wait';
import { queryPairs, Receiver } from '../helpers/receiver';

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pbx-notify-process-'));
let nodeRed: NodeRedProcess | undefined;
let receiver: Receiver;

before(async () => {
  prepareUserDir(userDir);
  receiver = await Receiver.start();
});
after(async () => {
  await nodeRed?.stop();
  await receiver.close();
  fs.rmSync(userDir, { recursive: true, force: true });
});

/** `http in` POST /feed → pbx-notify (persisted) → `http response`: a way to send it messages from outside. */
function feedFlow(url: string) {
  return [
    { id: 'tab1', type: 'tab', label: 'notify' },
    { id: 'feed', type: 'http in', z: 'tab1', url: '/feed', method: 'post', upload: false, wires: [['ack', 'notify1']] },
    { id: 'ack', type: 'http response', z: 'tab1', statusCode: '202', wires: [] },
    { id: 'notify1', type: 'pbx-notify', z: 'tab1', url, method: 'GET', format: 'vendor', persist: true, wires: [[]] },
  ];
}

async function deploy(flows: unknown[]): Promise<void> {
  const res = await fetch(`${nodeRed!.url}flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows),
  });
  assert.ok(res.status === 200 || res.status === 204, `deploy answered ${res.status}: ${await res.text()}`);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}\n${nodeRed?.log().slice(-3000)}`);
    await sleep(20);
  }
}

test('a Node-RED restart with a persisted queue: notifications queued while the receiver was down arrive after it, once each, in order', async () => {
  nodeRed = await startNodeRed({ userDir, port: 0 });
  await receiver.down();
  await deploy(feedFlow(receiver.url('/crm')));
  for (const event of ['dial', 'answer_internal', 'hangup_internal', 'endcall']) {
    const send = (): Promise<Response> => fetch(`${nodeRed!.url}feed`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ event, call_id: '1453378165.749958', caller_num: '758' }),
    });
    let res = await send();
    // the deploy answers before the flows have started: until then /feed is 404 (nothing was queued)
    for (let i = 0; res.status === 404 && i < 100; i++) {
      await sleep(50);
      res = await send();
    }
    assert.equal(res.status, 202);
  }
  const file = path.join(userDir, 'pbx-notify', 'notify1.json');
  await until(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).items.length === 4, 5000, 'the queue file');

  await nodeRed.stop();
  nodeRed = undefined;
  await receiver.up();
  nodeRed = await startNodeRed({ userDir, port: 0 });
  await until(() => receiver.requests.length >= 4, 15_000, 'the queued notifications');
  await sleep(300); // time for a duplicate to show up, if there were one
  assert.deepEqual(receiver.requests.map((r) => queryPairs(r.url)[0]), [
    ['event', 'dial'], ['event', 'answer_internal'], ['event', 'hangup_internal'], ['event', 'endcall'],
  ]);
  assert.equal(receiver.requests[0].url, '/crm?event=dial&call_id=1453378165.749958&caller_num=758');
  await until(() => !fs.existsSync(file), 5000, 'the emptied queue file to go');
});

test('the editor dialog: every property is there, the body rows follow the format, headers are saved as [{name, value}]', async () => {
  nodeRed ??= await startNodeRed({ userDir, port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await openEditor(await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 860 } }), nodeRed.url);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const defaults = await page.evaluate(() => Object.keys((window as unknown as { RED: EditorRED }).RED.nodes.getType('pbx-notify')?.defaults ?? {}));
    assert.deepEqual(defaults.sort(), ['body', 'contentType', 'format', 'headers', 'maxAge', 'method', 'name', 'persist', 'queueLimit', 'timeout', 'tlsVerify', 'url'].sort());

    await page.evaluate(() => {
      const RED = (window as unknown as { RED: EditorRED }).RED;
      RED.view.importNodes([{ id: 'ed1', type: 'pbx-notify', url: 'http://crm/?id={{payload.call_id}}', x: 200, y: 200, wires: [[]] }]);
      RED.editor.edit(RED.nodes.node('ed1')!);
    });
    await page.waitForSelector('#node-input-url', { state: 'visible' });
    for (const id of ['url', 'user', 'password', 'token', 'timeout', 'tlsVerify', 'queueLimit', 'maxAge', 'persist', 'name']) {
      assert.equal(await page.locator(`#node-input-${id}`).count(), 1, `#node-input-${id}`);
    }
    assert.equal(await page.locator('#node-input-body').isVisible(), false, 'no body in the vendor format');
    await page.evaluate(() => {
      const $ = (window as unknown as { $: (s: string) => { typedInput(m: string, v: string): void } }).$;
      $('#node-input-format').typedInput('value', 'template');
    });
    await page.waitForSelector('#node-input-body', { state: 'visible' });
    await page.locator('.red-ui-editableList:has(#node-input-headers-container) .red-ui-editableList-addButton').click();
    await page.locator('.node-input-header-name').fill('X-Call');
    await page.locator('.node-input-header-value').fill('{{payload.call_id}}');
    await page.locator('#node-dialog-ok').click();
    const saved = await page.evaluate(() => {
      const node = (window as unknown as { RED: EditorRED }).RED.nodes.node('ed1') as EditorNode;
      return { format: node.format, headers: node.headers, valid: node.valid, tlsVerify: node.tlsVerify };
    });
    assert.deepEqual(saved, { format: 'template', headers: [{ name: 'X-Call', value: '{{payload.call_id}}' }], valid: true, tlsVerify: true },
      'an imported node without tlsVerify keeps verifying when saved');
    await page.evaluate(() => (window as unknown as { RED: EditorRED }).RED.sidebar.help.show('pbx-notify'));
    await page.waitForSelector('.red-ui-sidebar-info h3', { timeout: 5000 });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});
