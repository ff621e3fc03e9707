import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readNotifySettings } from '../../nodes/lib/notify/notify-settings';
import { createRequestBuilder } from '../../nodes/lib/notify/request-builder';
import { appendQuery, vendorQuery } from '../../nodes/lib/notify/vendor-format';
import { DIAL_PAYLOAD, DIAL_QUERY, ENDCALL_PAYLOAD, ENDCALL_QUERY } from '../helpers/vendor-examples';
import { DeliveryRig } from './delivery-rig';

let rig: DeliveryRig;
before(async () => {
  rig = await DeliveryRig.start();
});
after(() => rig.close());

test("the vendor's dial example: payload fields in order become the exact query string", () => {
  assert.equal(vendorQuery(DIAL_PAYLOAD), DIAL_QUERY);
});

test("the vendor's endcall example: booleans, empty values and all, byte for byte", () => {
  assert.equal(vendorQuery(ENDCALL_PAYLOAD), ENDCALL_QUERY);
});

test('GET in vendor format: the receiver gets the dial example on its URL byte for byte', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/') }, { payload: DIAL_PAYLOAD });
  assert.equal(got.method, 'GET');
  assert.equal(got.url, `/?${DIAL_QUERY}`);
  assert.equal(got.body, '');
});

test('GET in vendor format: the endcall example byte for byte', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/'), method: 'GET', format: 'vendor' }, { payload: ENDCALL_PAYLOAD });
  assert.equal(got.url, `/?${ENDCALL_QUERY}`);
});

test('GET appends with & to a URL that has a query already', async () => {
  const got = await rig.deliver({ url: `${rig.receiver.url('/pbx')}?source=asterisk` }, { payload: DIAL_PAYLOAD });
  assert.equal(got.url, `/pbx?source=asterisk&${DIAL_QUERY}`);
});

test('POST in vendor format: the same text as a form body, nothing on the URL', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/notify'), method: 'POST' }, { payload: ENDCALL_PAYLOAD });
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/notify');
  assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(got.body, ENDCALL_QUERY);
});

test('PUT in vendor format sends a form body too', async () => {
  const got = await rig.deliver({ url: rig.receiver.url('/notify'), method: 'PUT' }, { payload: DIAL_PAYLOAD });
  assert.equal(got.method, 'PUT');
  assert.equal(got.body, DIAL_QUERY);
});

test('json format: POST sends the payload as JSON, keys in order; GET falls back to the vendor query', async () => {
  const posted = await rig.deliver({ url: rig.receiver.url('/j'), method: 'POST', format: 'json' }, { payload: DIAL_PAYLOAD });
  assert.equal(posted.headers['content-type'], 'application/json');
  assert.equal(posted.body, JSON.stringify(DIAL_PAYLOAD));
  const got = await rig.deliver({ url: rig.receiver.url('/j'), method: 'GET', format: 'json' }, { payload: DIAL_PAYLOAD });
  assert.equal(got.url, `/j?${DIAL_QUERY}`);
});

test('vendor values: JavaScript booleans become t/f, null and undefined an empty value with the key kept', () => {
  assert.equal(vendorQuery({ call_answered: true, last_dial_answered: false, caller_name: null, x: undefined, n: 5 }),
    'call_answered=t&last_dial_answered=f&caller_name=&x=&n=5');
});

test('vendor values: a space is %20, never +', () => {
  assert.equal(vendorQuery({ exten_name: 'Jana Nováková' }), 'exten_name=Jana%20Nov%C3%A1kov%C3%A1');
});

test('appendQuery puts the query before a fragment and does not double separators', () => {
  assert.equal(appendQuery('http://h/p#top', 'a=1'), 'http://h/p?a=1#top');
  assert.equal(appendQuery('http://h/p?', 'a=1'), 'http://h/p?a=1');
  assert.equal(appendQuery('http://h/p?x=1&', 'a=1'), 'http://h/p?x=1&a=1');
  assert.equal(appendQuery('http://h/p', ''), 'http://h/p');
});

test('vendor format refuses a payload that is not an object of fields', () => {
  const builder = createRequestBuilder(readNotifySettings({ url: 'http://127.0.0.1/' }));
  assert.throws(() => builder.build({ payload: 'dial' }), /needs msg.payload to be an object/);
  assert.throws(() => builder.build({ payload: [1, 2] }), /needs msg.payload to be an object/);
});
