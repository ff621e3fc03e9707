import type { Node } from 'node-red';

/**
 * The one way every node reports a failure: a red status with a short reason, and
 * `done(err)` so that Catch nodes receive it (`msg.error.message`) with the message
 * that caused it. Nothing is dropped silently.
 */
export function reportError(node: Node, err: unknown, done: (err?: Error) => void): void {
  const error = err instanceof Error ? err : new Error(String(err));
  node.status({ fill: 'red', shape: 'ring', text: shorten(error.message) });
  done(error);
}

/** Status texts must stay readable under a node in the editor. */
export function shorten(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
