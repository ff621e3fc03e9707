import { wallClockToEpoch } from '../../nodes/lib/cdr/query-input';
import type { CdrRowValues, CelRowValues } from './asterisk-schema';

/**
 * Realistic call traffic of the lab PBX in test/fixtures/ami/live/pbx-conf (PJSIP phones, the
 * `carrier` trunk, DIDs to extensions, ring group 600, queue 700 with FreePBX-style Local
 * members), written as Asterisk 12+ writes CDRs with cdr_pgsql: one row per pair of channels,
 * a row per dial target, wall-clock times in the PBX's zone, `answer` = 1970-01-01 when nobody
 * answered, Local;1/;2 rows for queue members, the queue's early Answer() marking the caller's
 * first row ANSWERED. Every call also carries what really happened (who rang, who answered,
 * for how long), from which tests compute the expected figures without any SQL.
 */

export type LegEndKind = 'extension' | 'trunk' | 'local' | 'none';

export interface GenLeg {
  values: CdrRowValues;
  sequence: number;
  /** epoch seconds */
  start: number;
  answer: number | null;
  end: number;
  disposition: string;
  billsec: number;
  fromKind: LegEndKind;
  fromExten?: string;
  toKind: LegEndKind;
  toExten?: string;
  src: string;
  dst: string;
}

export type Direction = 'inbound' | 'outbound' | 'internal';

export interface GenCall {
  callId: string;
  scenario: string;
  direction: Direction;
  callerNum: string;
  callerName: string;
  calledNum: string;
  /** the calling extension of an internal or outbound call */
  callerExten?: string;
  legs: GenLeg[];
  cel: CelRowValues[];
}

export interface GeneratorOptions {
  seed: number;
  /** first day, as YYYY-MM-DD in `timezone` */
  firstDay: string;
  days: number;
  callsPerDay: number;
  /** the zone cdr_pgsql writes wall-clock times in */
  timezone: string;
  /** write CEL events for one call in this many (0 = none) */
  celEvery?: number;
}

export const EXTENSIONS = Array.from({ length: 40 }, (_, i) => String(100 + i));
export const RING_GROUP = { number: '600', did: '800123457', members: ['101', '102', '103'] };
export const QUEUE = { number: '700', did: '800123458', members: ['104', '105', '106', '107'] };
export const MAIN_DID = { did: '800123456', exten: '101' };
const NAMES = ['Reception', 'Alice', 'Bob', 'Carol', 'Dave', 'Eve', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter'];
const CUSTOMER_NAMES = ['Jan Novak', 'Petra Svobodova', 'ACME s.r.o.', 'Karel Dvorak', 'Eva Cerna', ''];

export function extensionName(exten: string): string {
  return NAMES[Number(exten) % NAMES.length];
}

/** mulberry32: small, fast, deterministic. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Talk times: mostly short, some long (exponential, capped). */
  talk(): number {
    return Math.min(3600, 5 + Math.floor(-Math.log(1 - this.next()) * 150));
  }
}

/** Wall-clock text in a zone, fast: the offset is looked up once per quarter hour. */
export class WallClock {
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }
  offsetSeconds(epoch: number): number {
    const bucket = Math.floor(epoch / 900);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const parts: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(bucket * 900_000))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
      offset = (Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - bucket * 900_000) / 1000;
      this.offsets.set(bucket, offset);
    }
    return offset;
  }
  /** `2025-03-01 10:00:00` (cdr_pgsql's `%Y-%m-%d %T`), with optional microseconds. */
  text(epoch: number, micros?: number): string {
    const d = new Date((epoch + this.offsetSeconds(epoch)) * 1000);
    const base = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
    return micros === undefined ? base : `${base}.${String(micros).padStart(6, '0')}`;
  }
  /** YYYY-MM-DD of an instant in the zone. */
  day(epoch: number): string {
    return this.text(epoch).slice(0, 10);
  }
  /** ISO 8601 as pbx-cdr writes it: `2025-03-01T10:00:00.0+01:00`. */
  iso(epoch: number): string {
    const offset = this.offsetSeconds(epoch) / 60;
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${this.text(epoch).replace(' ', 'T')}.0${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
  }
}

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

