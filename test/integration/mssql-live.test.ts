import { expect } from 'chai';
import type { Knex } from 'knex';
import { KNOWN_EVENT_TYPES, type KnownEventType } from '../../src/contract/events';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateLatest, migrateRollbackAll, migrationNames } from '../../src/db/migrate';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { HostView } from '../../src/pull/host-view';
import { pullOnce, sourceKey } from '../../src/pull/puller';
import { reconcile } from '../../src/pull/reconcile';
import { buildEvent, silentLogger } from '../helpers/harness';

/*
 * The schema, the intake and the pull connector on a real SQL Server. Runs only when KPI_TEST_MSSQL holds a
 * connection string (mssql://user:pass@host:1433/db?trustServerCertificate=true); without
 * it this file registers no test at all, so that a run never reports SQL Server as tested
 * when it was not. (mssql-compile.test.ts checks the same SQL without a server.)
 */

const URL_ = process.env.KPI_TEST_MSSQL?.trim();

const TABLES = [
  'kpi_agencies', 'kpi_agency_secrets', 'kpi_settings', 'kpi_units', 'kpi_users', 'kpi_work_items', 'kpi_mapping_rules', 'kpi_events',
  'kpi_assignments', 'kpi_marks', 'kpi_journal_entries', 'kpi_assessments', 'kpi_periods', 'kpi_score_snapshots', 'kpi_profiles',
  'kpi_token_uses', 'kpi_pull_watermarks', 'kpi_audit_log', 'kpi_journal_days', 'kpi_journal_days_state', 'kpi_leases',
].sort();

const INDEXES = [
  'ix_kpi_agency_secrets_agency', 'ix_kpi_users_unit', 'ix_kpi_work_items_current', 'ix_kpi_mapping_rules_type', 'uq_kpi_events_agency_event',
  'ix_kpi_events_status', 'uq_kpi_assignments_subject_user', 'ix_kpi_assignments_user_due', 'ix_kpi_marks_subject', 'uq_kpi_journal_event_user',
  'ix_kpi_journal_day_user', 'ix_kpi_journal_user_day', 'ix_kpi_journal_subject', 'ix_kpi_token_uses_expires', 'ix_kpi_audit_log_agency_at',
  'ix_kpi_events_occurred', 'ix_kpi_events_actor', 'ix_kpi_events_status_at',
];

const VI = 'Ủy ban nhân dân phường Hắc Thành – Nguyễn Thị Ánh Tuyết';

async function rows<T>(knex: Knex, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  return (await knex.raw(sql, bindings as Knex.RawBinding[])) as unknown as T[];
}

async function kpiTables(knex: Knex): Promise<string[]> {
  const r = await rows<{ name: string }>(knex, "select TABLE_NAME as name from INFORMATION_SCHEMA.TABLES where TABLE_TYPE = 'BASE TABLE' and TABLE_NAME like 'kpi[_]%' and TABLE_NAME not like 'kpi[_]migrations%'");
  return r.map((x) => x.name).sort();
}

