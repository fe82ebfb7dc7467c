import { expect } from 'chai';
import * as assessmentDetail from '../../migrations/20261204000001_assessment_detail';
import { KnexAssessmentStore } from '../../src/db/knex-assessment-store';
import { checkTsql, expectAllTsql, migrationStatements, recorder, type RecordedStatement } from '../helpers/mssql-recorder';

/**
 * The assessment detail migration (form no. 01's three groups, the self score, the ground of a
 * disqualification), compiled for SQL Server by the recording knex and parsed as T-SQL, as
 * mssql-compile.test.ts does for the first two migrations: nullable columns without defaults
 * (nothing for SQL Server to name, nothing to drop before a column), strings as NVARCHAR.
 */
describe('mssql compile: the assessment detail migration and its store, compiled for SQL Server', () => {
  let up: RecordedStatement[];
  let down: RecordedStatement[];

  before(async () => {
    ({ up, down } = await migrationStatements(assessmentDetail));
  });

  it('when migrated up, then each new column is one ALTER TABLE … ADD in T-SQL: six nullable floats and an nvarchar(32), no default, no parameter', () => {
    expectAllTsql(up, 'up');
    expect(up.map((s) => s.sql)).to.deep.equal([
      ...['general_i', 'general_ii', 'general_iii', 'self_i', 'self_ii', 'self_iii'].map((c) => `ALTER TABLE [kpi_assessments] ADD [${c}] float null`),
      'ALTER TABLE [kpi_assessments] ADD [disqualified_ground] nvarchar(32) null',
    ]);
    expect(up.every((s) => s.bindings.length === 0 && checkTsql(s).gaps.length === 0)).to.equal(true);
    const ddl = up.map((s) => s.sql).join('\n');
    expect(ddl).to.not.match(/(?<![n])varchar\s*\(/i);
    expect(ddl).to.not.match(/\b(default|constraint|not null|text|ntext|datetime)\b/i);
  });

  it('when migrated down, then the columns are dropped in T-SQL, newest first', () => {
    expectAllTsql(down, 'down');
    const dropped = down.flatMap((s) => [...s.sql.matchAll(/DROP COLUMN \[([a-z_]+)\]/g)].map((m) => m[1]));
    expect(dropped).to.deep.equal(['disqualified_ground', 'self_iii', 'self_ii', 'self_i', 'general_iii', 'general_ii', 'general_i']);
  });

  it('when the assessment store reads and writes the detail, then every statement is T-SQL naming the new columns', async () => {
    const r = recorder();
    const store = new KnexAssessmentStore(r.knex);
    const a = { general: 25, disqualified: true, assessedBy: 'u-hr', updatedAt: new Date('2026-03-01T00:00:00Z'), groups: { I: 10, II: 10, III: 5 }, selfGroups: { I: 9, II: 8, III: 7 }, disqualifiedGround: 'discipline' as const };
    await store.put('ag-1', 'u-1', '2026-03', a, false);
    await store.put('ag-1', 'u-1', '2026-03', a, true);
    await store.get('ag-1', 'u-1', '2026-03');
    await store.ofPeriod('ag-1', '2026-03');
    await store.withUsers('ag-1', { period: '2026-03', from: '2026-03-01', to: '2026-03-31', unitId: 'p-1', limit: 100 });
    expectAllTsql(r.statements, 'assessment store');
    const [insert, update, get] = r.statements;
    for (const c of ['general_i', 'general_ii', 'general_iii', 'self_i', 'self_ii', 'self_iii', 'disqualified_ground']) {
      expect(insert!.sql, c).to.contain(`[${c}]`);
      expect(update!.sql, c).to.contain(`[${c}]`);
      expect(get!.sql, c).to.contain(`[${c}]`);
    }
    expect(insert!.bindings).to.include.members([10, 5, 9, 8, 7, 'discipline']);
    await r.destroy();
  });
});
