import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { deliveryReasonText, failureWords } from './common/error-status';
import { failureStatusText, reportError } from './common/report-error';
import { DEFAULT_CONCURRENCY, DeliveryError, DeliveryQueue, QueueFullError, type QueuedItem } from './lib/notify/delivery-queue';
import { HttpSender } from './lib/notify/http-sender';
import { readNotifySettings, type NotifyCredentials, type NotifySettings } from './lib/notify/notify-settings';
import { FileQueueStore, persistableMessage } from './lib/notify/queue-store';
import { ENGLISH_QUEUE_WORDS, queueFilePath, queueStatus, type QueueState, type QueueWords } from './lib/notify/queue-status';
import { statusWord } from './common/status-words';
import { createRequestBuilder, type RequestBuilder } from './lib/notify/request-builder';

/** What the node keeps in memory for a queued message: the message and how to finish it. */
interface Pending {
  msg: NodeMessage;
  send?: (msg: NodeMessage) => void;
  done?: (err?: Error) => void;
}

/**
 * Queues kept across a redeploy (the node is closed and created again with the same id),
 * so that nothing queued is lost even without `persist`.
 */
const handedOver = new Map<string, Array<QueuedItem<Pending>>>();

/** How long a closing node waits for requests in flight before abandoning them (Node-RED allows 15 s). */
const CLOSE_GRACE_MS = 10_000;
const STATUS_INTERVAL_MS = 250;

