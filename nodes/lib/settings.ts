import { DEFAULT_EVENT_MASK } from './ami/connection';
import { quoteTableName } from './cdr/sql-params';
import { readNumberRules } from './dial/normalize-number';

/**
 * The settings of one PBX (the `pbx-config` node), with the defaults of design/nodes.md
 * applied, so that a flow deployed without the editor behaves like one made in it.
 */
export interface PbxSettings {
  name: string;
  host: string;
  port: number;
  username: string;
  secret: string;
  httpUrl: string;
  httpUser: string;
  httpPassword: string;
  transport: 'ami' | 'http';
  /** AMI event classes asked for after login (the `Events` action): what a `raw` pbx-event node can see. */
  eventMask: string;
  /** IANA zone for `ts` and `record_name`. */
  timezone: string;
  internalContexts: RegExp;
  externalContexts: RegExp;
  extensionPattern: RegExp;
  trunkPattern: RegExp;
  recordName: 'template' | 'mixmonitor' | 'freepbx';
  /** How the call correlator resolves the ambiguities of ami-reference.md §3.12 (docs/pbx-event.md). */
  correlator: CorrelatorSettings;
  originateChannel: string;
  originateContext: string;
  /** seconds */
  originateTimeout: number;
  /** Replaces a leading `+` of a dialled number (1 to 16 of 0-9 * #; NUMBER_RULE_PATTERNS). */
  internationalPrefix: string;
  /** Removed from the start of a dialled number; a `+` the user wrote in front is already `internationalPrefix` here. */
  stripPrefix: string;
  dbHost: string;
  dbPort: number;
  dbName: string;
  dbTls: boolean;
  dbUser: string;
  dbPassword: string;
  /** IANA zone of the wall-clock times cdr_pgsql stored: `timezone` unless set (UTC with cdr_pgsql.conf `usegmtime=yes`). */
  dbTimezone: string;
  /** cdr_pgsql.conf `table=`: `table` or `schema.table`. */
  dbCdrTable: string;
  /** cel_pgsql.conf `table=`. */
  dbCelTable: string;
}

/** FreePBX-friendly defaults (ami-reference.md §3.2). */
export const DEFAULT_PATTERNS = {
  internalContexts: '^(from-internal|from-internal-.*)$',
  externalContexts: '^(from-pstn|from-trunk.*|from-analog|from-digital|incoming.*)$',
  extensionPattern: '^\\d{2,6}$',
  trunkPattern: '',
} as const;

/**
 * The call correlator's options (ami-reference.md §3.12), set on `pbx-config` because they
 * describe the PBX. Defaults suit FreePBX and a plain Asterisk alike.
 */
export interface CorrelatorSettings {
  /** Which calls are `caller_type=originate`: our own pbx-dial ChannelIds, also those whose first DialBegin has no caller, or none. */
  originateDetection: 'own+dest_only_dialbegin' | 'own' | 'off';
  /** `last_dialed_exten` for a ring group / queue nobody answered: the number dialled (600) or the member rung last. */
  groupLastDialed: 'called_number' | 'last_member';
  /** `hangup_internal` for extensions that took part (`connected`) or also for those that only rang (`all`). */
  hangupInternalFor: 'connected' | 'all';
  /** Also emit `answer_internal` for the extension that picked a call up (after its `call_pickup`). */
  pickupAlsoAnswerInternal: boolean;
  /** A DialBegin in an answered call from a channel that left its bridge (AMI Redirect, FOP) is a transfer. */
  detectRedirectTransfers: boolean;
  /** Phone-native attended transfer (REFER): `synthesize` a dial + answer in the surviving call, or `merge_silently`. */
  attendedNativeMode: 'synthesize' | 'merge_silently';
  /** A dialled call whose channels all moved into another call gets an `endcall` (`emit`) or none (`suppress`). */
  endcallOnMerge: 'emit' | 'suppress';
  /** Calls that never dialled (IVR only, voicemail, feature codes) get `dial` + `endcall` when they end. */
  emitDialForUndialedCalls: boolean;
  /** When a call's `dial` comes: its first DialBegin, an inbound call's arrival, or the first ringing destination. */
  dialTrigger: 'first_dialbegin' | 'newchannel' | 'first_ringing';
  /** A click-to-dial sent by another AMI client: `dial` when its number is known (`second_leg`) or when the phone rings. */
  originateDialOn: 'first_leg' | 'second_leg';
  /** The caller's channel answered by the PBX itself (Answer(): IVR, queue, voicemail) counts as `call_answered`. */
  answeredIncludesIvr: boolean;
  /** `ts` from the AMI `Timestamp` header when the PBX sends one (`ami`), or always the time of receipt. */
  tsSource: 'ami' | 'receipt';
  /** Rewrite rules for `caller_num` / `called_num` (first match wins); empty: numbers as the PBX reports them. */
  numberRewrite: readonly NumberRewriteRule[];
}

