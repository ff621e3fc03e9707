import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpSender } from '../../nodes/lib/notify/http-sender';
import { readNotifySettings } from '../../nodes/lib/notify/notify-settings';
import { createRequestBuilder, RequestBuildError } from '../../nodes/lib/notify/request-builder';
import { compileTemplate, TemplateError } from '../../nodes/lib/notify/template';
import { formPairs, queryPairs } from '../helpers/receiver';
import { HOSTILE } from '../helpers/vendor-examples';
import { DeliveryRig } from './delivery-rig';

let rig: DeliveryRig;
before(async () => {
  rig = await DeliveryRig.start();
});
after(() => rig.close());

const msg = { payload: { call_id: '1453378165.749958', caller_name: HOSTILE, n: 42, flag: true } };

/**
 * HOSTILE as it must appear on the wire, written out by hand rather than computed with
 * encodeURIComponent (the encoder under test): a space is `%20` and a plus `%2B`, never a `+`
 * (which every form decoder reads back as a space). In a path and in a body `'` stays as
 * encodeURIComponent leaves it.
 */
const HOSTILE_ENCODED =
  "a%26b%3Dc%23d%25e%2Bf%20%22q%22%20's'%20%5C%20%2F%3F%0D%0Aline2%20%C5%BE%E2%82%AC%F0%9F%98%80%20%3Cx%3E";
/** The same in a query: the HTTP client's URL parser (WHATWG, special schemes) writes `'` as `%27` there. */
const HOSTILE_IN_QUERY =
  'a%26b%3Dc%23d%25e%2Bf%20%22q%22%20%27s%27%20%5C%20%2F%3F%0D%0Aline2%20%C5%BE%E2%82%AC%F0%9F%98%80%20%3Cx%3E';

test('URL template: a hostile value stays one query value (& = # % + quotes newlines unicode)', async () => {
  const got = await rig.deliver({ url: `${rig.receiver.url('/cti')}?name={{payload.caller_name}}&id={{payload.call_id}}`, format: 'template' }, msg);
  assert.deepEqual(queryPairs(got.url), [['name', HOSTILE], ['id', '1453378165.749958']]);
  assert.ok(!got.url.includes('&amp;'), 'never HTML escaping');
});

test('URL template, the bytes sent: a space is %20 and a plus %2B in the query, never +', async () => {
  const got = await rig.deliver({ url: `${rig.receiver.url('/cti')}?name={{payload.caller_name}}&id={{payload.call_id}}`, format: 'template' }, msg);
  assert.equal(got.url, `/cti?name=${HOSTILE_IN_QUERY}&id=1453378165.749958`);
  assert.ok(!got.url.includes('+'), got.url);
});

test('URL template: a value in the path is percent-encoded, slashes included', async () => {
  const got = await rig.deliver({ url: `${rig.receiver.url('/calls')}/{{payload.caller_name}}`, format: 'template' }, msg);
  assert.equal(decodeURIComponent(got.url.slice('/calls/'.length)), HOSTILE);
  assert.equal(got.url, `/calls/${HOSTILE_ENCODED}`);
});

test('vendor format: hostile values arrive intact in the query (GET) and in the form body (POST)', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/') }, msg);
  assert.deepEqual(queryPairs(got.url), [['call_id', '1453378165.749958'], ['caller_name', HOSTILE], ['n', '42'], ['flag', 't']]);
  const posted = await rig.deliver({ url: rig.receiver.url('/'), method: 'POST' }, msg);
  assert.deepEqual(formPairs(posted.body), [['call_id', '1453378165.749958'], ['caller_name', HOSTILE], ['n', '42'], ['flag', 't']]);
});

test('vendor format, the bytes sent: a space is %20 and a plus %2B in the query (GET) and in the form body (POST)', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/') }, msg);
  assert.equal(got.url, `/?call_id=1453378165.749958&caller_name=${HOSTILE_IN_QUERY}&n=42&flag=t`);
  assert.ok(!got.url.includes('+'), got.url);
  const posted = await rig.deliver({ url: rig.receiver.url('/'), method: 'POST' }, msg);
  assert.equal(posted.body, `call_id=1453378165.749958&caller_name=${HOSTILE_ENCODED}&n=42&flag=t`);
  assert.ok(!posted.body.includes('+'), posted.body);
});

