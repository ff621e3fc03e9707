import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NUMBER_RULE_PATTERNS } from '../../nodes/lib/dial/normalize-number';
import { DEFAULT_CORRELATOR_SETTINGS, readSettings } from '../../nodes/lib/settings';

/**
 * Every correlator option (settings.ts `correlator`) and the AMI event mask are offered by the
 * pbx-config editor with the runtime's default, labelled in English and Czech, explained in both
 * help texts and listed in docs/pbx-event.md: an option the code has cannot be missing from them.
 * The same for the database options that describe how Asterisk writes (docs/pbx-cdr.md), and the
 * number normalisation settings, which the editor checks with the runtime's own expressions.
 */
const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const editor = read('nodes/pbx-config.html');
const docs = read('docs/pbx-event.md');
const cdrDocs = read('docs/pbx-cdr.md');
const catalogue = (lang: string): { label: Record<string, string> } & Record<string, unknown> =>
  (JSON.parse(read(`nodes/locales/${lang}/pbx-config.json`)) as { 'pbx-config': { label: Record<string, string> } & Record<string, unknown> })['pbx-config'];

const OPTIONS = [...Object.keys(DEFAULT_CORRELATOR_SETTINGS), 'eventMask'];

/** The default a property has in the editor's `defaults` (`key: { value: … }`). */
function editorDefault(key: string): unknown {
  const match = new RegExp(`\\n\\s*${key}: \\{ value: ('[^']*'|true|false|\\d+)`).exec(editor);
  assert.ok(match, `${key} is in the editor's defaults`);
  const text = match[1];
  return text.startsWith("'") ? text.slice(1, -1) : text === 'true' ? true : text === 'false' ? false : Number(text);
}

test('the correlator options and the event mask are the ones the code knows (none forgotten here)', () => {
  assert.deepEqual(OPTIONS.sort(), [
    'answeredIncludesIvr', 'attendedNativeMode', 'detectRedirectTransfers', 'dialTrigger', 'emitDialForUndialedCalls',
    'endcallOnMerge', 'eventMask', 'groupLastDialed', 'hangupInternalFor', 'numberRewrite', 'originateDetection',
    'originateDialOn', 'pickupAlsoAnswerInternal', 'tsSource',
  ]);
});

for (const key of OPTIONS) {
  test(`pbx-config ${key}: an editor field with the runtime's default, labelled and explained in English and Czech, in the docs`, () => {
    assert.match(editor, new RegExp(`id="node-config-input-${key}"`), 'a form field');
    // What the editor stores by default reads back as the runtime default.
    const stored = editorDefault(key);
    const runtime = readSettings({ [key]: stored });
    const fallback = readSettings({});
    if (key === 'eventMask') assert.equal(runtime.eventMask, fallback.eventMask);
    else assert.deepEqual(runtime.correlator[key as keyof typeof runtime.correlator], fallback.correlator[key as keyof typeof fallback.correlator]);
    // Every value a select offers is one the runtime accepts, and each is labelled.
    const select = new RegExp(`<select id="node-config-input-${key}"[^>]*>([\\s\\S]*?)</select>`).exec(editor);
    for (const [, value] of select?.[1].matchAll(/<option value="([^"]*)"/g) ?? []) {
      assert.doesNotThrow(() => readSettings({ [key]: value }), `${key}=${value} is accepted`);
      for (const lang of ['en-US', 'cs']) {
        const group = catalogue(lang)[key] as Record<string, string> | undefined;
        assert.ok(group?.[value], `${lang} label of ${key}=${value}`);
      }
    }
    for (const lang of ['en-US', 'cs']) {
      assert.ok(catalogue(lang).label[key], `${lang} label of ${key}`);
      assert.ok(read(`nodes/locales/${lang}/pbx-config.html`).includes(`<span class="property-type">${key}</span></dt>`), `${lang} help explains ${key}`);
    }
    assert.match(docs, new RegExp(`\`${key}\``), 'docs/pbx-event.md');
  });
}

const DATABASE_OPTIONS = ['dbTimezone', 'dbCdrTable', 'dbCelTable'] as const;

for (const key of DATABASE_OPTIONS) {
  test(`pbx-config ${key}: a field in the Database tab with the runtime's default, labelled and explained in English and Czech, in docs/pbx-cdr.md`, () => {
    const tab = /<div id="pbx-config-tab-database"[\s\S]*?<\/script>/.exec(editor)?.[0] ?? '';
    assert.match(tab, new RegExp(`id="node-config-input-${key}"`), 'a form field in the Database tab');
    const zone = { timezone: 'Europe/Prague' };
    assert.equal(readSettings({ ...zone, [key]: editorDefault(key) })[key], readSettings(zone)[key], 'the editor default is the runtime default');
    for (const lang of ['en-US', 'cs']) {
      assert.ok(catalogue(lang).label[key], `${lang} label of ${key}`);
      assert.ok(read(`nodes/locales/${lang}/pbx-config.html`).includes(`<span class="property-type">${key}</span></dt>`), `${lang} help explains ${key}`);
    }
    assert.match(cdrDocs, new RegExp(`\`${key}\``), 'docs/pbx-cdr.md');
  });
}

for (const key of Object.keys(NUMBER_RULE_PATTERNS) as Array<keyof typeof NUMBER_RULE_PATTERNS>) {
  test(`pbx-config ${key}: the editor checks it with the runtime's rule and default, labelled and explained in English and Czech, in docs/click-to-dial.md`, () => {
    // The same expression as text: a value the editor accepts is one the deploy accepts.
    const validate = new RegExp(`\\n\\s*${key}: \\{ value: '[^']*', validate: function \\(v\\) \\{ return blankOrEnv\\(v\\) \\|\\| (/.*/)\\.test\\(v\\); \\} \\},`).exec(editor);
    assert.ok(validate, `${key} is validated in the editor`);
    assert.equal(validate[1], String(NUMBER_RULE_PATTERNS[key]));
    assert.equal(readSettings({ [key]: editorDefault(key) })[key], readSettings({})[key], 'the editor default is the runtime default');
    assert.match(editor, new RegExp(`id="node-config-input-${key}"`), 'a form field');
    for (const lang of ['en-US', 'cs']) {
      assert.ok(catalogue(lang).label[key], `${lang} label of ${key}`);
      assert.ok(read(`nodes/locales/${lang}/pbx-config.html`).includes(`<span class="property-type">${key}</span></dt>`), `${lang} help explains ${key}`);
    }
    assert.match(read('docs/click-to-dial.md'), new RegExp(`\\| \`${key}\` \\|`), 'docs/click-to-dial.md');
  });
}
