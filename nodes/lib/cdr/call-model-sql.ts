import { ChannelSql, type ChannelRules } from './channel-sql';
import { NumberSql, type NumberRules } from './number-sql';
import { SqlParams } from './sql-params';

/** Everything a query needs to know about the PBX besides the parameters of the message. */
export interface CallModelRules {
  channels: ChannelRules;
  numbers: NumberRules;
  /** IANA zone of the wall-clock times cdr_pgsql stored (the PBX's zone, or UTC with usegmtime). */
  storedTimezone: string;
  /** The quoted cdr table. */
  cdrTable: string;
  /** The quoted CEL table when this user may read it, else null (CEL is optional). */
  celTable?: string | null;
}

/**
 * Legs of a call may start after the call did (transfers, queue retries); legs starting more than
 * this after the call's first one are not seen by range queries. A day is far beyond real calls.
 */
export const LEG_WINDOW = `interval '1 day'`;

/**
 * The SQL model of a call shared by the range queries: one row per CDR leg with its channels
 * classified, then one row per call (`linkedid`, which is pbx-event's `call_id`).
 *
 * Definitions (docs/pbx-cdr.md):
 * - a leg is *connected* when its disposition is ANSWERED and its destination channel is a phone
 *   or a trunk: an IVR, voicemail or queue announcement answering the caller is not a person;
 *   a leg to a Local channel is plumbing, the leg behind it (Local;2 → phone) tells;
 * - a call is *answered* when one of its legs is connected; its talk time is the sum of the
 *   connected legs' billsec; it is answered at its first connected leg's answer time;
 * - the first leg (by start, sequence) gives the caller, the called number and the direction;
 * - a leg *rang* its destination when that is a phone the leg's Dial was asked for (its dial
 *   string names the endpoint); a phone that took over a leg dialled for another phone (a pickup,
 *   the bridge after an attended transfer) did not ring: pbx-event's `last_dialed_exten` is the
 *   phone that rang, not the picker;
 * - the last *round* is the ringing legs that started last (a ring group's or queue's members
 *   start in the same second); its answered member is `last_dialed_exten`, else, when it rang
 *   several phones, the group's number (pbx-event's default `groupLastDialed`), else its phone.
 */
export class CallModelSql {
  readonly params = new SqlParams();
  readonly channels: ChannelSql;
  readonly numbers: NumberSql;
  private readonly storedZone: () => string;
  readonly table: string;
  readonly celTable: string | null;

  constructor(rules: CallModelRules) {
    this.channels = new ChannelSql(this.params, rules.channels);
    this.numbers = new NumberSql(this.params, rules.numbers);
    this.storedZone = this.params.lazy(rules.storedTimezone, 'text');
    this.table = rules.cdrTable;
    this.celTable = rules.celTable ?? null;
  }

  /**
   * The called number of a call, as pbx-event's `called_num`. An inbound call's DID is the Exten
   * its trunk channel was created with (the CEL CHAN_START of the call's first channel, whose
   * uniqueid is the linkedid); the first CDR leg's `dst` is where the dialplan last was before
   * it dialled: the ring group or queue (600, 700) after a Goto, the DID only when the DID's
   * route dialled a phone directly. Without a readable CEL table, or when the trunk gave no
   * number (`s`), the first leg's `dst`. Internal and outbound calls: always `dst`, the digits
   * the phone dialled. One index lookup per call (cel_linkedid_idx): use it on few rows.
   */
  calledNum(callId: string, callerExternal: string, firstDst: string): string {
    if (this.celTable === null) return firstDst;
    const did =
      `(SELECT nullif(nullif(e.exten, ''), 's') FROM ${this.celTable} e ` +
      `WHERE e.linkedid = ${callId} AND e.uniqueid = ${callId} AND e.eventtype = 'CHAN_START' ORDER BY e.eventtime LIMIT 1)`;
    return `(CASE WHEN ${callerExternal} THEN coalesce(${did}, ${firstDst}) ELSE ${firstDst} END)`;
  }

