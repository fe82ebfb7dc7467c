import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrate';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { sourceKey } from '../../src/pull/puller';
import { silentLogger } from '../helpers/harness';
import { CLI_MAIN, cliEnv, runCli, TEST_PG } from '../helpers/cli';
import { hostRow, standInHost, type StandInHost } from '../helpers/host-view';

/*
 * The pull as processes: one killed (SIGKILL) between reading a page and storing it, and at
 * random moments, then started again; and two `serve --jobs` instances on one database, of which
 * one pulls at a time and the other takes over within the lease time when the first is killed.
 * The plugin's database is PostgreSQL when KPI_TEST_DB says so, else a SQLite file.
 */
const AGENCY = 'ubnd-tien-trinh';
const CHILD = path.resolve(__dirname, '../helpers/pull-child.js');

function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A child process whose output is collected as it comes. */
function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

describe(`e2e: pull processes killed and several instances (${TEST_PG ? 'postgres' : 'sqlite file'})`, function () {
  this.timeout(90_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-pull-'));
  const dbUrl = TEST_PG ?? `sqlite:${path.join(tmp, 'kpi.sqlite')}`;
  let knex: Knex;
  let plugin: KpiPlugin;
  let host: StandInHost;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    knex = openDb(parseDbUrl(dbUrl));
    await migrateRollbackAll(knex);
    await migrateLatest(knex);
    plugin = await createKpiPlugin({ knex, logger: silentLogger, migrate: false });
    await plugin.services.agencies.addAgency({ code: AGENCY, name: 'UBND xã Tiến Trình' });
    host = await standInHost('sqlite');
  });

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await host.close();
    await knex.destroy();
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const count = async (table: string) => Number((await knex(table).where({ agency_code: AGENCY }).count({ n: '*' }))[0]!.n);
  const distinctEvents = async () => new Set((await knex('kpi_events').where({ agency_code: AGENCY }).select('event_id')).map((r) => r.event_id)).size;
  const watermarkRows = async () => (await plugin.services.uow.read.pull.watermark(AGENCY, sourceKey(parseDbUrl(host.url).display, host.view)))?.rows ?? 0;

  it('when the pull is killed between reading a page and storing it, then the pages before are kept and a restart takes the rest: exact counts', async () => {
    await host.insert(Array.from({ length: 500 }, (_, i) => hostRow(i, { updated_at: `2026-03-25T03:00:0${Math.floor(i / 100)}.000Z` })));
    const first = start([CHILD, dbUrl, host.url, host.view, AGENCY, '50', '4'], cliEnv(dbUrl));
    children.push(first.child);
    await waitFor('page 4 read', async () => first.out().includes('READ 4'), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect([await count('kpi_events'), await count('kpi_journal_entries'), await watermarkRows()]).to.deep.equal([150, 150, 150]);
    const second = start([CHILD, dbUrl, host.url, host.view, AGENCY, '50', '0'], cliEnv(dbUrl));
    children.push(second.child);
    expect(await second.exited, second.err()).to.equal(0);
    expect(JSON.parse(second.out())).to.include({ rows: 350, accepted: 350, duplicates: 0 });
    expect([await count('kpi_events'), await distinctEvents(), await count('kpi_journal_entries'), await watermarkRows()]).to.deep.equal([500, 500, 500, 500]);
  });

  it('when `pull --once` is killed at random moments and run again, then nothing is lost or doubled', async () => {
    // 3,000 rows in pages of 5: a pull of several hundred pages, so that a kill a moment after its
    // first page lands in the middle even on a fast machine (600 rows were sometimes all stored first).
    const ROWS = 3000;
    await host.insert(Array.from({ length: ROWS }, (_, i) => hostRow(i, { updated_at: `2026-03-25T03:00:00.${String(Math.floor(i / 7)).padStart(3, '0')}Z` })));
    const args = [CLI_MAIN, 'pull', '--agency', AGENCY, '--source', host.url, '--view', host.view, '--batch', '5', '--lease', '2'];
    const killedWith: number[] = [];
    for (let k = 0; k < 2; k++) {
      const before = await count('kpi_events');
      const run = start(args, cliEnv(dbUrl));
      children.push(run.child);
      // Killed while it pulls: once a page more than before has been stored, at a random moment after.
      await waitFor('the pull under way', async () => (await count('kpi_events')) > before, 20_000);
      await new Promise((r) => setTimeout(r, Math.random() * 50));
      run.child.kill('SIGKILL');
      await run.exited;
      killedWith.push(await count('kpi_events'));
      // The killed run's lease is still there: the next run may start when it has expired.
      await waitFor('the lease to expire', async () => ((await plugin.services.uow.read.leases.get(`pull:${AGENCY}`))?.expiresAt.getTime() ?? 0) < Date.now(), 10_000);
    }
    // Each kill came in the middle: some stored, not all.
    expect(killedWith.every((n) => n > 0 && n < ROWS), String(killedWith)).to.equal(true);
    expect(await count('kpi_events')).to.equal(await watermarkRows());
    const last = await runCli(['pull', '--agency', AGENCY, '--source', host.url, '--view', host.view, '--batch', '25', '--lease', '2'], { dbUrl, cwd: tmp });
    expect(last.code, last.stderr).to.equal(0);
    expect([await count('kpi_events'), await distinctEvents(), await count('kpi_journal_entries'), await watermarkRows()]).to.deep.equal([ROWS, ROWS, ROWS, ROWS]);
  });

  it('when two instances serve with --jobs, then one pulls at a time, and when it is killed the other takes over within the lease time', async () => {
    await plugin.services.agencies.putSettings(AGENCY, { pull: { source: 'env:HOST_DB', view: host.view, every: 1, batch: 100, columns: {} } }, 'test');
    await host.insert(Array.from({ length: 50 }, (_, i) => hostRow(i)));
    const env = async () => cliEnv(dbUrl, { PORT: String(await freePort()), HOST_DB: host.url, LOG_LEVEL: 'info' });
    const a = start([CLI_MAIN, 'serve', '--jobs', '--lease', '2'], await env());
    children.push(a.child);
    await waitFor('instance A to pull', async () => (await count('kpi_events')) === 50, 20_000);
    const b = start([CLI_MAIN, 'serve', '--jobs', '--lease', '2'], await env());
    children.push(b.child);
    await waitFor('instance B to listen', async () => b.out().includes('listening on'), 20_000);
    // Three lease times side by side: A keeps running the job, B never does.
    await new Promise((r) => setTimeout(r, 3000));
    const lease = await plugin.services.uow.read.leases.get(`pull:${AGENCY}`);
    expect(lease!.holder).to.contain(`:${a.child.pid}:`);
    expect(a.err().match(/jobs: run started/g)?.length ?? 0).to.be.greaterThan(2);
    expect(b.err()).to.not.contain('jobs: run started');
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor('instance B to take the lease', async () => (await plugin.services.uow.read.leases.get(`pull:${AGENCY}`))?.holder.includes(`:${b.child.pid}:`), 10_000);
    // The lease (2 s) runs out at most 2 s after the kill; B looks every 666 ms; the rest is slack for a busy machine.
    expect(Date.now() - killedAt).to.be.below(2000 + 666 + 1800);
    await host.insert([hostRow(50, { updated_at: '2026-03-26T00:00:00.000Z' })]);
    await waitFor('instance B to pull the new row', async () => (await count('kpi_events')) === 51, 10_000);
    expect(b.err()).to.contain('jobs: run started');
    b.child.kill('SIGTERM');
    expect(await b.exited).to.equal(0);
    expect(await plugin.services.uow.read.leases.get(`pull:${AGENCY}`), 'given up on a clean stop').to.equal(null);
  });
});
