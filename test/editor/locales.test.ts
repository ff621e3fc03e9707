import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const LOCALES = join(ROOT, 'nodes', 'locales');
const NODE_TYPES = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);

/** Every key path of a message catalogue, e.g. `pbx-dial.label.number`. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => keyPaths(inner, prefix ? `${prefix}.${key}` : key));
}
const catalogue = (lang: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(LOCALES, lang, `${type}.json`), 'utf8')) as Record<string, unknown>;
const leaf = (object: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], object);
/** The text a reader sees: tags, code and entities left out. */
const prose = (html: string): string =>
  html.replace(/<code>[\s\S]*?<\/code>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;/g, ' ').replace(/\s+/g, ' ');

for (const type of NODE_TYPES) {
  test(`${type}: English and Czech catalogues and help exist, with the same keys`, () => {
    for (const lang of ['en-US', 'cs']) {
      assert.ok(existsSync(join(LOCALES, lang, `${type}.json`)), `${lang}/${type}.json`);
      assert.ok(existsSync(join(LOCALES, lang, `${type}.html`)), `${lang}/${type}.html`);
    }
    assert.deepEqual(keyPaths(catalogue('cs', type)).sort(), keyPaths(catalogue('en-US', type)).sort());
  });

  test(`${type}: the Czech texts are translated (diacritics, not the English words) and keep the placeholders`, () => {
    const en = catalogue('en-US', type);
    const cs = catalogue('cs', type);
    let translated = 0;
    let total = 0;
    const untranslated: string[] = [];
    for (const path of keyPaths(en)) {
      const english = String(leaf(en, path));
      const czech = String(leaf(cs, path));
      // Mustache and i18next placeholders, and HTML tags, must survive the translation.
      const tokens = (text: string): string[] => (text.match(/\{\{[^}]*\}\}|__[a-z]+__|<\/?[a-z]+>/gi) ?? []).sort();
      assert.deepEqual(tokens(czech), tokens(english), `placeholders of ${path}`);
      // Phrases of words are translated; palette names stay the node's name (`pbx dial`), as Node-RED's own do.
      if (!path.endsWith('.paletteLabel') && /\b[a-z]{3,} [a-z]{3,}\b/.test(english.replace(/<[^>]+>|\{\{[^}]*\}\}/g, ''))) {
        total++;
        if (czech !== english) translated++;
        else untranslated.push(path);
      }
    }
    assert.ok(translated >= total * 0.9, `${translated} of ${total} phrases translated; not: ${untranslated.join(', ')}`);
    const help = prose(readFileSync(join(LOCALES, 'cs', `${type}.html`), 'utf8'));
    const english = prose(readFileSync(join(LOCALES, 'en-US', `${type}.html`), 'utf8'));
    assert.match(help, /[ěščřžýáíéůúňťď]/, 'Czech diacritics');
    for (const word of [' the ', ' and ', ' when ', ' with ']) {
      const count = help.split(word).length - 1;
      assert.ok(count <= 1, `English word "${word.trim()}" ${count} times in the Czech help`);
    }
    assert.ok(help.length > english.length * 0.7, 'the whole help is translated, not a part of it');
    assert.match(readFileSync(join(LOCALES, 'cs', `${type}.html`), 'utf8'), new RegExp(`data-help-name="${type}"`));
  });
}

test('no locale file without a node', () => {
  for (const lang of readdirSync(LOCALES)) {
    for (const file of readdirSync(join(LOCALES, lang))) {
      if (file.startsWith('.')) continue;
      assert.ok(NODE_TYPES.includes(file.replace(/\.(json|html)$/, '')), `${lang}/${file}`);
    }
  }
});
