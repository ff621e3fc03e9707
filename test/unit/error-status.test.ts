import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliveryReasonText, failureOf, failureText, PbxSetupError, setupFailure, type Failure } from '../../nodes/common/error-status';
import { failureStatusText } from '../../nodes/common/report-error';
import type { Translator } from '../../nodes/common/status-words';
import { CdrError, type CdrErrorKind } from '../../nodes/lib/cdr/cdr-error';
import { DialInputError, PbxHttpError, PbxPermissionError, PbxRequestError, PbxUnavailableError } from '../../nodes/lib/dial/errors';
import { DeliveryError } from '../../nodes/lib/notify/delivery-queue';
import { NotifySettingsError } from '../../nodes/lib/notify/notify-settings';
import { RequestBuildError } from '../../nodes/lib/notify/request-builder';
import { TemplateError } from '../../nodes/lib/notify/template';

const LOCALES = join(__dirname, '..', '..', '..', 'nodes', 'locales');

/** RED._ over one catalogue file, as i18next answers: the text with `__name__` filled in, or the key. */
function catalogue(lang: string, type: string): Translator {
  const texts = JSON.parse(readFileSync(join(LOCALES, lang, `${type}.json`), 'utf8')) as Record<string, unknown>;
  return {
    _(key, substitutions = {}) {
      const text = key.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], texts);
      return typeof text === 'string' ? text.replace(/__(\w+)__/g, (_whole, name: string) => String(substitutions[name])) : key;
    },
  };
}
const NO_CATALOGUE: Translator = { _: (key) => key };

const DIAL_ERRORS: Array<[Error, string, string]> = [
  [new DialInputError('number (msg.payload.number) "0612 ABC" contains characters other than 0-9'), 'invalid input', 'neplatný vstup'],
  [new PbxUnavailableError("not connected to the PBX's AMI"), 'PBX not reachable', 'ústředna nedostupná'],
  [new PbxHttpError('the PBX HTTP API at http://pbx/ did not answer /dial: ECONNREFUSED', 0, ''), 'PBX not reachable', 'ústředna nedostupná'],
  [new PbxPermissionError('permission denied: the AMI user may not send Originate'), 'permission denied', 'přístup odepřen'],
  [new PbxRequestError('the PBX refused the Originate: Extension does not exist'), 'PBX refused the request', 'ústředna požadavek odmítla'],
  [new PbxHttpError('the PBX HTTP API answered /dial with HTTP 503', 503, 'busy'), 'HTTP 503', 'HTTP 503'],
  [new PbxSetupError('no_pbx', 'no PBX selected: choose a pbx-config'), 'no PBX selected', 'není vybrána ústředna'],
  [new PbxSetupError('settings', 'invalid PBX settings: port "x"'), 'invalid PBX settings', 'chybné nastavení ústředny'],
  [setupFailure(new Error('transport must be config, ami or http, not "x"'), 'node_settings'), 'invalid node settings', 'chybné nastavení uzlu'],
  [new Error('pbx-dial is not set up: no PBX selected', { cause: new PbxSetupError('no_pbx', 'no PBX selected') }), 'no PBX selected', 'není vybrána ústředna'],
  [new Error('something nobody expected'), 'error', 'chyba'],
];

for (const type of ['pbx-dial', 'pbx-hangup']) {
  test(`${type}: each failure's status is its kind, in English and in Czech`, () => {
    for (const [error, english, czech] of DIAL_ERRORS) {
      assert.equal(failureStatusText(error, (err) => failureText(catalogue('en-US', type), type, failureOf(err))), english, error.message);
      assert.equal(failureStatusText(error, (err) => failureText(catalogue('cs', type), type, failureOf(err))), czech, error.message);
    }
  });
}

test('without a catalogue (RED._ answers the key) the status is the English message, shortened, as before', () => {
  const error = new PbxPermissionError('permission denied: the AMI user may not send Originate (manager.conf needs write=originate)');
  assert.equal(failureStatusText(error, (err) => failureText(NO_CATALOGUE, 'pbx-dial', failureOf(err))), 'permission denied: the AMI user may not send Or…');
});

test('pbx-cdr: every kind of CdrError has its own short text in both languages', () => {
  const kinds: CdrErrorKind[] = ['config', 'input', 'unreachable', 'tls', 'login', 'no_database', 'missing_table', 'permission', 'timeout', 'database'];
  for (const lang of ['en-US', 'cs']) {
    const texts = kinds.map((kind) => failureText(catalogue(lang, 'pbx-cdr'), 'pbx-cdr', failureOf(new CdrError(kind, `a long English explanation of ${kind}`))));
    assert.ok(texts.every((text) => text !== undefined && text.length <= 48), `${lang}: ${texts.join(' | ')}`);
    assert.equal(new Set(texts).size, kinds.length, `${lang}: one text per kind`);
  }
  assert.equal(failureText(catalogue('cs', 'pbx-cdr'), 'pbx-cdr', failureOf(new CdrError('unreachable', 'PostgreSQL at db:5432 is unreachable (ECONNREFUSED)'))), 'databáze nedostupná');
  assert.equal(failureText(catalogue('cs', 'pbx-cdr'), 'pbx-cdr', failureOf(new CdrError('input', 'from: "yesterday" is not a time'))), 'neplatný vstup');
});

test('pbx-notify: settings, template and request errors, and the reasons of failed and retried deliveries', () => {
  const cs = catalogue('cs', 'pbx-notify');
  const shown = (err: Error): string | undefined => failureText(cs, 'pbx-notify', failureOf(err));
  assert.equal(shown(new NotifySettingsError('url: a URL (template) is required')), 'chybné nastavení uzlu');
  assert.equal(shown(new TemplateError('body: Unclosed tag at 12')), 'chyba v šabloně');
  assert.equal(shown(new RequestBuildError('not a valid URL: "::"')), 'nelze sestavit požadavek');
  assert.deepEqual(failureOf(new DeliveryError('gave up after 3 attempts (maxAge reached): HTTP 503', 3)), { category: 'given_up', detail: 'HTTP 503' } satisfies Failure);
  assert.equal(deliveryReasonText(cs, 'gave up after 3 attempts (maxAge reached): HTTP 503'), 'vzdáno: HTTP 503');
  assert.equal(deliveryReasonText(cs, 'not sent: it waited 60 s (maxAge) in the queue'), 'vypršelo ve frontě');
  // Values read the same in every language: the retry reason is the HTTP status or the error code alone.
  assert.equal(deliveryReasonText(cs, 'HTTP 404 (not retried)'), 'HTTP 404');
  assert.equal(deliveryReasonText(cs, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9'), 'ECONNREFUSED');
  assert.equal(deliveryReasonText(cs, 'the receiver said no'), 'chyba');
  assert.equal(deliveryReasonText(NO_CATALOGUE, 'gave up after 3 attempts (maxAge reached): HTTP 503'), 'gave up after 3 attempts (maxAge reached): HTTP 503');
});
