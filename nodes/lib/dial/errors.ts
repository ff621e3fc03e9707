/**
 * The failures a click-to-dial or hangup request can end in, each with a message a
 * flow author can act on. Nodes pass them to `done(err)` unchanged.
 */

/** A number, extension, call_id, caller ID or variable that must not reach the PBX. */
export class DialInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialInputError';
  }
}

/** The PBX cannot be asked right now (no AMI connection, no HTTP API configured). */
export class PbxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PbxUnavailableError';
  }
}

/** The PBX refused the request because the AMI user or HTTP account lacks a right. */
export class PbxPermissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PbxPermissionError';
  }
}

/** The PBX answered with an error the request cannot recover from. */
export class PbxRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PbxRequestError';
  }
}

/** The vendor HTTP API answered with a status outside 2xx, or did not answer at all. */
export class PbxHttpError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when no answer came. */
    readonly statusCode: number,
    /** The response body (text, or parsed JSON), `""` when none. */
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'PbxHttpError';
  }
}

/**
 * How a value is shown inside an error message: quoted with control characters escaped
 * (so a CR/LF in it cannot forge log lines) and cut short if it is long.
 */
export function describeValue(value: unknown, max = 40): string {
  if (typeof value !== 'string') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'a list';
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
  }
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  const suffix = value.length > max ? ` (${value.length} characters)` : '';
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + suffix;
}
