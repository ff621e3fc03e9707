import { CallModelSql, LEG_WINDOW, type CallModelRules } from './call-model-sql';
import type { Paging, TimeRange } from './query-input';
import type { Statement } from './sql-params';

export interface CallsQueryInput {
  /** A phone number (compared after normalisation) or an extension (compared with channel endpoints). */
  number: string;
  range: TimeRange;
  paging: Paging;
}

/**
 * The calls that started in the range and in which the number or extension took part (in any
 * leg: as caller, called number or a channel's endpoint), newest first, one row per call with
 * all its legs taken into account.
 */
export function buildCallsQuery(rules: CallModelRules, input: CallsQueryInput): Statement {
  const m = new CallModelSql(rules);
  const p = m.params;
  const from = m.wallClock(input.range.from);
  const to = m.wallClock(input.range.to);
  const normalized = p.add(input.number, 'text');
  const endpoint = p.add(input.number, 'text');
  const ch = m.channels;
  const text = `
WITH hits AS (
  SELECT DISTINCT h.linkedid
  FROM ${m.table} h
  WHERE h.start >= ${from} AND h.start < ${to} + ${LEG_WINDOW}
    AND (${m.numbers.normalize('h.src')} = ${m.numbers.normalize(normalized)}
      OR ${m.numbers.normalize('h.dst')} = ${m.numbers.normalize(normalized)}
      OR ${ch.endpoint('h.channel')} = ${endpoint}
      OR ${ch.endpoint('h.dstchannel')} = ${endpoint})
),
${m.legsCtes(`c.linkedid IN (SELECT linkedid FROM hits) AND c.start >= ${from} - ${LEG_WINDOW} AND c.start < ${to} + ${LEG_WINDOW}`)},
${m.callsCte()}
SELECT
  call_id,
  ${m.iso('call_start')} AS start,
  CASE WHEN answered THEN ${m.iso('first_answer')} END AS answer,
  ${m.iso('call_end')} AS "end",
  direction,
  CASE WHEN caller_external THEN 'external' ELSE 'internal' END AS caller_type,
  caller_num,
  caller_clid,
  caller_exten,
  ${m.calledNum('call_id', 'caller_external', 'called_num')} AS called_num,
  answered AS call_answered,
  answering_exten,
  last_dialed_exten,
  ${CallModelSql.seconds('call_end', 'call_start')}::int AS duration,
  ${CallModelSql.seconds('CASE WHEN answered THEN first_answer ELSE call_end END', 'call_start')}::int AS ring_time,
  talk_time::int AS talk_time,
  leg_count::int AS legs
FROM calls
WHERE call_start >= ${from} AND call_start < ${to}
ORDER BY call_start DESC, call_id DESC
LIMIT ${p.add(input.paging.limit, 'int')} OFFSET ${p.add(input.paging.offset, 'int')}`;
  return { text, values: p.values };
}
