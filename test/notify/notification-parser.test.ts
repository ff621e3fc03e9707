import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllowlist, AllowlistError } from '../../nodes/lib/notifications/ip-allowlist';
import { NotificationError, parseNotification } from '../../nodes/lib/notifications/parse-notification';
import { tokenMatches } from '../../nodes/lib/notifications/shared-token';
import { DIAL_PAYLOAD, DIAL_QUERY, ENDCALL_PAYLOAD, ENDCALL_QUERY } from '../helpers/vendor-examples';

const empty = Buffer.alloc(0);
const parse = (query: string, body = '', contentType?: string, pathEvent?: string) =>
  parseNotification({ query, body: Buffer.from(body, 'utf8'), contentType, pathEvent });

function assertRefused(fn: () => unknown, status: number, pattern: RegExp) {
  assert.throws(fn, (err: unknown) => err instanceof NotificationError && err.status === status && pattern.test(err.message));
}

test("the vendor's GET examples read back into the contract's payloads, keys in the order sent", () => {
  const dial = parseNotification({ query: DIAL_QUERY, body: empty });
  assert.equal(dial.event, 'dial');
  assert.deepEqual(Object.entries(dial.payload), Object.entries(DIAL_PAYLOAD));
  assert.deepEqual(Object.entries(parse(ENDCALL_QUERY).payload), Object.entries(ENDCALL_PAYLOAD));
});

test('a POST form body reads like the query; query fields come first, the token is not part of the payload', () => {
  const n = parse('token=abc&source=pbx1', ENDCALL_QUERY, 'application/x-www-form-urlencoded; charset=utf-8');
  assert.deepEqual(Object.keys(n.payload), ['event', 'source', ...Object.keys(ENDCALL_PAYLOAD).slice(1)]);
});

test('event comes first even when the PBX sends it last; fields otherwise keep their order', () => {
  const n = parse('ts=1&call_id=2&event=dial');
  assert.deepEqual(Object.keys(n.payload), ['event', 'ts', 'call_id']);
});

test('a JSON body: strings as sent, numbers as text, booleans t/f, null as empty, nested values as JSON', () => {
  const n = parse('', JSON.stringify({ event: 'answered', call_id: '1.2', exten: 10, ok: true, no: false, name: null, extra: { a: 1 } }), 'application/json');
  assert.deepEqual(n.payload, { event: 'answered', call_id: '1.2', exten: '10', ok: 't', no: 'f', name: '', extra: '{"a":1}' });
});

test('one path per event (2019+): the last path segment names the event, and wins over an event field', () => {
  const n = parse('line_num=10&line_name=Reception', '', undefined, 'answered_internal');
  assert.deepEqual(n.payload, { event: 'answered_internal', line_num: '10', line_name: 'Reception' });
  assert.equal(parse('event=other', '', undefined, 'start_call').event, 'start_call');
});

test('unknown events and extra fields pass through untouched (names not translated)', () => {
  const n = parse('event=queue_in&call_id=1.1&queue_name=Support&custom_call_id=CRM-7&cel_id=991');
  assert.deepEqual(n.payload, { event: 'queue_in', call_id: '1.1', queue_name: 'Support', custom_call_id: 'CRM-7', cel_id: '991' });
});

test('decoding: + is a space, %2B a plus, UTF-8 percent escapes, a key without = is an empty value', () => {
  const n = parse('event=dial&caller_name=Jana+Nov%C3%A1kov%C3%A1&ts=13%3A09%2B01%3A00&transfering_exten');
  assert.deepEqual(n.payload, { event: 'dial', caller_name: 'Jana Nováková', ts: '13:09+01:00', transfering_exten: '' });
});

test('a field called __proto__ is kept as data and does not change the payload object', () => {
  const n = parse('event=dial&__proto__=x&constructor=y');
  assert.equal(Object.getPrototypeOf(n.payload), Object.prototype);
  assert.deepEqual(Object.keys(n.payload), ['event', '__proto__', 'constructor']);
});

test('garbage is refused with 400: no event, a bad event name, broken escapes, bytes that are not UTF-8, bad JSON', () => {
  assertRefused(() => parse('call_id=1'), 400, /no event name/);
  assertRefused(() => parse('event='), 400, /no event name/);
  assertRefused(() => parse('event=%3Cscript%3E'), 400, /not an event name/);
  assertRefused(() => parse('event=dial&x=%ZZ'), 400, /bad percent escape/);
  assertRefused(() => parse('event=dial&x=%C3%28'), 400, /not UTF-8/);
  assertRefused(() => parseNotification({ query: '', body: Buffer.from([0x65, 0xff, 0xfe]), contentType: 'application/x-www-form-urlencoded' }), 400, /not UTF-8/);
  assertRefused(() => parse('', '{"event": "dial",', 'application/json'), 400, /not valid JSON/);
  assertRefused(() => parse('', '["dial"]', 'application/json'), 400, /must be an object/);
  assertRefused(() => parse('', '=dial', 'application/x-www-form-urlencoded'), 400, /without a name/);
});

test('a body type other than form or JSON is refused with 415', () => {
  assertRefused(() => parse('', '<event>dial</event>', 'application/xml'), 415, /unsupported content type/);
});

test('allowlist: addresses, IPv4 and IPv6 ranges; IPv4-mapped clients match IPv4 entries', () => {
  const list = parseAllowlist(' 192.168.1.10, 10.0.0.0/8 , fd00::/8, ::1');
  assert.equal(list.allows('192.168.1.10'), true);
  assert.equal(list.allows('192.168.1.11'), false);
  assert.equal(list.allows('10.200.3.4'), true);
  assert.equal(list.allows('::ffff:10.200.3.4'), true);
  assert.equal(list.allows('::ffff:11.0.0.1'), false);
  assert.equal(list.allows('fd12:3456::1'), true);
  assert.equal(list.allows('fe80::1%eth0'), false);
  assert.equal(list.allows('::1'), true);
  assert.equal(list.allows(undefined), false);
  assert.equal(list.allows('not an address'), false);
});

test('allowlist: a mapped-IPv4 range entry is read as the IPv4 range; empty allows anyone', () => {
  assert.equal(parseAllowlist('::ffff:127.0.0.0/104').allows('127.0.0.1'), true);
  assert.equal(parseAllowlist('').allows('203.0.113.9'), true);
  assert.equal(parseAllowlist('').empty, true);
});

test('allowlist: an entry that is not an address or range is an error (at deploy)', () => {
  assert.throws(() => parseAllowlist('10.0.0.0/33'), AllowlistError);
  assert.throws(() => parseAllowlist('pbx.example.com'), AllowlistError);
  assert.throws(() => parseAllowlist('10.0.0.1/8/2'), AllowlistError);
  assert.throws(() => parseAllowlist('fd00::/129'), AllowlistError);
});

test('token comparison: equal only for the same text; an empty configured token matches nothing', () => {
  assert.equal(tokenMatches('s3cret', 's3cret'), true);
  assert.equal(tokenMatches('s3cre', 's3cret'), false);
  assert.equal(tokenMatches('s3cret-and-more', 's3cret'), false);
  assert.equal(tokenMatches(undefined, 's3cret'), false);
  assert.equal(tokenMatches('', ''), false);
});
