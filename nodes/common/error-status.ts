import { CdrError, type CdrErrorKind } from '../lib/cdr/cdr-error';
import { DialInputError, PbxHttpError, PbxPermissionError, PbxRequestError, PbxUnavailableError } from '../lib/dial/errors';
import { DeliveryError } from '../lib/notify/delivery-queue';
import { NotifySettingsError } from '../lib/notify/notify-settings';
import { RequestBuildError } from '../lib/notify/request-builder';
import { TemplateError } from '../lib/notify/template';
import type { Translator } from './status-words';

/** What a node cannot start with: no pbx-config chosen, a pbx-config with bad settings, or bad properties of its own. */
export type SetupProblem = 'no_pbx' | 'settings' | 'node_settings';

/**
 * The kinds of failure a red status names, each a key `<node type>.errors.<category>` of the
 * node's message catalogue. The English message (prose, with names and hints) goes to
 * `done(err)`; the status shows only the kind, in the user's language.
 */
export type FailureCategory =
  | SetupProblem
  | 'input' | 'unavailable' | 'permission' | 'refused' | 'http'
  | Exclude<CdrErrorKind, 'input'>
  | 'template' | 'request' | 'given_up' | 'expired'
  | 'error';

/** A failure's category and the values its text names (`__status__` of `HTTP __status__`). */
export interface Failure {
  category: FailureCategory;
  values?: Record<string, string | number>;
  /** A value shown after the category's words, e.g. `HTTP 503` or `ECONNREFUSED`. */
  detail?: string;
}

/** A node that cannot work with its settings; `problem` says whose settings. */
export class PbxSetupError extends Error {
  constructor(readonly problem: SetupProblem, message: string) {
    super(message);
    this.name = 'PbxSetupError';
  }
}

/**
 * The error a node's setup failed with, as a PbxSetupError unless it already says its kind:
 * plain Errors come from reading the node's properties or from its pbx-config (`problem`).
 */
export function setupFailure(err: unknown, problem: SetupProblem): Error {
  if (err instanceof Error && err.constructor !== Error) return err;
  return new PbxSetupError(problem, err instanceof Error ? err.message : String(err));
}

/** Which failure an error is, by its class (and the kind or status it carries). */
export function failureOf(err: unknown): Failure {
  if (err instanceof PbxSetupError) return { category: err.problem };
  if (err instanceof DialInputError) return { category: 'input' };
  if (err instanceof PbxUnavailableError) return { category: 'unavailable' };
  if (err instanceof PbxPermissionError) return { category: 'permission' };
  if (err instanceof PbxRequestError) return { category: 'refused' };
  // Status 0: the vendor HTTP API did not answer at all.
  if (err instanceof PbxHttpError) return err.statusCode === 0 ? { category: 'unavailable' } : { category: 'http', values: { status: err.statusCode } };
  if (err instanceof CdrError) return { category: err.kind === 'input' ? 'input' : err.kind };
  if (err instanceof NotifySettingsError) return { category: 'node_settings' };
  if (err instanceof TemplateError) return { category: 'template' };
  if (err instanceof RequestBuildError) return { category: 'request' };
  if (err instanceof DeliveryError) return deliveryFailureOf(err.message);
  // "pbx-dial is not set up: …" carries the setup failure as its cause.
  if (err instanceof Error && err.cause !== undefined) return failureOf(err.cause);
  return { category: 'error' };
}

/**
 * Why a notification was not delivered (a DeliveryError's message, or the reason of a retry):
 * the HTTP status or error code it names, and whether the queue gave up or it expired unsent.
 * The texts are delivery-queue.ts's.
 */
export function deliveryFailureOf(reason: string): Failure {
  const detail = /\bHTTP \d{3}\b/.exec(reason)?.[0] ?? /^[A-Z][A-Z0-9_]{2,}(?=:|$)/.exec(reason)?.[0];
  if (reason.startsWith('gave up after')) return { category: 'given_up', detail };
  if (reason.startsWith('not sent:')) return { category: 'expired' };
  return detail === undefined ? { category: 'error' } : { category: 'error', detail };
}

/** Translates failures for one node type; undefined when its catalogue has no text for one. */
export type FailureWords = (err: unknown) => string | undefined;

/** The failure texts of `<type>.errors.*` in the runtime's language (RED._ answers the key when there is no catalogue). */
export function failureWords(RED: Translator, type: string): FailureWords {
  return (err) => failureText(RED, type, failureOf(err));
}

/** A failure's text from the catalogue, `words: detail` when it names a value; undefined without a catalogue. */
export function failureText(RED: Translator, type: string, failure: Failure): string | undefined {
  const key = `${type}.errors.${failure.category}`;
  const words = RED._(key, failure.values ?? {});
  if (!words || words === key) return undefined;
  return failure.detail === undefined ? words : `${words}: ${failure.detail}`;
}

/**
 * A notification's failure or retry reason as pbx-notify's status shows it: the HTTP status or
 * error code alone (a value reads the same in every language), else the translated kind; the
 * English reason when there is no catalogue.
 */
export function deliveryReasonText(RED: Translator, reason: string): string {
  const failure = deliveryFailureOf(reason);
  const translated = failureText(RED, 'pbx-notify', failure);
  if (translated === undefined) return reason;
  return failure.category === 'error' && failure.detail !== undefined ? failure.detail : translated;
}
