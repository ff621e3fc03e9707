import { CallModelSql, LEG_WINDOW, type CallModelRules } from './call-model-sql';
import type { Paging, TimeRange } from './query-input';
import type { Statement } from './sql-params';

export interface MissedQueryInput {
  range: TimeRange;
  paging: Paging;
  /** Only calls to this number (the called number, e.g. a DID or ring group) or ringing this extension. */
  number?: string;
}

/**
 * Inbound calls that started in the range and nobody answered, one row per caller (numbers
 * compared after normalisation), newest last attempt first. After the caller's last missed
 * attempt, up to now:
 * - `called_back`: an extension dialled the caller's number (any outcome), `callback_answered`
 *   if one of those calls was answered;
 * - `answered_later`: the caller called again and a person answered.
 */
export function buildMissedQuery(rules: CallModelRules, input: MissedQueryInput): Statement {
  const m = new CallModelSql(rules);
  const p = m.params;
  const ch = m.channels;
  const from = m.wallClock(input.range.from);
  const to = m.wallClock(input.range.to);
  let numberFilter = '';
  if (input.number !== undefined) {
    const normalized = p.add(input.number, 'text');
    const endpoint = p.add(input.number, 'text');
    numberFilter = `AND (${m.numbers.normalize('c.called_num')} = ${m.numbers.normalize(normalized)}
      OR ${m.numbers.normalize('c.first_dst')} = ${m.numbers.normalize(normalized)}
      OR EXISTS (SELECT 1 FROM legs l WHERE l.call_id = c.call_id AND l.dst_kind = 'extension' AND l.dst_ep = ${endpoint}))`;
  }
  const text = `
WITH ${m.legsCtes(`c.start >= ${from} - ${LEG_WINDOW} AND c.start < ${to} + ${LEG_WINDOW}`)},
${m.callsCte()},
missed_all AS (
  SELECT c.call_id, c.call_start, c.call_end, c.caller_num, c.caller_clid, c.last_dialed_exten,
         ${m.calledNum('c.call_id', 'c.caller_external', 'c.called_num')} AS called_num, c.called_num AS first_dst
  FROM calls c
  WHERE c.direction = 'inbound' AND NOT c.answered AND c.call_start >= ${from} AND c.call_start < ${to}
),
missed AS (
  SELECT c.*, ${m.numbers.normalize('c.caller_num')} AS caller_key
  FROM missed_all c
  WHERE true ${numberFilter}
),
grouped AS (
  SELECT caller_key,
    count(*) AS attempts,
    min(call_start) AS first_attempt,
    max(call_start) AS last_attempt,
    (array_agg(call_id ORDER BY call_start DESC, call_id DESC))[1] AS last_call_id,
    (array_agg(caller_num ORDER BY call_start DESC, call_id DESC))[1] AS caller_num,
    (array_agg(caller_clid ORDER BY call_start DESC, call_id DESC))[1] AS caller_clid,
    (array_agg(called_num ORDER BY call_start DESC, call_id DESC))[1] AS called_num,
    (array_agg(last_dialed_exten ORDER BY call_start DESC, call_id DESC))[1] AS last_dialed_exten,
    (array_agg(call_end ORDER BY call_start DESC, call_id DESC))[1] AS last_end,
    (array_agg(call_start ORDER BY call_start DESC, call_id DESC))[1] AS last_start
  FROM missed
  GROUP BY caller_key
),
later_raw AS (
  SELECT l.start, l.sequence, l.channel, l.dstchannel, l.disposition,
         ${m.numbers.normalize('l.src')} AS src_key, ${m.numbers.normalize('l.dst')} AS dst_key
  FROM ${m.table} l
  WHERE l.start > (SELECT min(last_attempt) FROM grouped)
),
-- Classifying channels costs regular expressions: only for the legs of the callers concerned.
later_hits AS (
  SELECT r.*, ${ch.endpoint('r.channel')} AS ch_ep, ${ch.endpoint('r.dstchannel')} AS dst_ep
  FROM later_raw r
  WHERE r.src_key IN (SELECT caller_key FROM grouped) OR r.dst_key IN (SELECT caller_key FROM grouped)
),
later AS (
  SELECT h.*, ${ch.kind('h.channel', 'h.ch_ep')} AS ch_kind, ${ch.kind('h.dstchannel', 'h.dst_ep')} AS dst_kind
  FROM later_hits h
),
later_legs AS (
  SELECT a.*, (a.disposition = 'ANSWERED' AND a.dst_kind IN ('extension', 'trunk')) AS connected
  FROM later a
),
-- One stream per caller, missed attempts and later legs together, so that "after the last
-- attempt" is a window over the caller's rows rather than a join the planner misjudges.
events AS (
  SELECT caller_key AS key, last_attempt AS at, 0 AS kind, NULL::int AS sequence, NULL::text AS exten, false AS connected
  FROM grouped WHERE caller_key <> ''
  UNION ALL
  SELECT dst_key, start, 1, sequence, ch_ep, connected FROM later_legs WHERE ch_kind = 'extension'
  UNION ALL
  SELECT src_key, start, 2, sequence, NULL, connected FROM later_legs WHERE connected AND ch_kind <> 'extension'
),
marked AS (
  SELECT e.*, max(e.at) FILTER (WHERE e.kind = 0) OVER (PARTITION BY e.key) AS last_attempt
  FROM events e
),
afterwards AS (
  SELECT key,
    min(at) FILTER (WHERE kind = 1) AS first_callback,
    (array_agg(exten ORDER BY at, sequence NULLS LAST) FILTER (WHERE kind = 1))[1] AS callback_exten,
    coalesce(bool_or(connected) FILTER (WHERE kind = 1), false) AS callback_answered,
    bool_or(kind = 2) AS answered_later
  FROM marked
  WHERE kind <> 0 AND last_attempt IS NOT NULL AND at > last_attempt
  GROUP BY key
)
SELECT
  g.caller_num,
  g.caller_clid,
  g.attempts::int AS attempts,
  ${m.iso('g.first_attempt')} AS first_attempt,
  ${m.iso('g.last_attempt')} AS last_attempt,
  g.last_call_id,
  g.called_num,
  g.last_dialed_exten,
  ${CallModelSql.seconds('g.last_end', 'g.last_start')}::int AS last_ring_time,
  (a.first_callback IS NOT NULL) AS called_back,
  CASE WHEN a.first_callback IS NOT NULL THEN ${m.iso('a.first_callback')} END AS called_back_at,
  a.callback_exten AS called_back_by,
  coalesce(a.callback_answered, false) AS callback_answered,
  coalesce(a.answered_later, false) AS answered_later
FROM grouped g
LEFT JOIN afterwards a ON a.key = g.caller_key
ORDER BY g.last_attempt DESC, g.caller_key
LIMIT ${p.add(input.paging.limit, 'int')} OFFSET ${p.add(input.paging.offset, 'int')}`;
  return { text, values: p.values };
}