  /** Placeholder of the stored zone. */
  get zone(): string {
    return this.storedZone();
  }

  /** An instant parameter as the stored wall-clock time, so that indexes on `start` apply. */
  wallClock(instant: Date): string {
    return `(${this.params.add(instant.toISOString(), 'timestamptz')} AT TIME ZONE ${this.zone})`;
  }

  /** A stored wall-clock time as ISO 8601 in the session's zone (the pbx-config's timezone). */
  iso(wallClockExpr: string): string {
    const instant = `(${wallClockExpr} AT TIME ZONE ${this.zone})`;
    return `(to_char(${instant}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || to_char(${instant}, 'TZH:TZM'))`;
  }

  /** cdr_pgsql writes 1970-01-01 (local) as the answer time of a leg nobody answered. */
  static realAnswer(column: string): string {
    return `(${column} >= timestamp '1971-01-01')`;
  }

  /**
   * `legs`: the rows of `cdr` matching `rowFilter` (over alias `c`), each with its channels'
   * endpoints and kinds, its place in the call (`leg_no`) and whether it is connected.
   */
  legsCtes(rowFilter: string): string {
    const ch = this.channels;
    return `
legs_parts AS (
  SELECT c.linkedid AS call_id, c.uniqueid, c.sequence, c.start, c.answer, c."end", c.src, c.dst, c.clid,
         c.channel, c.dstchannel, c.dcontext, c.disposition, coalesce(c.billsec, 0) AS billsec, c.lastapp, c.lastdata,
         ${ch.endpointParts('c.channel', 'ch')}, ${ch.endpointParts('c.dstchannel', 'dst')}
  FROM ${this.table} c
  WHERE ${rowFilter}
  -- OFFSET 0 keeps PostgreSQL from inlining this step, so that each row's channel names are
  -- taken apart once rather than once per use below.
  OFFSET 0
),
legs_raw AS (
  SELECT p.*, ${ch.endpointFromParts('p.channel', 'p.ch')} AS ch_ep, ${ch.endpointFromParts('p.dstchannel', 'p.dst')} AS dst_ep
  FROM legs_parts p
  OFFSET 0
),
legs_kind AS (
  SELECT r.call_id, r.sequence, r.start, r.answer, r."end", r.src, r.dst, r.clid, r.dcontext, r.disposition, r.billsec,
         r.lastapp, r.lastdata, r.ch_ep, r.dst_ep,
         ${ch.kind('r.channel', 'r.ch_ep')} AS ch_kind, ${ch.kind('r.dstchannel', 'r.dst_ep')} AS dst_kind,
         row_number() OVER (PARTITION BY r.call_id ORDER BY r.start, r.sequence NULLS LAST, r.uniqueid) AS leg_no
  FROM legs_raw r
),
legs AS (
  SELECT k.*, (k.disposition = 'ANSWERED' AND k.dst_kind IN ('extension', 'trunk')) AS connected,
         (k.dst_kind = 'extension' AND ${CallModelSql.dialedFor('k.lastapp', 'k.lastdata', 'k.dst_ep')}) AS rings
  FROM legs_kind k
)`;
  }

  /**
   * Whether a leg's destination endpoint is one its application was asked to ring: for `Dial`,
   * one of the `&` targets of its first argument (`PJSIP/101&PJSIP/102,15,tT`,
   * `PJSIP/101/sip:101@…`, or `Local/101@from-internal/n` once the Local channel optimised
   * itself away and the row reaches the phone); other applications (Queue ringing a member directly, AppDial) and an
   * empty dial string count as asked. A pickup's leg keeps the picked leg's Dial
   * (`Dial(PJSIP/102)` towards `PJSIP/103-…`), so it is not. Plain string positions, no pattern
   * built from data.
   */
  static dialedFor(lastapp: string, lastdata: string, endpoint: string): string {
    const targets = `(split_part(${lastdata}, ',', 1) || '&')`;
    return (
      `(coalesce(${lastapp}, '') <> 'Dial' OR coalesce(${lastdata}, '') = '' ` +
      `OR position('/' || ${endpoint} || '&' in ${targets}) > 0 OR position('/' || ${endpoint} || '/' in ${targets}) > 0 ` +
      `OR position('/' || ${endpoint} || '@' in ${targets}) > 0)`
    );
  }

