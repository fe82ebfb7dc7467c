import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Role } from '../../src/domain/principal';
import { signUserToken } from '../../src/http/auth';
import { axeViolations, frameWith, openPage, overflowing, pageWidth, screenshot, WIDTHS } from '../helpers/browser';
import { DEMO_CODE, useDemoServer, type DemoServer } from '../helpers/demo-server';
import { PAGES, type VisitedPage } from './pages';


/** The page's document, in the functions the browser runs (the tests compile without the DOM library). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
/**
 * The panels in a real browser (Chromium through playwright-core), as `npm start` serves
 * them: inside the mock E-Office's frames, at a desktop and a phone width. What a user of
 * either meets: the panel loads in the host's iframe for its role and nowhere else; axe-core
 * finds nothing serious; nothing is wider than a 360 px phone; every page is photographed
 * for the CI's artifacts.
 */
describe('browser: the panels in the mock E-Office', function () {
  this.timeout(120_000);
  const server = useDemoServer();
  let d: DemoServer;
  before(() => {
    d = server();
  });

  function panelUrl(p: VisitedPage): string {
    const u = d.person(p.as);
    const jwt = signUserToken(d.demo.secret, { sub: u.id, agency: DEMO_CODE, name: u.name, unit: u.unitId, roles: u.roles as Role[], locale: 'vi' }, 600);
    return `${d.origin}${p.panel!(d)}?jwt=${jwt}`;
  }

  describe('each panel in the host', () => {
    for (const p of PAGES.filter((x) => x.panel && x.host)) {
      it(`when ${p.as} opens the host page of "${p.name}", then the panel loads inside its iframe`, async () => {
        const o = await openPage(`${d.origin}${p.host!(d)}`, 1280);
        try {
          const frame = frameWith(o.page, `/panels/${p.panel!(d).split('/')[2]}`);
          expect(frame, 'the panel frame').to.not.equal(undefined);
          const body = await frame!.evaluate(() => ({ cls: document.body.className, h1: document.querySelector('h1')?.textContent ?? '' }));
          expect(body.cls).to.equal(`panel-${p.panelId}`);
          expect(body.h1).to.not.equal('');
          // The host page around the panel at the desktop width (the phone width is looked at below).
          await screenshot(o.page, `in-host-${p.name}-1280`);
          expect(await axeViolations(o.page)).to.deep.equal([]);
        } finally {
          await o.close();
        }
      });
    }

    it('when a page on another origin frames a panel, then the browser refuses to show it', async () => {
      const me = PAGES.find((x) => x.panelId === 'me')!;
      const src = panelUrl(me);
      const other = http.createServer((_req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!DOCTYPE html><html lang="vi"><title>x</title><iframe id="f" title="kpi" src="${src.replace(/&/g, '&amp;')}"></iframe>`);
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const o = await openPage(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`, 1280);
      try {
        const frame = o.page.frames().find((f) => f !== o.page.mainFrame());
        expect(frame, 'the iframe exists').to.not.equal(undefined);
        // A frame blocked by frame-ancestors shows the browser's error page, never the panel.
        const cls = await frame!.evaluate(() => document.body?.className ?? '').catch(() => '');
        expect(cls).to.not.equal('panel-me');
        expect(await frame!.evaluate(() => document.body?.innerText ?? '').catch(() => '')).to.not.contain(d.person('official').name);
      } finally {
        await o.close();
        await new Promise((resolve) => other.close(resolve));
      }
      // The control: the same panel loads when it is the page itself, so the refusal above is the framing.
      const direct = await openPage(src, 1280);
      try {
        expect(await direct.page.evaluate(() => document.body.className)).to.equal('panel-me');
      } finally {
        await direct.close();
      }
    });
  });

  describe('every page at every width', () => {
    for (const p of PAGES) {
      for (const width of WIDTHS) {
        it(`when "${p.name}" is shown at ${width} px, then axe-core finds no serious or critical violation${width <= 360 ? ' and nothing is wider than the screen' : ''}`, async () => {
          const url = p.panel ? panelUrl(p) : `${d.origin}${p.host!(d)}`;
          const o = await openPage(url, width);
          try {
            await screenshot(o.page, `${p.name}-${width}`);
            const violations = await axeViolations(o.page);
            expect(violations, JSON.stringify(violations, null, 1)).to.deep.equal([]);
            if (width <= 360) {
              const w = await pageWidth(o.page);
              expect(w, `wider than ${width}: ${(await overflowing(o.page)).join(', ')}`).to.be.at.most(width);
            }
            if (p.panel && p.host && width < 1280) {
              // The host page around the panel on a phone, photographed and checked too (at 1280 px, above).
              const h = await openPage(`${d.origin}${p.host(d)}`, width);
              try {
                await screenshot(h.page, `in-host-${p.name}-${width}`);
                expect(await axeViolations(h.page)).to.deep.equal([]);
                if (width <= 360) expect(await pageWidth(h.page)).to.be.at.most(width);
              } finally {
                await h.close();
              }
            }
          } finally {
            await o.close();
          }
        });
      }
    }
  });
  describe('on a phone', () => {
    // What a phone user must reach on each panel: brought into view, each lies wholly on the 360 px screen without the page scrolling sideways.
    const controls: Array<{ page: string; selectors: string[] }> = [
      { page: 'unit', selectors: ['input[name=general]', 'table.members form.assess button', 'table.queue button[type=submit]'] },
      { page: 'me', selectors: ['form.add [name=quantity]:not([type=hidden])', 'form.add button[type=submit]'] },
      { page: 'admin', selectors: ['table.failed button[type=submit]'] },
    ];
    for (const c of controls) {
      it(`when "${c.page}" is shown at 360 px, then ${c.selectors.join(', ')} can be brought wholly onto the screen`, async () => {
        const o = await openPage(panelUrl(PAGES.find((x) => x.name === c.page)!), 360);
        try {
          for (const sel of c.selectors) {
            const box = await o.page.evaluate((q: string) => {
              const el = document.querySelector(q);
              if (!el) return null;
              el.scrollIntoView({ block: 'center', inline: 'end' });
              const r = el.getBoundingClientRect();
              return { left: r.left, right: r.right, width: r.width, pageScrollX: (globalThis as unknown as { scrollX: number }).scrollX };
            }, sel);
            expect(box, `${sel} on ${c.page}`).to.not.equal(null);
            expect(box!.width, sel).to.be.greaterThan(0);
            expect(box!.left, sel).to.be.at.least(0);
            expect(box!.right, sel).to.be.at.most(360);
            expect(box!.pageScrollX, `${sel}: the page itself scrolled sideways`).to.equal(0);
          }
        } finally {
          await o.close();
        }
      });
    }
  });

  describe('what users typed renders inert', () => {
    // Each piece breaks out of an element, out of an attribute, or into a link, if printed raw.
    const PAYLOAD = '<script>window.__kpiXss=1</script>" onmouseover="window.__kpiXss=2" data-kpi-xss="1" \' onfocus=\'window.__kpiXss=3\' javascript:window.__kpiXss=4 </script>';
    const XSS_USER = 'u-xss-1';
    const SUBJECT = 'VB-XSS-000001';

    before(async () => {
      const leader = d.person('leader');
      const unitId = leader.unitId;
      const at = '2026-03-12T09:15:00+07:00';
      const r = await d.plugin.services.intake.ingest([
        { id: 'evt-xss-1', type: 'user.upserted', occurredAt: '2026-03-02T08:00:00+07:00', agency: DEMO_CODE, actor: { id: leader.id }, subject: { kind: 'user', id: XSS_USER }, data: { name: PAYLOAD, unitId, position: PAYLOAD, isLeader: false, active: true, roles: ['official'] } },
        { id: 'evt-xss-2', type: 'document.processed', occurredAt: at, agency: DEMO_CODE, actor: { id: XSS_USER }, subject: { kind: 'document', id: SUBJECT, title: PAYLOAD, docType: 'cong-van', urgency: 'thuong' }, data: { role: 'main' } },
      ], { source: 'demo', agency: DEMO_CODE });
      expect(r.accepted).to.equal(2);
      await d.plugin.services.review.create({ userId: XSS_USER, agency: DEMO_CODE, name: PAYLOAD, unit: unitId, roles: ['official'], locale: 'vi' }, { date: '2026-03-12', workItemCode: 'CV-13', quantity: 1, note: PAYLOAD });
    });

    const visits: Array<{ name: string; path: () => string; sub: () => string; roles: Role[]; who: () => { name: string; unit: string } }> = [
      { name: 'unit board (member, queue note)', path: () => `/panels/unit/${encodeURIComponent(d.person('leader').unitId)}`, sub: () => d.person('leader').id, roles: ['official', 'leader'], who: () => ({ name: d.person('leader').name, unit: d.person('leader').unitId }) },
      { name: 'document tab (name, title)', path: () => `/panels/document/${SUBJECT}`, sub: () => d.person('leader').id, roles: ['official', 'leader'], who: () => ({ name: d.person('leader').name, unit: d.person('leader').unitId }) },
      { name: 'My KPI (own name, note)', path: () => '/panels/me', sub: () => XSS_USER, roles: ['official'], who: () => ({ name: PAYLOAD, unit: d.person('leader').unitId }) },
    ];
    for (const v of visits) {
      it(`when the ${v.name} shows them, even with the CSP turned off, then no script runs, no attribute is injected and the text is shown as typed`, async () => {
        const who = v.who();
        const jwt = signUserToken(d.demo.secret, { sub: v.sub(), agency: DEMO_CODE, name: who.name, unit: who.unit, roles: v.roles, locale: 'vi' }, 600);
        const o = await openPage(`${d.origin}${v.path()}?jwt=${jwt}`, 1280, { bypassCSP: true });
        try {
          // Hover every element, so an injected onmouseover would fire.
          await o.page.evaluate(() => { for (const el of Array.from(document.querySelectorAll('body *')) as Array<{ dispatchEvent(e: unknown): void }>) el.dispatchEvent(new (globalThis as unknown as { MouseEvent: new (t: string, o: object) => unknown }).MouseEvent('mouseover', { bubbles: true })); });
          const seen = await o.page.evaluate(() => ({
            flag: (globalThis as unknown as { __kpiXss?: number }).__kpiXss ?? null,
            scripts: document.querySelectorAll('script').length,
            handlers: (Array.from(document.querySelectorAll('*')) as Array<{ getAttributeNames(): string[] }>).flatMap((el) => el.getAttributeNames().filter((a) => a.startsWith('on') || a === 'data-kpi-xss')),
            jsLinks: (Array.from(document.querySelectorAll('[href],[src],[action]')) as Array<{ getAttribute(n: string): string | null }>).map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action') ?? '').filter((u) => /^\s*javascript:/i.test(u)),
            text: document.body.innerText as string,
          }));
          expect(seen.flag).to.equal(null);
          expect(seen.scripts).to.equal(0);
          expect(seen.handlers).to.deep.equal([]);
          expect(seen.jsLinks).to.deep.equal([]);
          expect(seen.text).to.contain('<script>window.__kpiXss=1</script>" onmouseover=');
        } finally {
          await o.close();
        }
      });
    }
  });

  describe('the checks themselves', () => {
    it('when a page has an image without text and an empty link, then axe-core reports them, and a 600 px wide block is measured', async () => {
      const html = '<!DOCTYPE html><html lang="vi"><title>x</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><a href="#x"></a><div style="width:600px">x</div></main>';
      const o = await openPage(`data:text/html,${encodeURIComponent(html)}`, 360);
      try {
        expect((await axeViolations(o.page)).map((v) => v.id)).to.include.members(['image-alt', 'link-name']);
        expect(await pageWidth(o.page)).to.be.greaterThan(360);
      } finally {
        await o.close();
      }
    });
  });
});
