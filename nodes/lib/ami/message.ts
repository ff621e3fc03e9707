/**
 * AMI messages as plain objects. A key that appears more than once in a message
 * (`Output`, `ChanVariable`, `Variable`) keeps every value, in order, as an array.
 */
export type AmiValue = string | string[];
export type AmiMessage = Record<string, AmiValue>;

/** The first (or only) value of a key, `""` when absent. */
export function field(message: AmiMessage, key: string): string {
  const value = message[key];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (value[0] ?? '');
}

/** Every value of a key, `[]` when absent. */
export function fieldList(message: AmiMessage, key: string): string[] {
  const value = message[key];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Parses one message (its lines, without the blank line that ends it). */
export function parseAmiMessage(text: string): AmiMessage {
  const message: AmiMessage = {};
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const colon = text.indexOf(':', start);
    if (colon !== -1 && colon < lineEnd) {
      const key = text.slice(start, colon).trim();
      const value = text.slice(colon + 1, lineEnd).trim();
      if (key) addValue(message, key, value);
    }
    start = end + 1;
  }
  return message;
}

function addValue(message: AmiMessage, key: string, value: string): void {
  const existing = message[key];
  if (existing === undefined) message[key] = value;
  else if (typeof existing === 'string') message[key] = [existing, value];
  else existing.push(value);
}

/**
 * Splits text holding one or more messages. A blank line ends a message whether it is
 * `\r\n\r\n` or `\r\n\n` (asterisk#761 sends the latter), so no two messages merge.
 */
export function splitAmiMessages(text: string): string[] {
  return text.split(/\r?\n\r?\n/).filter((part) => part.trim() !== '');
}

/** The wire form of an action: `Key: value` lines and the blank line that ends it. */
export function serializeAmiMessage(message: AmiMessage): string {
  let out = '';
  for (const [key, value] of Object.entries(message)) {
    for (const item of typeof value === 'string' ? [value] : value) out += `${key}: ${item}\r\n`;
  }
  return out + '\r\n';
}
