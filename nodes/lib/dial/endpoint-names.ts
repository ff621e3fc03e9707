import type { AmiConnectionApi } from '../ami/connection-api';
import { field } from '../ami/message';

/**
 * The names the PBX gives its extensions, looked up with `PJSIPShowEndpoint` (the
 * endpoint's `callerid = "Alice" <101>`) and kept per PBX. A click-to-dial shows the
 * desk phone the number being called, so the call's events would otherwise name the
 * caller after that caller ID; with this name they name the extension and its owner.
 */
export class EndpointNames {
  private readonly known = new Map<string, { name: string; until: number }>();
  /** Names kept at most (a flood of made-up extensions must not grow it without end). */
  private static readonly MAX_ENTRIES = 2000;
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly options: {
      /** How long a found name is trusted (names rarely change). */
      ttlMs?: number;
      /** How long a failed lookup is not retried (no such endpoint, no permission). */
      failureTtlMs?: number;
      /** How long a lookup may delay a dial. */
      timeoutMs?: number;
      now?: () => number;
    } = {},
  ) {}

  /** The extension's name, `""` when the PBX does not know one; never throws. */
  async nameOf(connection: AmiConnectionApi, exten: string): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.known.get(exten);
    if (cached && cached.until > now) {
      this.remember(exten, cached.name, cached.until);
      return cached.name;
    }
    const inFlight = this.pending.get(exten);
    if (inFlight) return inFlight;
    const lookup = this.lookup(connection, exten).finally(() => this.pending.delete(exten));
    this.pending.set(exten, lookup);
    return lookup;
  }

  /** Forgets every name (e.g. after the PBX reloaded its configuration). */
  clear(): void {
    this.known.clear();
  }

  private async lookup(connection: AmiConnectionApi, exten: string): Promise<string> {
    const { ttlMs = 10 * 60_000, failureTtlMs = 60_000, timeoutMs = 3000, now = Date.now } = this.options;
    try {
      const list = await connection.actionList({ Action: 'PJSIPShowEndpoint', Endpoint: exten }, { timeoutMs });
      const detail = list.events.find((event) => field(event, 'Event') === 'EndpointDetail');
      const name = detail ? nameFromCallerId(field(detail, 'Callerid')) : '';
      this.remember(exten, name, now() + ttlMs);
      return name;
    } catch {
      this.remember(exten, '', now() + failureTtlMs);
      return '';
    }
  }

  private remember(exten: string, name: string, until: number): void {
    this.known.delete(exten);
    this.known.set(exten, { name, until });
    // Map order is insertion order, refreshed on every use: the first key is the least recently used.
    if (this.known.size > EndpointNames.MAX_ENTRIES) this.known.delete(this.known.keys().next().value as string);
  }
}

/** `"Alice" <101>` → `Alice`; `Alice <101>` → `Alice`; `<101>` and `101` → `""`. */
export function nameFromCallerId(callerId: string): string {
  const text = callerId.trim();
  const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1').trim();
  const lt = text.indexOf('<');
  // Without <…>, Asterisk reads digits as the number and anything else as the name.
  if (lt === -1) return /^[0-9+*#]*$/.test(text) ? '' : text;
  return text.slice(0, lt).trim();
}
