import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { runCli } from '../../src/cli/program';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateLatest } from '../../src/db/migrate';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { silentLogger } from '../helpers/harness';
import { hostRow, standInHost, type StandInHost } from '../helpers/host-view';

/*
 * `pull` and `reconcile` as an integrator types them (in process, on a SQLite file): what they
 * refuse, what they print, their exit codes.
 */
const AGENCY = 'ubnd-doi-chieu';

describe('e2e: eoffice-kpi pull and reconcile', function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-pull-'));
  const dbUrl = `sqlite:${path.join(tmp, 'kpi.sqlite')}`;
  let knex: Knex;
  let plugin: KpiPlugin;
  let host: StandInHost;

  before(async () => {
    knex = openDb(parseDbUrl(dbUrl));
    await migrateLatest(knex);
    plugin = await createKpiPlugin({ knex, logger: silentLogger, migrate: false });
    await plugin.services.agencies.addAgency({ code: AGENCY, name: 'UBND phường Đối Chiếu' });
    host = await standInHost('sqlite');
    await host.insert(Array.from({ length: 40 }, (_, i) => hostRow(i, { updated_at: `2026-03-25T03:00:00.0${String(i).padStart(2, '0')}Z` })));
  });

  after(async () => {
    await host.close();
    await knex.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env: { KPI_DB: dbUrl, ...env }, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, logger: silentLogger, cwd: tmp });
    return { code, out: out.join(''), err: err.join('') };
  }

  it('when no source is set or given, or --once and --every are both given, or the view is no plain name, then it is a usage error (exit 2) naming the option', async () => {
    const none = await cli(['pull', '--agency', AGENCY]);
    expect(none.code).to.equal(2);
    expect(none.err).to.contain('--source');
    const both = await cli(['pull', '--agency', AGENCY, '--source', host.url, '--once', '--every', '5']);
    expect(both.code).to.equal(2);
    expect(both.err).to.contain('--every');
    const view = await cli(['pull', '--agency', AGENCY, '--source', host.url, '--view', 'x; drop table y']);
    expect(view.code).to.equal(2);
    expect(view.err).to.contain('--view');
  });

  it('when the settings name the source as env:NAME, then pull reads it from the environment and prints what it took', async () => {
    await plugin.services.agencies.putSettings(AGENCY, { pull: { source: 'env:HOST_DB', view: host.view, every: 60, batch: 7, columns: {} } }, 'test');
    const r = await cli(['pull', '--agency', AGENCY], { HOST_DB: host.url });
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain(`Đã lấy (pulled) ${AGENCY}: 40 dòng (rows): 40 đã lưu (stored: 40 processed, 0 ignored, 0 failed), 0 trùng lặp (duplicates)`);
    const again = await cli(['pull', '--agency', AGENCY], { HOST_DB: host.url });
    expect(again.out).to.contain('0 dòng (rows)');
  });

  it('when another instance holds the agency\'s pull lease, then pull says so and exits 1, storing nothing', async () => {
    await host.insert([hostRow(40, { updated_at: '2026-03-26T00:00:00.000Z' })]);
    expect(await plugin.services.uow.read.leases.acquire(`pull:${AGENCY}`, 'other-host:1:x', new Date(), 60_000)).to.equal(true);
    try {
      const r = await cli(['pull', '--agency', AGENCY, '--source', host.url, '--view', host.view]);
      expect(r.code).to.equal(1);
      expect(r.err).to.contain('other-host:1:x').and.contain('another instance is pulling');
      expect(await knex('kpi_events').where({ event_id: 'EV-000040' })).to.deep.equal([]);
    } finally {
      await plugin.services.uow.read.leases.release(`pull:${AGENCY}`, 'other-host:1:x');
    }
  });

  it('when events are cut out, then reconcile prints the day, type and missing ids and exits 1; with --apply it backfills them and exits 0', async () => {
    await knex('kpi_journal_entries').where({ agency_code: AGENCY }).whereIn('event_id', ['EV-000003', 'EV-000023']).del();
    await knex('kpi_events').where({ agency_code: AGENCY }).whereIn('event_id', ['EV-000003', 'EV-000023']).del();
    const found = await cli(['reconcile', '--agency', AGENCY, '--from', '2026-03-05', '--to', '2026-03-05'], { HOST_DB: host.url });
    expect(found.code, found.err).to.equal(1);
    expect(found.out).to.match(/2026-03-05\s+document\.received\s+2\s+0\s+2: EV-000003 EV-000023/);
    expect(found.out).to.contain('Thiếu (missing): 2');
    const applied = await cli(['reconcile', '--agency', AGENCY, '--from', '2026-03-01', '--to', '2026-03-31', '--apply', '--json'], { HOST_DB: host.url });
    expect(applied.code, applied.err).to.equal(0);
    const report = JSON.parse(applied.out) as { missing: number; applied: { accepted: number } };
    // The two cut out, and the row the refused pull left in the view.
    expect(report.missing).to.equal(3);
    expect(report.applied.accepted).to.equal(3);
    const clean = await cli(['reconcile', '--agency', AGENCY, '--from', '2026-03-01', '--to', '2026-03-31'], { HOST_DB: host.url });
    expect(clean.code).to.equal(0);
    expect(clean.out).to.contain('Thiếu (missing): 0');
    const bad = await cli(['reconcile', '--agency', AGENCY, '--from', '2026-03-31', '--to', '2026-03-01'], { HOST_DB: host.url });
    expect(bad.code).to.equal(2);
  });
});
