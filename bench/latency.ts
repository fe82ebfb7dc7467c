/**
 * Single-event webhook latency: `--concurrency` senders (default 50), each POSTing one
 * signed event at a time to the plugin served on 127.0.0.1 (in its own process), until
 * `--requests` (default 20,000) were answered; client-side latency p50/p95/p99 from the
 * request's first byte to the response's last.
 *
 * The same load is then sent to a floor server in the same run: node:http that parses the
 * event and inserts its two rows (event + entry) with the raw driver in one transaction;
 * `ratioP99` is ours over that floor. Goal (issue #11): ours p99 ≤ 2 × the floor's p99, no
 * errors. Each side also reports the server process's CPU time per measured request
 * (`cpuMsPerRequest`), which the shared machine's load disturbs less than latency.
 *
 * Each side first takes `--warmup` requests (default 5,000), unmeasured: a server runs for days,
 * and after 500 requests V8 was still compiling our code on its worker threads during the
 * measured run (bench/README.md, "Warm-up, the JIT and the length of a run").
 *
 *   node dist/bench/run.js latency-sqlite [--requests=20000] [--concurrency=50] [--warmup=5000]
 */
import { signWebhookToken } from '../src/http/auth';
import { buildDirectory, directoryEvents, workEvents, type BenchEvent } from './lib/agency-events';
import { openPlugin, parseDialect, phaseDatabases } from './lib/databases';
import { BenchClient, closedLoop, startServer, type LoadStats } from './lib/http-client';
import { BenchOptions } from './lib/options';
import { emit, progress, round, runMain } from './lib/report';

const NAME = 'latency';
const AGENCY = 'ubnd-huyen-bench';
/** Issue #11: our p99 at most this many times the floor's p99, measured in the same run. */
const GOAL_P99_RATIO = 2;

type Load = LoadStats & { cpuMsPerRequest: number };

async function main(): Promise<void> {
  const o = new BenchOptions();
  const dialect = parseDialect(o.str('dialect', 'sqlite'));
  const sizes = { requests: o.int('requests', 20_000), concurrency: o.int('concurrency', 50), warmup: o.int('warmup', 5_000), units: o.int('units', 12), perUnit: o.int('per-unit', 25) };
  const withFloor = !o.flag('no-floor');
  const log = (m: string) => progress(`${NAME}-${dialect}`, m);

  const dbs = await phaseDatabases(NAME, dialect, 'latency');
  if ('skipped' in dbs) return emit({ name: NAME, dialect, skipped: dbs.skipped, pass: null });
  const fresh = dbs.fresh;

  const dir = buildDirectory(sizes.units, sizes.perUnit);
  const events = workEvents(AGENCY, dir, sizes.warmup + sizes.requests, { seed: 31, idPrefix: 'one' });
  try {
    // Ours: the plugin behind express, in its own process.
    const url = await fresh('plugin');
    const { knex, plugin } = await openPlugin(url);
    const agency = await plugin.services.agencies.addAgency({ code: AGENCY, name: 'UBND huyện Hạc Thành (benchmark)' });
    const dirRes = await plugin.ingest(directoryEvents(AGENCY, dir));
    if (dirRes.rejected.length > 0) throw new Error(`directory: ${JSON.stringify(dirRes.rejected.slice(0, 3))}`);
    // Scored once, as every agency in use is: from now on each write keeps its daily roll-ups up to date.
    await plugin.services.scoring.scores(AGENCY, '2026-Q1');
    await knex.destroy();
    const ours = await load(url, 'plugin', events, sizes, (raw) => ({ authorization: `Bearer ${signWebhookToken(agency.secret, AGENCY, agency.issuer, raw)}` }));
    log(`ours: p50 ${ours.p50} p95 ${ours.p95} p99 ${ours.p99} ms, ${ours.requestsPerSec} req/s, ${ours.cpuMsPerRequest} ms CPU/request, ${ours.errors} errors`);

    // The floor: raw driver behind bare node:http, same events, same load.
    let floor: Load | null = null;
    if (withFloor) {
      const floorUrl = await fresh('raw');
      const k = (await openPlugin(floorUrl)).knex; // creates the schema
      await k.destroy();
      floor = await load(floorUrl, 'raw', events, sizes, () => ({}));
      log(`floor: p50 ${floor.p50} p95 ${floor.p95} p99 ${floor.p99} ms, ${floor.requestsPerSec} req/s, ${floor.cpuMsPerRequest} ms CPU/request`);
    }

    emit({
      name: NAME,
      dialect,
      sizes: { requests: sizes.requests, concurrency: sizes.concurrency, warmup: sizes.warmup, officials: dir.users.length },
      ours,
      raw: floor ? { ...floor, how: 'node:http + raw driver: parse, insert the event row and one entry row in one transaction (no auth, no rules)' } : null,
      ratioP99: floor ? round(ours.p99 / floor.p99, 2) : null,
      ratioCpuPerRequest: floor ? round(ours.cpuMsPerRequest / floor.cpuMsPerRequest, 2) : null,
      goal: { p99RatioToFloor: GOAL_P99_RATIO },
      // Without the floor there is nothing to compare with: no verdict.
      pass: floor ? ours.errors === 0 && floor.errors === 0 && ours.p99 <= GOAL_P99_RATIO * floor.p99 : null,
    });
  } finally {
    dbs.cleanup();
  }
}

/** Starts a server, warms it up, then runs the measured requests at the given concurrency. */
async function load(url: string, mode: 'plugin' | 'raw', events: BenchEvent[], sizes: { requests: number; concurrency: number; warmup: number }, headers: (raw: string) => Record<string, string>): Promise<Load> {
  const server = await startServer(url, mode);
  const client = new BenchClient(server.port, sizes.concurrency);
  try {
    // Each request's body and token made before its run starts: signing is the host's work, on the
    // host's machine, so it neither counts in the latency nor takes the 2 cores the server and the
    // load generator share while the run is measured (a token lives 120 s, a run a few seconds).
    const run = (list: BenchEvent[]) => {
      const prepared = list.map((e) => {
        const raw = JSON.stringify(e);
        return { raw, headers: headers(raw) };
      });
      return closedLoop(prepared.length, sizes.concurrency, (i) => ({ request: () => client.post('/kpi/events', prepared[i]!.raw, prepared[i]!.headers) }),
        (r) => (r.status === 202 ? null : `HTTP ${r.status} ${r.body.slice(0, 200)}`));
    };
    await run(events.slice(0, sizes.warmup));
    const cpu0 = await server.cpuMs();
    const stats = await run(events.slice(sizes.warmup));
    const cpu = (await server.cpuMs()) - cpu0;
    return { ...stats, cpuMsPerRequest: round(cpu / Math.max(1, sizes.requests), 3) };
  } finally {
    client.close();
    await server.stop();
  }
}

runMain(main);