export = function (RED: NodeAPI) {
  function PbxNotifyNode(this: Node<NotifyCredentials>, config: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, config);
    const node = this;
    const failed = failureWords(RED, 'pbx-notify');

    let settings: NotifySettings;
    let builder: RequestBuilder;
    try {
      settings = readNotifySettings(config, node.credentials ?? {});
      builder = createRequestBuilder(settings);
    } catch (err) {
      // a broken template or property is reported at deploy, and every message is refused
      const message = (err as Error).message;
      node.error(`pbx-notify: ${message}`);
      node.status({ fill: 'red', shape: 'ring', text: failureStatusText(err, failed) });
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        done(new Error(`pbx-notify is not configured correctly: ${message}`));
      });
      return;
    }

    const state: QueueState = { size: 0, full: false, delivered: false };
    const word = (key: Exclude<keyof QueueWords, 'queued'>): string => statusWord(RED, `pbx-notify.status.${key}`, ENGLISH_QUEUE_WORDS[key]);
    const words: QueueWords = {
      queued: (count) => statusWord(RED, 'pbx-notify.status.queued', '__count__ queued', { count }),
      full: word('full'),
      failed: word('failed'),
      retrying: word('retrying'),
      delivered: word('delivered'),
      idle: word('idle'),
    };
    // assigned below; callbacks may run while the queue is still being constructed
    let queue: DeliveryQueue<Pending> | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = (): void => {
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        state.size = queue?.size ?? 0;
        node.status(queueStatus(state, words));
      }, STATUS_INTERVAL_MS);
    };

    const userDir = RED.settings.userDir ?? path.join(os.homedir(), '.node-red');
    const file = queueFilePath(userDir, node.id);
    const logError = (message: string): void => node.error(message);
    const store = new FileQueueStore(file, logError);
    // a redeploy hands over the queue in memory; after a restart it comes from the file
    // (also when persist has been switched off since: it is delivered, then the file goes)
    const handed = handedOver.get(node.id);
    handedOver.delete(node.id);
    const initial: Array<QueuedItem<Pending>> = handed
      ? handed.map((item) => (settings.persist && item.context ? { ...item, message: persistableMessage(item.context.msg as unknown as Record<string, unknown>) } : item))
      : store.load();
    if (!settings.persist) void store.discard();

    const sender = new HttpSender({
      timeout: settings.timeout,
      tlsVerify: settings.tlsVerify,
      user: settings.user,
      password: settings.password,
      token: settings.token,
      maxSockets: DEFAULT_CONCURRENCY,
    });

    queue = new DeliveryQueue<Pending>(
      {
        send: (request) => sender.send(request),
        limit: settings.queueLimit,
        maxAgeMs: settings.maxAge * 1000,
        store: settings.persist ? store : undefined,
        onDelivered(item, response) {
          const msg = messageOf(item) as NodeMessage & Record<string, unknown>;
          msg.statusCode = response.statusCode;
          msg.headers = response.headers;
          msg.payload = response.payload;
          msg.attempts = item.attempts;
          state.delivered = true;
          state.lastError = undefined;
          (item.context?.send ?? ((m: NodeMessage) => node.send(m)))(msg);
          item.context?.done?.();
        },
        onFailed(item, error) {
          const msg = messageOf(item) as NodeMessage & Record<string, unknown>;
          msg.attempts = error.attempts;
          if (error.response) {
            msg.statusCode = error.response.statusCode;
            msg.headers = error.response.headers;
            msg.response = error.response.payload;
          }
          state.lastError = deliveryReasonText(RED, error.message);
          state.lastErrorFinal = true;
          if (item.context?.done) item.context.done(error);
          else node.error(error, msg); // restored from disk or a previous deploy: Catch still sees it
          showStatus();
        },
        onRetry(_item, reason) {
          state.lastError = deliveryReasonText(RED, reason);
          state.lastErrorFinal = false;
          showStatus();
        },
        onChange() {
          if ((queue?.size ?? 0) < settings.queueLimit) state.full = false;
          showStatus();
        },
        onInternalError: (err) => node.error(`pbx-notify: ${err.message}`),
      },
      initial,
    );
    if (initial.length > 0) node.log(`delivering ${initial.length} notifications queued before the restart`);
    showStatus();

    const deliveries = queue;
    node.on('input', (msg: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => {
      try {
        const request = builder.build(msg);
        deliveries.enqueue({
          lane: laneOf(msg.payload),
          request,
          message: settings.persist ? persistableMessage(msg as unknown as Record<string, unknown>) : {},
          context: { msg, send, done },
        });
      } catch (err) {
        if (err instanceof QueueFullError) {
          state.full = true;
          showStatus();
          done(err);
          return;
        }
        reportError(node, err, done, failed);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      const abandon = setTimeout(() => sender.abortAll(), CLOSE_GRACE_MS);
      deliveries
        .stop()
        .then(async (left) => {
          clearTimeout(abandon);
          sender.close();
          if (statusTimer) clearTimeout(statusTimer);
          if (!removed) {
            // the next instance finishes these; their send/done belong to this one
            handedOver.set(node.id, left.map((item) => ({ ...item, context: item.context && { msg: item.context.msg } })));
          } else if (left.length > 0 && settings.persist) {
            node.warn(`${left.length} undelivered notifications stay in ${file} until this node is deployed again`);
          } else {
            for (const item of left) {
              const error = new DeliveryError('not delivered: the node was removed or disabled', item.attempts);
              if (item.context?.done) item.context.done(error);
              else node.warn(`${error.message} (${item.request.method} ${item.request.url})`);
            }
          }
        })
        .catch((err: unknown) => node.error(`pbx-notify: closing: ${(err as Error).message}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType<Node<NotifyCredentials>, NodeDef & Record<string, unknown>, unknown, NotifyCredentials>('pbx-notify', PbxNotifyNode, {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};

/** The message to answer with: the one that came in, or what was kept of it on disk. */
function messageOf(item: QueuedItem<Pending>): NodeMessage {
  return item.context?.msg ?? (item.message as NodeMessage);
}

/** Notifications of one call keep their order; those without a `call_id` share one lane. */
function laneOf(payload: unknown): string {
  const callId = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>).call_id : undefined;
  return (typeof callId === 'string' && callId !== '') || typeof callId === 'number' ? `call:${callId}` : '';
}
