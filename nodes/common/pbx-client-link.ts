import type { Node, NodeMessage } from 'node-red';
import type { AmiConnectionApi } from '../lib/ami/connection-api';
import { PbxHttpError } from '../lib/dial/errors';
import { HttpPbxClient } from '../lib/dial/http-pbx-client';
import { effectiveTransport, type NodeTransport } from '../lib/dial/node-properties';
import type { PbxClient } from '../lib/dial/pbx-client';
import type { PbxConfigApi } from '../lib/pbx-config-api';

/** The pbx-config node as user nodes get it from `RED.nodes.getNode(def.server)`. */
export type PbxConfigNode = Node & PbxConfigApi;

/**
 * The client pbx-dial and pbx-hangup act through: the vendor HTTP API, or the pbx-config's
 * shared AMI connection, for which the node registers as a user (deregister it on close
 * when the client's transport is `ami`). Throws when the AMI connection cannot be had.
 */
export function pbxClientFor(
  node: Node,
  config: PbxConfigNode,
  transport: NodeTransport,
  amiClient: (connection: AmiConnectionApi) => PbxClient,
): PbxClient {
  if (effectiveTransport(transport, config.settings) === 'http') return new HttpPbxClient(config.settings);
  const connection = config.register(node);
  if (!connection) {
    throw new Error(config.settings.host
      ? 'the pbx-config cannot open its AMI connection: check its settings'
      : 'the pbx-config has no AMI host: set one, or use the HTTP transport');
  }
  return amiClient(connection);
}

/** An output message that may carry the vendor HTTP API's answer. */
export type HttpAnswerMessage = NodeMessage & { statusCode?: number; response?: unknown };

/** Over HTTP the vendor API's status code and body go out with the result (AMI has neither). */
export function addHttpAnswer(out: HttpAnswerMessage, client: PbxClient, result: { statusCode?: number; response?: unknown }): void {
  if (client.transport !== 'http') return;
  out.statusCode = result.statusCode;
  out.response = result.response;
}

/** The vendor API's answer travels with its error too, for a Catch node to look at. */
export function addHttpErrorAnswer(msg: NodeMessage, err: unknown): void {
  if (err instanceof PbxHttpError) Object.assign(msg, { statusCode: err.statusCode, response: err.body });
}
