import { DialInputError, describeValue } from './errors';

/**
 * What a flow may ask the PBX to dial or hang up. Values come from CRMs, web forms and
 * other messages, so everything is checked against a whitelist before a single byte
 * goes to the PBX: a CR/LF in a number would otherwise inject AMI actions
 * (ami-client.md defect 7), and a unicode digit would dial something else than shown.
 */

/** Separators people type in phone numbers: spaces (also no-break), dashes, dots, parentheses. */
const NUMBER_SEPARATORS = /[ \u00a0\-.()]/g;
const NUMBER_CHARS = /^[0-9+*#]*$/;
const EXTENSION = /^[0-9A-Za-z_.-]{1,32}$/;
/** A call_id is a Linkedid: `<epoch>.<n>`, `c2d-<epoch>`, `<systemname>-<epoch>.<n>`. */
const CALL_ID = /^[0-9A-Za-z_.-]{1,128}$/;
/** Control characters (C0, DEL, C1) and Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CALLER_ID_MAX = 80;
const VARIABLE_NAME = /^_{0,2}[A-Za-z][A-Za-z0-9_]*(\([A-Za-z0-9_,.-]*\))?$/;
const VARIABLE_VALUE_MAX = 512;
const VARIABLES_MAX = 32;

/** Text as given, or a whole number written in decimal; anything else is refused. */
function asText(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (value === undefined || value === null) return '';
  throw new DialInputError(`${what} must be text or a whole number, not ${describeValue(value)}`);
}

/**
 * A phone number to dial: spaces, dashes, dots and parentheses are removed, then only
 * `0-9 * #` with an optional leading `+` may remain, 1 to 32 characters.
 */
export function parseNumber(value: unknown, what = 'number'): string {
  const text = asText(value, what);
  if (text === '') throw new DialInputError(`${what} is missing`);
  const number = text.replace(NUMBER_SEPARATORS, '');
  if (!NUMBER_CHARS.test(number)) {
    throw new DialInputError(
      `${what} ${describeValue(text)} contains characters other than 0-9 + * # (spaces, dashes, dots and parentheses are allowed); refused`,
    );
  }
  if (!/[0-9*#]/.test(number)) throw new DialInputError(`${what} ${describeValue(text)} has no digits`);
  if (number.length > 32) throw new DialInputError(`${what} ${describeValue(text)} is longer than 32 characters; refused`);
  if (number.lastIndexOf('+') > 0) throw new DialInputError(`${what} ${describeValue(text)} may contain + only at its start`);
  return number;
}

/** An extension (the phone that rings first, or whose calls are hung up): `0-9 A-Z a-z _ . -`, 1 to 32. */
export function parseExtension(value: unknown, what = 'extension'): string {
  const text = asText(value, what);
  if (text === '') throw new DialInputError(`${what} is missing`);
  if (text.length > 32) throw new DialInputError(`${what} ${describeValue(text)} is longer than 32 characters; refused`);
  if (!EXTENSION.test(text)) {
    throw new DialInputError(`${what} ${describeValue(text)} may contain only 0-9, A-Z, a-z, _, . and -; refused`);
  }
  return text;
}

/** A call_id (the call's Linkedid) whose channels are hung up. */
export function parseCallId(value: unknown, what = 'call_id'): string {
  const text = asText(value, what);
  if (text === '') throw new DialInputError(`${what} is missing`);
  if (!CALL_ID.test(text)) {
    throw new DialInputError(`${what} ${describeValue(text)} is not a call_id (0-9, A-Z, a-z, _, . and -, up to 128 characters); refused`);
  }
  return text;
}

/** True when a TypedInput resolved to nothing (absent, null or empty text). */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The AMI `CallerID` the desk phone shows while it rings. Empty: the number being called,
 * so the user sees whom the PBX is about to dial. A text of digits becomes that number;
 * `Name <digits>` is kept as written; any other text is a name shown with the number.
 */
export function callerIdFor(callerId: unknown, number: string): string {
  const text = asText(callerId, 'callerId').trim();
  if (text === '') return `"${number}" <${number}>`;
  if (text.length > CALLER_ID_MAX) throw new DialInputError(`callerId ${describeValue(text)} is longer than ${CALLER_ID_MAX} characters; refused`);
  if (CONTROL.test(text)) throw new DialInputError(`callerId ${describeValue(text)} contains a line break or control character; refused`);
  if (/^\+?[0-9*#]+$/.test(text)) return `"${text}" <${text}>`;
  const withNumber = /^(.*?)\s*<(\+?[0-9*#]+)>$/.exec(text);
  if (withNumber) return `${quoteName(withNumber[1])} <${withNumber[2]}>`;
  if (/[<>]/.test(text)) throw new DialInputError(`callerId ${describeValue(text)} must be a name, a number or "Name <number>"; refused`);
  return `${quoteName(text)} <${number}>`;
}

/** A caller ID name in Asterisk's quoted form (ast_callerid_parse unescapes \" and \\). */
function quoteName(name: string): string {
  const bare = name.trim().replace(/^"(.*)"$/, '$1');
  return `"${bare.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Channel variables for the originated call, `NAME=value` one per line (blank lines are
 * skipped). A name may start with `_` or `__` (inherited) or be a function such as
 * `CDR(userfield)`. Asterisk splits a `Variable` header at commas and treats quotes and
 * backslashes specially, so values may not contain `,` `"` or `\`.
 */
export function parseVariables(value: unknown): string[] {
  if (isBlank(value)) return [];
  if (typeof value !== 'string') throw new DialInputError(`variables must be text (NAME=value per line), not ${describeValue(value)}`);
  const out: string[] = [];
  const lines = value.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `variables line ${index + 1}`;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new DialInputError(`${where} ${describeValue(line)} is not NAME=value`);
    const name = line.slice(0, eq).trim();
    const val = line.slice(eq + 1).trim();
    if (!VARIABLE_NAME.test(name) || name.length > 64) {
      throw new DialInputError(`${where}: ${describeValue(name)} is not a channel variable name (letters, digits and _, optionally FUNC(args))`);
    }
    if (CONTROL.test(val)) throw new DialInputError(`${where}: the value of ${name} contains a control character; refused`);
    if (/[,"\\]/.test(val)) throw new DialInputError(`${where}: the value of ${name} may not contain , " or \\ (Asterisk would split or unescape it)`);
    if (val.length > VARIABLE_VALUE_MAX) throw new DialInputError(`${where}: the value of ${name} is longer than ${VARIABLE_VALUE_MAX} characters`);
    out.push(`${name}=${val}`);
  });
  if (out.length > VARIABLES_MAX) throw new DialInputError(`variables: at most ${VARIABLES_MAX} are allowed, not ${out.length}`);
  return out;
}
