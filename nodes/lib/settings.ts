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
  /** IANA zone for `ts` and `record_name`. */
  timezone: string;
  internalContexts: RegExp;
  externalContexts: RegExp;
  extensionPattern: RegExp;
  trunkPattern: RegExp;
  recordName: 'template' | 'mixmonitor';
  originateChannel: string;
  originateContext: string;
  /** seconds */
  originateTimeout: number;
  internationalPrefix: string;
  stripPrefix: string;
  dbHost: string;
  dbPort: number;
  dbName: string;
  dbTls: boolean;
  dbUser: string;
  dbPassword: string;
}

/** FreePBX-friendly defaults (ami-reference.md §3.2). */
export const DEFAULT_PATTERNS = {
  internalContexts: '^(from-internal|from-internal-.*)$',
  externalContexts: '^(from-pstn|from-trunk.*|from-analog|from-digital|incoming.*)$',
  extensionPattern: '^\\d{2,6}$',
  trunkPattern: '',
} as const;

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
  const timezone = text('timezone', hostTimezone());
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`timezone ${JSON.stringify(timezone)} is not a known IANA time zone`);
  }
  const host = text('host');
  const transport = text('transport', host ? 'ami' : 'http');
  if (transport !== 'ami' && transport !== 'http') throw new Error(`transport must be ami or http, not ${JSON.stringify(transport)}`);
  const recordName = text('recordName', 'template');
  if (recordName !== 'template' && recordName !== 'mixmonitor') {
    throw new Error(`recordName must be template or mixmonitor, not ${JSON.stringify(recordName)}`);
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
    timezone,
    internalContexts: pattern('internalContexts'),
    externalContexts: pattern('externalContexts'),
    extensionPattern: pattern('extensionPattern'),
    trunkPattern: pattern('trunkPattern'),
    recordName,
    originateChannel: text('originateChannel', 'PJSIP/{{exten}}'),
    originateContext: text('originateContext', 'from-internal'),
    originateTimeout: integer('originateTimeout', 30, 1, 600),
    internationalPrefix: text('internationalPrefix', '00'),
    stripPrefix: text('stripPrefix'),
    dbHost: text('dbHost'),
    dbPort: integer('dbPort', 5432, 1, 65535),
    dbName: text('dbName'),
    dbTls: raw.dbTls === true || raw.dbTls === 'true',
    dbUser: secretText('dbUser'),
    dbPassword: secretText('dbPassword'),
  };
}
