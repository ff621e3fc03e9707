import { DialInputError, describeValue } from './errors';

/** The `pbx-config` settings that rewrite a number before the PBX dials it. */
export interface NumberRules {
  /** Replaces a leading `+` (default `00`): `+420…` → `00420…`. */
  internationalPrefix: string;
  /** Removed from the start of the number, after the `+` was replaced (default: nothing). */
  stripPrefix: string;
}

const PREFIX = /^[0-9*#]{0,16}$/;

/** Refuses prefixes that could not be part of a dialled number (they come from the config node). */
export function checkNumberRules(rules: NumberRules): void {
  if (!PREFIX.test(rules.internationalPrefix)) {
    throw new DialInputError(`internationalPrefix ${describeValue(rules.internationalPrefix)} must be up to 16 of 0-9 * #`);
  }
  if (!/^\+?[0-9*#]{0,16}$/.test(rules.stripPrefix)) {
    throw new DialInputError(`stripPrefix ${describeValue(rules.stripPrefix)} must be up to 16 of 0-9 * # (optionally after a +)`);
  }
}

/**
 * The number as the PBX should dial it. The `+` is replaced first, so `stripPrefix`
 * `00420` turns both `+420 777…` and `00420 777…` into the national `777…`.
 */
export function normalizeNumber(number: string, rules: NumberRules): string {
  checkNumberRules(rules);
  let out = number.startsWith('+') ? rules.internationalPrefix + number.slice(1) : number;
  if (rules.stripPrefix !== '' && out.startsWith(rules.stripPrefix)) out = out.slice(rules.stripPrefix.length);
  if (out === '') throw new DialInputError(`number ${describeValue(number)} is empty once the prefix ${describeValue(rules.stripPrefix)} is removed`);
  if (out.length > 32) throw new DialInputError(`number ${describeValue(number)} is longer than 32 characters once normalised`);
  return out;
}
