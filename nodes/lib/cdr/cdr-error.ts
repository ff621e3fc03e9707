/**
 * Why a call-history query failed, in words an integrator can act on. `kind` lets flows (and
 * tests) tell the cases apart without parsing the text.
 */
export type CdrErrorKind =
  | 'config' // the pbx-config lacks database settings
  | 'input' // a parameter of the message is not usable
  | 'unreachable' // nothing answers at dbHost:dbPort (or DNS / network)
  | 'tls' // TLS negotiation or certificate check failed
  | 'login' // wrong dbUser / dbPassword, or pg_hba.conf refuses the client
  | 'no_database' // dbName does not exist
  | 'missing_table' // no cdr table (or it lacks a column we read)
  | 'permission' // the user may not read the table
  | 'timeout' // the query ran longer than the statement timeout
  | 'database'; // anything else PostgreSQL reported

export class CdrError extends Error {
  constructor(
    readonly kind: CdrErrorKind,
    message: string,
    /** PostgreSQL's SQLSTATE or Node's error code, when there was one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CdrError';
  }
}

/**
 * The part of Asterisk's schema we read (contrib/ast-db-manage, `cdr` repository at head), quoted
 * in errors so that a missing or different table can be fixed without opening the docs.
 */
export const EXPECTED_CDR_SCHEMA =
  'cdr (accountcode varchar(80), src varchar(80), dst varchar(80), dcontext varchar(80), clid varchar(80), ' +
  'channel varchar(80), dstchannel varchar(80), lastapp varchar(80), lastdata varchar(80), ' +
  'start timestamp, answer timestamp, "end" timestamp, duration integer, billsec integer, ' +
  'disposition varchar(45), amaflags varchar(45), userfield varchar(256), uniqueid varchar(150), ' +
  'linkedid varchar(150), peeraccount varchar(80), sequence integer)';

/** Where the query went, to name it in messages. */
export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  cdrTable: string;
  timeoutMs: number;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|CERT_)/;

/** Turns whatever `pg` or the socket threw into a CdrError that says what to change. */
export function describeDatabaseError(err: unknown, target: DatabaseTarget): CdrError {
  if (err instanceof CdrError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const rawCode = (error as Error & { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const detail = error.message;

  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new CdrError('unreachable', `${where} is unreachable (${code}): check dbHost/dbPort on the pbx-config and that PostgreSQL listens there for this machine`, code);
  }
  if (/timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(detail)) {
    return new CdrError('unreachable', `${where} did not answer in time: check dbHost/dbPort, firewalls and that the server is up`, code);
  }
  if (/Connection terminated unexpectedly/i.test(detail)) {
    return new CdrError('unreachable', `${where} closed the connection: check that it is PostgreSQL listening there (and dbTls)`, code);
  }
  if ((code !== undefined && TLS_CODES.test(code)) || /does not support SSL|SSL|certificate/i.test(detail)) {
    return new CdrError('tls', `${where}: TLS failed (${detail}): check dbTls on the pbx-config and the server's certificate`, code);
  }
  switch (code) {
    case '28P01':
      return new CdrError('login', `${where} refused the login of user "${target.user}": wrong dbUser or dbPassword (${detail})`, code);
    case '28000':
      return new CdrError('login', `${where} refused user "${target.user}" for database "${target.database}" (${detail}): check dbUser, dbTls and the server's pg_hba.conf`, code);
    case '3D000':
      return new CdrError('no_database', `${where} has no database "${target.database}": check dbName (cdr_pgsql.conf dbname=)`, code);
    case '42P01':
      return new CdrError('missing_table', `table ${target.cdrTable} not found in database "${target.database}" (${detail}): pbx-cdr reads the table Asterisk's cdr_pgsql writes, created by contrib/ast-db-manage: ${EXPECTED_CDR_SCHEMA}`, code);
    case '42703':
      return new CdrError('missing_table', `table ${target.cdrTable} in database "${target.database}" lacks a column (${detail}): pbx-cdr expects Asterisk's schema from contrib/ast-db-manage: ${EXPECTED_CDR_SCHEMA}`, code);
    case '42501':
      return new CdrError('permission', `user "${target.user}" may not read the call history (${detail}): GRANT SELECT ON ${target.cdrTable} (and cel) TO ${target.user}`, code);
    case '57014':
      return new CdrError('timeout', `the query took longer than ${target.timeoutMs} ms and PostgreSQL cancelled it (statement_timeout): narrow the time range or add the indexes of docs/pbx-cdr.md`, code);
    case '2201B':
      return new CdrError('config', `PostgreSQL does not accept a channel pattern of the pbx-config as a regular expression (${detail}): check extensionPattern, trunkPattern, internalContexts, externalContexts`, code);
    case '22023':
      if (/time zone/i.test(detail)) return new CdrError('config', `PostgreSQL does not know the time zone (${detail}): check timezone on the pbx-config`, code);
      break;
    case '57P01':
    case '57P02':
    case '57P03':
      return new CdrError('unreachable', `${where} is shutting down or starting up (${detail})`, code);
    default:
      break;
  }
  if (detail === 'Query read timeout') {
    return new CdrError('timeout', `${where} sent no answer within ${target.timeoutMs} ms (the connection may hang)`, code);
  }
  return new CdrError('database', `${where}: ${detail}`, code);
}