/** One `numberRewrite` line: `pattern => replacement` (`^\+420(\d{9})$ => 0$1`). */
export interface NumberRewriteRule {
  pattern: RegExp;
  replacement: string;
}

export const DEFAULT_CORRELATOR_SETTINGS: Readonly<CorrelatorSettings> = {
  originateDetection: 'own+dest_only_dialbegin',
  groupLastDialed: 'called_number',
  hangupInternalFor: 'connected',
  pickupAlsoAnswerInternal: false,
  detectRedirectTransfers: true,
  attendedNativeMode: 'synthesize',
  endcallOnMerge: 'emit',
  emitDialForUndialedCalls: false,
  dialTrigger: 'first_dialbegin',
  originateDialOn: 'second_leg',
  answeredIncludesIvr: false,
  tsSource: 'ami',
  numberRewrite: [],
};

/** Asterisk's manager event classes (manager.c `perms`), as the `Events` action accepts them. */
export const AMI_EVENT_CLASSES: readonly string[] = [
  'system', 'call', 'log', 'verbose', 'command', 'agent', 'user', 'config', 'dtmf', 'reporting', 'cdr',
  'dialplan', 'originate', 'agi', 'cc', 'aoc', 'test', 'security', 'message', 'all',
];

export type RawSettings = Record<string, unknown>;

