import { parseAmiMessage, type AmiMessage, type AmiValue } from '../../nodes/lib/ami/message';
import { type Scenario } from './recordings';
import { hex, ID_PATTERN } from './stream';

/**
 * Calls made fast enough to push a million of them through the correlator: each recorded
 * scenario is parsed once into message templates whose id-bearing values (Uniqueids, channel
 * suffixes, bridge ids, click-to-dial ids, ActionIDs) are slots; a call is the templates with
 * fresh values in the slots. Values without ids are shared strings, as a parser would not share
 * them, so memory per call is if anything flattered by nothing but the harness's own garbage.
 */

type SlotKind = 'uniqueid' | 'suffix' | 'uuid' | 'c2d' | 'action';
interface Slot {
  kind: SlotKind;
  /** The recorded epoch (Uniqueids, c2d ids) or ActionID, kept in the fresh value. */
  data: string;
}
type Part = string | number;
interface FieldTemplate {
  key: string;
  /** A value without ids (shared by every call)… */
  literal?: AmiValue;
  /** …or its parts: text, and slot numbers. */
  parts?: Part[][];
}

export interface CallTemplate {
  name: string;
  messages: FieldTemplate[][];
  slots: Slot[];
}

/** What the correlator switches on (correlator.ts `ingest`); everything else it returns from at once. */
const HANDLED = new Set([
  'Newchannel', 'VarSet', 'DialBegin', 'DialEnd', 'Hangup', 'BridgeEnter', 'BridgeLeave', 'NewCallerid',
  'Pickup', 'BlindTransfer', 'AttendedTransfer', 'LocalBridge', 'OriginateResponse',
]);
/** The channel variables it reads (correlator.ts `onVarSet`). */
const VARIABLES = new Set(['MIXMONITOR_FILENAME', 'BLINDTRANSFER', 'TRANSFERERNAME', 'FROM_DID', '__FROM_DID']);

/** Keeps only what can change the correlator's state (checked against the full stream by the memory suite). */
export function correlatorRelevant(event: AmiMessage): boolean {
  const name = event.Event;
  if (typeof name !== 'string' || !HANDLED.has(name)) return false;
  return name !== 'VarSet' || VARIABLES.has(String(event.Variable));
}

function splitValue(value: string, slotOf: (key: string, slot: Slot) => number): Part[] {
  const parts: Part[] = [];
  let last = 0;
  ID_PATTERN.lastIndex = 0;
  for (const match of value.matchAll(ID_PATTERN)) {
    const [whole, uuid, epoch, , c2dEpoch, channel, suffix, actionKey, actionId] = match;
    const at = match.index ?? 0;
    let text = value.slice(last, at);
    let slot: number;
    if (uuid) slot = slotOf(whole, { kind: 'uuid', data: '' });
    else if (epoch) slot = slotOf(whole, { kind: 'uniqueid', data: epoch });
    else if (c2dEpoch) slot = slotOf(whole, { kind: 'c2d', data: c2dEpoch });
    else if (channel) {
      text += `${channel}-`;
      slot = slotOf(`chan:${suffix}`, { kind: 'suffix', data: '' });
    } else if (actionKey) {
      text += actionKey;
      slot = slotOf(`action:${actionId}`, { kind: 'action', data: actionId });
    } else continue;
    if (text) parts.push(text);
    parts.push(slot);
    last = at + whole.length;
  }
  if (last === 0) return [value];
  if (last < value.length) parts.push(value.slice(last));
  return parts;
}

export function makeTemplate(scenario: Scenario, keep: (event: AmiMessage) => boolean = () => true): CallTemplate {
  const slots: Slot[] = [];
  const index = new Map<string, number>();
  const slotOf = (key: string, slot: Slot): number => {
    let n = index.get(key);
    if (n === undefined) {
      n = slots.length;
      slots.push(slot);
      index.set(key, n);
    }
    return n;
  };
  const messages: FieldTemplate[][] = [];
  for (const text of scenario.events) {
    const event = parseAmiMessage(text);
    if (!keep(event)) continue;
    const fields: FieldTemplate[] = [];
    for (const [key, value] of Object.entries(event)) {
      const values = typeof value === 'string' ? [value] : value;
      const split = values.map((v) => splitValue(v, slotOf));
      if (split.every((p) => p.length === 1 && typeof p[0] === 'string')) fields.push({ key, literal: value });
      else fields.push({ key, parts: split });
    }
    messages.push(fields);
  }
  return { name: scenario.name, messages, slots };
}

/** Fresh ids for one call; `serial` numbers the calls, `idBase` keeps them apart from other calls. */
export class CallFactory {
  private counter: number;
  private serial = 0;

  constructor(idBase = 1) {
    this.counter = idBase;
  }

  /** The call's messages, built one by one (nothing of it is kept by the factory). */
  *messages(template: CallTemplate): Generator<AmiMessage> {
    const base = this.counter;
    this.counter += template.slots.length;
    const serial = this.serial++;
    const values = template.slots.map((slot, i) => {
      const n = base + i;
      switch (slot.kind) {
        case 'uniqueid':
          return `${slot.data}.${n}`;
        case 'suffix':
          return hex(n, 8);
        case 'uuid':
          return `${hex(serial, 8)}-0000-4000-8000-${hex(n, 12)}`;
        case 'c2d':
          return `c2d-${slot.data}-${n}`;
        case 'action':
          return `bench-${n}-${slot.data}`;
      }
    });
    for (const fields of template.messages) {
      const message: AmiMessage = {};
      for (const field of fields) {
        if (field.literal !== undefined) {
          message[field.key] = field.literal;
          continue;
        }
        const built = field.parts!.map((parts) => {
          let out = '';
          for (const part of parts) out += typeof part === 'number' ? values[part] : part;
          return out;
        });
        message[field.key] = built.length === 1 ? built[0] : built;
      }
      yield message;
    }
  }
}
