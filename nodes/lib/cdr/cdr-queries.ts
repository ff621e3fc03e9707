import type { PbxSettings } from '../settings';
import { buildCallLegsQuery, buildCelEventsQuery, buildCelReadableQuery } from './call-query';
import type { CallModelRules } from './call-model-sql';
import { buildCallsQuery } from './calls-query';
import { CdrError } from './cdr-error';
import type { CdrDatabase } from './cdr-database';
import { channelRulesFrom, type ChannelRules } from './channel-sql';
import { buildMissedQuery } from './missed-query';
import type { NumberRules } from './number-sql';
import {
  isCdrQueryName, readCallId, readNumber, readPaging, readRange, type CdrQueryInput, type CdrQueryName,
} from './query-input';
import { shapeCelEvent, shapeRow, type CdrRow } from './result-values';
import { quoteTableName } from './sql-params';
import { buildStatsQuery } from './stats-query';

/** How the PBX names its channels and numbers (from the pbx-config). */
export interface CdrRules {
  channels: ChannelRules;
  numbers: NumberRules;
}

export function cdrRulesFrom(settings: PbxSettings): CdrRules {
  return {
    channels: channelRulesFrom(settings),
    numbers: { internationalPrefix: settings.internationalPrefix, stripPrefix: settings.stripPrefix },
  };
}

export interface CdrResult {
  /** The query's result: calls, missed callers, statistics rows or the call's legs. */
  rows: CdrRow[];
  /** `call` only: the call's CEL events, [] when the PBX does not log CEL to the database. */
  cel?: CdrRow[];
}

export interface RunOptions {
  /** statement_timeout, ms */
  timeoutMs?: number;
  /** "now" for a missing `to` (tests) */
  now?: Date;
}

/** Every column of Asterisk's cdr table that a query reads. */
const CDR_COLUMNS_READ =
  'accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, "end", ' +
  'duration, billsec, disposition, amaflags, userfield, uniqueid, linkedid, peeraccount, sequence';

const CALL_TIMES = new Set(['start', 'answer', 'end']);
const MISSED_TIMES = new Set(['first_attempt', 'last_attempt', 'called_back_at']);
const NO_TIMES = new Set<string>();

/** The four queries of pbx-cdr over one database. */
export class CdrQueries {
  constructor(
    private readonly db: CdrDatabase,
    private readonly rules: CdrRules,
  ) {}

  /**
   * Reads nothing but proves the database is usable: connection, login, the cdr table with every
   * column we read, the permission to read it. Nodes run it when they start.
   */
  async check(timeoutMs = 10_000): Promise<void> {
    await this.db.read([{ text: `SELECT ${CDR_COLUMNS_READ} FROM ${this.db.quotedCdrTable} LIMIT 0`, values: [] }], timeoutMs);
  }

  async run(query: CdrQueryName, input: CdrQueryInput, options: RunOptions = {}): Promise<CdrResult> {
    if (!isCdrQueryName(query)) {
      throw new CdrError('input', `query must be calls, missed, stats or call, not ${JSON.stringify(query)}`);
    }
    const model: CallModelRules = {
      channels: this.rules.channels,
      numbers: this.rules.numbers,
      storedTimezone: this.db.storedTimezone,
      cdrTable: this.db.quotedCdrTable,
    };
    // calls and missed read an inbound call's DID from CEL when the table is there and readable
    const withCel = async (): Promise<CallModelRules> => {
      const [readable] = await this.db.read([buildCelReadableQuery(this.db.celTable)], options.timeoutMs);
      return readable.rows[0]?.readable === true ? { ...model, celTable: quoteTableName(this.db.celTable) } : model;
    };
    const zone = this.db.timezone;
    switch (query) {
      case 'calls': {
        const number = readNumber(input.number, true) as string;
        const callsInput = { number, range: readRange(input.from, input.to, zone, options.now), paging: readPaging(input.limit, input.offset) };
        const statement = buildCallsQuery(await withCel(), callsInput);
        const [result] = await this.db.read([statement], options.timeoutMs);
        return { rows: result.rows.map((row) => shapeRow(row, CALL_TIMES)) };
      }
      case 'missed': {
        const missedInput = {
          number: readNumber(input.number, false),
          range: readRange(input.from, input.to, zone, options.now),
          paging: readPaging(input.limit, input.offset),
        };
        const statement = buildMissedQuery(await withCel(), missedInput);
        const [result] = await this.db.read([statement], options.timeoutMs);
        return { rows: result.rows.map((row) => shapeRow(row, MISSED_TIMES)) };
      }
      case 'stats': {
        const statement = buildStatsQuery(model, {
          number: readNumber(input.number, false),
          range: readRange(input.from, input.to, zone, options.now),
          paging: readPaging(input.limit, input.offset),
        });
        const [result] = await this.db.read([statement], options.timeoutMs);
        return { rows: result.rows.map((row) => shapeRow(row, NO_TIMES)) };
      }
      case 'call': {
        const callId = readCallId(input.callId);
        const [legs, readable] = await this.db.read([buildCallLegsQuery(model, callId), buildCelReadableQuery(this.db.celTable)], options.timeoutMs);
        let cel: CdrRow[] = [];
        if (readable.rows[0]?.readable === true) {
          const [events] = await this.db.read([buildCelEventsQuery(this.db.celTable, this.db.storedTimezone, callId)], options.timeoutMs);
          cel = events.rows.map((row) => shapeCelEvent(row.event as Record<string, unknown>, row.ts as string));
        }
        return { rows: legs.rows.map((row) => shapeRow(row, CALL_TIMES)), cel };
      }
    }
  }
}
