import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import Mustache from 'mustache';
import { readNotifySettings } from '../../nodes/lib/notify/notify-settings';
import { createRequestBuilder } from '../../nodes/lib/notify/request-builder';

/**
 * pbx-notify's edit dialog marks a URL or body template red when the runtime would refuse it at
 * deploy: its check (in nodes/pbx-notify.html) must agree with mustache's own parser.
 */
const html = readFileSync(path.join(__dirname, '..', '..', '..', 'nodes', 'pbx-notify.html'), 'utf8');
const editorCode = html.slice(html.indexOf('function templateParses'), html.indexOf('RED.nodes.registerType'));
const sandbox: { templateParses?: (text: string) => boolean; urlTemplate?: (text: string) => boolean } = {};
vm.runInNewContext(`${editorCode}; this.templateParses = templateParses; this.urlTemplate = urlTemplate;`, sandbox);
const templateParses = sandbox.templateParses!;
const urlTemplate = sandbox.urlTemplate!;

function mustacheParses(text: string): boolean {
  try {
    Mustache.parse(text);
    return true;
  } catch {
    return false;
  }
}

const TEMPLATES = [
  '', 'plain text', '{{payload.call_id}}', '{{{payload.caller_name}}}', '{{& payload.x}}', '{{! a comment }}',
  '{{#payload.call_answered}}yes{{/payload.call_answered}}', '{{^payload.x}}none{{/payload.x}}',
  '{{#a}}{{#b}}x{{/b}}{{/a}}', '{"text": "Missed call from {{payload.caller_num}}"}',
  '{{', '}}', '{{payload.x', '{{#a}}x', '{{#a}}x{{/b}}', '{{#a}}{{#b}}x{{/a}}{{/b}}', '{{/a}}', '{{{payload.x}}',
  'a {{b}} c {{#d}}e{{/d}} f',
];

test('the dialog\'s template check agrees with mustache on what parses', () => {
  for (const template of TEMPLATES) {
    assert.equal(templateParses(template), mustacheParses(template), JSON.stringify(template));
  }
});

test('a URL the dialog accepts is one the runtime accepts; one it marks red, the runtime refuses', () => {
  const runtimeAccepts = (url: string): boolean => {
    try {
      const settings = readNotifySettings({ url, method: 'GET', format: 'vendor' });
      const request = createRequestBuilder(settings).build({ payload: { event: 'dial', call_id: '1.2', url: 'http://crm.example/x' } });
      return /^https?:\/\//i.test(request.url);
    } catch {
      return false;
    }
  };
  // A whole URL from the message needs the raw tag: {{payload.url}} would be percent-encoded.
  for (const url of ['http://crm.example/pbx?id={{payload.call_id}}', 'HTTPS://crm.example/', '{{{payload.url}}}']) {
    assert.equal(urlTemplate(url), true, url);
    assert.equal(runtimeAccepts(url), true, url);
  }
  for (const url of ['', 'crm.example/pbx', 'http://crm.example/{{payload.call_id', 'ftp://crm.example/']) {
    assert.equal(urlTemplate(url), false, url);
    assert.equal(runtimeAccepts(url), false, url);
  }
  assert.equal(urlTemplate('${CRM_URL}'), true, 'an environment variable, filled in at deploy');
});