const doc = (k: number) => ({ kind: 'document', id: `VB-${k}`, title: VI, docType: 'cong-van', urgency: 'thuong', dueAt: '2026-03-14T17:00:00+07:00' });
const task = (k: number) => ({ kind: 'task', id: `NV-${k}`, title: 'Báo cáo tổng kết', dueAt: '2026-03-13T17:00:00+07:00' });
const EVENT_OF: Record<KnownEventType, (k: number) => Record<string, unknown>> = {
  'document.received': (k) => ({ subject: doc(k), actor: { id: 'u-vt' } }),
  'document.assigned': (k) => ({ subject: doc(k), actor: { id: 'u-lead' }, data: { assignees: [{ userId: `u-${k % 9}`, role: 'main' }] } }),
  'document.processed': (k) => ({ subject: doc(k), actor: { id: `u-${k % 9}` }, data: { role: 'main' } }),
  'document.drafted': (k) => ({ subject: { ...doc(k), docType: 'to-trinh' }, actor: { id: `u-${k % 9}` } }),
  'document.signed': (k) => ({ subject: doc(k), actor: { id: 'u-lead' } }),
  'document.issued': (k) => ({ subject: doc(k), actor: { id: 'u-vt' } }),
  'document.returned': (k) => ({ subject: doc(k), actor: { id: 'u-lead' }, data: { userId: `u-${k % 9}`, excused: false } }),
  'task.assigned': (k) => ({ subject: task(k), actor: { id: 'u-lead' }, data: { assigneeId: `u-${k % 9}`, workItemCode: 'CV-16', quantity: 2 } }),
  'task.completed': (k) => ({ subject: task(k), actor: { id: `u-${k % 9}` }, occurredAt: '2026-03-15T10:00:00+07:00' }),
  'task.extended': (k) => ({ subject: task(k), actor: { id: 'u-lead' }, data: { newDueAt: '2026-03-20T17:00:00+07:00', excused: false } }),
  'task.rejected': (k) => ({ subject: task(k), actor: { id: 'u-lead' }, data: { excused: false } }),
  'task.cancelled': (k) => ({ subject: task(k + 100000), actor: { id: 'u-lead' } }),
  'user.upserted': (k) => ({ subject: { kind: 'user', id: `u-${k % 9}` }, actor: { id: 'host' }, data: { name: VI.normalize('NFD'), unitId: `p-${k % 3}`, position: 'Chuyên viên', isLeader: false, active: true } }),
  'unit.upserted': (k) => ({ subject: { kind: 'unit', id: `p-${k % 3}` }, actor: { id: 'host' }, data: { name: 'Phòng Tổ chức cán bộ', parentId: null } }),
};

function batch(agency: string, n: number, from = 0): Array<Record<string, any>> {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    const type = KNOWN_EVENT_TYPES[i % KNOWN_EVENT_TYPES.length]!;
    return buildEvent({ agency, type, ...EVENT_OF[type](Math.floor(i / KNOWN_EVENT_TYPES.length)) });
  });
}

async function count(knex: Knex, table: string, where: Record<string, unknown>): Promise<number> {
  const r = await knex(table).where(where).count({ n: '*' }).first();
  return Number((r as { n: unknown }).n);
}

