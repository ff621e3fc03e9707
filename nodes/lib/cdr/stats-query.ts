import { CallModelSql, LEG_WINDOW, type CallModelRules } from './call-model-sql';
import type { Paging, TimeRange } from './query-input';
import type { Statement } from './sql-params';

export interface StatsQueryInput {
  range: TimeRange;
  paging: Paging;
  /** Only this extension's rows (and no whole-PBX rows). */
  number?: string;
}

/**
 * Figures per day (in the pbx-config's zone, by the call's start) for the whole PBX
 * (`exten` = "") and per extension. See docs/pbx-cdr.md for each field's definition.
 */
export function buildStatsQuery(rules: CallModelRules, input: StatsQueryInput): Statement {
  const m = new CallModelSql(rules);
  const p = m.params;
  const from = m.wallClock(input.range.from);
  const to = m.wallClock(input.range.to);
  const day = (column: string) => `to_char((${column} AT TIME ZONE ${m.zone}), 'YYYY-MM-DD')`;
  const only = input.number === undefined ? null : p.add(input.number, 'text');
  const pbxRows = only === null
    ? `
pbx_rows AS (
  SELECT c.day, '' AS exten,
    count(*) FILTER (WHERE c.direction = 'inbound') AS calls_in,
    count(*) FILTER (WHERE c.direction = 'outbound') AS calls_out,
    count(*) FILTER (WHERE c.direction = 'internal') AS calls_internal,
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.answered) AS answered,
    count(*) FILTER (WHERE c.direction = 'inbound' AND NOT c.answered) AS missed,
    coalesce(sum(c.talk_time), 0) AS talk_time,
    count(*) FILTER (WHERE c.answered) AS connected,
    avg(${CallModelSql.seconds('c.first_answer', 'c.call_start')}) FILTER (WHERE c.direction = 'inbound' AND c.answered) AS avg_ring
  FROM in_range c
  GROUP BY 1
),`
    : `
pbx_rows AS (SELECT NULL::text AS day, NULL::text AS exten, 0::bigint AS calls_in, 0::bigint AS calls_out, 0::bigint AS calls_internal,
  0::bigint AS answered, 0::bigint AS missed, 0::bigint AS talk_time, 0::bigint AS connected, NULL::numeric AS avg_ring WHERE false),`;
  const text = `
WITH ${m.legsCtes(`c.start >= ${from} - ${LEG_WINDOW} AND c.start < ${to} + ${LEG_WINDOW}`)},
${m.callsCte(false)},
in_range AS (
  SELECT calls.*, ${day('call_start')} AS day FROM calls WHERE call_start >= ${from} AND call_start < ${to}
),
parts AS (
  SELECT l.call_id, l.dst_ep AS exten, true AS rung, l.connected, l.billsec,
         CASE WHEN l.connected THEN ${CallModelSql.seconds('l.answer', 'l.start')} END AS ring
  FROM legs l WHERE l.dst_kind = 'extension'${only === null ? '' : ` AND l.dst_ep = ${only}`}
  UNION ALL
  SELECT l.call_id, l.ch_ep, false, l.connected, l.billsec, NULL
  FROM legs l WHERE l.ch_kind = 'extension'${only === null ? '' : ` AND l.ch_ep = ${only}`}
),
per_call AS (
  SELECT call_id, exten,
    bool_or(rung) AS rung,
    bool_or(rung AND connected) AS answered_here,
    bool_or(connected) AS connected,
    coalesce(sum(billsec) FILTER (WHERE connected), 0) AS talk,
    min(ring) FILTER (WHERE rung AND connected) AS ring
  FROM parts
  GROUP BY call_id, exten
),
exten_rows AS (
  SELECT c.day, e.exten,
    count(*) FILTER (WHERE e.rung AND e.exten IS DISTINCT FROM c.caller_exten) AS calls_in,
    count(*) FILTER (WHERE e.exten = c.caller_exten) AS calls_out,
    count(*) FILTER (WHERE c.direction = 'internal') AS calls_internal,
    count(*) FILTER (WHERE e.answered_here AND e.exten IS DISTINCT FROM c.caller_exten) AS answered,
    count(*) FILTER (WHERE e.rung AND e.exten IS DISTINCT FROM c.caller_exten AND NOT c.answered) AS missed,
    sum(e.talk) AS talk_time,
    count(*) FILTER (WHERE e.connected) AS connected,
    avg(e.ring) FILTER (WHERE e.answered_here AND e.exten IS DISTINCT FROM c.caller_exten) AS avg_ring
  FROM per_call e
  JOIN in_range c USING (call_id)
  GROUP BY 1, 2
),${pbxRows}
all_rows AS (
  SELECT * FROM pbx_rows UNION ALL SELECT * FROM exten_rows
)
SELECT day, exten,
  calls_in::int AS calls_in, calls_out::int AS calls_out, calls_internal::int AS calls_internal,
  answered::int AS answered, missed::int AS missed,
  talk_time::int AS talk_time, connected::int AS connected,
  coalesce(round(talk_time::numeric / nullif(connected, 0), 1), 0)::float8 AS avg_talk_time,
  coalesce(round(avg_ring::numeric, 1), 0)::float8 AS avg_ring_time
FROM all_rows
ORDER BY day, exten
LIMIT ${p.add(input.paging.limit, 'int')} OFFSET ${p.add(input.paging.offset, 'int')}`;
  return { text, values: p.values };
}
