import type { PbxSettings } from '../settings';
import type { PbxEvent } from './pbx-event';

/** The correlator's public types (re-exported by correlator.ts). */
/** What the correlator needs of the PBX's settings (a `PbxSettings` will do). */
export type CorrelatorConfig = Pick<
  PbxSettings,
  'timezone' | 'internalContexts' | 'externalContexts' | 'extensionPattern' | 'trunkPattern' | 'recordName' | 'correlator'
>;

export interface CorrelatorOptions {
  /** Epoch milliseconds (fractions allowed); the time of receipt when an event has no `Timestamp`. */
  now?: () => number;
  /** How long a BlindTransfer waits for the transferee's next DialBegin (ms, default 30 000). */
  transferWindowMs?: number;
  /** How long a pbx-dial registration waits for its call to appear (ms, default 600 000). */
  registrationTtlMs?: number;
}

/** Why an `endcall` was emitted (in `msg.call.reason`). */
export type EndReason = 'hangup' | 'merged' | 'resync' | 'stale';

/** Extra context for a flow, beside the contract's fields (`msg.call`). */
export interface CallContext {
  /** Every extension involved so far: caller, rung, answered, picker, transferer. */
  extensions: string[];
  callerName: string;
  /** The call's start (the epoch in its id), as `ts` is formatted. */
  startedAt: string;
  /** On `endcall`: how the call's end was established. */
  reason?: EndReason;
}

/** One correlated event with its flags (`msg.partial`, `msg.resync`, `msg.call`). */
export interface CorrelatedEvent {
  event: PbxEvent;
  /** The call was first seen mid-flight (after a connect or reconnect): its start is unknown. */
  partial?: true;
  /** Produced by a resync or the stale-call sweep, not by an AMI event for it. */
  resync?: true;
  call: CallContext;
}

/**
 * An extension that began to ring in a call whose `dial` was already reported: another member
 * of a ring group or queue, or a later round. A filter on that extension learns of the call here,
 * since no contract event names a phone that only rings.
 */
export interface RungExtension {
  callId: string;
  exten: string;
}

/** What pbx-dial tells the correlator before it sends an Originate with `ChannelId: callId`. */
export interface OriginateRegistration {
  callId: string;
  /** The extension that rings first (the caller). */
  exten: string;
  /** The number it then dials (the called number). */
  number: string;
  /** The extension's name as the PBX knows the endpoint (not the caller ID shown on the phone). */
  extenName?: string;
}

export interface CorrelatorStats {
  channels: number;
  calls: number;
  /** Calls whose events are reported (dialled, or first seen mid-flight). */
  callsInProgress: number;
  registrations: number;
  pendingOriginates: number;
}
