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

/** What `pbx-notify` shows under itself: the queue length and the last error. */
export function queueStatus(state: QueueState): NodeStatus {
  const queued = `${state.size} queued`;
  if (state.full) return { fill: 'red', shape: 'ring', text: `queue full: ${queued}` };
  if (state.lastError !== undefined) {
    return state.lastErrorFinal
      ? { fill: 'red', shape: 'ring', text: `${queued} · failed: ${state.lastError}` }
      : { fill: 'yellow', shape: 'ring', text: `${queued} · retrying: ${state.lastError}` };
  }
  if (state.size > 0) return { fill: 'blue', shape: 'dot', text: queued };
  return state.delivered ? { fill: 'green', shape: 'dot', text: 'all delivered' } : { fill: 'grey', shape: 'ring', text: 'idle' };
}

/** One file per node in Node-RED's user directory: `<userDir>/pbx-notify/<node id>.json`. */
export function queueFilePath(userDir: string, nodeId: string): string {
  return path.join(userDir, 'pbx-notify', `${nodeId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}
