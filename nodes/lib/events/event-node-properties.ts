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

/**
 * The per-node filter: the chosen event names, and — when extensions are given — only calls in
 * which one of them takes part. A call that matched once stays matched until its `endcall`, so
 * its later events pass even when they do not name the extension (an `endcall` answered elsewhere).
 */
export class CallEventFilter {
  private readonly matchedCalls = new Set<string>();

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
      if (matches && callId !== '' && name !== 'endcall') {
        if (this.matchedCalls.size >= MAX_REMEMBERED_CALLS) this.matchedCalls.delete(this.matchedCalls.values().next().value as string);
        this.matchedCalls.add(callId);
      }
    }
    this.forgetIfEnded(event);
    return matches;
  }

  private forgetIfEnded(event: Record<string, string>): void {
    if (event.event === 'endcall' && event.call_id !== undefined) this.matchedCalls.delete(event.call_id);
  }
}