if (URL_) {
  describe(`SQL Server, live (${parseDbUrl(URL_, 'KPI_TEST_MSSQL').display})`, function () {
    this.timeout(180000);
    let knex: Knex;

    before(async () => {
      const target = parseDbUrl(URL_, 'KPI_TEST_MSSQL');
      expect(target.dialect).to.equal('mssql');
      knex = openDb(target);
      await migrateRollbackAll(knex);
    });

    after(async () => {
      await knex?.destroy();
    });

    describe('migrating up', () => {
      it('when migrated up, then the 21 tables exist with their named keys, indexes and NVARCHAR/datetime2 columns', async () => {
        expect(await kpiTables(knex)).to.deep.equal([]);
        expect(await migrateLatest(knex)).to.deep.equal(migrationNames());
        expect(await kpiTables(knex)).to.deep.equal(TABLES);

        const ix = await rows<{ name: string; tbl: string; is_unique: boolean; is_primary_key: boolean }>(knex, `
          select i.name, t.name as tbl, i.is_unique, i.is_primary_key from sys.indexes i join sys.tables t on t.object_id = i.object_id
           where t.name like 'kpi[_]%' and t.name not like 'kpi[_]migrations%' and i.name is not null`);
        const names = ix.map((x) => x.name);
        for (const n of INDEXES) expect(names, n).to.include(n);
        for (const t of TABLES) expect(ix.filter((x) => x.is_primary_key && x.tbl === t).map((x) => x.name), t).to.deep.equal([`pk_${t}`]);
        for (const n of INDEXES.filter((x) => x.startsWith('uq_'))) expect(ix.find((x) => x.name === n)?.is_unique, n).to.equal(true);

        const constraints = await rows<{ name: string; type: string }>(knex, `
          select o.name, o.type from sys.objects o join sys.tables t on t.object_id = o.parent_object_id
           where o.type in ('PK', 'F', 'D', 'UQ', 'C') and t.name like 'kpi[_]%' and t.name not like 'kpi[_]migrations%'`);
        expect(constraints.filter((c) => c.type.trim() === 'F').map((c) => c.name).sort()).to.deep.equal(['fk_kpi_agency_secrets_agency', 'fk_kpi_settings_agency']);
        expect(constraints.map((c) => c.name).filter((n) => !/^(pk|fk|uq|ix|df)_kpi_[a-z0-9_]+$/.test(n)), 'constraints not named by the migration').to.deep.equal([]);

        const cols = await rows<{ tbl: string; col: string; type: string }>(knex, `
          select TABLE_NAME as tbl, COLUMN_NAME as col, DATA_TYPE as type from INFORMATION_SCHEMA.COLUMNS
           where TABLE_NAME like 'kpi[_]%' and TABLE_NAME not like 'kpi[_]migrations%'`);
        expect(cols.filter((c) => /char|text/.test(c.type) && c.type !== 'nvarchar').map((c) => `${c.tbl}.${c.col} ${c.type}`)).to.deep.equal([]);
        const instant = (c: string) => c === 'at' || c.endsWith('_at') || c === 'valid_from' || c === 'valid_to';
        expect(cols.filter((c) => instant(c.col) !== (c.type === 'datetime2')).map((c) => `${c.tbl}.${c.col} ${c.type}`)).to.deep.equal([]);
      });

      it('when migrated up again, then nothing runs', async () => {
        expect(await migrateLatest(knex)).to.deep.equal([]);
        expect(await kpiTables(knex)).to.deep.equal(TABLES);
      });
    });

    describe('the intake', () => {
      let plugin: KpiPlugin;

      before(async () => {
        await migrateLatest(knex);
        plugin = await createKpiPlugin({ knex, migrate: false, logger: silentLogger });
        for (const code of ['ms-live', 'ms-conc', 'ms-case']) {
          if (!(await plugin.services.agencies.getAgency(code))) await plugin.services.agencies.addAgency({ code, name: VI.normalize('NFD') });
        }
      });

      it('when a batch of 1000 events of every known type is ingested, then all are stored once, with their entries, and a second delivery changes nothing', async () => {
        const events = batch('ms-live', 1000);
        expect(await plugin.ingest(events)).to.deep.equal({ accepted: 1000, duplicates: 0, rejected: [] });
        expect(await count(knex, 'kpi_events', { agency_code: 'ms-live' })).to.equal(1000);
        expect(await count(knex, 'kpi_events', { agency_code: 'ms-live', status: 'processed' })).to.equal(1000);
        const entries = await count(knex, 'kpi_journal_entries', { agency_code: 'ms-live' });
        expect(entries).to.be.greaterThan(0);

        expect(await plugin.ingest(events)).to.deep.equal({ accepted: 0, duplicates: 1000, rejected: [] });
        expect(await count(knex, 'kpi_events', { agency_code: 'ms-live' })).to.equal(1000);
        expect(await count(knex, 'kpi_journal_entries', { agency_code: 'ms-live' })).to.equal(entries);

        expect((await plugin.services.agencies.getAgency('ms-live'))?.name).to.equal(VI);
        const user = await knex('kpi_users').where({ agency_code: 'ms-live', id: 'u-0' }).first();
        expect(user.name).to.equal(VI);
        const titled = await knex('kpi_journal_entries').where({ agency_code: 'ms-live', subject_id: 'VB-0' }).first();
        expect(titled.subject_title).to.equal(VI);
      });

      it('when an event happens at 2026-03-12T23:30:00.001Z, then its entry is on 2026-03-13 and the instant is kept to the millisecond, in UTC', async () => {
        const e = buildEvent({ agency: 'ms-live', type: 'document.received', occurredAt: '2026-03-12T23:30:00.001Z', actor: { id: 'u-tz' } });
        expect(await plugin.ingest([e])).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
        const entry = await knex('kpi_journal_entries').where({ agency_code: 'ms-live', event_id: e.id }).first();
        expect(entry.day).to.equal('2026-03-13');
        expect((entry.occurred_at as Date).toISOString()).to.equal('2026-03-12T23:30:00.001Z');
      });

      it('when two processes deliver the same new events at once, then each is stored exactly once', async () => {
        const other = openDb(parseDbUrl(URL_, 'KPI_TEST_MSSQL'));
        try {
          const second = await createKpiPlugin({ knex: other, migrate: false, logger: silentLogger });
          const events = batch('ms-conc', 300);
          const [a, b] = await Promise.all([plugin.ingest(events), second.ingest(events)]);
          expect(a.accepted + b.accepted).to.equal(300);
          expect(a.duplicates + b.duplicates).to.equal(300);
          expect(a.rejected.concat(b.rejected)).to.deep.equal([]);
          expect(await count(knex, 'kpi_events', { agency_code: 'ms-conc' })).to.equal(300);
        } finally {
          await other.destroy();
        }
      });

      it('when two event ids differ only in letter case, then they are two events (ids compare exactly, as on PostgreSQL and SQLite)', async () => {
        const upper = buildEvent({ id: 'EVT-CASE-1', agency: 'ms-case', type: 'document.received' });
        const lower = buildEvent({ id: 'evt-case-1', agency: 'ms-case', type: 'document.received' });
        expect(await plugin.ingest([upper])).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
        expect(await plugin.ingest([lower])).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
        const ids = (await knex('kpi_events').where({ agency_code: 'ms-case' }).select('event_id')).map((r: { event_id: string }) => r.event_id);
        expect(ids.sort()).to.deep.equal(['EVT-CASE-1', 'evt-case-1']);
      });
    });

    describe('the pull connector, from a view on the same server', () => {
      const VIEW = 'dbo.eoffice_kpi_events_live';
      const SAME = new Date('2026-03-25T03:00:00.000Z');
      let plugin: KpiPlugin;
      let view: HostView;
      const run = () => pullOnce({ uow: plugin.services.uow, intake: plugin.services.intake }, { agency: 'ms-pull', view, source: sourceKey('live', VIEW), batch: 300, columns: { title: 'subject.title' } });

      before(async () => {
        await migrateLatest(knex);
        plugin = await createKpiPlugin({ knex, migrate: false, logger: silentLogger });
        if (!(await plugin.services.agencies.getAgency('ms-pull'))) await plugin.services.agencies.addAgency({ code: 'ms-pull', name: VI });
        await knex.raw(`if object_id('dbo.eoffice_kpi_events_live', 'V') is not null drop view dbo.eoffice_kpi_events_live`);
        await knex.raw(`if object_id('dbo.host_events_live', 'U') is not null drop table dbo.host_events_live`);
        await knex.raw(`create table dbo.host_events_live (event_id nvarchar(200) null, event_type nvarchar(100) not null, occurred_at datetime2(3) not null,
          actor_id nvarchar(200) null, subject_kind nvarchar(50) not null, subject_id nvarchar(200) not null, data nvarchar(max) null, updated_at datetime2(3) not null, title nvarchar(500) null)`);
        await knex.raw(`create view dbo.eoffice_kpi_events_live as select event_id, event_type, occurred_at, actor_id, subject_kind, subject_id, data, updated_at, title from dbo.host_events_live`);
        const rows = Array.from({ length: 1000 }, (_, i) => ({
          event_id: `EV-${String(i).padStart(5, '0')}`, event_type: 'document.received', occurred_at: new Date(Date.UTC(2026, 2, 2 + (i % 20), 2, 15)),
          actor_id: `u-${i % 7}`, subject_kind: 'document', subject_id: `VB-${i}`, data: i === 500 ? '{"role": main}' : '{}', updated_at: SAME, title: VI,
        }));
        for (let i = 0; i < rows.length; i += 200) await knex('host_events_live').insert(rows.slice(i, i + 200));
        view = HostView.open(URL_, VIEW, ['title'], 'KPI_TEST_MSSQL');
      });

      after(async () => {
        await view?.close();
        await knex.raw(`if object_id('dbo.eoffice_kpi_events_live', 'V') is not null drop view dbo.eoffice_kpi_events_live`);
        await knex.raw(`if object_id('dbo.host_events_live', 'U') is not null drop table dbo.host_events_live`);
      });

      it('when 1,000 rows share one updated_at over pages of 300, then each is taken once, the bad JSON row is kept failed, NVARCHAR text intact, and the next pull finds nothing', async () => {
        expect(await run()).to.include({ rows: 1000, accepted: 1000, processed: 999, failed: 1, duplicates: 0 });
        expect(await count(knex, 'kpi_events', { agency_code: 'ms-pull' })).to.equal(1000);
        expect(await count(knex, 'kpi_events', { agency_code: 'ms-pull', status: 'failed', event_id: 'EV-00500' })).to.equal(1);
        const titled = await knex('kpi_journal_entries').where({ agency_code: 'ms-pull', subject_id: 'VB-0' }).first();
        expect(titled.subject_title).to.equal(VI);
        expect(await plugin.services.uow.read.pull.watermark('ms-pull', sourceKey('live', VIEW))).to.deep.equal({ updatedAt: SAME, eventId: 'EV-00999', rows: 1000 });
        expect(await run()).to.include({ rows: 0 });
      });

      it('when a row is changed after it was taken, then it is read again as a duplicate and nothing changes', async () => {
        await knex('host_events_live').where({ event_id: 'EV-00001' }).update({ actor_id: 'u-99', updated_at: new Date('2026-03-26T00:00:00.000Z') });
        expect(await run()).to.include({ rows: 1, accepted: 0, duplicates: 1 });
        expect((await knex('kpi_journal_entries').where({ agency_code: 'ms-pull', event_id: 'EV-00001' }).select('user_id')).map((r: { user_id: string }) => r.user_id)).to.deep.equal(['u-1']);
      });

      it('when a day is cut out of the journal, then reconcile finds its ids and --apply takes them back', async () => {
        const cut = (await knex('kpi_events').where({ agency_code: 'ms-pull' }).andWhere('occurred_at', '>=', new Date('2026-03-03T17:00:00Z')).andWhere('occurred_at', '<', new Date('2026-03-04T17:00:00Z')).select('event_id')).map((r: { event_id: string }) => r.event_id);
        expect(cut.length).to.equal(50);
        await knex('kpi_journal_entries').where({ agency_code: 'ms-pull' }).whereIn('event_id', cut).del();
        await knex('kpi_events').where({ agency_code: 'ms-pull' }).whereIn('event_id', cut).del();
        const deps = { uow: plugin.services.uow, intake: plugin.services.intake };
        const found = await reconcile(deps, { agency: 'ms-pull', view, timeZone: 'Asia/Ho_Chi_Minh', from: '2026-03-01', to: '2026-03-31', apply: true });
        expect(found.missing).to.equal(50);
        expect(found.applied).to.include({ accepted: 50 });
        expect((await reconcile(deps, { agency: 'ms-pull', view, timeZone: 'Asia/Ho_Chi_Minh', from: '2026-03-01', to: '2026-03-31', apply: false })).missing).to.equal(0);
      });

      it('when two instances take the same lease, then the second is refused by the primary key (2627) until the first lets it go', async () => {
        const leases = plugin.services.uow.read.leases;
        const now = new Date();
        expect(await leases.acquire('pull:ms-pull', 'a', now, 60_000)).to.equal(true);
        expect(await leases.acquire('pull:ms-pull', 'b', now, 60_000)).to.equal(false);
        await leases.release('pull:ms-pull', 'a');
        expect(await leases.acquire('pull:ms-pull', 'b', now, 60_000)).to.equal(true);
        await leases.release('pull:ms-pull', 'b');
      });
    });

    describe('migrating down', () => {
      it('when migrated down, then every kpi_* table is gone, and up again rebuilds them', async () => {
        expect(await migrateRollbackAll(knex)).to.deep.equal([...migrationNames()].reverse());
        expect(await kpiTables(knex)).to.deep.equal([]);
        expect(await migrateRollbackAll(knex)).to.deep.equal([]);
        expect(await migrateLatest(knex)).to.deep.equal(migrationNames());
        expect(await kpiTables(knex)).to.deep.equal(TABLES);
      });
    });
  });
}
