import { expect } from 'chai';
import * as pullAndLeases from '../../migrations/20261205010001_pull_and_leases';
import { KnexLeaseStore, KnexPullStore } from '../../src/db/knex-pull-store';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import { HostView } from '../../src/pull/host-view';
import type { LeaseStore, PullStore } from '../../src/stores';
import { checkTsql, expectAllTsql, migrationStatements, recorder, type MssqlRecorder, type RecordedStatement } from '../helpers/mssql-recorder';

/*
 * The pull connector on SQL Server, compiled by the recording `mssql` knex (no server) and parsed
 * as T-SQL: the migration (watermark columns, the events' day index, the lease table), every
 * method of the pull and lease stores, and the three queries the connector sends to the host's
 * view — instants bound as datetime2, strings as NVARCHAR, never 2100 parameters.
 */
const AGENCY = 'ag-mssql';
const T0 = new Date('2026-03-25T03:00:00.000Z');

/** Calls each method of a store once (the record must name them all) and returns what each sent. */
async function everyMethod<S extends object>(r: MssqlRecorder, store: S, calls: Record<string, (s: S) => Promise<unknown>>): Promise<Record<string, RecordedStatement[]>> {
  const own = Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter((m) => m !== 'constructor');
  expect(own.sort(), `the methods of ${store.constructor.name}`).to.deep.equal(Object.keys(calls).sort());
  const sent: Record<string, RecordedStatement[]> = {};
  for (const [m, call] of Object.entries(calls)) {
    const before = r.statements.length;
    await call(store);
    sent[m] = r.statements.slice(before);
    expectAllTsql(sent[m]!, `${store.constructor.name}.${m}`);
  }
  return sent;
}

const dateParams = (s: RecordedStatement) => s.bindings.map((b, i) => (b instanceof Date ? s.types[i] : null)).filter((t) => t !== null);

