import type { PbxSettings } from '../settings';
import { parseVariables } from './input-rules';

/**
 * The properties of `pbx-dial` and `pbx-hangup` (design/nodes.md), with the defaults the
 * editor would set applied here, so a flow deployed without the editor behaves the same.
 */
export type NodeTransport = 'config' | 'ami' | 'http';

export interface TypedProperty {
  value: string;
  type: string;
}

export interface DialProperties {
  transport: NodeTransport;
  number: TypedProperty;
  exten: TypedProperty;
  callerId: string;
  variables: string;
}

export interface HangupProperties {
  transport: NodeTransport;
  exten: TypedProperty;
  callId: TypedProperty;
}

type Raw = Record<string, unknown>;

const TYPES = new Set(['msg', 'flow', 'global', 'str', 'num', 'env', 'jsonata']);

function transportOf(raw: Raw): NodeTransport {
  const value = raw.transport === undefined || raw.transport === '' ? 'config' : String(raw.transport);
  if (value !== 'config' && value !== 'ami' && value !== 'http') throw new Error(`transport must be config, ami or http, not ${JSON.stringify(value)}`);
  return value;
}

function typed(raw: Raw, key: string, fallback: string): TypedProperty {
  const type = raw[`${key}Type`] === undefined || raw[`${key}Type`] === '' ? 'msg' : String(raw[`${key}Type`]);
  if (!TYPES.has(type)) throw new Error(`${key}Type ${JSON.stringify(type)} is not supported`);
  const given = raw[key];
  // An empty msg property means the default path; an empty fixed value stays empty.
  const value = given === undefined || given === null || (given === '' && type === 'msg') ? fallback : String(given);
  return { value, type };
}

/** Reads pbx-dial's properties; throws on a value no message could fix (e.g. bad variables). */
export function readDialProperties(raw: Raw): DialProperties {
  const variables = raw.variables === undefined || raw.variables === null ? '' : String(raw.variables);
  parseVariables(variables);
  return {
    transport: transportOf(raw),
    number: typed(raw, 'number', 'payload.number'),
    exten: typed(raw, 'exten', 'payload.exten'),
    callerId: raw.callerId === undefined || raw.callerId === null ? '' : String(raw.callerId),
    variables,
  };
}

export function readHangupProperties(raw: Raw): HangupProperties {
  return {
    transport: transportOf(raw),
    exten: typed(raw, 'exten', 'payload.exten'),
    callId: typed(raw, 'callId', 'payload.call_id'),
  };
}

/** Where a TypedInput's value comes from, as error messages name it: `msg.payload.number`, `flow.crm`. */
export function sourceOf(property: TypedProperty): string {
  switch (property.type) {
    case 'msg':
    case 'flow':
    case 'global':
      return `${property.type}.${property.value}`;
    case 'env':
      return `env ${property.value}`;
    default:
      return 'the fixed value';
  }
}

/** The transport a node uses: its own choice, or its pbx-config's. */
export function effectiveTransport(transport: NodeTransport, settings: Pick<PbxSettings, 'transport'>): 'ami' | 'http' {
  return transport === 'config' ? settings.transport : transport;
}
