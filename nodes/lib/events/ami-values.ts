import type { AmiValue } from '../ami/message';

/** How Asterisk prints an empty caller ID or connected line. */
export const UNKNOWN = '<unknown>';

/** A header's value as text (the first of a repeated header); `''` when absent. */
export function str(value: AmiValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (value[0] ?? '');
}

/** `<unknown>` never leaks into an event: it becomes `''`. */
export function clean(value: string): string {
  return value === UNKNOWN ? '' : value;
}

/** CallerIDName values are C-escaped by Asterisk (`\"`, `\\`). */
export function unescape(value: string): string {
  return value.includes('\\') ? value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : value;
}

/** The digits a phone dialled, as the channel's Exten shows them (`s` is no number). */
export function dialledExten(exten: string): string {
  return exten === 's' || exten === UNKNOWN || exten.startsWith('~~') ? '' : exten;
}
