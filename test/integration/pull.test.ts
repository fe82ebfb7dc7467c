import { expect } from 'chai';
import type { Knex } from 'knex';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { HostView } from '../../src/pull/host-view';
import { pullOnce, sourceKey, type PullRun } from '../../src/pull/puller';
import { reconcile } from '../../src/pull/reconcile';
import { freshDb, silentLogger, testDialect } from '../helpers/harness';
import { hostKinds, hostRow, standInHost, type StandInHost } from '../helpers/host-view';

/*
 * The pull connector against a stand-in host view (SQLite always, PostgreSQL when the suite has
 * one), into the plugin's test database: keyset pages over rows sharing one updated_at, rows
 * changed after they were taken, malformed rows, and reconciliation of a gap.
 */
const AGENCY = 'ubnd-keo-ve';

for (const kind of hostKinds()) {
  describe(`pull: from a stand-in host view on ${kind} into ${testDialect()}`, function () {
    this.timeout(60_000);
    let knex: Knex;
    let plugin: KpiPlugin;
    let host: StandInHost;
    let view: HostView;

    beforeEach(async () => {
      knex = await freshDb();
      plugin = await createKpiPlugin({ knex, logger: silentLogger, migrate: false });
      await plugin.services.agencies.addAgency({ code: AGENCY, name: 'UBND xã Kéo Về' });
      host = await standInHost(kind);
      view = HostView.open(host.url, host.view, ['title']);
    });

    afterEach(async () => {
      await view.close();
      await host.close();
      await knex.destroy();
    });

    const run = (over: Partial<PullRun> = {}) => pullOnce({ uow: plugin.services.uow, intake: plugin.services.intake }, {
      agency: AGENCY, view, source: sourceKey(host.url, host.view), batch: 64, columns: { title: 'subject.title' }, ...over,
    });
    const events = async () => (await knex('kpi_events').where({ agency_code: AGENCY }).select('event_id', 'status', 'error', 'payload', 'source')) as Array<{ event_id: string; status: string; error: string | null; payload: string; source: string }>;

    it('when 1,000 rows share one updated_at across pages of 64, then each is taken exactly once and the next pull finds nothing', async () => {
      await host.insert(Array.from({ length: 1000 }, (_, i) => hostRow(i, { title: `Công văn số ${i}` })));
      const seen: number[] = [];
      const first = await run({ afterRead: (rows) => void seen.push(rows.length) });
      expect(first).to.include({ rows: 1000, accepted: 1000, duplicates: 0, processed: 1000, failed: 0 });
      expect(seen).to.deep.equal([...Array(15).fill(64), 1000 - 15 * 64]);
      const stored = await events();
      expect(new Set(stored.map((e) => e.event_id)).size).to.equal(1000);
      expect(stored.every((e) => e.source === 'pull')).to.equal(true);
      expect(JSON.parse(stored.find((e) => e.event_id === 'EV-000007')!.payload).subject).to.include({ kind: 'document', id: 'VB-7', title: 'Công văn số 7' });
      expect(await plugin.services.uow.read.pull.watermark(AGENCY, sourceKey(host.url, host.view))).to.deep.equal({ updatedAt: new Date('2026-03-25T03:00:00.000Z'), eventId: 'EV-000999', rows: 1000 });
      const entries = await knex('kpi_journal_entries').where({ agency_code: AGENCY }).count({ n: '*' });
      expect(Number(entries[0]!.n)).to.equal(1000);
      expect(await run()).to.include({ rows: 0, pages: 0, accepted: 0 });
    });

    it('when a row is changed after it was taken, then the next pull reads it again as a duplicate and nothing changes', async () => {
      await host.insert([hostRow(1), hostRow(2)]);
      expect(await run()).to.include({ rows: 2, accepted: 2 });
      const before = await events();
      await host.update('EV-000001', { data: '{"role":"support"}', actor_id: 'u-99', updated_at: '2026-03-26T01:00:00.000Z' });
      expect(await run()).to.include({ rows: 1, accepted: 0, duplicates: 1 });
      expect(await events()).to.deep.equal(before);
      const entry = await knex('kpi_journal_entries').where({ agency_code: AGENCY, event_id: 'EV-000001' }).select('user_id');
      expect(entry.map((e) => e.user_id)).to.deep.equal(['u-1']);
    });

    it('when rows are malformed (bad JSON in data, an unknown type, no id, a missing actor), then each is kept with its reason and the rows after them are taken', async () => {
      await host.insert([
        hostRow(1, { updated_at: '2026-03-25T03:00:00.001Z' }),
        hostRow(2, { data: '{"role": main}', updated_at: '2026-03-25T03:00:00.002Z' }),
        hostRow(3, { event_type: 'document.archived', updated_at: '2026-03-25T03:00:00.003Z' }),
        hostRow(4, { event_id: null, updated_at: '2026-03-25T03:00:00.004Z' }),
        hostRow(5, { actor_id: null as unknown as string, updated_at: '2026-03-25T03:00:00.005Z' }),
        hostRow(6, { updated_at: '2026-03-25T03:00:00.006Z' }),
      ]);
      expect(await run({ batch: 2 })).to.include({ rows: 6, accepted: 6, processed: 2, ignored: 1, failed: 3 });
      const byId = new Map((await events()).map((e) => [e.event_id, e]));
      expect(byId.get('EV-000001')!.status).to.equal('processed');
      expect(byId.get('EV-000006')!.status).to.equal('processed');
      expect(byId.get('EV-000002')).to.include({ status: 'failed' });
      expect(byId.get('EV-000002')!.error).to.match(/^data: .*not valid JSON/);
      expect(byId.get('EV-000003')).to.include({ status: 'ignored' });
      expect(byId.get('EV-000003')!.error).to.match(/document\.archived.*unknown type/);
      expect(byId.get('EV-000005')).to.include({ status: 'failed' });
      expect(byId.get('EV-000005')!.error).to.match(/actor/);
      const noId = [...byId.values()].filter((e) => e.event_id.startsWith('pull-no-id:'));
      expect(noId).to.have.length(1);
      expect(noId[0]!.status).to.equal('failed');
      expect(noId[0]!.error).to.match(/^event_id: .*no event id/);
      expect(JSON.parse(noId[0]!.payload)).to.include({ subject_id: 'VB-4', event_id: null });
      // The failed ones wait for replay like any failed event.
      expect((await plugin.services.uow.read.events.failed(AGENCY)).map((e) => e.eventId).sort()).to.deep.equal(['EV-000002', 'EV-000005', noId[0]!.event_id].sort());
      // Read again from the start, the broken rows are duplicates too: one failed event each.
      await knex('kpi_pull_watermarks').where({ agency_code: AGENCY }).del();
      expect(await run()).to.include({ rows: 6, accepted: 0, duplicates: 6 });
    });

    it('when a day is cut out of the journal, then reconcile lists its missing ids per day and type, --apply takes them in, and a second reconcile finds none', async () => {
      await host.insert(Array.from({ length: 60 }, (_, i) => hostRow(i, { event_type: i % 3 === 0 ? 'document.processed' : 'document.received', data: i % 3 === 0 ? '{"role":"main"}' : '{}' })));
      await run();
      // 2026-03-04 (UTC+7) holds rows 2, 22, 42: cut them out, with their entries.
      const cut = ['EV-000002', 'EV-000022', 'EV-000042'];
      await knex('kpi_journal_entries').where({ agency_code: AGENCY }).whereIn('event_id', cut).del();
      await knex('kpi_events').where({ agency_code: AGENCY }).whereIn('event_id', cut).del();
      const deps = { uow: plugin.services.uow, intake: plugin.services.intake };
      const days: string[] = [];
      const found = await reconcile(deps, { agency: AGENCY, view, timeZone: 'Asia/Ho_Chi_Minh', from: '2026-03-03', to: '2026-03-05', apply: false, onDay: (d) => days.push(d) });
      expect(days).to.deep.equal(['2026-03-03', '2026-03-04', '2026-03-05']);
      expect(found.missing).to.equal(3);
      expect(found.applied).to.equal(null);
      const gap = found.lines.filter((l) => l.missing.length > 0);
      expect(gap).to.deep.equal([
        { day: '2026-03-04', type: 'document.processed', view: 1, plugin: 0, missing: ['EV-000042'] },
        { day: '2026-03-04', type: 'document.received', view: 2, plugin: 0, missing: ['EV-000002', 'EV-000022'] },
      ]);
      expect(found.lines.filter((l) => l.day === '2026-03-03').map((l) => [l.type, l.view, l.plugin])).to.deep.equal([['document.processed', 1, 1], ['document.received', 2, 2]]);
      const applied = await reconcile(deps, { agency: AGENCY, view, timeZone: 'Asia/Ho_Chi_Minh', from: '2026-03-03', to: '2026-03-05', apply: true });
      expect(applied.applied).to.include({ accepted: 3, processed: 3, duplicates: 0 });
      expect((await knex('kpi_journal_entries').where({ agency_code: AGENCY }).whereIn('event_id', cut)).length).to.equal(3);
      const again = await reconcile(deps, { agency: AGENCY, view, timeZone: 'Asia/Ho_Chi_Minh', from: '2026-03-01', to: '2026-03-31', apply: false });
      expect(again.missing).to.equal(0);
      expect(again.lines.reduce((n, l) => n + l.view, 0)).to.equal(60);
      expect(again.lines.every((l) => l.view === l.plugin)).to.equal(true);
    });
  });
}
