import type { AmiMessage } from '../ami/message';
import type { CallBook } from './call-book';
import { recordingNameFrom } from './record-name';
import { own } from './call-state';
import { str } from './ami-values';
import { emitDialOnArrival } from './dials';
import { extenOfChannelName } from './transfers';

/**
 * The channel variables the correlator reads (VarSet, `dialplan` class): the recording's file
 * name, the transfer variables and FreePBX's DID; every other VarSet is ignored at once.
 */

export function onVarSet(book: CallBook, m: AmiMessage): void {
  const variable = m.Variable;
  if (
    variable !== 'MIXMONITOR_FILENAME' && variable !== 'CALLFILENAME' && variable !== '__CALLFILENAME' &&
    variable !== 'BLINDTRANSFER' && variable !== 'TRANSFERERNAME' && variable !== 'FROM_DID' && variable !== '__FROM_DID'
  ) return;
  const channel = book.channels.get(str(m.Uniqueid));
  if (channel === undefined) return;
  const value = str(m.Value);
  const call = channel.call;
  switch (variable) {
    case 'MIXMONITOR_FILENAME':
    case 'CALLFILENAME':
    case '__CALLFILENAME':
      if (call.recordingName === '') call.recordingName = own(recordingNameFrom(book.recordNameSource, variable, value));
      break;
    case 'BLINDTRANSFER':
    case 'TRANSFERERNAME':
      // Set on the transferee / the consultation Local channel: the transferer's channel name.
      channel.transferFrom = value === '' ? undefined : extenOfChannelName(book, call, value);
      break;
    default:
      // FreePBX's ext-did sets the DID when the trunk did not put it in the Exten.
      if ((call.dial === 'none' || call.dial === 'due') && call.callerType === 'external' && call.calledNum === '') {
        call.calledNum = own(value);
        emitDialOnArrival(book, call, book.eventMicros(m));
      }
  }
}
