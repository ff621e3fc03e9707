import type { AmiMessage } from '../../nodes/lib/ami/message';

/**
 * Hand-made AMI events shaped as Asterisk 22 sends them (see the live recordings), for call
 * sequences no recording covers. Only the fields the events really carry.
 */
export interface Chan {
  name: string;
  uniqueid: string;
  linkedid: string;
  num?: string;
  cidName?: string;
  context?: string;
  exten?: string;
  state?: number;
}

const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up' };

function snapshot(prefix: string, chan: Chan): AmiMessage {
  const state = chan.state ?? 0;
  return {
    [`${prefix}Channel`]: chan.name,
    [`${prefix}ChannelState`]: String(state),
    [`${prefix}ChannelStateDesc`]: STATE_DESC[state] ?? 'Unknown',
    [`${prefix}CallerIDNum`]: chan.num ?? '<unknown>',
    [`${prefix}CallerIDName`]: chan.cidName ?? '<unknown>',
    [`${prefix}ConnectedLineNum`]: '<unknown>',
    [`${prefix}ConnectedLineName`]: '<unknown>',
    [`${prefix}Language`]: 'en',
    [`${prefix}AccountCode`]: '',
    [`${prefix}Context`]: chan.context ?? 'from-internal',
    [`${prefix}Exten`]: chan.exten ?? 's',
    [`${prefix}Priority`]: '1',
    [`${prefix}Uniqueid`]: chan.uniqueid,
    [`${prefix}Linkedid`]: chan.linkedid,
  };
}

function event(name: string, parts: AmiMessage[], timestamp?: string): AmiMessage {
  const message: AmiMessage = { Event: name, Privilege: 'call,all' };
  if (timestamp !== undefined) message.Timestamp = timestamp;
  return Object.assign(message, ...parts);
}

export const ami = {
  newchannel: (chan: Chan, timestamp?: string): AmiMessage => event('Newchannel', [snapshot('', chan)], timestamp),
  newstate: (chan: Chan, timestamp?: string): AmiMessage => event('Newstate', [snapshot('', chan)], timestamp),
  dialBegin: (caller: Chan | undefined, dest: Chan, dialString: string, timestamp?: string): AmiMessage =>
    event('DialBegin', [caller ? snapshot('', caller) : {}, snapshot('Dest', dest), { DialString: dialString }], timestamp),
  dialEnd: (caller: Chan | undefined, dest: Chan, status: string, timestamp?: string): AmiMessage =>
    event('DialEnd', [caller ? snapshot('', caller) : {}, snapshot('Dest', dest), { DialStatus: status }], timestamp),
  bridgeEnter: (chan: Chan, bridge: string, timestamp?: string): AmiMessage =>
    event('BridgeEnter', [{ BridgeUniqueid: bridge, BridgeType: 'basic', BridgeTechnology: 'simple_bridge' }, snapshot('', chan)], timestamp),
  bridgeLeave: (chan: Chan, bridge: string, timestamp?: string): AmiMessage =>
    event('BridgeLeave', [{ BridgeUniqueid: bridge, BridgeType: 'basic', BridgeTechnology: 'simple_bridge' }, snapshot('', chan)], timestamp),
  hangup: (chan: Chan, cause = 16, timestamp?: string): AmiMessage =>
    event('Hangup', [snapshot('', chan), { Cause: String(cause), 'Cause-txt': cause === 16 ? 'Normal Clearing' : 'Other' }], timestamp),
  varSet: (chan: Chan, variable: string, value: string): AmiMessage =>
    Object.assign(event('VarSet', [snapshot('', chan), { Variable: variable, Value: value }]), { Privilege: 'dialplan,all' }),
  attendedTransfer: (origTransferer: Chan, secondTransferer: Chan, transferee: Chan, target: Chan): AmiMessage =>
    event('AttendedTransfer', [
      { Result: 'Success' },
      snapshot('OrigTransferer', origTransferer),
      snapshot('SecondTransferer', secondTransferer),
      snapshot('Transferee', transferee),
      snapshot('TransferTarget', target),
      { IsExternal: 'Yes', DestType: 'Bridge' },
    ]),
  coreShowChannel: (chan: Chan, extra: { bridgeId?: string; application?: string; data?: string } = {}): AmiMessage => ({
    Event: 'CoreShowChannel',
    ActionID: 'resync-1',
    ...snapshot('', chan),
    Application: extra.application ?? 'AppDial',
    ApplicationData: extra.data ?? '(Outgoing Line)',
    Duration: '00:00:07',
    BridgeId: extra.bridgeId ?? '',
  }),
};
