import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callerIdFor, parseCallId, parseExtension, parseNumber, parseVariables } from '../../nodes/lib/dial/input-rules';
import { DialInputError } from '../../nodes/lib/dial/errors';
import { normalizeNumber } from '../../nodes/lib/dial/normalize-number';
import { prepareDial } from '../../nodes/lib/dial/dial-request';
import { HOSTILE_INPUTS } from './hostile-inputs';

const rules = { internationalPrefix: '00', stripPrefix: '' };

test('a number keeps its digits, * # and a leading +, without spaces, dashes, dots and parentheses', () => {
  assert.equal(parseNumber('+420 (777) 123-456.7'), '+4207771234567');
  assert.equal(parseNumber('*72#'), '*72#');
  assert.equal(parseNumber('0612\u00a0345\u00a0678'), '0612345678', 'a no-break space is a space');
  assert.equal(parseNumber(612345678), '612345678', 'a whole number from JSON is accepted');
});

test('a number outside the rules is refused with a reason', () => {
  assert.throws(() => parseNumber(''), /number is missing/);
  assert.throws(() => parseNumber(undefined), /number is missing/);
  assert.throws(() => parseNumber('12a4'), /characters other than 0-9 \+ \* #/);
  assert.throws(() => parseNumber('--'), /no digits/);
  assert.throws(() => parseNumber('1'.repeat(33)), /longer than 32/);
  assert.doesNotThrow(() => parseNumber('1'.repeat(32)));
  assert.throws(() => parseNumber('12+34'), /\+ only at its start/);
  assert.throws(() => parseNumber(1.5), /text or a whole number/);
  assert.throws(() => parseNumber(-5), /text or a whole number/);
  assert.throws(() => parseNumber(true), /text or a whole number/);
});

test('an extension is 1 to 32 of 0-9 A-Z a-z _ . -', () => {
  assert.equal(parseExtension('101'), '101');
  assert.equal(parseExtension('sales_desk-2.a'), 'sales_desk-2.a');
  assert.equal(parseExtension(101), '101');
  assert.throws(() => parseExtension(''), /missing/);
  assert.throws(() => parseExtension('1 01'), /only 0-9, A-Z/);
  assert.throws(() => parseExtension('x'.repeat(33)), /longer than 32/);
});

test('a call_id is a Linkedid', () => {
  assert.equal(parseCallId('1795491359.123456789012'), '1795491359.123456789012');
  assert.equal(parseCallId('c2d-1795491359'), 'c2d-1795491359');
  assert.throws(() => parseCallId('1795491359.1;2'), /not a call_id/);
});

test('every hostile input is refused as invalid input, and the message shows it escaped and short', () => {
  for (const input of HOSTILE_INPUTS) {
    assert.throws(
      () => prepareDial({ number: input.number, exten: input.exten }, rules),
      (err: unknown) => {
        assert.ok(err instanceof DialInputError, `${input.label}: ${String(err)}`);
        assert.doesNotMatch(err.message, /[\r\n\0]/, `${input.label}: the message carries no raw line break`);
        assert.ok(err.message.length < 300, `${input.label}: the message is short`);
        return true;
      },
      input.label,
    );
  }
  assert.equal(HOSTILE_INPUTS.length, 20);
});

test('a leading + becomes the international prefix, then stripPrefix is removed', () => {
  assert.equal(normalizeNumber('+420777123456', rules), '00420777123456');
  assert.equal(normalizeNumber('+420777123456', { internationalPrefix: '00', stripPrefix: '00420' }), '777123456');
  assert.equal(normalizeNumber('00420777123456', { internationalPrefix: '00', stripPrefix: '00420' }), '777123456');
  assert.equal(normalizeNumber('0612345678', { internationalPrefix: '011', stripPrefix: '9' }), '0612345678');
  assert.equal(normalizeNumber('+1555', { internationalPrefix: '011', stripPrefix: '' }), '0111555');
  assert.equal(normalizeNumber('+420777123456', { internationalPrefix: '00', stripPrefix: '+420' }), '777123456', 'a + in stripPrefix is the international prefix');
  assert.throws(() => normalizeNumber('00420', { internationalPrefix: '00', stripPrefix: '00420' }), DialInputError);
  assert.throws(() => normalizeNumber('00420', { internationalPrefix: '00', stripPrefix: '00420' }), /empty once the prefix/);
});

test('bad prefixes reaching a dial are the PBX settings\' fault, not bad input: an Error, never a DialInputError', () => {
  // readSettings refuses them at deploy (test/unit/settings.test.ts); this is the defence behind it.
  for (const rules of [{ internationalPrefix: '0\r\n', stripPrefix: '' }, { internationalPrefix: '', stripPrefix: '' }, { internationalPrefix: '00', stripPrefix: '12+3' }]) {
    assert.throws(
      () => normalizeNumber('+1555', rules),
      (err: Error) => !(err instanceof DialInputError) && /^invalid PBX settings: (internationalPrefix|stripPrefix) ".*" must be/.test(err.message),
      JSON.stringify(rules),
    );
  }
});

test('the desk phone shows the number being called unless a caller ID is given', () => {
  assert.equal(callerIdFor('', '0612345678'), '"0612345678" <0612345678>');
  assert.equal(callerIdFor(undefined, '0612345678'), '"0612345678" <0612345678>');
  assert.equal(callerIdFor('800123456', '0612345678'), '"800123456" <800123456>');
  assert.equal(callerIdFor('CRM: Novák s.r.o.', '0612345678'), '"CRM: Novák s.r.o." <0612345678>');
  assert.equal(callerIdFor('Acme <800123456>', '0612345678'), '"Acme" <800123456>');
  assert.equal(callerIdFor('Say "hi"', '1'), '"Say \\"hi\\"" <1>');
  assert.throws(() => callerIdFor('Acme\r\nAction: Command', '1'), /control character/);
  assert.throws(() => callerIdFor('a <b> c', '1'), /name, a number/);
  assert.throws(() => callerIdFor('x'.repeat(81), '1'), /longer than 80/);
});

test('channel variables are NAME=value lines, checked one by one', () => {
  assert.deepEqual(parseVariables('CLICK2DIAL=1\n\n __CRM_ID = 42 \r\nCDR(userfield)=lead-7'), ['CLICK2DIAL=1', '__CRM_ID=42', 'CDR(userfield)=lead-7']);
  assert.deepEqual(parseVariables(''), []);
  assert.deepEqual(parseVariables(undefined), []);
  assert.throws(() => parseVariables('JUSTANAME'), /line 1 .* is not NAME=value/);
  assert.throws(() => parseVariables('A=1\n1BAD=2'), /line 2: "1BAD" is not a channel variable name/);
  assert.throws(() => parseVariables('A=1,B=2'), /may not contain ,/);
  assert.throws(() => parseVariables('A=x\u0000y'), /control character/);
  assert.throws(() => parseVariables(['A=1']), /must be text/);
  assert.throws(() => parseVariables(Array.from({ length: 33 }, (_, i) => `V${i}=1`).join('\n')), /at most 32/);
});

test('prepareDial gives the checked request the AMI client sends', () => {
  assert.deepEqual(prepareDial({ number: '+420 777 123 456', exten: '101', callerId: '', variables: 'A=1' }, rules), {
    exten: '101', number: '00420777123456', callerId: '"00420777123456" <00420777123456>', variables: ['A=1'],
  });
});
