/**
 * Strict decoding of `application/x-www-form-urlencoded` text (a URL query or a form body).
 * Unlike `URLSearchParams`, a broken `%` escape or bytes that are not UTF-8 are an error:
 * the PBX sent garbage, and the endpoint answers 400 instead of guessing.
 */
export class FormDecodingError extends Error {
  override name = 'FormDecodingError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one key or value: `+` is a space, `%XX` a byte, the bytes UTF-8. */
export function decodeFormComponent(text: string): string {
  if (!text.includes('%')) return text.replace(/\+/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new FormDecodingError(`bad percent escape near "${text.slice(i, i + 3)}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (ch === '+') {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    throw new FormDecodingError('percent-encoded bytes are not UTF-8');
  }
}

/**
 * The `key=value` pairs in the order sent. A key without `=` has the value `""`
 * (the vendor keeps keys of missing values); empty pieces (`a=1&&b=2`) are skipped.
 */
export function decodeForm(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = decodeFormComponent(eq < 0 ? piece : piece.slice(0, eq));
    const value = eq < 0 ? '' : decodeFormComponent(piece.slice(eq + 1));
    if (key === '') throw new FormDecodingError('a field without a name');
    pairs.push([key, value]);
  }
  return pairs;
}
