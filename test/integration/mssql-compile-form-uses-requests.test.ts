import { expect } from 'chai';
import * as formUsesAndRequests from '../../migrations/20261205050001_form_uses_and_requests';
import { checkTsql, expectAllTsql, migrationStatements, type RecordedStatement } from '../helpers/mssql-recorder';

/**
 * The migration of the used form tokens and the requests (corrections, appeals), compiled for
 * SQL Server by the recording knex and parsed as T-SQL: NVARCHAR strings, datetime2 instants,
 * every key and index named, dropped in the reverse order. (Their stores' statements are
 * checked in mssql-compile-stores.test.ts.)
 */
describe('mssql compile: the form-uses and requests migration, compiled for SQL Server', () => {
  let up: RecordedStatement[];
  let down: RecordedStatement[];

  before(async () => {
    ({ up, down } = await migrationStatements(formUsesAndRequests));
  });

  it('when migrated up, then both tables and their indexes are T-SQL with named keys, NVARCHAR strings and datetime2 instants, and no parameter', () => {
    expectAllTsql(up, 'up');
    expect(up.every((s) => s.bindings.length === 0 && checkTsql(s).gaps.length === 0)).to.equal(true);
    const ddl = up.map((s) => s.sql).join('\n');
    expect(ddl).to.match(/CREATE TABLE \[kpi_form_uses\][\s\S]*constraint \[pk_kpi_form_uses\] primary key \(\[agency_code\], \[token\]\)/i);
    expect(ddl).to.match(/CREATE TABLE \[kpi_requests\][\s\S]*constraint \[pk_kpi_requests\] primary key \(\[id\]\)/i);
    expect(ddl).to.not.match(/(?<![n])varchar\s*\(/i);
    expect(ddl).to.match(/\[created_at\] datetime2 not null/);
    expect(ddl).to.not.match(/\bdatetime\b(?!2)/i);
    const ix = up.map((s) => /^CREATE INDEX \[([^\]]+)\]/.exec(s.sql)?.[1]).filter(Boolean);
    expect(ix).to.deep.equal(['ix_kpi_form_uses_created', 'ix_kpi_requests_queue', 'ix_kpi_requests_user']);
  });

  it('when migrated down, then the tables are dropped if they exist, in T-SQL', () => {
    expectAllTsql(down, 'down');
    expect(down.map((s) => /DROP TABLE (?:IF EXISTS )?\[([a-z_]+)\]/i.exec(s.sql)?.[1]).filter(Boolean)).to.deep.equal(['kpi_requests', 'kpi_form_uses']);
  });
});
