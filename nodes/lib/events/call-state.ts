import type { CallerType } from './pbx-event';
import type { ChannelKind } from './channel-classifier';

/**
 * The correlator's memory: live channels (by Uniqueid) grouped into calls (by the Linkedid the
 * call started with). Kept small on purpose — a few short strings per channel and call — so that
 * thousands of live calls stay far below 4 KB each.
 */

/**
 * A copy of a string that does not keep the AMI frame it was cut from alive: V8 keeps substrings
 * of 13+ characters as views into their parent, so a stored Uniqueid would otherwise hold a whole
 * event's text in memory for as long as the call lasts.
 */
export function own(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

/** One set of destinations dialled together: a single extension, a ring group, a queue's members. */
export class DialBatch {
  /** Internal extensions rung, in order (members behind Local channels included). */
  readonly members: string[] = [];
  /** Destinations still ringing. */
  pending = 0;
  /** A ring group / queue: several destinations, or destinations behind Local channels. */
  grouped = false;
  /** The extension whose answer (or pickup) ended this batch. */
  answeredExten = '';
  answered = false;

  /** `groupExten`: what the caller dialled when it is an extension-like number (`600`, `700`). */
  constructor(readonly groupExten: string) {}

  addMember(exten: string): void {
    if (exten !== '' && !this.members.includes(exten)) this.members.push(exten);
    if (this.members.length > 1) this.grouped = true;
  }
}

/** Channel facts kept as bits of one number: thousands of live channels stay small. */
const WAS_BRIDGED = 1;
const TOOK_PART = 2;
const ANSWERED = 4;
const PICKED_UP = 8;
const ORIGINATE_LEG = 16;
const DIAL_ENDED = 32;

export class Channel {
  /** The Linkedid of this channel's last snapshot (not necessarily its call's id: see Pickup). */
  linkedid: string;
  /** The call it belongs to now (re-homed on Linkedid changes, Pickup and native transfers). */
  call!: Call;
  /** The other half of a Local pair. */
  localPeer: Channel | undefined = undefined;
  /** The batch that dialled this channel. */
  batch: DialBatch | undefined = undefined;
  /** The batch this channel is dialling now (its DialBegins as caller). */
  dialing: DialBatch | undefined = undefined;
  /** The bridge it is in now, `""` when none. */
  bridgeId = '';
  /** The last internal extension it shared a bridge with (the transferer, for transfers without an event). */
  bridgedExten = '';
  /** Transfer variables seen on it (BLINDTRANSFER / TRANSFERERNAME): the transferer's extension. */
  transferFrom: string | undefined = undefined;
  /** What it dialled and got answered by (resolves Local chains: `;1 → ;2 → PJSIP/105`). */
  connectedTo: Channel | undefined = undefined;
  private flags = 0;

  constructor(
    readonly uniqueid: string,
    readonly name: string,
    readonly kind: ChannelKind,
    /** Extension number of an internal channel, or the target of a Local channel (`104`). */
    readonly exten: string,
    /** The name the PBX knows the extension by (CallerIDName on its first snapshot). */
    public extenName: string,
    readonly localHalf: 0 | 1 | 2,
    linkedid: string,
  ) {
    this.linkedid = linkedid;
  }

  /** Seen in a bridge at least once. */
  get wasBridged(): boolean {
    return (this.flags & WAS_BRIDGED) !== 0;
  }
  set wasBridged(value: boolean) {
    this.set(WAS_BRIDGED, value);
  }

  /** An internal extension that takes part in the call: it gets `hangup_internal`. */
  get tookPart(): boolean {
    return (this.flags & TOOK_PART) !== 0;
  }
  set tookPart(value: boolean) {
    this.set(TOOK_PART, value);
  }

  /** answer_internal / answer_external / call_pickup was reported for this leg. */
  get answered(): boolean {
    return (this.flags & ANSWERED) !== 0;
  }
  set answered(value: boolean) {
    this.set(ANSWERED, value);
  }

  /** This channel picked the call up (`Pickup` event): its DialEnd ANSWER is not an answer. */
  get pickedUp(): boolean {
    return (this.flags & PICKED_UP) !== 0;
  }
  set pickedUp(value: boolean) {
    this.set(PICKED_UP, value);
  }

  /** The first leg of a click-to-dial (the originating phone), or the Local channel that rings it. */
  get originateLeg(): boolean {
    return (this.flags & ORIGINATE_LEG) !== 0;
  }
  set originateLeg(value: boolean) {
    this.set(ORIGINATE_LEG, value);
  }

  /** Its dial attempt ended (DialEnd; a queue may repeat the CANCEL). */
  get dialEnded(): boolean {
    return (this.flags & DIAL_ENDED) !== 0;
  }
  set dialEnded(value: boolean) {
    this.set(DIAL_ENDED, value);
  }

  private set(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }
}

/**
 * Where a call's first `dial` stands:
 * - `none`: not dialled yet (or never reported: pickup pseudo-calls, calls that only reached an IVR);
 * - `pending`: a click-to-dial by another AMI client waiting for its number (OriginateResponse);
 * - `due`: the call is to be reported, its `dial` waits for its trigger (`dialTrigger`: the first
 *   ringing destination, an inbound call's numbers); both are emitted before any other event of the call;
 * - `emitted`.
 */
export type DialState = 'none' | 'pending' | 'due' | 'emitted';

export class Call {
  readonly channels: Channel[] = [];
  /** `''` only for a call first seen mid-flight until its caller is guessed. */
  callerType: CallerType | '' = 'internal';
  callerNum = '';
  callerName = '';
  calledNum = '';
  /** Frozen at the first emitted event, so every event of the call carries the same name. */
  recordName = '';
  /** `recordName: mixmonitor` / `freepbx`: the recording's name from MIXMONITOR_FILENAME / CALLFILENAME. */
  recordingName = '';
  dial: DialState = 'none';
  /** A click-to-dial by another client whose `dial` went out before its number was known (`originateDialOn=first_leg`). */
  awaitingNumber = false;
  /** First seen mid-flight (after a connect or reconnect): no `dial`, later events flagged. */
  partial = false;
  answered = false;
  answeringExten = '';
  /** The last batch that rang internal extensions: `last_dialed_exten` / `last_dial_answered`. */
  lastInternalBatch: DialBatch | undefined = undefined;
  /** A BlindTransfer waiting for the transferee's next DialBegin. */
  transfer: { exten: string; target: string; untilMs: number } | undefined = undefined;
  /** Every extension involved so far (caller, rung, answered, picker, transferer), for filters. */
  readonly extensions: string[] = [];
  /** Our own pbx-dial click-to-dial (registered before its Originate). */
  ownOriginate = false;
  /** Our own pbx-dial registration: the originating extension's name as the PBX knows it. */
  originatorName = '';
  lastActivityMs: number;

  constructor(
    readonly id: string,
    /** Epoch seconds of the call's start (from its id, else when first seen). */
    readonly startEpochSeconds: number,
    nowMs: number,
  ) {
    this.lastActivityMs = nowMs;
  }

  /** Returns whether the extension is new to the call. */
  addExtension(exten: string): boolean {
    if (exten === '' || this.extensions.length >= 32 || this.extensions.includes(exten)) return false;
    this.extensions.push(exten);
    return true;
  }

  remove(channel: Channel): void {
    const index = this.channels.indexOf(channel);
    if (index !== -1) this.channels.splice(index, 1);
  }

  /** Whether the call's events are reported: it dialled, or it was found mid-flight. */
  get reported(): boolean {
    return this.dial === 'emitted' || this.partial;
  }
}

/** The extension a channel stands for: itself, or the phone behind a Local chain. */
export function extenOf(channel: Channel): string {
  if (channel.kind === 'internal') return channel.exten;
  if (channel.kind === 'local') {
    const leg = resolveLocal(channel);
    return leg !== undefined && leg.kind === 'internal' ? leg.exten : '';
  }
  return '';
}

/** Through Local pairs to the real channel that answered (`;1 → ;2 → PJSIP/105`). */
export function resolveLocal(channel: Channel): Channel | undefined {
  let current: Channel | undefined = channel;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current.kind !== 'local') return current;
    const dialler: Channel | undefined = current.localHalf === 1 ? current.localPeer : current;
    current = dialler?.connectedTo;
  }
  return undefined;
}