interface Channel {
  name: string;
  uniqueid: string;
  created: number;
}

export class CallGenerator {
  readonly random: Random;
  readonly clock: WallClock;
  private uniqueCounter = 1000;
  private channelCounter = 0x100;
  private sequence = 1;
  private readonly customers: string[];

  constructor(private readonly options: GeneratorOptions) {
    this.random = new Random(options.seed);
    this.clock = new WallClock(options.timezone);
    const customers = new Set<string>();
    while (customers.size < 4000) customers.add(`+420${this.random.pick(['6', '7'])}${String(this.random.int(0, 99_999_999)).padStart(8, '0')}`);
    this.customers = [...customers];
  }

  /** All calls, in the order they started (callbacks included). */
  generate(): GenCall[] {
    const { firstDay, days, callsPerDay } = this.options;
    const [y, m, d] = firstDay.split('-').map(Number);
    const calls: GenCall[] = [];
    const pending: Array<{ at: number; make: () => GenCall }> = [];
    for (let day = 0; day < days; day++) {
      const midnight = Math.floor(wallClockToEpoch(Date.UTC(y, m - 1, d + day), this.options.timezone) / 1000);
      const count = Math.round(callsPerDay * (0.8 + this.random.next() * 0.4));
      const starts: number[] = [];
      for (let i = 0; i < count; i++) {
        // Most calls in office hours, some around the clock (the night's missed calls).
        const second = this.random.chance(0.88) ? this.random.int(8 * 3600, 18 * 3600 - 1) : this.random.int(0, 86_399);
        starts.push(midnight + second);
      }
      starts.sort((a, b) => a - b);
      for (const start of starts) {
        while (pending.length > 0 && pending[0].at <= start) calls.push(pending.shift()!.make());
        const call = this.randomCall(start);
        calls.push(call);
        const callback = this.maybeCallback(call);
        if (callback) {
          pending.push(callback);
          pending.sort((a, b) => a.at - b.at);
        }
      }
    }
    for (const item of pending) calls.push(item.make());
    const celEvery = this.options.celEvery ?? 0;
    if (celEvery > 0) calls.forEach((call, i) => { if (i % celEvery === 0) call.cel = this.celFor(call); });
    return calls;
  }

  private randomCall(start: number): GenCall {
    const night = this.clock.text(start).slice(11, 13) < '07' || this.clock.text(start).slice(11, 13) >= '19';
    const r = this.random.next();
    if (night) {
      // At night only customers call: the DIDs, the group and the queue.
      if (r < 0.4) return this.inboundDid(start);
      if (r < 0.75) return this.inboundRingGroup(start);
      return this.inboundQueue(start);
    }
    if (r < 0.2) return this.internal(start);
    if (r < 0.42) return this.outbound(start, this.randomNumber(), this.random.pick(EXTENSIONS));
    if (r < 0.62) return this.inboundDid(start);
    if (r < 0.85) return this.inboundRingGroup(start);
    return this.inboundQueue(start);
  }

  private randomNumber(): string {
    return this.random.chance(0.5)
      ? `0${this.random.pick(['2', '5', '6', '7'])}${String(this.random.int(0, 99_999_999)).padStart(8, '0')}`
      : `00420${this.random.pick(['6', '7'])}${String(this.random.int(0, 99_999_999)).padStart(8, '0')}`;
  }

  /** Callers repeat: a few numbers call often, so missed attempts group and callbacks matter. */
  private customer(): string {
    if (this.random.chance(0.03)) return 'anonymous';
    const hot = this.random.chance(0.3);
    return hot ? this.customers[this.random.int(0, 199)] : this.random.pick(this.customers);
  }

