/**
 * Rendered panels kept until the next write (docs/integrators.md, "Running several instances").
 *
 * A panel's HTML depends on who looks (the principal), what they asked (path and query), the
 * agency's day and the data; the kept reads of the services (services/read-cache.ts) already
 * hold the data until the next write. What is left on a repeated load is building the view model
 * and rendering it (about 5 ms for a full My KPI), so the page itself is kept on the same terms:
 * until the next write transaction of the process, at most `ttlMs` (the writes of other
 * processes), keyed by everything the page is made of.
 *
 * What must never be served twice are the tokens: the context token every link and form
 * carries, the style nonce, and each form's anti-forgery token (bound to the context token's
 * `jti`, so a form can be used once per page load). A kept page is therefore stored as the
 * pieces between those tokens; each load joins the pieces around tokens of its own session,
 * exactly those `render` would have printed (the forms' actions are recorded while rendering).
 * All the tokens are random or keyed digests in URL-safe base64 that no escaping changes, so
 * every place they were printed is found.
 */
import type { Request, Response } from 'express';
import type { ReadCache } from '../services/read-cache';
import { csrfToken } from './context-token';
import { newNonce, sendHtml, sessionOf, type Session } from './session';

/** A rendered page cut at its tokens: `parts[0] + token(slots[0]) + parts[1] + … + parts[n]`, the parts in UTF-8. */
export interface PageTemplate {
  parts: Buffer[];
  /** Per gap between two parts: 0 = the context token, 1 = the style nonce, 2 + i = the anti-forgery token of `actions[i]`. */
  slots: number[];
  actions: string[];
  origins: readonly string[];
}

/** What a handler hands back instead of sending, while its page is being kept. */
export interface RenderedPage {
  status: number;
  html: string;
  nonce: string;
  origins: readonly string[];
}

/** Query parameters that are not part of what a page shows: the tokens it came with. */
const TOKEN_PARAMS = new Set(['ctx', 'jwt']);

export class PanelPages {
  private readonly capturing = new WeakMap<Request, (page: RenderedPage) => void>();

  /** `kept`: the kept reads the pages live in (read-cache.ts `keptReads`). */
  constructor(private readonly kept: ReadCache<PageTemplate | null>) {}

  /**
   * Answers a GET panel from its kept page, rendering it with `render` (which ends in
   * `PanelKit.page`) when there is none. A handler that answers otherwise (a redirect) is run
   * for every request; one that throws throws for every request waiting on the same page.
   */
  async serve(req: Request, res: Response, render: () => Promise<void>): Promise<void> {
    const s = sessionOf(req);
    let mine = false;
    const page = await this.kept.get(pageKey(req, s), () => {
      mine = true;
      return this.capture(req, s, render);
    });
    if (page) sendTemplate(res, s, page);
    else if (!mine) await render();
    else if (!res.headersSent) throw new Error('panel handler neither rendered nor answered');
  }

  /** Whether the page `req` renders is to be kept (`PanelKit.page` then offers it instead of sending it). */
  keeping(req: Request): boolean {
    return this.capturing.has(req);
  }

  /** Takes the page of a request being kept; it is sent from here. */
  offer(req: Request, page: RenderedPage): void {
    const take = this.capturing.get(req);
    if (!take) throw new Error('no page is being kept for this request');
    this.capturing.delete(req);
    take(page);
  }

  private capture(req: Request, s: Session, render: () => Promise<void>): Promise<PageTemplate | null> {
    return new Promise<PageTemplate | null>((resolve, reject) => {
      this.capturing.set(req, (page) => {
        // Only a plain 200 is kept; anything else (a refusal shown on the page) is sent as rendered.
        if (page.status !== 200) {
          sendHtml(req.res as Response, page.status, page.origins, page.nonce, page.html);
          resolve(null);
          return;
        }
        resolve(cut(page, s));
      });
      render().then(() => {
        this.capturing.delete(req);
        resolve(null); // no effect when the page was offered: the handler answered by itself otherwise
      }, (e: unknown) => {
        this.capturing.delete(req);
        reject(e);
      });
    });
  }
}

/** Everything a page is made of besides the data: who looks, where, what they asked, and the agency's day. */
function pageKey(req: Request, s: Session): string {
  const p = s.principal;
  const url = new URL(req.originalUrl, 'http://x');
  const query = [...url.searchParams].filter(([k]) => !TOKEN_PARAMS.has(k)).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return JSON.stringify([p.agency, p.userId, p.name, p.unit, p.roles, p.locale, s.base, url.pathname, query, s.today]);
}

/** Cuts a rendered page at every place one of its session's tokens was printed. */
function cut(page: RenderedPage, s: Session): PageTemplate {
  const actions = [...s.formTokens.keys()];
  const tokens = [s.out.token, page.nonce, ...s.formTokens.values()];
  const hits: Array<{ at: number; slot: number; len: number }> = [];
  tokens.forEach((token, slot) => {
    for (let at = page.html.indexOf(token); at !== -1; at = page.html.indexOf(token, at + token.length)) hits.push({ at, slot, len: token.length });
  });
  hits.sort((a, b) => a.at - b.at);
  const parts: Buffer[] = [];
  const slots: number[] = [];
  let from = 0;
  for (const h of hits) {
    if (h.at < from) throw new Error('page tokens overlap'); // tokens are random: never happens
    parts.push(Buffer.from(page.html.slice(from, h.at)));
    slots.push(h.slot);
    from = h.at + h.len;
  }
  parts.push(Buffer.from(page.html.slice(from)));
  return { parts, slots, actions, origins: page.origins };
}

/** Sends a kept page with the tokens of this request's session. */
function sendTemplate(res: Response, s: Session, page: PageTemplate): void {
  const nonce = newNonce();
  const values = [s.out.token, nonce, ...page.actions.map((a) => csrfToken(s.out.keys, s.out.jti, a))];
  // The tokens are ASCII: sent as bytes between the kept pieces, the page is not encoded again.
  const pieces: Buffer[] = [page.parts[0]!];
  for (let i = 0; i < page.slots.length; i++) pieces.push(Buffer.from(values[page.slots[i]!]!, 'latin1'), page.parts[i + 1]!);
  sendHtml(res, 200, page.origins, nonce, pieces);
}
