import fs from 'node:fs';
import path from 'node:path';
import type { PreparedRequest } from './request-builder';

/** A queued notification as it is kept on disk (plain JSON, no credentials). */
export interface StoredItem {
  id: string;
  /** Items of one lane (one `call_id`) are delivered one after the other, in order. */
  lane: string;
  request: PreparedRequest;
  /** The message that asked for the notification (what JSON can hold of it). */
  message: Record<string, unknown>;
  /** ms since the epoch */
  enqueuedAt: number;
  attempts: number;
  lastError?: string;
}

/** Where a delivery queue keeps its items between restarts. */
export interface QueueStore {
  /** The items left by the previous run, in their order. */
  load(): StoredItem[];
  /** Asks for the current items to be written; writes are coalesced, one at a time. */
  save(snapshot: () => StoredItem[]): void;
  /** Resolves once everything asked for so far is on disk. */
  flush(): Promise<void>;
  /** Removes the file (the node was deleted from the flow). */
  discard(): Promise<void>;
}

const FILE_VERSION = 1;

/**
 * Keeps the queue in one JSON file, replaced atomically (write a temporary file, fsync,
 * rename), so a crash leaves either the old or the new list, never half of one. An empty
 * queue has no file.
 */
export class FileQueueStore implements QueueStore {
  private snapshot: (() => StoredItem[]) | undefined;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private discarded = false;

  constructor(
    readonly file: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  load(): StoredItem[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.onError(`cannot read the queue file ${this.file}: ${(err as Error).message}`);
      return [];
    }
    try {
      const data = JSON.parse(text) as { version?: unknown; items?: unknown };
      if (data.version !== FILE_VERSION || !Array.isArray(data.items)) throw new Error('unknown layout');
      return data.items.filter(isStoredItem);
    } catch (err) {
      // keep the unreadable file for a human to look at, and start with an empty queue
      const aside = `${this.file}.corrupt-${Date.now()}`;
      try {
        fs.renameSync(this.file, aside);
      } catch {
        /* the error below says enough */
      }
      this.onError(`the queue file ${this.file} is unreadable (${(err as Error).message}); moved to ${aside}`);
      return [];
    }
  }

  save(snapshot: () => StoredItem[]): void {
    if (this.discarded) return;
    this.snapshot = snapshot;
    this.dirty = true;
    this.writing ??= this.writeWhileDirty();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async discard(): Promise<void> {
    await this.flush();
    this.discarded = true;
    await removeFile(this.file);
  }

  private async writeWhileDirty(): Promise<void> {
    try {
      while (this.dirty && this.snapshot && !this.discarded) {
        this.dirty = false;
        const items = this.snapshot();
        if (items.length === 0) await removeFile(this.file);
        else await writeAtomically(this.file, JSON.stringify({ version: FILE_VERSION, items }));
      }
    } catch (err) {
      // the next change tries again; until then the file holds the previous list
      this.dirty = true;
      this.onError(`cannot write the queue file ${this.file}: ${(err as Error).message}`);
    } finally {
      this.writing = undefined;
    }
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.promises.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temporary, file);
}

async function removeFile(file: string): Promise<void> {
  try {
    await fs.promises.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function isStoredItem(value: unknown): value is StoredItem {
  const item = value as Partial<StoredItem> | null;
  return (
    typeof item === 'object' && item !== null &&
    typeof item.id === 'string' && typeof item.lane === 'string' &&
    typeof item.enqueuedAt === 'number' && typeof item.attempts === 'number' &&
    typeof item.request === 'object' && item.request !== null &&
    typeof item.request.url === 'string' && typeof item.request.method === 'string' &&
    typeof item.message === 'object' && item.message !== null
  );
}

/**
 * What of a Node-RED message can be written to disk: every top-level property that JSON
 * can hold. The HTTP `req`/`res` of an `http in` flow and anything circular are left out.
 */
export function persistableMessage(msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    if (key === 'req' || key === 'res' || typeof value === 'function') continue;
    try {
      const text = JSON.stringify(value);
      if (text !== undefined) out[key] = JSON.parse(text);
    } catch {
      /* not representable as JSON: not kept */
    }
  }
  return out;
}
