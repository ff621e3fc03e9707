import Mustache from 'mustache';

/**
 * Where a rendered value lands decides how it is escaped. Mustache's own escaping is for
 * HTML, which is wrong everywhere a notification goes: `&` in a query value must become
 * `%26`, not `&amp;`.
 * - `url`, `form`: percent-encoding (`encodeURIComponent`, a space is `%20`)
 * - `json`: the content of a JSON string (quotes, backslashes, control characters)
 * - `xml`: XML character escapes
 * - `text`: nothing (a plain-text body)
 * `{{{x}}}` and `{{& x}}` insert a value unescaped, as in any mustache template.
 */
export type EscapeContext = 'url' | 'form' | 'json' | 'xml' | 'text';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface CompiledTemplate {
  readonly source: string;
  readonly context: EscapeContext;
  /** True when the template has no tags (rendering gives the source back). */
  readonly constant: boolean;
  render(view: object): string;
}

/**
 * Parses a template now, so that a broken one is an error when the flow is deployed and
 * not at the first notification. Partials are refused: there is nowhere to define them.
 */
export function compileTemplate(source: string, context: EscapeContext, what = 'template'): CompiledTemplate {
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(source) as unknown[];
  } catch (err) {
    throw new TemplateError(`${what}: ${(err as Error).message}`);
  }
  if (hasPartial(tokens)) throw new TemplateError(`${what}: partials ({{> name}}) are not supported`);
  const escape = escapeFor(context);
  const constant = tokens.every((token) => Array.isArray(token) && token[0] === 'text');
  return {
    source,
    context,
    constant,
    render: (view) => (constant ? source : Mustache.render(source, view, {}, { escape })),
  };
}

function hasPartial(tokens: unknown[]): boolean {
  return tokens.some((token) => Array.isArray(token) && (token[0] === '>' || (Array.isArray(token[4]) && hasPartial(token[4]))));
}

/** The escaping function for a context; it receives the raw value mustache looked up. */
export function escapeFor(context: EscapeContext): (value: unknown) => string {
  switch (context) {
    case 'url':
    case 'form':
      return (value) => encodeURIComponent(wellFormed(valueAsText(value)));
    case 'json':
      return (value) => JSON.stringify(valueAsText(value)).slice(1, -1);
    case 'xml':
      return (value) => escapeXml(valueAsText(value));
    case 'text':
      return (value) => valueAsText(value);
  }
}

/** The escaping that suits a body of this Content-Type. */
export function contextForContentType(contentType: string): EscapeContext {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type.endsWith('/xml') || type.endsWith('+xml')) return 'xml';
  return 'text';
}

/**
 * How any value reads as text: strings as they are, numbers and booleans as JavaScript
 * writes them, dates in ISO 8601, objects and arrays as JSON (not `[object Object]`).
 */
export function valueAsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** encodeURIComponent throws on a lone UTF-16 surrogate; such a character becomes U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Exposed so the vendor format encodes exactly as templates in URLs do. */
export function percentEncode(text: string): string {
  return encodeURIComponent(wellFormed(text));
}
