import type { AmiMessage } from '../nodes/lib/ami/message';

/** Asterisk's channel states (channelstate.h) and the descriptions AMI prints for them. */
export const STATE_DESC: Record<number, string> = {
  0: 'Down', 1: 'Rsrvd', 2: 'OffHook', 3: 'Dialing', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy', 8: 'Dialing Offhook', 9: 'Pre-ring',
};

/** Q.850 hangup causes as `Cause-txt` prints them. */
export const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  34: 'Circuit/channel congestion',
  127: 'Interworking, unspecified',
};

/** AMI prints an empty caller ID or connected line as `<unknown>`. */
const show = (value: string): string => (value === '' ? '<unknown>' : value);

/** One channel of the simulated PBX, with what its AMI snapshot shows. */
export class SimChannel {
  state = 0;
  callerNum = '';
  callerName = '';
  connectedNum = '';
  connectedName = '';
  priority = 1;
  application = '';
  applicationData = '';
  bridgeId = '';
  /** Set by its Hangup event; nothing is sent for it afterwards. */
  hungUp = false;
  /** The CoreShowChannel item for this channel, kept current while it lives. */
  readonly listing: AmiMessage = {};

  constructor(
    readonly name: string,
    readonly uniqueid: string,
    public linkedid: string,
    public context: string,
    public exten: string,
    /** `PJSIP/101` for device state, `""` for Local channels. */
    readonly device: string,
    readonly createdAt: number,
  ) {}

  get stateDesc(): string {
    return STATE_DESC[this.state] ?? `Unknown (${this.state})`;
  }

  /** The snapshot block of every channel event, with a role prefix (`Dest`, `LocalOne`, …). */
  snapshot(prefix = ''): AmiMessage {
    return {
      [`${prefix}Channel`]: this.name,
      [`${prefix}ChannelState`]: String(this.state),
      [`${prefix}ChannelStateDesc`]: this.stateDesc,
      [`${prefix}CallerIDNum`]: show(this.callerNum),
      [`${prefix}CallerIDName`]: show(this.callerName),
      [`${prefix}ConnectedLineNum`]: show(this.connectedNum),
      [`${prefix}ConnectedLineName`]: show(this.connectedName),
      [`${prefix}Language`]: 'en',
      [`${prefix}AccountCode`]: '',
      [`${prefix}Context`]: this.context,
      [`${prefix}Exten`]: this.exten,
      [`${prefix}Priority`]: String(this.priority),
      [`${prefix}Uniqueid`]: this.uniqueid,
      [`${prefix}Linkedid`]: this.linkedid,
    };
  }

  /** Rewrites `listing` in place (the AMI server hands the same objects to CoreShowChannels). */
  refreshListing(now: number): AmiMessage {
    for (const key of Object.keys(this.listing)) delete this.listing[key];
    const seconds = Math.max(0, Math.floor((now - this.createdAt) / 1000));
    const hms = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
    Object.assign(this.listing, this.snapshot(), {
      BridgeId: this.bridgeId,
      Application: this.application,
      ApplicationData: this.applicationData,
      Duration: hms,
    });
    return this.listing;
  }
}
