import type { Node, NodeAPI, NodeMessage } from 'node-red';

/**
 * A TypedInput's value for one message, via RED.util.evaluateNodeProperty in its callback
 * form (flow and global context may be asynchronous stores).
 */
export function evaluateProperty(RED: NodeAPI, node: Node, msg: NodeMessage, value: string, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null | undefined, result: unknown) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
