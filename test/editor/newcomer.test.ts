/**
 * A newcomer's path, as the README tells it: clone, `npm install`, `npm start`; the editor is
 * served and the demo's debug sidebar receives call events within 30 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../scripts/node-red-process';

const REPO = resolve(__dirname, '..', '..', '..');
const CALL_EVENTS = new Set(['dial', 'answer_internal', 'answer_external', 'call_pickup', 'hangup_internal', 'endcall']);

/** The `ws` client Node-RED itself depends on (Node 20 has no WebSocket of its own). */
interface WebSocketClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require('ws') as new (url: string) => WebSocketClient;

/** Output of a child, and a way to wait for a line in it. */
function watch(child: ChildProcess): { text: () => string; waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpExecArray> } {
  let text = '';
  const waiters = new Set<() => void>();
  const take = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const wake of [...waiters]) wake();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return {
    text: () => text,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolvePromise, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolvePromise(match);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-4000)}`));
        }, timeoutMs);
        child.once('exit', () => check());
        waiters.add(check);
        check();
      }),
  };
}

/** Whether any process of this process group is still running. */
function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

const portIsClosed = (port: number): Promise<boolean> =>
  new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(false);
    });
    socket.once('error', () => resolvePromise(true));
  });

test('from a fresh clone, npm install && npm start serve the editor and the demo debug shows call events within 30 s; Ctrl+C stops it all', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-newcomer-'));
  const clone = join(dir, 'repo');
  let start: ChildProcess | undefined;
  let ws: WebSocketClient | undefined;
  try {
    execFileSync('git', ['clone', '--quiet', REPO, clone], { stdio: 'pipe' });
    // The README's command; --prefer-offline uses the npm cache (the lock file pins the versions).
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, stdio: 'pipe', timeout: 150_000 });

    const port = await freePort();
    // Its own process group, so that SIGINT reaches npm, the demo and Node-RED as Ctrl+C does.
    start = spawn('npm', ['start'], {
      cwd: clone,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RED_PORT: String(port), PBX_DEMO_AMI_PORT: '0', PBX_DEMO_HTTP_PORT: '0' },
    });
    const output = watch(start);
    const [, editorUrl] = await output.waitFor(/Node-RED with the PBX demo: (http:\/\/127\.0\.0\.1:\d+\/)/, 90_000);
    assert.equal(editorUrl, `http://127.0.0.1:${port}/`);
    const ready = Date.now();

    const editor = await fetch(editorUrl as string);
    assert.equal(editor.status, 200);
    assert.match(await editor.text(), /<title>Node-RED<\/title>/);

    // The debug sidebar's feed: Node-RED's /comms websocket, topic `debug`.
    const event = await new Promise<{ topic: string; payload: Record<string, string> }>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no call event in the debug sidebar within 30 s; output:\n${output.text().slice(-4000)}`)), 30_000);
      ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
      ws.on('open', () => ws?.send(JSON.stringify({ subscribe: 'debug' })));
      ws.on('error', (err) => reject(err));
      ws.on('message', (data) => {
        for (const { topic, data: item } of JSON.parse(data.toString('utf8')) as { topic: string; data: { name?: string; topic?: string; msg?: string; format?: string } }[]) {
          if (topic !== 'debug' || item.name !== 'call events' || !item.format?.startsWith('Object')) continue;
          const payload = JSON.parse(item.msg ?? '{}') as Record<string, string>;
          if (CALL_EVENTS.has(payload.event ?? '') && item.topic === payload.event) {
            clearTimeout(timer);
            resolvePromise({ topic: item.topic, payload });
          }
        }
      });
    });
    assert.ok(Date.now() - ready < 30_000);
    assert.match(event.payload.call_id ?? '', /^\d{10}\.\d+$/, 'a call id of the current epoch');
    assert.ok(Math.abs(Number(event.payload.call_id?.split('.')[0]) - Date.now() / 1000) < 120, 'dated now');
    ws?.close();

    // Ctrl+C: everything it started stops (npm itself ends by the signal, as in a terminal).
    const [, amiPort, httpPort] = /AMI on 127\.0\.0\.1:(\d+) .*vendor HTTP API on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.text()) ?? [];
    const group = start.pid as number;
    const exited = new Promise<void>((resolvePromise) => start?.once('exit', () => resolvePromise()));
    process.kill(-group, 'SIGINT');
    await exited;
    await output.waitFor(/stopping/, 1000);
    const deadline = Date.now() + 15_000;
    while (groupAlive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(groupAlive(group), false, 'no process of npm start is left');
    for (const [what, open] of [['Node-RED', port], ['the AMI simulator', Number(amiPort)], ['the vendor HTTP API', Number(httpPort)]] as const) {
      assert.ok(open > 0 && (await portIsClosed(open)), `${what} (port ${open}) stopped`);
    }
  } finally {
    ws?.close();
    if (start?.pid && start.exitCode === null) {
      try {
        process.kill(-start.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
