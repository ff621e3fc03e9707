/**
 * The tables Asterisk writes on a PostgreSQL PBX, as the tests create them.
 *
 * `cdr`: what `contrib/ast-db-manage` (alembic, `cdr` repository) creates at head: revision
 * 210693f3123d "Create CDR table" plus 54cde9847798 "expand accountcode to 80" (accountcode and
 * peeraccount widened from 20 to 80). cdr_pgsql writes `start`/`answer`/`end` as the PBX's local
 * wall time (`%Y-%m-%d %T`, whole seconds; `answer` is 1970-01-01 local when nobody answered).
 *
 * `cel`: ast-db-manage has no CEL repository; this is the table of Asterisk's "PostgreSQL CEL
 * Backend" page plus `extra`, which cel_pgsql.c fills when the column exists (eventtime with
 * microseconds, `%Y-%m-%d %T.%6q`).
 */
export const ASTERISK_CDR_TABLE = `
CREATE TABLE cdr (
    accountcode VARCHAR(80),
    src VARCHAR(80),
    dst VARCHAR(80),
    dcontext VARCHAR(80),
    clid VARCHAR(80),
    channel VARCHAR(80),
    dstchannel VARCHAR(80),
    lastapp VARCHAR(80),
    lastdata VARCHAR(80),
    start TIMESTAMP WITHOUT TIME ZONE,
    answer TIMESTAMP WITHOUT TIME ZONE,
    "end" TIMESTAMP WITHOUT TIME ZONE,
    duration INTEGER,
    billsec INTEGER,
    disposition VARCHAR(45),
    amaflags VARCHAR(45),
    userfield VARCHAR(256),
    uniqueid VARCHAR(150),
    linkedid VARCHAR(150),
    peeraccount VARCHAR(80),
    sequence INTEGER
)`;

export const ASTERISK_CEL_TABLE = `
CREATE TABLE cel (
    id SERIAL,
    eventtype VARCHAR(30) NOT NULL,
    eventtime TIMESTAMP NOT NULL,
    userdeftype VARCHAR(255) NOT NULL,
    cid_name VARCHAR(80) NOT NULL,
    cid_num VARCHAR(80) NOT NULL,
    cid_ani VARCHAR(80) NOT NULL,
    cid_rdnis VARCHAR(80) NOT NULL,
    cid_dnid VARCHAR(80) NOT NULL,
    exten VARCHAR(80) NOT NULL,
    context VARCHAR(80) NOT NULL,
    channame VARCHAR(80) NOT NULL,
    appname VARCHAR(80) NOT NULL,
    appdata VARCHAR(80) NOT NULL,
    amaflags INT NOT NULL,
    accountcode VARCHAR(20) NOT NULL,
    peeraccount VARCHAR(20) NOT NULL,
    uniqueid VARCHAR(150) NOT NULL,
    linkedid VARCHAR(150) NOT NULL,
    userfield VARCHAR(255) NOT NULL,
    peer VARCHAR(80) NOT NULL,
    extra VARCHAR(512) NOT NULL DEFAULT ''
)`;

/** The column order used when loading rows (matches ASTERISK_CDR_TABLE). */
export const CDR_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'userfield',
  'uniqueid', 'linkedid', 'peeraccount', 'sequence',
] as const;

export type CdrColumn = (typeof CDR_COLUMNS)[number];
export type CdrRowValues = Record<CdrColumn, string | number>;

export const CEL_COLUMNS = [
  'eventtype', 'eventtime', 'userdeftype', 'cid_name', 'cid_num', 'cid_ani', 'cid_rdnis', 'cid_dnid',
  'exten', 'context', 'channame', 'appname', 'appdata', 'amaflags', 'accountcode', 'peeraccount',
  'uniqueid', 'linkedid', 'userfield', 'peer', 'extra',
] as const;

export type CelColumn = (typeof CEL_COLUMNS)[number];
export type CelRowValues = Record<CelColumn, string | number>;
