import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrate';
import { createKpiPlugin } from '../../src/index';
import { dialectFor } from '../../src/db/sql-dialects';
import { JournalDays } from '../../src/db/journal-days';
import { silentLogger } from '../helpers/harness';
import { expectRollupsMatchEntries } from '../helpers/rollups';
import { runCli, type CliRun } from '../helpers/cli';

/**
 * Two processes take the same events at once (two `eoffice-kpi ingest` runs on one database:
 * a SQLite file, or PostgreSQL when KPI_TEST_DB says so): every event is stored once and makes
 * its entry once, both runs end without an error, and the daily roll-ups both of them
 * recompute for the same (official, day)s end equal to the entries.
 */
const PG = process.env.KPI_TEST_DB && /^postgres(ql)?:\/\//.test(process.env.KPI_TEST_DB) ? process.env.KPI_TEST_DB : null;

describe(`e2e: two processes ingesting the same events (${PG ? 'postgres' : 'sqlite file'})`, function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-two-'));
  const dbUrl = PG ?? `sqlite:${path.join(tmp, 'kpi.sqlite')}`;

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const ingest = (file: string): Promise<CliRun> => runCli(['ingest', file], { dbUrl, cwd: tmp, timeoutMs: 100_000 });

  // Enough that neither process is done before the other has started, however fast the intake gets
  // (3,000 were once taken whole by the first on a loaded machine).
  const N = 8000;

  it(`when two ingest processes take the same ${N.toLocaleString('en')} events at once, then each event is stored once with one entry`, async () => {
    const knex = openDb(parseDbUrl(dbUrl));
    try {
      await migrateRollbackAll(knex);
      await migrateLatest(knex);
      const plugin = await createKpiPlugin({ knex, logger: silentLogger });
      await plugin.services.agencies.addAgency({ code: 'hai-tien-trinh', name: 'Hai tiến trình' });
      // Built (empty) first, so that both processes keep it up to date as they go.
      expect(await new JournalDays(dialectFor(knex)).ensure(knex, 'hai-tien-trinh', { fail: 0.25, delay: 0.25 })).to.equal(true);
      const types = ['document.received', 'document.processed', 'document.drafted', 'task.completed'];
      const lines: string[] = [];
      for (let i = 0; i < N; i++) {
        lines.push(JSON.stringify({
          id: `p-${i}`, type: types[i % 4], occurredAt: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T09:15:00+07:00`, agency: 'hai-tien-trinh', actor: { id: `u-${i % 40}` },
          subject: { kind: i % 4 === 3 ? 'task' : 'document', id: `S-${i}`, title: 'Báo cáo tình hình thực hiện nhiệm vụ', docType: 'bao-cao', urgency: 'thuong' }, data: { role: 'main' },
        }));
      }
      // Two files with the same events in different orders, so the processes meet in the middle.
      fs.writeFileSync(path.join(tmp, 'a.ndjson'), `${lines.join('\n')}\n`);
      fs.writeFileSync(path.join(tmp, 'b.ndjson'), `${[...lines].reverse().join('\n')}\n`);
      const [a, b] = await Promise.all([ingest('a.ndjson'), ingest('b.ndjson')]);
      expect(a.code, a.stderr).to.equal(0);
      expect(b.code, b.stderr).to.equal(0);
      const accepted = (out: string) => Number((/Đã lưu \(accepted\):\s+([\d.,\s]+)/.exec(out)?.[1] ?? 'NaN').replace(/[.,\s]/g, ''));
      // Each event went to exactly one of them, and both did take some: they really ran at once.
      expect(accepted(a.stdout) + accepted(b.stdout), `${a.stdout}\n${b.stdout}`).to.equal(N);
      expect(accepted(a.stdout)).to.be.greaterThan(0);
      expect(accepted(b.stdout)).to.be.greaterThan(0);
      const events = await knex('kpi_events').where({ agency_code: 'hai-tien-trinh' }).count({ n: '*' }).first();
      const distinct = await knex('kpi_events').where({ agency_code: 'hai-tien-trinh' }).countDistinct({ n: 'event_id' }).first();
      const entries = await knex('kpi_journal_entries').where({ agency_code: 'hai-tien-trinh' }).count({ n: '*' }).first();
      expect(Number(events?.n)).to.equal(N);
      expect(Number(distinct?.n)).to.equal(N);
      expect(Number(entries?.n)).to.equal(N);
      // u-k always falls on the same day (40 is a multiple of 20): 40 (official, day)s, each recomputed by both processes over and over.
      expect(await expectRollupsMatchEntries(knex, 'hai-tien-trinh')).to.equal(40);
    } finally {
      await knex.destroy();
    }
  });
});
