import { PBX_EVENT_NAMES, isPbxEventName } from './pbx-event';

/**
 * The `pbx-event` node's properties (design/nodes.md), with the defaults applied when a flow
 * was deployed without the editor, and the per-node filters they define.
 */
export type EventSource = 'ami' | 'http' | 'raw';

export interface EventNodeProperties {
  source: EventSource;
  /** The contract events to emit (all six by default). */
  events: ReadonlySet<string>;
  /** Only calls in which one of these extensions takes part (empty: every call). */
  extensions: ReadonlySet<string>;
  /** `raw` source: AMI event names to pass (empty: all). */
  rawEvents: ReadonlySet<string>;
}

export function readEventNodeProperties(raw: Record<string, unknown>): EventNodeProperties {
  const source = raw.source === undefined || raw.source === '' ? 'ami' : String(raw.source);
  if (source !== 'ami' && source !== 'http' && source !== 'raw') {
    throw new Error(`source must be ami, http or raw, not ${JSON.stringify(source)}`);
  }
  const events = list(raw.events);
  for (const name of events) {
    if (!isPbxEventName(name)) throw new Error(`events: ${JSON.stringify(name)} is not one of ${PBX_EVENT_NAMES.join(', ')}`);
  }
  return {
    source,
    events: new Set(events.length === 0 ? PBX_EVENT_NAMES : events),
    extensions: new Set(list(raw.extensions)),
    rawEvents: new Set(list(raw.rawEvents)),
  };
}

/** A comma list (`101, 102`) or an array, trimmed, without empty items. */
function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Fields of the contract events that name an extension or a number a filter may look for. */
const PARTY_FIELDS = ['caller_num', 'called_num', 'exten_num', 'transfering_exten', 'answering_exten', 'last_dialed_exten'] as const;

/** How many calls the extension filter remembers as matching (more than any PBX has at once). */
const MAX_REMEMBERED_CALLS = 10_000;

/** After one of these a call no longer rings: a `dial` held for it is no news any more. */
const ENDS_RINGING = new Set(['answer_internal', 'answer_external', 'call_pickup', 'endcall']);

/**
 * The per-node filter: the chosen event names, and — when extensions are given — only calls in
 * which one of them takes part. A call that matched once stays matched until its `endcall`, so
 * its later events pass even when they do not name the extension (an `endcall` answered elsewhere).
 *
 * A ring group's or queue's `dial` comes at its first DialBegin and names the members rung so
 * far; a filtered member rung later would miss it. So `pass` holds back a `dial` that does not
 * match while its call rings, and hands it out when one of the extensions begins to ring (`rung`)
 * or first takes part otherwise; once the call is answered or ends, the held `dial` is dropped.
 */
export class CallEventFilter<Item = unknown> {
  private readonly matchedCalls = new Set<string>();
  private readonly heldDials = new Map<string, Item>();

  constructor(private readonly properties: Pick<EventNodeProperties, 'events' | 'extensions'>) {}

  /**
   * `event`: the payload (`event`, `call_id`, the contract's fields); `involved`: extensions the
   * correlator knows took part in the call so far (`msg.call.extensions`), if any.
   */
  accepts(event: Record<string, string>, involved: readonly string[] = []): boolean {
    const name = event.event;
    // Events outside the contract (later vendor versions over HTTP) are not the events filter's business.
    if (isPbxEventName(name) && !this.properties.events.has(name)) {
      this.forgetIfEnded(event);
      return false;
    }
    const extensions = this.properties.extensions;
    if (extensions.size === 0) return true;
    const callId = event.call_id ?? '';
    let matches = callId !== '' && this.matchedCalls.has(callId);
    if (!matches) {
      matches = involved.some((exten) => extensions.has(exten)) || PARTY_FIELDS.some((key) => extensions.has(event[key] ?? ''));
      if (matches && name !== 'endcall') this.remember(callId);
    }
    this.forgetIfEnded(event);
    return matches;
  }

  /**
   * `accepts` for the correlated events of the AMI source, with the held `dial`s: calls `send`
   * for a released `dial` first, then for the event itself if it passes.
   */
  pass(event: Record<string, string>, involved: readonly string[], item: Item, send: (item: Item) => void): void {
    const callId = event.call_id ?? '';
    if (this.properties.extensions.size === 0 || callId === '') {
      if (this.accepts(event, involved)) send(item);
      return;
    }
    const held = this.heldDials.get(callId);
    if (this.accepts(event, involved)) {
      if (held !== undefined) {
        this.heldDials.delete(callId);
        send(held);
      }
      send(item);
    } else if (event.event === 'dial' && held === undefined && this.properties.events.has('dial')) {
      if (this.heldDials.size >= MAX_REMEMBERED_CALLS) this.heldDials.delete(this.heldDials.keys().next().value as string);
      this.heldDials.set(callId, item);
    } else if (held !== undefined && ENDS_RINGING.has(event.event)) {
      this.heldDials.delete(callId);
    }
  }

  /**
   * An extension began to ring in a call (CallTracker.onRung). If it is one of ours, the call
   * matches from now on; returns its held `dial`, to be sent now.
   */
  rung(callId: string, exten: string): Item | undefined {
    if (callId === '' || !this.properties.extensions.has(exten)) return undefined;
    this.remember(callId);
    const held = this.heldDials.get(callId);
    if (held !== undefined) this.heldDials.delete(callId);
    return held;
  }

  private remember(callId: string): void {
    if (callId === '' || this.matchedCalls.has(callId)) return;
    if (this.matchedCalls.size >= MAX_REMEMBERED_CALLS) this.matchedCalls.delete(this.matchedCalls.values().next().value as string);
    this.matchedCalls.add(callId);
  }

  private forgetIfEnded(event: Record<string, string>): void {
    if (event.event !== 'endcall' || event.call_id === undefined) return;
    this.matchedCalls.delete(event.call_id);
    this.heldDials.delete(event.call_id);
  }
}
