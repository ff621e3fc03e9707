/**
 * What a channel is, from its name and its home context (ami-reference.md §3.2): a phone of
 * the PBX (`internal`), a trunk, a Local helper channel (plumbing, never reported), or
 * something else (announcers, recorders, snoop channels).
 */
export type ChannelKind = 'internal' | 'trunk' | 'local' | 'other';

export interface ChannelClassification {
  kind: ChannelKind;
  /** The extension number of an internal channel (the endpoint name, FreePBX-style). */
  exten: string;
  /** 1 or 2 for the two halves of a Local channel (`…;1`, `…;2`), else 0. */
  localHalf: 0 | 1 | 2;
}

export interface ClassifierPatterns {
  internalContexts: RegExp;
  externalContexts: RegExp;
  extensionPattern: RegExp;
  trunkPattern: RegExp;
}

/** Technologies that are neither phones nor trunks. */
const OTHER_TECHS = new Set(['Message', 'Announcer', 'Recorder', 'CBAnn', 'CBRec', 'Snoop', 'Bridge', 'Multicast', 'AudioSocket', 'UnicastRTP', 'WebSocket']);

export class ChannelClassifier {
  constructor(private readonly patterns: ClassifierPatterns) {}

  /**
   * `name` is the channel name (`PJSIP/101-0000002a`, `Local/104@from-queue-00000003;1`),
   * `context` the Context of its first snapshot (the endpoint's configured context),
   * `callerIdNum` its first CallerIDNum (used when the endpoint name is not a number).
   */
  classify(name: string, context: string, callerIdNum: string): ChannelClassification {
    const slash = name.indexOf('/');
    const tech = slash === -1 ? name : name.slice(0, slash);
    if (tech === 'Local') {
      const semicolon = name.lastIndexOf(';');
      const half = semicolon === -1 ? 0 : name.charCodeAt(semicolon + 1) === 50 /* 2 */ ? 2 : 1;
      return { kind: 'local', exten: localExten(name), localHalf: half };
    }
    if (slash === -1 || OTHER_TECHS.has(tech)) return { kind: 'other', exten: '', localHalf: 0 };
    const endpoint = endpointOf(name, slash);
    const { internalContexts, externalContexts, extensionPattern, trunkPattern } = this.patterns;
    let internal: boolean;
    if (trunkPattern.test(endpoint)) internal = false;
    else if (internalContexts.test(context)) internal = true;
    else if (externalContexts.test(context)) internal = false;
    else internal = extensionPattern.test(endpoint);
    if (!internal) return { kind: 'trunk', exten: '', localHalf: 0 };
    // FreePBX names endpoints after extensions; otherwise the endpoint's caller ID number may be one.
    const exten = extensionPattern.test(endpoint) || !extensionPattern.test(callerIdNum) ? endpoint : callerIdNum;
    return { kind: 'internal', exten, localHalf: 0 };
  }
}

/** `PJSIP/101-0000002a` → `101`; `DAHDI/i1/0612345678-5` → `i1/0612345678`; `SIP/carrier` → `carrier`. */
export function endpointOf(name: string, slash = name.indexOf('/')): string {
  const rest = name.slice(slash + 1);
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? rest.slice(0, dash) : rest;
}

/** `Local/104@from-queue-00000003;1` → `104`. */
export function localExten(name: string): string {
  const slash = name.indexOf('/');
  const at = name.indexOf('@', slash + 1);
  return at === -1 ? '' : name.slice(slash + 1, at);
}

/** The name both halves of a Local pair share: `Local/104@from-queue-00000003`. */
export function localPairName(name: string): string {
  const semicolon = name.lastIndexOf(';');
  return semicolon === -1 ? name : name.slice(0, semicolon);
}

/**
 * What a DialBegin dialled, for a transfer's `called_num` when the transfer event did not say:
 * `0612345678@carrier` → `0612345678`, `PJSIP/0612345678@carrier` → `0612345678`, `101` → `101`.
 */
export function dialStringNumber(dialString: string): string {
  let value = dialString;
  const slash = value.lastIndexOf('/');
  if (slash !== -1 && !value.startsWith('sip:')) value = value.slice(slash + 1);
  if (value.startsWith('sip:') || value.startsWith('sips:')) value = value.slice(value.indexOf(':') + 1);
  const at = value.indexOf('@');
  if (at !== -1) value = value.slice(0, at);
  const comma = value.indexOf(',');
  return comma === -1 ? value : value.slice(0, comma);
}
