/**
 * My KPI over HTTP (issue 10): an official with a full quarter asks for their panel
 * (`GET /kpi/panels/me?period=2026-Q1` with the host's JWT), `--concurrency` at a time (default
 * 50), until `--requests` (default 2,000) were answered; client-side latency p50/p95/p99 and the
 * rate. For scale, in the same run, express sends a static page of the same size under the same
 * load (the floor: what HTTP and express alone cost on this machine).
 * Goals (issue): at least 40% of the floor's rate, and p99 under 100 ms.
 *
 * The agency: `--units` × `--per-unit` officials (default 12 × 25) and `--events` work events over
 * 2026-Q1 (default 30,000: about a hundred entries each), scored once so its roll-ups exist.
 *
 *   node dist/bench/run.js panels-sqlite [--requests=2000] [--concurrency=50]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signUserToken } from '../src/http/auth';
import { batches, buildDirectory, directoryEvents, workEvents } from './lib/agency-events';
import { openPlugin, parseDialect, phaseDatabases } from './lib/databases';
import { BenchClient, closedLoop, startServer, type LoadStats } from './lib/http-client';
import { BenchOptions } from './lib/options';
import { emit, now, progress, round, runMain } from './lib/report';

const NAME = 'panels';
const AGENCY = 'so-tai-chinh-bench';
const GOALS = { minRateShare: 0.4, p99Ms: 100 };
// The last month of the quarter: its month card and the quarter's card are both full (My KPI reads `month`; the current month would be empty).
const PANEL = '/kpi/panels/me?month=2026-03';

type Load = LoadStats & { bytes: number };

async function main(): Promise<void> {
  const o = new BenchOptions();
  const dialect = parseDialect(o.str('dialect', 'sqlite'));
  const sizes = { requests: o.int('requests', 2_000), concurrency: o.int('concurrency', 50), warmup: o.int('warmup', 200), units: o.int('units', 12), perUnit: o.int('per-unit', 25), events: o.int('events', 30_000) };
  const log = (m: string) => progress(`${NAME}-${dialect}`, m);

  const dbs = await phaseDatabases(NAME, dialect, 'panels');
  if ('skipped' in dbs) return emit({ name: NAME, dialect, skipped: dbs.skipped, pass: null });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-panels-'));
  try {
    const url = await dbs.fresh('plugin');
    const { knex, plugin } = await openPlugin(url);
    const agency = await plugin.services.agencies.addAgency({ code: AGENCY, name: 'Sở Tài chính (benchmark)' });
    const people = buildDirectory(sizes.units, sizes.perUnit);
    const dirRes = await plugin.ingest(directoryEvents(AGENCY, people));
    if (dirRes.rejected.length > 0) throw new Error(`directory: ${JSON.stringify(dirRes.rejected.slice(0, 3))}`);
    const events = workEvents(AGENCY, people, sizes.events, { seed: 47 });
    const t0 = now();
    for (const b of batches(events, 500)) {
      const r = await plugin.ingest(b);
      if (r.rejected.length > 0) throw new Error(`work events: ${JSON.stringify(r.rejected.slice(0, 3))}`);
    }
    await plugin.services.scoring.scores(AGENCY, '2026-Q1');
    // The official with the most entries in the quarter: the fullest My KPI.
    const busiest = await knex('kpi_journal_entries').where({ agency_code: AGENCY }).whereNotIn('user_id', people.users.filter((u) => u.clerk || u.isLeader).map((u) => u.id))
      .groupBy('user_id').select('user_id').count({ n: '*' }).orderBy([{ column: 'n', order: 'desc' }, { column: 'user_id' }]).first() as { user_id: string; n: number | string };
    await knex.destroy();
    const me = people.users.find((u) => u.id === busiest.user_id)!;
    log(`${people.users.length} officials, ${events.length} events in ${round((now() - t0) / 1000)} s; ${me.id} has ${Number(busiest.n)} entries`);
    const token = signUserToken(agency.secret, { sub: me.id, agency: AGENCY, name: me.name, unit: me.unitId, roles: ['official'] }, 3600);
    const headers = { authorization: `Bearer ${token}` };

    const server = await startServer(url, 'plugin');
    let page = '';
    let ours: Load;
    try {
      const client = new BenchClient(server.port, 1);
      const first = await client.get(PANEL, headers);
      client.close();
      if (first.status !== 200 || !first.body.includes(me.name)) throw new Error(`My KPI answered ${first.status}: ${first.body.slice(0, 300)}`);
      page = first.body;
      ours = await load(server.port, sizes, headers, me.name);
    } finally {
      await server.stop();
    }
    log(`ours: p50 ${ours.p50} p95 ${ours.p95} p99 ${ours.p99} ms, ${ours.requestsPerSec} req/s, ${ours.errors} errors, ${ours.bytes} bytes a page`);

    const file = path.join(dir, 'page.html');
    fs.writeFileSync(file, page);
    const floorServer = await startServer(file, 'static');
    let floor: Load;
    try {
      floor = await load(floorServer.port, sizes, {}, me.name);
    } finally {
      await floorServer.stop();
    }
    log(`floor: p50 ${floor.p50} p95 ${floor.p95} p99 ${floor.p99} ms, ${floor.requestsPerSec} req/s`);

    const rateShare = round(ours.requestsPerSec / floor.requestsPerSec, 3);
    const passes = { rate: rateShare >= GOALS.minRateShare, p99: ours.p99 < GOALS.p99Ms, errors: ours.errors === 0 && floor.errors === 0 };
    emit({
      name: NAME,
      dialect,
      sizes: { ...sizes, officials: people.users.length, entriesOfOfficial: Number(busiest.n), pageBytes: Buffer.byteLength(page) },
      ours,
      raw: { ...floor, how: 'express sending the same page from memory, under the same load' },
      rateShare,
      goal: GOALS,
      pass: passes.rate && passes.p99 && passes.errors,
      passes,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    dbs.cleanup();
  }
}

/** Warms the server up, then sends the measured requests at the given concurrency; every answer must be a 200 naming the official. */
async function load(port: number, sizes: { requests: number; concurrency: number; warmup: number }, headers: Record<string, string>, mustContain: string): Promise<Load> {
  const client = new BenchClient(port, sizes.concurrency);
  let bytes = 0;
  const run = (n: number) => closedLoop(n, sizes.concurrency, () => ({ request: () => client.get(PANEL, headers) }), (r) => {
    bytes = Buffer.byteLength(r.body);
    return r.status === 200 && r.body.includes(mustContain) ? null : `HTTP ${r.status} ${r.body.slice(0, 200)}`;
  });
  try {
    await run(sizes.warmup);
    return { ...(await run(sizes.requests)), bytes };
  } finally {
    client.close();
  }
}

runMain(main);
