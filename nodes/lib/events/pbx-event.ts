/**
 * The six call events of the vendor's contract (spec/pbx-api.md §2), with their
 * attributes in the contract's order. Every value is text: `""` when missing,
 * booleans `t` / `f`, times ISO 8601 with the PBX's UTC offset.
 */
export const EVENT_FIELDS = {
  dial: ['ts', 'call_id', 'caller_type', 'caller_num', 'called_num', 'transfering_exten', 'record_name'],
  answer_internal: ['ts', 'call_id', 'exten_num', 'exten_name', 'caller_num', 'caller_type', 'record_name'],
  answer_external: ['ts', 'call_id', 'called_num', 'caller_num', 'caller_name', 'caller_type', 'record_name'],
  call_pickup: ['ts', 'call_id', 'called_num', 'caller_num', 'caller_name', 'caller_type', 'record_name'],
  hangup_internal: ['ts', 'call_id', 'exten_num', 'exten_name', 'record_name'],
  endcall: [
    'ts', 'call_id', 'caller_type', 'caller_num', 'called_num', 'call_answered',
    'answering_exten', 'last_dial_answered', 'last_dialed_exten', 'record_name',
  ],
} as const;

export type PbxEventName = keyof typeof EVENT_FIELDS;
export const PBX_EVENT_NAMES = Object.keys(EVENT_FIELDS) as PbxEventName[];

export type CallerType = 'internal' | 'external' | 'originate';
export type Flag = 't' | 'f';

type Fields<N extends PbxEventName> = { [K in (typeof EVENT_FIELDS)[N][number]]: string };

/** One contract event: `event` first, then its fields in the contract's order. */
export type PbxEventOf<N extends PbxEventName> = { event: N } & Fields<N>;
export type DialEvent = PbxEventOf<'dial'>;
export type AnswerInternalEvent = PbxEventOf<'answer_internal'>;
export type AnswerExternalEvent = PbxEventOf<'answer_external'>;
export type CallPickupEvent = PbxEventOf<'call_pickup'>;
export type HangupInternalEvent = PbxEventOf<'hangup_internal'>;
export type EndcallEvent = PbxEventOf<'endcall'>;
export type PbxEvent =
  | DialEvent
  | AnswerInternalEvent
  | AnswerExternalEvent
  | CallPickupEvent
  | HangupInternalEvent
  | EndcallEvent;

export function isPbxEventName(name: string): name is PbxEventName {
  return Object.prototype.hasOwnProperty.call(EVENT_FIELDS, name);
}

/**
 * Builds an event with exactly the contract's keys in the contract's order, whatever
 * order the values were given in; a missing or `<unknown>` value becomes `""`.
 */
export function makePbxEvent<N extends PbxEventName>(event: N, values: Partial<Record<string, string>>): PbxEventOf<N> {
  const out: Record<string, string> = { event };
  for (const key of EVENT_FIELDS[event]) {
    const value = values[key];
    out[key] = value === undefined || value === '<unknown>' ? '' : String(value);
  }
  return out as PbxEventOf<N>;
}

export function flag(value: boolean): Flag {
  return value ? 't' : 'f';
}
