import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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
  browser: Browser;
  /** A context (own cookies, storage, language) with the browser's language set to `locale`. */
  newContext(locale: string): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh profile of its own (a new temporary user-data-dir).
 * Each context sets the browser's language (Accept-Language and navigator.language):
 * the Node-RED editor follows it.
 */
export async function launchBrowser(lang = 'en-US'): Promise<EditorBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, `--lang=${lang}`] });
  return {
    browser,
    newContext: (locale) => browser.newContext({ locale, viewport: { width: 1440, height: 860 } }),
    close: () => browser.close(),
  };
}

/** Opens the editor and waits until the palette and the deployed flows are loaded. */
export async function openEditor(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const { RED, document } = globalThis as unknown as Partial<PageGlobals>;
      return !!RED?.nodes?.version?.() && (document?.querySelectorAll('.red-ui-palette-node').length ?? 0) > 0;
    },
    undefined,
    { timeout: 30_000 },
  );
  return page;
}

/**
 * The page's globals as the tests use them. Code given to `page.evaluate` runs in the browser;
 * it starts with `const { RED, $, document } = globalThis as unknown as PageGlobals;` (the cast
 * is erased when compiled, so the function still serialises on its own).
 */
export interface PageGlobals {
  RED: EditorRED;
  $: JQueryFunction;
  document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    getElementById(id: string): PageElement | null;
  };
  navigator: { language: string };
}

export interface PageElement {
  textContent: string | null;
  style: { backgroundColor: string };
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}

/** The parts of the editor's `RED` the tests use (the editor's API, typed loosely). */
export interface EditorRED {
  nodes: {
    version(): string | null;
    node(id: string): EditorNode | null;
    getType(type: string): Record<string, unknown> | null;
    eachNode(cb: (node: EditorNode) => void): void;
    eachConfig(cb: (node: EditorNode) => void): void;
    dirty(): boolean;
    getNodeHelp(type: string): string;
  };
  editor: { edit(node: EditorNode): void; editConfig(name: string, type: string, id: string): void };
  sidebar: { help: { show(type: string): void }; show(id: string): void };
  view: { importNodes(nodes: unknown[], options?: unknown): void };
  workspaces: { show(id: string): void; active(): string };
  utils: { getNodeLabel(node: unknown, defaultLabel?: string): string };
  _(key: string): string;
}

export interface EditorNode {
  id: string;
  type: string;
  valid?: boolean;
  status?: { text?: string; fill?: string };
  [key: string]: unknown;
}

export interface JQueryLike {
  length: number;
  text(): string;
  val(): unknown;
  val(value: unknown): JQueryLike;
  attr(name: string): string | undefined;
  prop(name: string): unknown;
  prop(name: string, value: unknown): JQueryLike;
  next(selector: string): JQueryLike;
  hasClass(name: string): boolean;
  is(selector: string): boolean;
  trigger(event: string): JQueryLike;
  typedInput(method: string, value?: unknown): unknown;
}
export type JQueryFunction = (selector: string) => JQueryLike;
