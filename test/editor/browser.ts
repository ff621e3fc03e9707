import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it), driven by playwright-core. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface EditorBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh profile of its own. `locale` sets the browser's
 * language (`--lang` and navigator.language): the Node-RED editor follows it.
 */
export async function launchBrowser(locale = 'en-US'): Promise<EditorBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'pbx-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, `--lang=${locale}`],
    locale,
    viewport: { width: 1440, height: 860 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the editor and waits until the palette and the deployed flows are loaded. */
export async function openEditor(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const red = (window as unknown as { RED?: EditorRED }).RED;
      return !!red?.nodes?.version?.() && document.querySelectorAll('.red-ui-palette-node').length > 0;
    },
    undefined,
    { timeout: 30_000 },
  );
  return page;
}

/** The parts of the editor's global `RED` the tests use (typed loosely: it is the editor's API). */
export interface EditorRED {
  nodes: {
    version(): string | null;
    node(id: string): EditorNode | null;
    getType(type: string): { defaults?: Record<string, unknown>; category?: string } | null;
    eachNode(cb: (node: EditorNode) => void): void;
    eachConfig(cb: (node: EditorNode) => void): void;
  };
  editor: { edit(node: EditorNode): void; editConfig(name: string, type: string, id: string): void };
  sidebar: { help: { show(type: string): void }; show(id: string): void };
  view: { importNodes(nodes: unknown[], options?: unknown): void; select(id: string): void };
  workspaces: { show(id: string): void };
  _(key: string): string;
}

export interface EditorNode {
  id: string;
  type: string;
  valid?: boolean;
  status?: { text?: string; fill?: string };
  [key: string]: unknown;
}