  private channel(tech: string, endpoint: string, created: number): Channel {
    this.channelCounter++;
    this.uniqueCounter++;
    return {
      name: `${tech}/${endpoint}-${this.channelCounter.toString(16).padStart(8, '0')}`,
      uniqueid: `${created}.${this.uniqueCounter}`,
      created,
    };
  }

  private localPair(exten: string, context: string, created: number): [Channel, Channel] {
    this.channelCounter++;
    const base = `Local/${exten}@${context}-${this.channelCounter.toString(16).padStart(8, '0')}`;
    this.uniqueCounter += 2;
    return [
      { name: `${base};1`, uniqueid: `${created}.${this.uniqueCounter - 1}`, created },
      { name: `${base};2`, uniqueid: `${created}.${this.uniqueCounter}`, created },
    ];
  }

  private leg(
    linkedid: string,
    partyA: Channel,
    partyB: Channel | null,
    fields: {
      src: string; dst: string; clid: string; dcontext: string; lastapp: string; lastdata: string;
      start: number; answer: number | null; end: number; disposition: string;
      fromKind: LegEndKind; fromExten?: string; toKind: LegEndKind; toExten?: string;
    },
  ): GenLeg {
    const sequence = this.sequence++;
    const billsec = fields.answer === null ? 0 : fields.end - fields.answer;
    const values: CdrRowValues = {
      accountcode: '', src: fields.src, dst: fields.dst, dcontext: fields.dcontext, clid: fields.clid,
      channel: partyA.name, dstchannel: partyB?.name ?? '', lastapp: fields.lastapp, lastdata: fields.lastdata,
      start: this.clock.text(fields.start),
      // cdr_pgsql formats a zero answer time as the epoch in local time.
      answer: this.clock.text(fields.answer ?? 0),
      end: this.clock.text(fields.end),
      duration: fields.end - fields.start, billsec, disposition: fields.disposition, amaflags: 'DOCUMENTATION',
      userfield: '', uniqueid: partyA.uniqueid, linkedid, peeraccount: '', sequence,
    };
    return {
      values, sequence, start: fields.start, answer: fields.answer, end: fields.end, disposition: fields.disposition, billsec,
      fromKind: fields.fromKind, fromExten: fields.fromExten, toKind: fields.toKind, toExten: fields.toExten,
      src: fields.src, dst: fields.dst,
    };
  }

  private clidOf(exten: string): string {
    return `"${extensionName(exten)}" <${exten}>`;
  }

  /** Carriers send a name for some callers only: clid `"Name" <number>` or just the number. */
  private customerClid(number: string): { clid: string; name: string } {
    const name = number === 'anonymous' ? '' : this.random.pick(CUSTOMER_NAMES);
    return name === '' ? { clid: number, name: '' } : { clid: `"${name}" <${number}>`, name };
  }