export function hostTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Reads raw node properties (and credentials) into settings; throws on an invalid value. */
export function readSettings(raw: RawSettings, credentials: RawSettings = {}): PbxSettings {
  const text = (key: string, fallback = ''): string => {
    const value = raw[key];
    return value === undefined || value === null || value === '' ? fallback : String(value).trim();
  };
  const secretText = (key: string): string => {
    const value = credentials[key];
    return value === undefined || value === null ? '' : String(value);
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const value = text(key);
    if (value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new Error(`${key} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
    }
    return parsed;
  };
  const pattern = (key: keyof typeof DEFAULT_PATTERNS): RegExp => {
    const source = text(key, DEFAULT_PATTERNS[key]);
    try {
      // An empty pattern (trunkPattern's default) matches nothing.
      return source === '' ? /(?!)/ : new RegExp(source);
    } catch (err) {
      throw new Error(`${key} is not a valid regular expression: ${(err as Error).message}`);
    }
  };
  const zone = (key: 'timezone' | 'dbTimezone', fallback: string): string => {
    const value = text(key, fallback);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      throw new Error(`${key} ${JSON.stringify(value)} is not a known IANA time zone`);
    }
    return value;
  };
  const timezone = zone('timezone', hostTimezone());
  const tableName = (key: 'dbCdrTable' | 'dbCelTable', fallback: string): string => {
    const value = text(key, fallback);
    try {
      quoteTableName(value);
    } catch (err) {
      throw new Error(`${key}: ${(err as Error).message}`);
    }
    return value;
  };
  const oneOf = <T extends string>(key: keyof CorrelatorSettings, allowed: readonly T[]): T => {
    const value = text(key, DEFAULT_CORRELATOR_SETTINGS[key] as string);
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  const bool = (key: keyof CorrelatorSettings): boolean => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') return DEFAULT_CORRELATOR_SETTINGS[key] as boolean;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new Error(`${key} must be true or false, not ${JSON.stringify(value)}`);
  };
  const correlator: CorrelatorSettings = {
    originateDetection: oneOf('originateDetection', ['own+dest_only_dialbegin', 'own', 'off'] as const),
    groupLastDialed: oneOf('groupLastDialed', ['called_number', 'last_member'] as const),
    hangupInternalFor: oneOf('hangupInternalFor', ['connected', 'all'] as const),
    pickupAlsoAnswerInternal: bool('pickupAlsoAnswerInternal'),
    detectRedirectTransfers: bool('detectRedirectTransfers'),
    attendedNativeMode: oneOf('attendedNativeMode', ['synthesize', 'merge_silently'] as const),
    endcallOnMerge: oneOf('endcallOnMerge', ['emit', 'suppress'] as const),
    emitDialForUndialedCalls: bool('emitDialForUndialedCalls'),
    dialTrigger: oneOf('dialTrigger', ['first_dialbegin', 'newchannel', 'first_ringing'] as const),
    originateDialOn: oneOf('originateDialOn', ['first_leg', 'second_leg'] as const),
    answeredIncludesIvr: bool('answeredIncludesIvr'),
    tsSource: oneOf('tsSource', ['ami', 'receipt'] as const),
    numberRewrite: readNumberRewrite(raw.numberRewrite),
  };
  const numbers = readNumberRules(raw.internationalPrefix, raw.stripPrefix);
  const host = text('host');
  const transport = text('transport', host ? 'ami' : 'http');
  if (transport !== 'ami' && transport !== 'http') throw new Error(`transport must be ami or http, not ${JSON.stringify(transport)}`);
  const recordName = text('recordName', 'template');
  if (recordName !== 'template' && recordName !== 'mixmonitor' && recordName !== 'freepbx') {
    throw new Error(`recordName must be template, mixmonitor or freepbx, not ${JSON.stringify(recordName)}`);
  }
  return {
    name: text('name'),
    host,
    port: integer('port', 5038, 1, 65535),
    username: secretText('username'),
    secret: secretText('secret'),
    httpUrl: text('httpUrl').replace(/\/+$/, ''),
    httpUser: secretText('httpUser'),
    httpPassword: secretText('httpPassword'),
    transport,
    eventMask: readEventMask(raw.eventMask),
    timezone,
    internalContexts: pattern('internalContexts'),
    externalContexts: pattern('externalContexts'),
    extensionPattern: pattern('extensionPattern'),
    trunkPattern: pattern('trunkPattern'),
    recordName,
    correlator,
    originateChannel: text('originateChannel', 'PJSIP/{{exten}}'),
    originateContext: text('originateContext', 'from-internal'),
    originateTimeout: integer('originateTimeout', 30, 1, 600),
    internationalPrefix: numbers.internationalPrefix,
    stripPrefix: numbers.stripPrefix,
    dbHost: text('dbHost'),
    dbPort: integer('dbPort', 5432, 1, 65535),
    dbName: text('dbName'),
    dbTls: raw.dbTls === true || raw.dbTls === 'true',
    dbUser: secretText('dbUser'),
    dbPassword: secretText('dbPassword'),
    dbTimezone: zone('dbTimezone', timezone),
    dbCdrTable: tableName('dbCdrTable', 'cdr'),
    dbCelTable: tableName('dbCelTable', 'cel'),
  };
}

/**
 * `numberRewrite`: one rule per line, `pattern => replacement` (a JavaScript regular expression
 * and its replacement, `$1` for groups); empty lines and lines starting with `#` are skipped.
 * Also accepted: an array of such lines (a flow written by hand).
 */
export function readNumberRewrite(value: unknown): NumberRewriteRule[] {
  if (value === undefined || value === null || value === '') return [];
  const lines = Array.isArray(value) ? value.map(String) : String(value).split(/\r?\n/);
  const rules: NumberRewriteRule[] = [];
  lines.forEach((text, index) => {
    const line = text.trim();
    if (line === '' || line.startsWith('#')) return;
    const arrow = line.indexOf('=>');
    if (arrow === -1) throw new Error(`numberRewrite line ${index + 1} must read "pattern => replacement", not ${JSON.stringify(line)}`);
    const source = line.slice(0, arrow).trim();
    if (source === '') throw new Error(`numberRewrite line ${index + 1} has no pattern`);
    try {
      rules.push({ pattern: new RegExp(source), replacement: line.slice(arrow + 2).trim() });
    } catch (err) {
      throw new Error(`numberRewrite line ${index + 1} is not a valid regular expression: ${(err as Error).message}`);
    }
  });
  return rules;
}

/**
 * `eventMask`: a comma list of AMI event classes; empty means the default (DEFAULT_EVENT_MASK:
 * the correlator needs `call` and `dialplan`; `security` and `reporting` are left out as noise
 * unless a `raw` pbx-event node asks for them).
 */
export function readEventMask(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (text === '') return DEFAULT_EVENT_MASK;
  const classes = text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  for (const name of classes) {
    if (!AMI_EVENT_CLASSES.includes(name)) {
      throw new Error(`eventMask: ${JSON.stringify(name)} is not an AMI event class (${AMI_EVENT_CLASSES.join(', ')})`);
    }
  }
  return classes.join(',');
}
