import { expect } from 'chai';
import * as eventActor from '../../migrations/20261206010001_event_actor';
import { expectAllTsql, migrationStatements } from '../helpers/mssql-recorder';

/**
 * The events' actor column and its index, compiled for SQL Server by the recording knex and
 * parsed as T-SQL: a nullable NVARCHAR(200) (a user id, as everywhere), a named index, and a
 * down that drops the index before the column (SQL Server refuses to drop an indexed column).
 * (The event store's reads of it are checked in mssql-compile-stores.test.ts.)
 */
describe('mssql compile: the events\' actor migration, compiled for SQL Server', () => {
  it('when migrated up and down, then the column is a nullable NVARCHAR(200), its index is named, an index by status and time is added, and down drops the indexes before the column', async () => {
    const { up, down } = await migrationStatements(eventActor);
    expectAllTsql(up, 'up');
    expectAllTsql(down, 'down');
    const ddl = up.map((s) => s.sql).join('\n');
    expect(ddl).to.contain('ALTER TABLE [kpi_events] ADD [actor_id] nvarchar(200) null');
    expect(ddl).to.match(/CREATE INDEX \[ix_kpi_events_actor\] ON \[kpi_events\] \(\[agency_code\], \[actor_id\], \[occurred_at\]\)/);
    expect(ddl).to.match(/CREATE INDEX \[ix_kpi_events_status_at\] ON \[kpi_events\] \(\[agency_code\], \[status\], \[occurred_at\]\)/);
    expect(ddl, 'the status index of the lists stays').to.not.match(/DROP INDEX/);
    expect(ddl).to.not.match(/(?<![n])varchar\s*\(/i);
    const back = down.map((s) => s.sql);
    expect(back).to.have.length(3);
    expect(back[0]).to.match(/DROP INDEX \[ix_kpi_events_status_at\]/);
    expect(back[1]).to.match(/DROP INDEX \[ix_kpi_events_actor\]/);
    expect(back[2]).to.match(/ALTER TABLE \[kpi_events\] DROP COLUMN \[actor_id\]/);
  });
});