  internal(start: number, caller = this.random.pick(EXTENSIONS), callee?: string): GenCall {
    let target = callee ?? this.random.pick(EXTENSIONS);
    while (target === caller) target = this.random.pick(EXTENSIONS);
    const a = this.channel('PJSIP', caller, start);
    const b = this.channel('PJSIP', target, start);
    const outcome = this.random.next();
    const base = {
      src: caller, dst: target, clid: this.clidOf(caller), dcontext: 'from-internal', lastapp: 'Dial', lastdata: `PJSIP/${target},15,tT`,
      start, fromKind: 'extension' as const, fromExten: caller, toKind: 'extension' as const, toExten: target,
    };
    let leg: GenLeg;
    if (outcome < 0.7) {
      const ring = this.random.int(2, 14);
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: start + ring, end: start + ring + this.random.talk(), disposition: 'ANSWERED' });
    } else if (outcome < 0.9) {
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: null, end: start + (this.random.chance(0.6) ? 15 : this.random.int(3, 14)), disposition: 'NO ANSWER' });
    } else {
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: null, end: start + this.random.int(0, 1), disposition: 'BUSY' });
    }
    return { callId: a.uniqueid, scenario: 'internal', direction: 'internal', callerNum: caller, callerName: extensionName(caller), calledNum: target, callerExten: caller, legs: [leg], cel: [] };
  }

  outbound(start: number, number: string, caller: string, answerChance = 0.65): GenCall {
    const a = this.channel('PJSIP', caller, start);
    const b = this.channel('PJSIP', 'carrier', start);
    const base = {
      src: caller, dst: number, clid: this.clidOf(caller), dcontext: 'from-internal', lastapp: 'Dial', lastdata: `PJSIP/${number}@carrier,25,tT`,
      start, fromKind: 'extension' as const, fromExten: caller, toKind: 'trunk' as const,
    };
    const outcome = this.random.next();
    let leg: GenLeg;
    if (outcome < answerChance) {
      const ring = this.random.int(3, 20);
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: start + ring, end: start + ring + this.random.talk(), disposition: 'ANSWERED' });
    } else if (outcome < answerChance + (1 - answerChance) * 0.6) {
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: null, end: start + this.random.int(5, 25), disposition: 'NO ANSWER' });
    } else if (outcome < answerChance + (1 - answerChance) * 0.9) {
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: null, end: start + this.random.int(1, 4), disposition: 'BUSY' });
    } else {
      leg = this.leg(a.uniqueid, a, b, { ...base, answer: null, end: start, disposition: 'FAILED' });
    }
    return { callId: a.uniqueid, scenario: 'outbound', direction: 'outbound', callerNum: caller, callerName: extensionName(caller), calledNum: number, callerExten: caller, legs: [leg], cel: [] };
  }

  inboundDid(start: number, caller = this.customer()): GenCall {
    const main = this.random.chance(0.3);
    const exten = main ? MAIN_DID.exten : this.random.pick(EXTENSIONS);
    const did = main ? MAIN_DID.did : `80012351${exten.slice(-2)}`;
    const trunk = this.channel('PJSIP', 'carrier', start);
    const { clid, name } = this.customerClid(caller);
    const phone = this.channel('PJSIP', exten, start);
    const base = {
      src: caller, dst: did, clid, dcontext: 'from-trunk', lastapp: 'Dial', lastdata: `PJSIP/${exten},15,tT`, start,
      fromKind: 'trunk' as const, toKind: 'extension' as const, toExten: exten,
    };
    const legs: GenLeg[] = [];
    const outcome = this.random.next();
    if (outcome < 0.7) {
      const ring = this.random.int(2, 14);
      const talk = this.random.talk();
      if (this.random.chance(0.15)) {
        // Blind transfer: the caller continues from from-internal-xfer to another phone.
        let target = this.random.pick(EXTENSIONS);
        while (target === exten) target = this.random.pick(EXTENSIONS);
        const at = start + ring + talk;
        legs.push(this.leg(trunk.uniqueid, trunk, phone, { ...base, answer: start + ring, end: at, disposition: 'ANSWERED' }));
        const second = this.channel('PJSIP', target, at);
        const transferBase = {
          ...base, dst: target, dcontext: 'from-internal-xfer', lastdata: `PJSIP/${target},15,tT`, start: at, toExten: target,
        };
        if (this.random.chance(0.8)) {
          const ring2 = this.random.int(2, 12);
          legs.push(this.leg(trunk.uniqueid, trunk, second, { ...transferBase, answer: at + ring2, end: at + ring2 + this.random.talk(), disposition: 'ANSWERED' }));
        } else {
          legs.push(this.leg(trunk.uniqueid, trunk, second, { ...transferBase, answer: null, end: at + 15, disposition: 'NO ANSWER' }));
        }
      } else {
        legs.push(this.leg(trunk.uniqueid, trunk, phone, { ...base, answer: start + ring, end: start + ring + talk, disposition: 'ANSWERED' }));
      }
    } else if (outcome < 0.95) {
      const ring = this.random.chance(0.6) ? 15 : this.random.int(3, 14);
      legs.push(this.leg(trunk.uniqueid, trunk, phone, { ...base, answer: null, end: start + ring, disposition: 'NO ANSWER' }));
      if (ring === 15 && this.random.chance(0.4)) {
        // Voicemail answers the caller: ANSWERED, but no person (no destination channel).
        legs.push(this.leg(trunk.uniqueid, trunk, null, {
          ...base, lastapp: 'VoiceMail', lastdata: `${exten}@default,u`, start: start + ring, answer: start + ring,
          end: start + ring + this.random.int(5, 40), disposition: 'ANSWERED', toKind: 'none', toExten: undefined,
        }));
      }
    } else {
      legs.push(this.leg(trunk.uniqueid, trunk, phone, { ...base, answer: null, end: start + 1, disposition: 'BUSY' }));
    }
    return { callId: trunk.uniqueid, scenario: 'did', direction: 'inbound', callerNum: caller, callerName: name, calledNum: did, legs, cel: [] };
  }

  inboundRingGroup(start: number, caller = this.customer()): GenCall {
    const trunk = this.channel('PJSIP', 'carrier', start);
    const { clid, name } = this.customerClid(caller);
    const phones = RING_GROUP.members.map((member) => this.channel('PJSIP', member, start));
    const answered = this.random.chance(0.7);
    const ring = answered ? this.random.int(2, 14) : this.random.chance(0.6) ? 15 : this.random.int(2, 14);
    const winner = answered ? this.random.int(0, phones.length - 1) : -1;
    const talk = this.random.talk();
    const legs = phones.map((phone, i) =>
      this.leg(trunk.uniqueid, trunk, phone, {
        src: caller, dst: RING_GROUP.number, clid, dcontext: 'ext-group', lastapp: 'Dial',
        lastdata: `${RING_GROUP.members.map((m) => `PJSIP/${m}`).join('&')},15,tT`, start,
        answer: i === winner ? start + ring : null,
        end: i === winner ? start + ring + talk : start + ring,
        disposition: i === winner ? 'ANSWERED' : 'NO ANSWER',
        fromKind: 'trunk', toKind: 'extension', toExten: RING_GROUP.members[i],
      }),
    );
    return { callId: trunk.uniqueid, scenario: 'group', direction: 'inbound', callerNum: caller, callerName: name, calledNum: RING_GROUP.number, legs, cel: [] };
  }

  /**
   * The queue answers the caller first (Answer()), then rings its members through Local
   * channels. The caller's first row inherits that answer: ANSWERED towards a Local channel
   * even when no member picks up.
   */
  inboundQueue(start: number, caller = this.customer()): GenCall {
    const trunk = this.channel('PJSIP', 'carrier', start);
    const { clid, name } = this.customerClid(caller);
    const dialAt = start + 1;
    const answered = this.random.chance(0.65);
    const wait = this.random.int(2, 60);
    const winner = answered ? this.random.int(0, QUEUE.members.length - 1) : -1;
    const talk = this.random.talk();
    const legs: GenLeg[] = [];
    QUEUE.members.forEach((member, i) => {
      const [one, two] = this.localPair(member, 'from-queue', dialAt);
      const phone = this.channel('PJSIP', member, dialAt);
      const won = i === winner;
      const end = won ? dialAt + wait + talk : dialAt + wait;
      const first = i === 0;
      legs.push(this.leg(trunk.uniqueid, trunk, one, {
        src: caller, dst: QUEUE.number, clid, dcontext: 'ext-queues', lastapp: 'Queue', lastdata: 'support,tTr,,,60',
        start: first ? start : dialAt,
        answer: first ? start : won ? dialAt + wait : null,
        end,
        disposition: first || won ? 'ANSWERED' : 'NO ANSWER',
        fromKind: 'trunk', toKind: 'local',
      }));
      legs.push(this.leg(trunk.uniqueid, two, phone, {
        src: caller, dst: member, clid, dcontext: 'from-queue', lastapp: 'Dial', lastdata: `PJSIP/${member},,tT`,
        start: dialAt, answer: won ? dialAt + wait : null, end, disposition: won ? 'ANSWERED' : 'NO ANSWER',
        fromKind: 'local', toKind: 'extension', toExten: member,
      }));
    });
    return { callId: trunk.uniqueid, scenario: 'queue', direction: 'inbound', callerNum: caller, callerName: name, calledNum: QUEUE.number, legs, cel: [] };
  }

  /** Someone calls back about half of the missed callers, minutes to hours later. */
  private maybeCallback(call: GenCall): { at: number; make: () => GenCall } | null {
    if (call.direction !== 'inbound' || call.callerNum === 'anonymous') return null;
    if (isAnswered(call) || !this.random.chance(0.5)) return null;
    const at = callEnd(call) + this.random.int(120, 4 * 3600);
    const dialled = this.random.chance(0.6) ? `00${call.callerNum.slice(1)}` : call.callerNum;
    const by = this.random.pick(EXTENSIONS);
    return { at, make: () => ({ ...this.outbound(at, dialled, by, 0.6), scenario: 'callback' }) };
  }

  /** CEL rows for a call: each channel's start, answer, bridge, hangup, end; LINKEDID_END last. */
  private celFor(call: GenCall): CelRowValues[] {
    const events: Array<{ at: number; micros: number; row: CelRowValues }> = [];
    const seen = new Set<string>();
    const add = (type: string, at: number, channel: string, uniqueid: string, leg: GenLeg, extra = '') => {
      events.push({
        at, micros: this.random.int(0, 999_999),
        row: {
          eventtype: type, eventtime: '', userdeftype: '', cid_name: '', cid_num: leg.src, cid_ani: leg.src, cid_rdnis: '',
          cid_dnid: leg.dst, exten: leg.dst, context: String(leg.values.dcontext), channame: channel, appname: type === 'ANSWER' ? 'Dial' : '',
          appdata: '', amaflags: 3, accountcode: '', peeraccount: '', uniqueid, linkedid: call.callId, userfield: '', peer: '', extra,
        },
      });
    };
    for (const leg of call.legs) {
      const a = String(leg.values.channel);
      const aId = String(leg.values.uniqueid);
      if (!seen.has(a)) {
        seen.add(a);
        add('CHAN_START', leg.start, a, aId, leg);
        add('HANGUP', leg.end, a, aId, leg, '{"hangupcause":16,"hangupsource":"","dialstatus":""}');
        add('CHAN_END', leg.end, a, aId, leg);
      }
      const b = String(leg.values.dstchannel);
      if (b !== '' && !seen.has(b)) {
        seen.add(b);
        const bId = `${aId}-peer-${leg.sequence}`;
        add('CHAN_START', leg.start, b, bId, leg);
        if (leg.answer !== null) add('ANSWER', leg.answer, b, bId, leg);
        add('HANGUP', leg.end, b, bId, leg);
        add('CHAN_END', leg.end, b, bId, leg);
      }
    }
    add('LINKEDID_END', callEnd(call), String(call.legs[0].values.channel), call.callId, call.legs[0]);
    events.sort((x, y) => x.at - y.at || x.micros - y.micros);
    return events.map((e) => ({ ...e.row, eventtime: this.clock.text(e.at, e.micros) }));
  }
}

export function isConnected(leg: GenLeg): boolean {
  return leg.disposition === 'ANSWERED' && (leg.toKind === 'extension' || leg.toKind === 'trunk');
}

export function isAnswered(call: GenCall): boolean {
  return call.legs.some(isConnected);
}

export function callStart(call: GenCall): number {
  return Math.min(...call.legs.map((leg) => leg.start));
}

export function callEnd(call: GenCall): number {
  return Math.max(...call.legs.map((leg) => leg.end));
}

export function countRows(calls: GenCall[]): number {
  return calls.reduce((sum, call) => sum + call.legs.length, 0);
}
