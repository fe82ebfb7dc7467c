import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { packageRoot } from '../../src/i18n/i18n';


/** The page's document, in the functions the browser runs (the tests compile without the DOM library). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
/**
 * A real browser for the tests: Debian's Chromium (`/usr/bin/chromium`, or KPI_CHROMIUM),
 * never a downloaded build (.ci/run installs the package when it is missing). One browser is
 * launched for the whole run, on first use, and closed by a root hook after the last test.
 *
 * - `openPage(url, width)`: a fresh context (no shared state) at that width;
 * - `axeViolations(frame)`: axe-core, the standard accessibility engine, run inside the page
 *   or one of its frames, returning the serious and critical violations;
 * - `pageWidth(frame)`: how wide the document is, to catch sideways scrolling;
 * - `screenshot(page, name)`: a full-page PNG in test/artifacts/screenshots/ (git-ignored;
 *   CI keeps the folder as an artifact).
 */

export const CHROMIUM = process.env.KPI_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(packageRoot(__dirname), 'test', 'artifacts', 'screenshots');
/** The widths every page is looked at: a desktop and a small phone. */
export const WIDTHS = [1280, 360] as const;

let launching: Promise<Browser> | null = null;

export function browser(): Promise<Browser> {
  launching ??= chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  return launching;
}

// A root hook (registered when the first browser test file loads it): the browser closes once, at the very end.
after(async () => {
  if (launching) {
    const b = await launching.catch(() => null);
    launching = null;
    await b?.close();
  }
});

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Opens `url` at `width` × 800 in a fresh context and waits until it and its frames have
 * loaded. `bypassCSP` turns the page's Content-Security-Policy off, for tests that must show
 * escaping alone keeps a page inert.
 */
export async function openPage(url: string, width: number, opts: { bypassCSP?: boolean } = {}): Promise<OpenedPage> {
  const context = await (await browser()).newContext({ viewport: { width, height: 800 }, bypassCSP: opts.bypassCSP ?? false });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, close: () => context.close() };
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string; help: string; targets: string[] }

/** axe-core's serious and critical violations in `frame` (its own document; frames inside it are checked on their own). */
export async function axeViolations(frame: Page | Frame): Promise<AxeViolation[]> {
  // Evaluated through the debugging protocol, so the panels' `script-src 'none'` does not stop the engine.
  await frame.evaluate(AXE_SOURCE);
  const result = await frame.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'minor', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The width of the document's content box in CSS pixels: more than the viewport means sideways scrolling. */
export function pageWidth(frame: Page | Frame): Promise<number> {
  return frame.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
}

/** The elements wider than the viewport that stick out of it (for a readable failure). */
export function overflowing(frame: Page | Frame): Promise<string[]> {
  return frame.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*')) as Array<{ tagName: string; className: unknown; getBoundingClientRect(): { right: number } }>) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 1 && out.length < 8) out.push(`${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} right=${Math.round(r.right)}`);
    }
    return out;
  });
}

/** Saves a full-page screenshot as test/artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The frame of `page` whose URL contains `part` (the panel inside the host page). */
export function frameWith(page: Page, part: string): Frame | undefined {
  return page.frames().find((f) => f !== page.mainFrame() && f.url().includes(part));
}
