import type { NotifyMethod, NotifySettings } from './notify-settings';
import { compileTemplate, contextForContentType, type CompiledTemplate } from './template';
import { appendQuery, vendorQuery } from './vendor-format';

/**
 * One HTTP request, rendered from a message, ready to send and to keep on disk: plain
 * JSON, and without credentials (authentication is added when it is sent).
 */
export interface PreparedRequest {
  method: NotifyMethod;
  url: string;
  headers: Record<string, string>;
  /** Absent for a request without body. */
  body?: string;
}

/** A message that cannot become a request (no retry can fix it). */
export class RequestBuildError extends Error {
  override name = 'RequestBuildError';
}

export interface RequestBuilder {
  build(msg: object): PreparedRequest;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * Compiles the node's templates once (a broken template throws a `TemplateError` here,
 * at deploy) and returns the function that turns each message into a request.
 */
export function createRequestBuilder(settings: NotifySettings): RequestBuilder {
  const url = compileTemplate(settings.url, 'url', 'url');
  const contentType = settings.format === 'template' ? settings.contentType || 'text/plain; charset=utf-8' : '';
  const body = settings.format === 'template' ? compileTemplate(settings.body, contextForContentType(contentType), 'body') : undefined;
  // header values are text: CR/LF are refused after rendering, other characters kept
  const headers: Array<{ name: string; value: CompiledTemplate }> = settings.headers.map((h) => ({
    name: h.name,
    value: compileTemplate(h.value, 'text', `header ${h.name}`),
  }));
  const hasBody = settings.method !== 'GET';

  return {
    build(msg) {
      const view = msg as { payload?: unknown };
      let target = url.render(view);
      const out: Record<string, string> = {};
      let requestBody: string | undefined;

      if (settings.format === 'template') {
        const rendered = body!.render(view);
        if (hasBody || rendered !== '') {
          requestBody = rendered;
          out['Content-Type'] = contentType;
        }
      } else if (settings.format === 'json' && hasBody) {
        requestBody = JSON.stringify(view.payload === undefined ? null : view.payload);
        out['Content-Type'] = JSON_TYPE;
      } else {
        const query = vendorQuery(payloadFields(view.payload));
        if (hasBody) {
          requestBody = query;
          out['Content-Type'] = FORM;
        } else {
          target = appendQuery(target, query);
        }
      }

      for (const header of headers) {
        const value = header.value.render(view);
        if (/[\r\n\0]/.test(value)) throw new RequestBuildError(`header ${header.name}: the value contains a line break or NUL`);
        setHeader(out, header.name, value);
      }
      checkUrl(target);
      return requestBody === undefined ? { method: settings.method, url: target, headers: out } : { method: settings.method, url: target, headers: out, body: requestBody };
    },
  };
}

/** The vendor format needs named fields; a missing payload sends none. */
function payloadFields(payload: unknown): Record<string, unknown> {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new RequestBuildError('format "vendor" needs msg.payload to be an object of fields');
  }
  return payload as Record<string, unknown>;
}

/** A configured header replaces a default one whatever its letter case. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const existing of Object.keys(headers)) {
    if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  }
  headers[name] = value;
}

function checkUrl(target: string): void {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new RequestBuildError(`not a valid URL: "${target.slice(0, 80)}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RequestBuildError(`only http and https URLs can be notified, not "${parsed.protocol}"`);
  }
}
