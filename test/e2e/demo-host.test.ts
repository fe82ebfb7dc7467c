import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { createServeApp, startServer } from '../../src/cli/serve';
import { generateDemo } from '../../src/demo/demo-data';
import { demoPeople } from '../../src/demo/demo-people';
import { DEMO_FAILING_ITEM } from '../../src/demo/demo-setup';
import { hostOriginsOf } from '../../src/demo/mock-host';
import { decode } from '../helpers/html';
import { DEMO_CODE, DEMO_END_DAY, DEMO_NOW, useDemoServer, type DemoServer } from '../helpers/demo-server';

/**
 * The demo as `npm start` installs and serves it, over HTTP without a browser (test/browser
 * looks at the same server in Chromium): what the month holds, what the mock E-Office serves
 * and signs, and that a production `serve` has no such host.
 */
describe('e2e: the demo agency and its mock E-Office', function () {
  this.timeout(120_000);
  const server = useDemoServer();
  let d: DemoServer;
  before(() => {
    d = server();
  });

  describe('the demo data', () => {
    it('when the month is scored, then every class shows: excellent (one over the quota), good, complete, not complete, and one disqualified by HR with a ground', async () => {
      const scores = await d.plugin.services.scoring.scores(DEMO_CODE, DEMO_END_DAY.slice(0, 7));
      const classes = new Set(scores.map((s) => s.classification));
      expect([...classes]).to.include.members(['HTXSNV', 'HTTNV', 'HTNV', 'KHTNV']);
      expect(scores.filter((s) => s.classification === 'HTXSNV' && s.overQuota)).to.have.length.greaterThan(0);
      const disqualified = scores.filter((s) => s.disqualified);
      expect(disqualified).to.have.length(1);
      expect(disqualified[0]!.total).to.be.at.least(50); // KHTNV because of the mark, not of the score
      const hr = d.person('hr');
      const list = await d.plugin.services.assessments.list({ userId: hr.id, agency: DEMO_CODE, name: hr.name, unit: hr.unitId, roles: ['official', 'hr'], locale: 'vi' }, { period: DEMO_END_DAY.slice(0, 7) });
      expect(list.assessments.filter((a) => a.disqualified).map((a) => a.disqualifiedGround)).to.deep.equal(['discipline']);
    });

    it('when the printed leader looks at their unit, then they head the printed official\'s unit and have entries to approve and one member without G', async () => {
      const leader = d.person('leader');
      const official = d.person('official');
      expect(leader.unitId).to.equal(official.unitId);
      expect(leader.position.startsWith('Phó')).to.equal(false);
      const principal = { userId: leader.id, agency: DEMO_CODE, name: leader.name, unit: leader.unitId, roles: ['official', 'leader'] as const, locale: 'vi' as const };
      const pending = await d.plugin.services.journal.list({ ...principal, roles: [...principal.roles] }, { unit: leader.unitId, status: 'pending', from: `${DEMO_END_DAY.slice(0, 7)}-01`, to: DEMO_END_DAY });
      expect(pending.entries.length).to.be.greaterThan(0);
      const scores = await d.plugin.services.scoring.scores(DEMO_CODE, DEMO_END_DAY.slice(0, 7), { unitId: leader.unitId });
      expect(scores.filter((s) => !s.isLeader && s.generalScore === null)).to.have.length(1);
    });

    it('when the admin looks for failed events, then there is one, naming the missing work item', async () => {
      const failed = await d.plugin.services.journal.listEvents(DEMO_CODE, 'failed');
      expect(failed).to.have.length(1);
      expect(failed[0]!.error).to.contain(DEMO_FAILING_ITEM);
    });

    it('when the data ends today, then no event is after the clock, and a later clock keeps them all', () => {
      const cut = generateDemo({ agency: DEMO_CODE, endDay: DEMO_END_DAY, weeks: 1, notAfter: DEMO_NOW.toISOString() });
      const all = generateDemo({ agency: DEMO_CODE, endDay: DEMO_END_DAY, weeks: 1 });
      expect(cut.events.every((e) => Date.parse(e.occurredAt) <= DEMO_NOW.getTime())).to.equal(true);
      expect(all.events.some((e) => Date.parse(e.occurredAt) > DEMO_NOW.getTime())).to.equal(true);
      expect(all.events.filter((e) => Date.parse(e.occurredAt) <= DEMO_NOW.getTime()).length).to.equal(cut.events.length);
    });

    it('when the people are picked from any demo, then the leader heads the official\'s unit and HR and admin are other people', () => {
      for (const endDay of ['2026-03-13', '2026-12-04', '2027-06-30']) {
        const [official, leader, hr, admin] = demoPeople(generateDemo({ agency: DEMO_CODE, endDay, weeks: 1 })).map((p) => p.user);
        expect(leader!.unitId).to.equal(official!.unitId);
        expect(leader!.isLeader).to.equal(true);
        expect(new Set([official!.id, leader!.id, hr!.id, admin!.id]).size).to.equal(4);
      }
    });
  });

  describe('the mock E-Office', () => {
    it('when / is opened, then it answers with the host page under a CSP that frames only its own origin and lets nobody frame it', async () => {
      const res = await fetch(`${d.origin}/?as=leader`);
      expect(res.status).to.equal(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.contain("frame-src 'self'").and.to.contain("frame-ancestors 'none'").and.to.not.contain('unsafe');
      expect(await res.text()).to.contain(d.person('leader').name);
    });

    it('when a document\'s KPI tab is opened as each person, then its iframe carries a host JWT of that person, signed with the agency\'s secret', async () => {
      const doc = d.demo.data.events.find((e) => e.subject.kind === 'document')!.subject.id;
      for (const key of ['official', 'leader', 'hr', 'admin'] as const) {
        const html = await (await fetch(`${d.origin}/eoffice/documents/${encodeURIComponent(doc)}?as=${key}&tab=kpi`)).text();
        const raw = /<iframe[^>]* src="([^"]+)"/.exec(html)?.[1];
        const src = raw === undefined ? undefined : decode(raw);
        expect(src, key).to.be.a('string');
        const url = new URL(src!, d.origin);
        expect(url.pathname).to.equal(`/panels/document/${encodeURIComponent(doc)}`);
        const claims = jwt.verify(url.searchParams.get('jwt')!, d.demo.secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' }) as jwt.JwtPayload;
        expect(claims.sub).to.equal(d.person(key).id);
        expect(claims.agency).to.equal(DEMO_CODE);
      }
    });

    it('when the switcher is used on a KPI page, then each person lands on their own KPI page; on a document, on the same document', async () => {
      const switcher = async (path: string) => [...(await (await fetch(`${d.origin}${path}`)).text()).matchAll(/<li><a href="([^"]+)"/g)].map((m) => decode(m[1]!));
      expect((await switcher('/eoffice/kpi?as=official&panel=me')).slice(0, 4)).to.deep.equal(['official', 'leader', 'hr', 'admin'].map((k) => `/eoffice/kpi?as=${k}`));
      const doc = d.demo.data.events.find((e) => e.subject.kind === 'document')!.subject.id;
      const onDoc = await switcher(`/eoffice/documents/${encodeURIComponent(doc)}?as=hr`);
      expect(onDoc.slice(0, 4)).to.deep.equal(['official', 'leader', 'hr', 'admin'].map((k) => `/eoffice/documents/${encodeURIComponent(doc)}?as=${k}`));
    });

    it('when the agency\'s settings are read, then they list the server\'s origins as host origins', async () => {
      const settings = await d.plugin.services.agencies.getSettings(DEMO_CODE);
      expect(settings.hostOrigins).to.include.members(hostOriginsOf(d.running.port));
    });

    it('when an unknown document is asked for, then the host answers 404', async () => {
      expect((await fetch(`${d.origin}/eoffice/documents/VB-0000-nope`)).status).to.equal(404);
    });

    it('when the production serve runs (no host), then / is the plugin\'s JSON 404 and the panels are still there', async () => {
      const running = await startServer(createServeApp(d.plugin, ''), { port: 0, basePath: '', host: '127.0.0.1' });
      try {
        const res = await fetch(`http://127.0.0.1:${running.port}/`);
        expect(res.status).to.equal(404);
        expect(res.headers.get('content-type')).to.match(/json/);
        expect((await fetch(`http://127.0.0.1:${running.port}/eoffice/kpi`)).status).to.equal(404);
        expect((await fetch(`http://127.0.0.1:${running.port}/health`)).status).to.equal(200);
      } finally {
        await running.close(1000);
      }
    });
  });
});
