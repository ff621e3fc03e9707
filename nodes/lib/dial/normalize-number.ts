import { DialInputError, describeValue } from './errors';

/** The `pbx-config` settings that rewrite a number before the PBX dials it. */
export interface NumberRules {
  /** Replaces a leading `+` (default `00`): `+420…` → `00420…`. */
  internationalPrefix: string;
  /**
   * Removed from the start of the number, after the `+` was replaced (default: nothing). A `+`
   * leading the setting stands for the international prefix (`+420` is `00420`).
   */
  stripPrefix: string;
}

/**
 * The one rule for each setting. `readSettings` refuses any other value at deploy, and the
 * pbx-config editor marks the field red with the same expressions (copied there as text:
 * test/editor/pbx-config-options.test.ts keeps the two equal). A blank value means the default.
 * Spaces and control characters are never accepted: the prefixes become part of an AMI header.
 */
export const NUMBER_RULE_PATTERNS = {
  /** 1 to 16 of 0-9 * #: `00`, `011` (North America), `0011` (Australia), `900` (outside line 9, then 00). */
  internationalPrefix: /^[0-9*#]{1,16}$/,
  /** Up to 16 of 0-9 * #, optionally after one leading `+`: `00420`, `+420`, `0`. */
  stripPrefix: /^\+?[0-9*#]{0,16}$/,
} as const;

export const DEFAULT_NUMBER_RULES: Readonly<NumberRules> = { internationalPrefix: '00', stripPrefix: '' };

const EXPECTED: Record<keyof NumberRules, string> = {
  internationalPrefix: 'must be 1 to 16 of 0-9 * # (e.g. 00 or 011)',
  stripPrefix: 'must be up to 16 of 0-9 * #, optionally after one leading + (e.g. 00420 or +420)',
};

/** Why a setting's value is not accepted, naming the setting; '' when it is. */
function numberRuleProblem(key: keyof NumberRules, value: string): string {
  return NUMBER_RULE_PATTERNS[key].test(value) ? '' : `${key} ${describeValue(value)} ${EXPECTED[key]}`;
}

/** A `+` leading stripPrefix is written as the caller gives numbers and compared as they are dialled. */
function withPlusReplaced(internationalPrefix: string, stripPrefix: string): NumberRules {
  return { internationalPrefix, stripPrefix: stripPrefix.startsWith('+') ? internationalPrefix + stripPrefix.slice(1) : stripPrefix };
}

/**
 * The number rules of a pbx-config's properties, for `readSettings`: a blank value (absent,
 * empty, only spaces) is the default; any other value must match NUMBER_RULE_PATTERNS as it is,
 * else an Error names the setting (a configuration fault, reported at deploy).
 */
export function readNumberRules(internationalPrefix: unknown, stripPrefix: unknown): NumberRules {
  const read = (key: keyof NumberRules, raw: unknown): string => {
    const value = raw === undefined || raw === null ? '' : String(raw);
    if (value.trim() === '') return DEFAULT_NUMBER_RULES[key];
    const problem = numberRuleProblem(key, value);
    if (problem) throw new Error(problem);
    return value;
  };
  return withPlusReplaced(read('internationalPrefix', internationalPrefix), read('stripPrefix', stripPrefix));
}

/**
 * The number as the PBX should dial it. The `+` is replaced first, so `stripPrefix`
 * `00420` turns both `+420 777…` and `00420 777…` into the national `777…`.
 */
export function normalizeNumber(number: string, rules: NumberRules): string {
  // readSettings has refused bad rules at deploy; rules that reach here otherwise are the
  // PBX settings' fault, not the caller's input: an Error, never a DialInputError.
  const problem = numberRuleProblem('internationalPrefix', rules.internationalPrefix) || numberRuleProblem('stripPrefix', rules.stripPrefix);
  if (problem) throw new Error(`invalid PBX settings: ${problem}`);
  const { internationalPrefix, stripPrefix } = withPlusReplaced(rules.internationalPrefix, rules.stripPrefix);
  let out = number.startsWith('+') ? internationalPrefix + number.slice(1) : number;
  if (stripPrefix !== '' && out.startsWith(stripPrefix)) out = out.slice(stripPrefix.length);
  if (out === '') throw new DialInputError(`number ${describeValue(number)} is empty once the prefix ${describeValue(stripPrefix)} is removed`);
  if (out.length > 32) throw new DialInputError(`number ${describeValue(number)} is longer than 32 characters once normalised`);
  return out;
}
