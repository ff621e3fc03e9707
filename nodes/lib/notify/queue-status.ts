import path from 'node:path';

export interface NodeStatus {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'ring' | 'dot';
  text: string;
}

export interface QueueState {
  size: number;
  /** a new message was refused because the queue was full, and nothing has left since */
  full: boolean;
  /** the last attempt's failure, cleared by the next delivery */
  lastError?: string;
  /** true when that failure was final (refused / given up), false while retrying */
  lastErrorFinal?: boolean;
  /** at least one request was delivered */
  delivered: boolean;
}

/** The words of the status, in the user's language (the node's catalogue gives them). */
export interface QueueWords {
  queued(count: number): string;
  full: string;
  failed: string;
  retrying: string;
  delivered: string;
  idle: string;
}

export const ENGLISH_QUEUE_WORDS: QueueWords = {
  queued: (count) => `${count} queued`,
  full: 'queue full',
  failed: 'failed',
  retrying: 'retrying',
  delivered: 'all delivered',
  idle: 'idle',
};

/** What `pbx-notify` shows under itself: the queue length and the last error. */
export function queueStatus(state: QueueState, words: QueueWords = ENGLISH_QUEUE_WORDS): NodeStatus {
  const queued = words.queued(state.size);
  if (state.full) return { fill: 'red', shape: 'ring', text: `${words.full}: ${queued}` };
  if (state.lastError !== undefined) {
    return state.lastErrorFinal
      ? { fill: 'red', shape: 'ring', text: `${queued} · ${words.failed}: ${state.lastError}` }
      : { fill: 'yellow', shape: 'ring', text: `${queued} · ${words.retrying}: ${state.lastError}` };
  }
  if (state.size > 0) return { fill: 'blue', shape: 'dot', text: queued };
  return state.delivered ? { fill: 'green', shape: 'dot', text: words.delivered } : { fill: 'grey', shape: 'ring', text: words.idle };
}

/** One file per node in Node-RED's user directory: `<userDir>/pbx-notify/<node id>.json`. */
export function queueFilePath(userDir: string, nodeId: string): string {
  return path.join(userDir, 'pbx-notify', `${nodeId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}
