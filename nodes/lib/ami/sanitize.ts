import type { AmiMessage } from './message';

const HEADER_NAME = /^[A-Za-z0-9_-]+$/;
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/** A value or header name that must never reach the AMI wire. */
export class UnsafeAmiValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeAmiValueError';
  }
}

/**
 * Refuses an action that could inject another one: a CR, LF or NUL in any value, or a
 * header name outside [A-Za-z0-9_-]. Called before a single byte is written.
 */
export function assertSafeAction(action: AmiMessage): void {
  for (const [key, value] of Object.entries(action)) {
    if (!HEADER_NAME.test(key)) {
      throw new UnsafeAmiValueError(`AMI header name ${JSON.stringify(key)} is not allowed (only A-Z, a-z, 0-9, _ and -)`);
    }
    for (const item of typeof value === 'string' ? [value] : value) {
      if (typeof item !== 'string') throw new UnsafeAmiValueError(`AMI header ${key} must be text`);
      if (LINE_BREAK_OR_NUL.test(item)) {
        throw new UnsafeAmiValueError(`AMI header ${key} contains a line break or NUL character; refused`);
      }
    }
  }
}
