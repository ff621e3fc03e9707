import { CallModelSql, type CallModelRules } from './call-model-sql';
import { SqlParams, quoteTableName, type Statement } from './sql-params';

/** Every CDR leg of one call (`linkedid` = pbx-event's `call_id`), in the order they started. */
export function buildCallLegsQuery(rules: CallModelRules, callId: string): Statement {
  const m = new CallModelSql(rules);
  const p = m.params;
  const ch = m.channels;
  const id = p.add(callId, 'text');
  const realAnswer = CallModelSql.realAnswer('answer');
  const text = `
WITH legs AS (
  SELECT c.*, ${ch.endpoint('c.channel')} AS ch_ep, ${ch.endpoint('c.dstchannel')} AS dst_ep
  FROM ${m.table} c
  WHERE c.linkedid = ${id}
),
kinds AS (
  SELECT l.*, ${ch.kind('l.channel', 'l.ch_ep')} AS ch_kind, ${ch.kind('l.dstchannel', 'l.dst_ep')} AS dst_kind
  FROM legs l
)
SELECT
  linkedid AS call_id,
  uniqueid,
  sequence,
  ${m.iso('start')} AS start,
  CASE WHEN ${realAnswer} THEN ${m.iso('answer')} END AS answer,
  ${m.iso('"end"')} AS "end",
  coalesce(duration, 0) AS duration,
  coalesce(billsec, 0) AS billsec,
  ${CallModelSql.seconds(`CASE WHEN ${realAnswer} THEN answer ELSE "end" END`, 'start')}::int AS ring_time,
  disposition,
  (disposition = 'ANSWERED' AND dst_kind IN ('extension', 'trunk')) AS connected,
  src, dst, clid, dcontext,
  channel, ch_kind AS channel_type, CASE WHEN ch_kind = 'extension' THEN ch_ep END AS channel_exten,
  dstchannel, CASE WHEN dst_kind = 'none' THEN NULL ELSE dst_kind END AS dstchannel_type,
  CASE WHEN dst_kind = 'extension' THEN dst_ep END AS dstchannel_exten,
  lastapp, lastdata, accountcode, peeraccount, amaflags, userfield
FROM kinds
ORDER BY start, sequence NULLS LAST, uniqueid`;
  return { text, values: p.values };
}

/** Whether the CEL table exists and this user may read it (CEL is optional on a PBX). */
export function buildCelReadableQuery(celTable: string): Statement {
  const p = new SqlParams();
  // quoted as the queries name it: an unquoted name would be folded to lower case here
  const name = p.add(quoteTableName(celTable), 'text');
  return {
    text: `SELECT CASE WHEN to_regclass(${name}) IS NULL THEN false ELSE has_table_privilege(${name}, 'SELECT') END AS readable`,
    values: p.values,
  };
}

/**
 * The call's CEL events, oldest first, every column of the row as Asterisk wrote it (installs
 * differ: `extra` and `id` are optional), `eventtime` as ISO 8601.
 */
export function buildCelEventsQuery(celTable: string, storedTimezone: string, callId: string): Statement {
  const p = new SqlParams();
  const zone = p.add(storedTimezone, 'text');
  const id = p.add(callId, 'text');
  const instant = `(e.eventtime AT TIME ZONE ${zone})`;
  return {
    // ctid breaks ties in insertion order: CEL writes several events in the same microsecond.
    text: `
SELECT to_jsonb(e) AS event,
       to_char(${instant}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || to_char(${instant}, 'TZH:TZM') AS ts
FROM ${quoteTableName(celTable)} e
WHERE e.linkedid = ${id}
ORDER BY e.eventtime, e.ctid`,
    values: p.values,
  };
}
