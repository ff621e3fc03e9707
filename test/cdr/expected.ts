import {
  QUEUE, RING_GROUP, callEnd, callStart, isAnswered, isConnected, type GenCall, type GenLeg, type WallClock,
} from './call-generator';

/**
 * What pbx-cdr must answer, computed in plain JavaScript from what the generator knows about
 * each call (who rang, who answered, kinds of both ends), without SQL and without parsing channel
 * names: the definitions of docs/pbx-cdr.md, applied to the truth.
 */

export interface Range {
  /** epoch seconds, inclusive */
  from: number;
  /** epoch seconds, exclusive */
  to: number;
}

export interface NumberRules {
  internationalPrefix: string;
  stripPrefix: string;
}

export function normalize(number: string, rules: NumberRules): string {
  let out = number.startsWith('+') ? rules.internationalPrefix + number.slice(1) : number;
  if (rules.stripPrefix !== '' && out.startsWith(rules.stripPrefix)) out = out.slice(rules.stripPrefix.length);
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function byLegOrder(a: GenLeg, b: GenLeg): number {
  return a.start - b.start || a.sequence - b.sequence;
}

export function firstLeg(call: GenCall): GenLeg {
  return [...call.legs].sort(byLegOrder)[0];
}

export function firstAnswer(call: GenCall): number | null {
  const answers = call.legs.filter(isConnected).map((leg) => leg.answer as number);
  return answers.length === 0 ? null : Math.min(...answers);
}

export function talkTime(call: GenCall): number {
  return call.legs.filter(isConnected).reduce((sum, leg) => sum + leg.billsec, 0);
}

export function answeringExten(call: GenCall): string {
  const legs = call.legs
    .filter((leg) => isConnected(leg) && leg.toKind === 'extension')
    .sort((a, b) => (b.answer as number) - (a.answer as number) || b.start - a.start || b.sequence - a.sequence);
  return legs[0]?.toExten ?? '';
}

/**
 * The extension the call was last routed to, as pbx-event's `last_dialed_exten`: of the phones
 * rung last together (every generated leg to a phone rang it: the generator makes no pickups),
 * the one that answered; nobody: the ring group's or queue's number when several rang
 * (`groupLastDialed = called_number`), else the one phone.
 */
export function lastDialedExten(call: GenCall): string {
  const rung = call.legs.filter((leg) => leg.toKind === 'extension');
  if (rung.length === 0) return '';
  const lastStart = Math.max(...rung.map((leg) => leg.start));
  const round = rung.filter((leg) => leg.start === lastStart).sort((a, b) => b.sequence - a.sequence);
  const answered = round.filter(isConnected).sort((a, b) => (b.answer as number) - (a.answer as number) || b.sequence - a.sequence);
  if (answered.length > 0) return answered[0].toExten ?? '';
  if (new Set(round.map((leg) => leg.toExten)).size > 1) {
    if (call.scenario === 'group') return RING_GROUP.number;
    if (call.scenario === 'queue') return QUEUE.number;
  }
  return round[0].toExten ?? '';
}

export function inRange(call: GenCall, range: Range): boolean {
  const start = callStart(call);
  return start >= range.from && start < range.to;
}

/** The row the `calls` query must return for a call. */
export function expectedCallRow(call: GenCall, clock: WallClock): Record<string, string | number> {
  const start = callStart(call);
  const end = callEnd(call);
  const answer = firstAnswer(call);
  return {
    call_id: call.callId,
    start: clock.iso(start),
    answer: answer === null ? '' : clock.iso(answer),
    end: clock.iso(end),
    direction: call.direction,
    caller_type: call.direction === 'inbound' ? 'external' : 'internal',
    caller_num: call.callerNum,
    caller_name: call.callerName,
    caller_exten: call.callerExten ?? '',
    called_num: call.calledNum,
    call_answered: answer === null ? 'f' : 't',
    answering_exten: answeringExten(call),
    last_dialed_exten: lastDialedExten(call),
    duration: end - start,
    ring_time: (answer ?? end) - start,
    talk_time: talkTime(call),
    legs: call.legs.length,
  };
}

/** `calls` of a number or extension: calls in the range in which it took part, newest first. */
export function expectedCalls(calls: GenCall[], clock: WallClock, number: string, range: Range, rules: NumberRules): Array<Record<string, string | number>> {
  const key = normalize(number, rules);
  return calls
    .filter((call) => inRange(call, range))
    .filter((call) => call.legs.some((leg) =>
      normalize(leg.src, rules) === key || normalize(leg.dst, rules) === key || leg.fromExten === number || leg.toExten === number))
    .sort((a, b) => callStart(b) - callStart(a) || (b.callId < a.callId ? -1 : b.callId > a.callId ? 1 : 0))
    .map((call) => expectedCallRow(call, clock));
}

/** `missed`: inbound calls nobody answered, grouped by caller, with what happened afterwards. */
export function expectedMissed(calls: GenCall[], clock: WallClock, range: Range, rules: NumberRules): Array<Record<string, string | number>> {
  const missed = calls.filter((call) => call.direction === 'inbound' && !isAnswered(call) && inRange(call, range));
  const groups = new Map<string, GenCall[]>();
  for (const call of missed) {
    const key = normalize(call.callerNum, rules);
    groups.set(key, [...(groups.get(key) ?? []), call]);
  }
  // Later legs by caller key: dialled by an extension (callbacks), or connected from outside.
  const dialledByExtension = new Map<string, GenLeg[]>();
  const connectedFromOutside = new Map<string, GenLeg[]>();
  for (const leg of calls.flatMap((call) => call.legs)) {
    if (leg.fromKind === 'extension') push(dialledByExtension, normalize(leg.dst, rules), leg);
    if (isConnected(leg) && leg.fromKind !== 'extension') push(connectedFromOutside, normalize(leg.src, rules), leg);
  }
  const rows = [...groups.entries()].map(([key, attempts]) => {
    attempts.sort((a, b) => callStart(b) - callStart(a) || (b.callId < a.callId ? -1 : 1));
    const last = attempts[0];
    const lastAt = callStart(last);
    const callbacks = key === '' ? [] : (dialledByExtension.get(key) ?? []).filter((leg) => leg.start > lastAt).sort(byLegOrder);
    const answeredLater = key !== '' && (connectedFromOutside.get(key) ?? []).some((leg) => leg.start > lastAt);
    return {
      sortAt: lastAt,
      key,
      row: {
        caller_num: last.callerNum,
        caller_name: last.callerName,
        attempts: attempts.length,
        first_attempt: clock.iso(Math.min(...attempts.map(callStart))),
        last_attempt: clock.iso(lastAt),
        last_call_id: last.callId,
        called_num: last.calledNum,
        last_dialed_exten: lastDialedExten(last),
        last_ring_time: callEnd(last) - lastAt,
        called_back: callbacks.length > 0 ? 't' : 'f',
        called_back_at: callbacks.length > 0 ? clock.iso(callbacks[0].start) : '',
        called_back_by: callbacks[0]?.fromExten ?? '',
        callback_answered: callbacks.some(isConnected) ? 't' : 'f',
        answered_later: answeredLater ? 't' : 'f',
      } as Record<string, string | number>,
    };
  });
  rows.sort((a, b) => b.sortAt - a.sortAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.map((r) => r.row);
}

interface Tally {
  calls_in: number;
  calls_out: number;
  calls_internal: number;
  answered: number;
  missed: number;
  talk_time: number;
  connected: number;
  ringTotal: number;
  ringCount: number;
}

function emptyTally(): Tally {
  return { calls_in: 0, calls_out: 0, calls_internal: 0, answered: 0, missed: 0, talk_time: 0, connected: 0, ringTotal: 0, ringCount: 0 };
}

/** `stats`: per day, the whole PBX (exten "") and each extension that took part in a call. */
export function expectedStats(calls: GenCall[], clock: WallClock, range: Range): Array<Record<string, string | number>> {
  const tallies = new Map<string, Tally>();
  const tally = (day: string, exten: string): Tally => {
    const key = `${day}|${exten}`;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = emptyTally()));
    return t;
  };
  for (const call of calls.filter((c) => inRange(c, range))) {
    const day = clock.day(callStart(call));
    const answered = isAnswered(call);
    const pbx = tally(day, '');
    if (call.direction === 'inbound') {
      pbx.calls_in++;
      if (answered) {
        pbx.answered++;
        pbx.ringTotal += (firstAnswer(call) as number) - callStart(call);
        pbx.ringCount++;
      } else {
        pbx.missed++;
      }
    } else if (call.direction === 'outbound') pbx.calls_out++;
    else pbx.calls_internal++;
    pbx.talk_time += talkTime(call);
    if (answered) pbx.connected++;

    // Each extension's part in the call.
    const parts = new Map<string, { rung: boolean; answered: boolean; connected: boolean; talk: number; ring: number | null }>();
    const part = (exten: string) => {
      let p = parts.get(exten);
      if (!p) parts.set(exten, (p = { rung: false, answered: false, connected: false, talk: 0, ring: null }));
      return p;
    };
    for (const leg of call.legs) {
      const connected = isConnected(leg);
      if (leg.toKind === 'extension' && leg.toExten) {
        const p = part(leg.toExten);
        p.rung = true;
        if (connected) {
          p.answered = true;
          p.connected = true;
          p.talk += leg.billsec;
          const ring = (leg.answer as number) - leg.start;
          p.ring = p.ring === null ? ring : Math.min(p.ring, ring);
        }
      }
      if (leg.fromKind === 'extension' && leg.fromExten) {
        const p = part(leg.fromExten);
        if (connected) {
          p.connected = true;
          p.talk += leg.billsec;
        }
      }
    }
    for (const [exten, p] of parts) {
      const t = tally(day, exten);
      const isCaller = exten === call.callerExten;
      if (isCaller) t.calls_out++;
      if (p.rung && !isCaller) {
        t.calls_in++;
        if (p.answered) {
          t.answered++;
          t.ringTotal += p.ring as number;
          t.ringCount++;
        }
        if (!answered) t.missed++;
      }
      if (call.direction === 'internal') t.calls_internal++;
      t.talk_time += p.talk;
      if (p.connected) t.connected++;
    }
  }
  return [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, t]) => {
      const [day, exten] = key.split('|');
      return {
        day, exten,
        calls_in: t.calls_in, calls_out: t.calls_out, calls_internal: t.calls_internal,
        answered: t.answered, missed: t.missed, talk_time: t.talk_time, connected: t.connected,
        avg_talk_time: t.connected === 0 ? 0 : t.talk_time / t.connected,
        avg_ring_time: t.ringCount === 0 ? 0 : t.ringTotal / t.ringCount,
      };
    });
}