  /**
   * `calls`: one row per call of `legs`, with its direction and outcome. `lastDialed = false`
   * leaves `last_dialed_exten` NULL and skips the rounds it needs (a window over every leg):
   * the month-long statistics do not use it.
   */
  callsCte(lastDialed = true): string {
    const round = 'rings AND start = last_ring_start';
    const roundColumns = lastDialed
      ? `,
    (array_agg(dst_ep ORDER BY answer DESC, sequence DESC NULLS LAST) FILTER (WHERE ${round} AND connected))[1] AS round_answered,
    (array_agg(dst_ep ORDER BY sequence DESC NULLS LAST) FILTER (WHERE ${round}))[1] AS round_last,
    min(dst_ep) FILTER (WHERE ${round}) AS round_min_exten,
    max(dst_ep) FILTER (WHERE ${round}) AS round_max_exten,
    min(dst) FILTER (WHERE ${round}) AS round_min_dst,
    max(dst) FILTER (WHERE ${round}) AS round_max_dst,
    (array_agg(dst ORDER BY start DESC, sequence DESC NULLS LAST) FILTER (WHERE lastapp = 'Queue'))[1] AS queue_num`
      : '';
    // a group's number: the dst its members were dialled with (a ring group's 600), or the
    // queue's (its members' own legs carry their own numbers)
    const lastDialedExten = lastDialed
      ? `CASE WHEN a.round_answered IS NOT NULL THEN a.round_answered
         WHEN a.round_min_exten <> a.round_max_exten
           THEN CASE WHEN a.round_min_dst = a.round_max_dst THEN a.round_min_dst ELSE coalesce(a.queue_num, a.round_last) END
         ELSE a.round_last END`
      : 'NULL::text';
    const source = lastDialed
      ? `legs_rounds AS (
  SELECT l.*, max(l.start) FILTER (WHERE l.rings) OVER (PARTITION BY l.call_id) AS last_ring_start
  FROM legs l
),`
      : '';
    return `
${source}
calls_agg AS (
  SELECT call_id,
    min(start) AS call_start,
    max("end") AS call_end,
    count(*) AS leg_count,
    bool_or(connected) AS answered,
    min(answer) FILTER (WHERE connected) AS first_answer,
    coalesce(sum(billsec) FILTER (WHERE connected), 0) AS talk_time,
    max(src) FILTER (WHERE leg_no = 1) AS caller_num,
    max(clid) FILTER (WHERE leg_no = 1) AS caller_clid,
    max(dst) FILTER (WHERE leg_no = 1) AS called_num,
    bool_or(${this.channels.callerIsExternal('ch_ep', 'ch_kind', 'dcontext')}) FILTER (WHERE leg_no = 1) AS caller_external,
    max(ch_ep) FILTER (WHERE leg_no = 1 AND ch_kind = 'extension') AS first_exten,
    bool_or(dst_kind = 'trunk') AS reached_trunk,
    (array_agg(dst_ep ORDER BY answer DESC, start DESC, sequence DESC NULLS LAST)
       FILTER (WHERE connected AND dst_kind = 'extension'))[1] AS answering_exten${roundColumns}
  FROM ${lastDialed ? 'legs_rounds' : 'legs'}
  GROUP BY call_id
),
calls AS (
  SELECT a.*,
    CASE WHEN a.caller_external THEN 'inbound' WHEN a.reached_trunk THEN 'outbound' ELSE 'internal' END AS direction,
    CASE WHEN a.caller_external THEN NULL ELSE a.first_exten END AS caller_exten,
    ${lastDialedExten} AS last_dialed_exten
  FROM calls_agg a
)`;
  }

  /** Seconds between two wall-clock expressions, as a number. */
  static seconds(later: string, earlier: string): string {
    return `extract(epoch from (${later} - ${earlier}))`;
  }
}
