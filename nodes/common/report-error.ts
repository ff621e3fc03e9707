import type { Node } from 'node-red';
import type { FailureWords } from './error-status';

/**
 * The one way every node reports a failure: a red status with a short reason, and
 * `done(err)` so that Catch nodes receive it (`msg.error.message`) with the message
 * that caused it. Nothing is dropped silently.
 */
export function reportError(node: Node, err: unknown, done: (err?: Error) => void, words?: FailureWords): void {
  const error = err instanceof Error ? err : new Error(String(err));
  node.status({ fill: 'red', shape: 'ring', text: failureStatusText(error, words) });
  done(error);
}

/**
 * The status text of a failure: its kind in the user's language (`words`, from the node's
 * catalogue), or the English message when there is no catalogue.
 */
export function failureStatusText(err: unknown, words?: FailureWords): string {
  const error = err instanceof Error ? err : new Error(String(err));
  return shorten(words?.(error) ?? error.message);
}

/** Status texts must stay readable under a node in the editor. */
export function shorten(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
