import { callerIdFor, parseExtension, parseNumber, parseVariables } from './input-rules';
import { normalizeNumber, type NumberRules } from './normalize-number';
import { named, type DialInput } from './pbx-client';

/** A dial request that passed every input rule, with the number as the PBX will dial it. */
export interface DialRequest {
  exten: string;
  number: string;
  /** The AMI `CallerID` value for the desk phone. */
  callerId: string;
  /** `NAME=value` items for AMI `Variable` headers. */
  variables: string[];
}

/** Checks and normalises raw dial input; throws a DialInputError saying what is wrong. */
export function prepareDial(input: DialInput, rules: NumberRules): DialRequest {
  const exten = parseExtension(input.exten, named('exten', input.sources?.exten));
  const number = normalizeNumber(parseNumber(input.number, named('number', input.sources?.number)), rules);
  return { exten, number, callerId: callerIdFor(input.callerId, number), variables: parseVariables(input.variables) };
}