describe('mssql compile: the pull connector, its stores and its migration, compiled for SQL Server', () => {
  it('when migrated up and down, then every statement is T-SQL: NVARCHAR ids compared byte for byte, datetime2 instants, named constraints', async () => {
    const { up, down } = await migrationStatements(pullAndLeases);
    expectAllTsql(up, 'up');
    expectAllTsql(down, 'down');
    const ddl = up.map((s) => s.sql).join('\n');
    expect(ddl).to.contain('ALTER TABLE [kpi_pull_watermarks] ADD [mark_at] datetime2 null');
    expect(ddl).to.contain('ADD [mark_id] nvarchar(200) collate Latin1_General_100_BIN2 null');
    expect(ddl).to.match(/CREATE INDEX \[ix_kpi_events_occurred\] ON \[kpi_events\] \(\[agency_code\], \[occurred_at\]\)/);
    expect(ddl).to.match(/CREATE TABLE \[kpi_leases\] \(\[name\] nvarchar\(200\) not null, \[holder\] nvarchar\(200\) not null, \[expires_at\] datetime2 not null, \[acquired_at\] datetime2 not null, CONSTRAINT \[pk_kpi_leases\] PRIMARY KEY \(\[name\]\)\)/);
    expect(ddl).to.not.match(/(?<![n])varchar\s*\(/i);
    expect(down.map((s) => s.sql).join('\n')).to.match(/DROP INDEX \[ix_kpi_events_occurred\]/);
  });

  it('when every method of the pull store is called, with more ids than one statement may bind, then each statement is T-SQL, instants as datetime2', async () => {
    const r = recorder();
    const ids = Array.from({ length: 4500 }, (_, i) => `EV-${i}`);
    const sent = await new KnexUnitOfWork(r.knex).write((tx) => everyMethod<PullStore>(r, tx.pull as KnexPullStore, {
      watermark: (s) => s.watermark(AGENCY, 'mssql://kpi@host/eoffice#dbo.eoffice_kpi_events'),
      advance: (s) => s.advance(AGENCY, 'src', { updatedAt: T0, eventId: 'EV-1', rows: 10 }, T0),
      eventsBetween: (s) => s.eventsBetween(AGENCY, T0, new Date(T0.getTime() + 86_400_000)),
      storedIds: (s) => s.storedIds(AGENCY, ids),
    }), { attempts: 1 });
    await r.destroy();
    expect(sent.storedIds!.length, 'split under 2100 parameters').to.equal(3);
    expect(Math.max(...sent.storedIds!.map((s) => s.bindings.length))).to.be.below(2100);
    const [update] = sent.advance!;
    expect(update!.sql).to.match(/^update \[kpi_pull_watermarks\] set .*where \[agency_code\] = @p\d+ and \[source\] = @p\d+ and \(\[mark_at\] is null or \[mark_at\] <= @p\d+\)/);
    expect(dateParams(update!).every((t) => t === 'DateTime2')).to.equal(true);
    expect(dateParams(sent.eventsBetween![0]!)).to.deep.equal(['DateTime2', 'DateTime2']);
    // Nothing updated and no row yet: the first watermark is inserted.
    expect(sent.advance!.map((s) => s.sql.split(' ')[0])).to.deep.equal(['update', 'select', 'insert']);
  });

  it('when every method of the lease store is called, and a second instance inserts the same lease, then the duplicate key (2627) means "held by another"', async () => {
    const r = recorder();
    const store = new KnexUnitOfWork(r.knex).read.leases;
    await everyMethod<LeaseStore>(r, store as KnexLeaseStore, {
      acquire: (s) => s.acquire('pull:ag', 'host-a:1:x', T0, 60_000),
      release: (s) => s.release('pull:ag', 'host-a:1:x'),
      get: (s) => s.get('pull:ag'),
    });
    r.clearLog();
    r.queue(Object.assign(new Error("Violation of PRIMARY KEY constraint 'pk_kpi_leases'."), { number: 2627 }), /^insert into \[kpi_leases\] /);
    expect(await store.acquire('pull:ag', 'host-b:2:y', T0, 60_000)).to.equal(false);
    expect(r.pending()).to.equal(0);
    expect(r.statements.map((s) => s.sql)).to.deep.equal([
      'update [kpi_leases] set [expires_at] = @p0 where [name] = @p1 and [holder] = @p2;select @@rowcount',
      'update [kpi_leases] set [holder] = @p0, [expires_at] = @p1, [acquired_at] = @p2 where [name] = @p3 and [expires_at] < @p4;select @@rowcount',
      'insert into [kpi_leases] ([acquired_at], [expires_at], [holder], [name]) values (@p0, @p1, @p2, @p3)',
    ]);
    await r.destroy();
  });

  it('when the connector reads a host view on SQL Server, then its page, window and by-id queries are T-SQL: keyset order, TOP, datetime2, ids split under 2100 parameters', async () => {
    const r = recorder();
    const view = new HostView(r.knex, 'mssql', 'dbo.eoffice_kpi_events', ['title', 'due_at']);
    await view.page(null, 500);
    await view.page({ updatedAt: T0, eventId: 'EV-9' }, 500);
    await view.window(T0, new Date(T0.getTime() + 86_400_000), 'EV-1', 2000);
    await view.byIds(Array.from({ length: 2500 }, (_, i) => `EV-${i}`));
    await r.destroy();
    expectAllTsql(r.statements, 'host view');
    const [first, next, window, ...byIds] = r.statements;
    expect(first!.sql).to.equal('select top (@p0) [event_id], [event_type], [occurred_at], [actor_id], [subject_kind], [subject_id], [data], [updated_at], [title], [due_at] from [dbo].[eoffice_kpi_events] where [updated_at] is not null order by [updated_at] asc, [event_id] asc');
    expect(next!.sql).to.match(/and \[updated_at\] >= @p\d+ and \(\[updated_at\] > @p\d+ or \[event_id\] > @p\d+\) order by \[updated_at\] asc, \[event_id\] asc$/);
    expect(dateParams(next!)).to.deep.equal(['DateTime2', 'DateTime2']);
    expect(next!.types.filter((t, i) => typeof next!.bindings[i] === 'string')).to.deep.equal(['NVarChar']);
    expect(dateParams(window!)).to.deep.equal(['DateTime2', 'DateTime2']);
    expect(byIds).to.have.length(2);
    for (const s of byIds) expect(checkTsql(s).asts).to.have.length(1);
  });
});
