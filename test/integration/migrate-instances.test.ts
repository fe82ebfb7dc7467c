import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { isMigratingElsewhere, MIGRATION_TABLE, migrateLatest, migrateRollbackAll, migrationNames } from '../../src/db/migrate';
import { testDialect, testDbUrl } from '../helpers/harness';

/*
 * Several instances start at once on one database: the migrations run once, the other instances
 * wait for them (knex's migration lock refuses them at once on SQLite: "database is locked") and
 * then find nothing left to run. On a SQLite file, or the suite's PostgreSQL.
 */
describe(`migrations: several instances starting at once (${testDialect()})`, function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-mig-'));
  const url = testDialect() === 'sqlite' ? `sqlite:${path.join(tmp, 'kpi.sqlite')}` : testDbUrl();

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('when three instances migrate the same empty database at once, then each migration runs once and every instance ends ready', async () => {
    const knexes = [0, 1, 2].map(() => openDb(parseDbUrl(url)));
    try {
      await migrateRollbackAll(knexes[0]!);
      const applied = await Promise.all(knexes.map((k) => migrateLatest(k)));
      expect(applied.flat().sort()).to.deep.equal([...migrationNames()].sort());
      expect(applied.filter((a) => a.length > 0)).to.have.length(1);
      const rows = (await knexes[1]!(MIGRATION_TABLE).select('name')) as Array<{ name: string }>;
      expect(rows.map((r) => r.name).sort()).to.deep.equal([...migrationNames()].sort());
      for (const k of knexes) expect(await migrateLatest(k)).to.deep.equal([]);
    } finally {
      for (const k of knexes) await k.destroy();
    }
  });

  it('when knex reports the lock held or the bookkeeping table just created by another, then it is waited for; any other failure is not', () => {
    expect(isMigratingElsewhere(Object.assign(new Error('Migration table is already locked'), { name: 'MigrationLocked' }))).to.equal(true);
    expect(isMigratingElsewhere({ code: '42P07', message: 'relation "kpi_migrations" already exists' })).to.equal(true);
    expect(isMigratingElsewhere({ number: 2714, message: "There is already an object named 'kpi_migrations' in the database." })).to.equal(true);
    expect(isMigratingElsewhere({ code: '42601', message: 'syntax error at or near "tabel"' })).to.equal(false);
    expect(isMigratingElsewhere(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).to.equal(false);
  });
});
