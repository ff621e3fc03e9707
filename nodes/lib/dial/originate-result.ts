import { field, type AmiMessage } from '../ami/message';
import type { DialOutcome } from './pbx-client';

/**
 * An OriginateResponse's `Reason` is the last control frame the originated channel saw
 * (Asterisk's `pbx_dial_reason`, AST_CONTROL_* values): 4 answered, 5 busy, 3 still
 * ringing when the timeout struck, 8 congestion, 1 hung up, 0 the channel could not be
 * created at all (unknown or unreachable endpoint).
 */
const REASONS: Record<string, { result: DialOutcome; text: string }> = {
  '0': { result: 'failed', text: 'the call could not be placed (unknown or unreachable extension)' },
  '1': { result: 'failed', text: 'the extension hung up or rejected the call' },
  '3': { result: 'no_answer', text: 'the extension did not answer in time' },
  '4': { result: 'answered', text: 'the extension answered; the PBX is dialling the number' },
  '5': { result: 'busy', text: 'the extension is busy' },
  '8': { result: 'failed', text: 'congestion: the PBX could not reach the extension' },
};

export interface OriginateOutcome {
  result: DialOutcome;
  reason: string;
}

/** The dial result an OriginateResponse stands for. */
export function originateOutcome(response: AmiMessage): OriginateOutcome {
  const code = field(response, 'Reason');
  const known = REASONS[code];
  // A Success response is an answer whatever the Reason says (Asterisk 22 always sends 4 then).
  if (field(response, 'Response') === 'Success') return { result: 'answered', reason: `${REASONS['4'].text} (Reason ${code || '4'})` };
  if (known) return { result: known.result, reason: `${known.text} (Reason ${code})` };
  return { result: 'failed', reason: `the PBX gave up on the call (Reason ${code || 'missing'})` };
}