test('form template body: each value is percent-encoded, so it cannot add fields', async () => {
  const got = await rig.deliver({
    url: rig.receiver.url('/'), method: 'POST', format: 'template',
    contentType: 'application/x-www-form-urlencoded', body: 'from={{payload.caller_name}}&callId={{payload.call_id}}',
  }, msg);
  assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(formPairs(got.body), [['from', HOSTILE], ['callId', '1453378165.749958']]);
  assert.equal(got.body, `from=${HOSTILE_ENCODED}&callId=1453378165.749958`);
  assert.ok(!got.body.includes('+'), got.body);
});

test('JSON template body: values are JSON-escaped, the body parses and holds the exact text', async () => {
  const got = await rig.deliver({
    url: rig.receiver.url('/'), method: 'POST', format: 'template', contentType: 'application/json',
    body: '{"from": "{{payload.caller_name}}", "n": {{payload.n}}, "flag": {{payload.flag}}}',
  }, msg);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(got.body), { from: HOSTILE, n: 42, flag: true });
});

test('XML template body: values are XML-escaped', async () => {
  const got = await rig.deliver({
    url: rig.receiver.url('/'), method: 'POST', format: 'template', contentType: 'text/xml',
    body: '<call name="{{payload.caller_name}}">{{payload.caller_name}}</call>',
  }, { payload: { caller_name: `<a href="x">&'` } });
  assert.equal(got.body, '<call name="&lt;a href=&quot;x&quot;&gt;&amp;&apos;">&lt;a href=&quot;x&quot;&gt;&amp;&apos;</call>');
});

test('plain-text template body: values as they are, never HTML escaping', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/'), method: 'POST', format: 'template', body: 'Call from {{payload.caller_name}}' }, msg);
  assert.equal(got.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(got.body, `Call from ${HOSTILE}`);
});

test('triple mustaches insert a value unescaped, e.g. a whole base URL', async () => {
  const got = await rig.deliver({ url: '{{{base}}}/x?id={{payload.call_id}}', format: 'template' }, { ...msg, base: rig.receiver.url('') });
  assert.equal(got.url, '/x?id=1453378165.749958');
});

test('header values are templates; the receiver gets them, and basic or bearer auth from credentials', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/'), headers: [{ name: 'X-Call', value: 'id {{payload.call_id}}' }] }, msg);
  assert.equal(got.headers['x-call'], 'id 1453378165.749958');
  const bearer = new HttpSender({ timeout: 2000, tlsVerify: true, maxSockets: 1, token: 's3cr3t' });
  const basic = new HttpSender({ timeout: 2000, tlsVerify: true, maxSockets: 1, user: 'crm', password: 'pä:ss' });
  const request = createRequestBuilder(readNotifySettings({ url: rig.receiver.url('/') })).build(msg);
  await bearer.send(request);
  await basic.send(request);
  bearer.close();
  basic.close();
  const [viaBearer, viaBasic] = rig.receiver.requests.slice(-2);
  assert.equal(viaBearer.headers.authorization, 'Bearer s3cr3t');
  assert.equal(Buffer.from(viaBasic.headers.authorization!.replace('Basic ', ''), 'base64').toString('utf8'), 'crm:pä:ss');
});

test('a header value with a line break is refused, not sent (no header injection)', () => {
  const builder = createRequestBuilder(readNotifySettings({ url: 'http://127.0.0.1/', headers: [{ name: 'X-Name', value: '{{payload.caller_name}}' }] }));
  assert.throws(() => builder.build(msg), RequestBuildError);
});

test('objects render as JSON, not [object Object]; missing values as empty text', () => {
  const t = compileTemplate('{{payload.call}}|{{payload.none}}', 'text');
  assert.equal(t.render({ payload: { call: { a: 1 } } }), '{"a":1}|');
});

test('a template that does not parse is an error when it is compiled (at deploy)', () => {
  assert.throws(() => createRequestBuilder(readNotifySettings({ url: 'http://h/?id={{payload.call_id' })), TemplateError);
  assert.throws(() => createRequestBuilder(readNotifySettings({ url: 'http://h/', format: 'template', body: '{{#payload}}x' })), /body: Unclosed section/);
  assert.throws(() => compileTemplate('{{> other}}', 'text'), /partials/);
});

test('a rendered URL that is not http(s) is refused', () => {
  const builder = createRequestBuilder(readNotifySettings({ url: '{{{payload.target}}}' }));
  assert.throws(() => builder.build({ payload: { target: 'file:///etc/passwd' } }), /only http and https/);
  assert.throws(() => builder.build({ payload: { target: 'not a url' } }), /not a valid URL/);
});
