/**
 * What `pbx-dial` and `pbx-hangup` ask of a PBX, whichever way it is reached:
 * `AmiPbxClient` (Asterisk's AMI) or `HttpPbxClient` (the vendor's HTTP API).
 * Inputs are raw (as the node's TypedInputs resolved them): each client validates them
 * itself, so nothing unchecked can reach the PBX whatever calls it.
 */

export interface DialInput {
  /** The number to call (text or a whole number). */
  number: unknown;
  /** The extension whose phone rings first. */
  exten: unknown;
  /** What the desk phone shows while it rings (AMI only); empty: the number. */
  callerId?: unknown;
  /** `NAME=value` per line (AMI only). */
  variables?: unknown;
  /** Where the values came from (`msg.payload.number`), named in error messages. */
  sources?: { number?: string; exten?: string };
}

/** `number (msg.payload.number)`: a value's name for error messages, with its source if known. */
export function named(what: string, source: string | undefined): string {
  return source ? `${what} (${source})` : what;
}

/** `requested`: the HTTP API accepted the request; it does not say how the call went. */
export type DialOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'requested';

export interface DialResult {
  /** The call's Linkedid (AMI: the ChannelId we passed); `""` over HTTP. */
  call_id: string;
  exten: string;
  /** The number as dialled (after normalisation). */
  number: string;
  result: DialOutcome;
  /** Why, in words (AMI: from the OriginateResponse Reason). */
  reason: string;
  /** HTTP only: the status code and the response body. */
  statusCode?: number;
  response?: unknown;
}

export interface HangupInput {
  /** Hang up every channel of this extension… */
  exten?: unknown;
  /** …or, when this is not empty, every channel of this call. */
  callId?: unknown;
  /** Where the values came from, named in error messages. */
  sources?: { exten?: string; callId?: string };
}

export interface HangupResult {
  exten: string;
  call_id: string;
  /** Channels hung up (0: there was nothing to hang up); `null` over HTTP (not reported). */
  hungup: number | null;
  statusCode?: number;
  response?: unknown;
}

export interface PbxClient {
  readonly transport: 'ami' | 'http';
  dial(input: DialInput): Promise<DialResult>;
  hangup(input: HangupInput): Promise<HangupResult>;
}
