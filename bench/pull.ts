/**
 * The pull connector: `--events` (default 200,000) host rows in a view on PostgreSQL, pulled
 * through the connector (keyset pages, one transaction per page with its watermark) into the
 * plugin's PostgreSQL database, against the same events taken from an NDJSON file the way
 * `eoffice-kpi ingest` takes them (its own streaming reader, batches of 500, in process), each
 * into an empty schema, in the same run. Goal: the pull within 1.3× of the ingest's time.
 * Prints one JSON line.
 *
 *   node dist/bench/run.js pull [--events=200000] [--batch=500]
 *   node dist/bench/pull.js --dialect=sqlite       (the plugin's database on SQLite instead)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ingestNdjson } from '../src/cli/ingest';
import { runPull } from '../src/pull/pull-job';
import { buildDirectory, directoryEvents, workEvents, type BenchDirectory, type BenchEvent } from './lib/agency-events';
import { openPlugin, parseDialect, pgDatabase, phaseDatabases } from './lib/databases';
import { BenchOptions } from './lib/options';
import { emit, MemoryWatch, now, progress, round, runMain } from './lib/report';

const NAME = 'pull';
const AGENCY = 'ubnd-huyen-pull';
const GOAL = 1.3;
const WARM_AGENCY = 'ubnd-huyen-warm';
const VIEW = 'eoffice_kpi_events';
const WARM_VIEW = 'eoffice_kpi_warm';
const EXTRA = { title: 'subject.title', doc_type: 'subject.docType', urgency: 'subject.urgency', due_at: 'subject.dueAt' };

async function main(): Promise<void> {
  const o = new BenchOptions();
  const dialect = parseDialect(o.str('dialect', 'pg'));
  const sizes = { events: o.int('events', 200_000), batch: o.int('batch', 500), units: o.int('units', 12), perUnit: o.int('per-unit', 25), sameStamp: o.int('same-stamp', 20), warmup: o.int('warmup', 2_000) };
  const log = (m: string) => progress(`${NAME}-${dialect}`, m);

  const host = await pgDatabase('pullhost');
  if ('skipped' in host) return emit({ name: NAME, dialect, skipped: host.skipped, pass: null });
  const dbs = await phaseDatabases(NAME, dialect, 'pull');
  if ('skipped' in dbs) return emit({ name: NAME, dialect, skipped: dbs.skipped, pass: null });
  const dir = buildDirectory(sizes.units, sizes.perUnit);
  const events = workEvents(AGENCY, dir, sizes.events, { seed: 31, idPrefix: 'evt' });
  const warm = workEvents(WARM_AGENCY, dir, sizes.warmup, { seed: 37, idPrefix: 'warm' });
  const file = path.join(os.tmpdir(), `kpi-bench-pull-${process.pid}.ndjson`);
  const warmFile = path.join(os.tmpdir(), `kpi-bench-pull-warm-${process.pid}.ndjson`);
  try {
    // The host's view (untimed): one table, the view over it, rows sharing updated_at in runs of `same-stamp`.
    await loadHost(host.url, 'host_events', VIEW, events, sizes.sameStamp);
    await loadHost(host.url, 'host_warm', WARM_VIEW, warm, sizes.sameStamp);
    fs.writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    fs.writeFileSync(warmFile, `${warm.map((e) => JSON.stringify(e)).join('\n')}\n`);
    log(`${events.length} events in the host view and in ${path.basename(file)} (${round(fs.statSync(file).size / 1048576, 1)} MB)`);

    // 1. eoffice-kpi ingest of the NDJSON file (its reader, its batches), in process.
    const url1 = await dbs.fresh('ingest');
    const p1 = await openPlugin(url1);
    await setUpAgency(p1.plugin, dir);
    // Each phase first takes another agency's `--warmup` events its own way, untimed (JIT, caches).
    await ingestNdjson(fs.createReadStream(warmFile), { ingest: (batch) => p1.plugin.services.intake.ingest(batch, { source: 'ingest' }) });
    const t1 = now();
    const totals = await ingestNdjson(fs.createReadStream(file), { ingest: (batch) => p1.plugin.services.intake.ingest(batch, { source: 'ingest' }) });
    const ingestMs = now() - t1;
    if (totals.accepted !== events.length) throw new Error(`ingest: ${totals.accepted}/${events.length} accepted, ${totals.rejected} rejected`);
    const ingestCounts = await counts(p1.knex);
    await p1.knex.destroy();
    log(`ingest: ${round(ingestMs)} ms`);

    // 2. The pull connector from the host's view.
    const url2 = await dbs.fresh('pull');
    const p2 = await openPlugin(url2);
    await setUpAgency(p2.plugin, dir);
    const deps = { uow: p2.plugin.services.uow, intake: p2.plugin.services.intake };
    await runPull(deps, WARM_AGENCY, { url: host.url, display: host.url, view: WARM_VIEW, batch: sizes.batch, everySeconds: 60, columns: EXTRA });
    const mem = new MemoryWatch().start();
    const t2 = now();
    const pulled = await runPull(deps, AGENCY, {
      url: host.url, display: host.url, view: VIEW, batch: sizes.batch, everySeconds: 60, columns: EXTRA,
    });
    const pullMs = now() - t2;
    const memory = mem.stop();
    if (pulled.accepted !== events.length) throw new Error(`pull: ${pulled.accepted}/${events.length} accepted (${JSON.stringify(pulled)})`);
    const pullCounts = await counts(p2.knex);
    await p2.knex.destroy();
    log(`pull: ${round(pullMs)} ms, ${pulled.pages} pages`);

    const ratio = round(pullMs / ingestMs, 3);
    emit({
      name: NAME,
      dialect,
      sizes: { ...sizes, officials: dir.users.length },
      ingest: { ms: round(ingestMs), eventsPerSec: Math.round(events.length / (ingestMs / 1000)), how: 'ingestNdjson (eoffice-kpi ingest\'s reader) → intake, batches of 500, in process' },
      pull: { ms: round(pullMs), eventsPerSec: Math.round(events.length / (pullMs / 1000)), pages: pulled.pages, peakRssMb: memory.peakRssMb },
      ratio: { pullOverIngest: ratio },
      goal: { maxRatio: GOAL },
      pass: ratio <= GOAL,
      check: JSON.stringify(ingestCounts) === JSON.stringify(pullCounts) ? 'same events and entries both ways' : { ingest: ingestCounts, pull: pullCounts },
    });
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(warmFile, { force: true });
    dbs.cleanup();
  }
}

/** The agency and its directory, scored once (as in the ingest benchmark), untimed. */
async function setUpAgency(plugin: Awaited<ReturnType<typeof openPlugin>>['plugin'], directory: BenchDirectory): Promise<void> {
  for (const code of [AGENCY, WARM_AGENCY]) {
    await plugin.services.agencies.addAgency({ code, name: `UBND huyện (pull benchmark, ${code})` });
    const dir = directoryEvents(code, directory);
    const res = await plugin.ingest(dir);
    if (res.accepted !== dir.length) throw new Error(`directory: ${JSON.stringify(res.rejected.slice(0, 3))}`);
    await plugin.services.scoring.scores(code, '2026-Q1');
  }
}

async function counts(knex: Awaited<ReturnType<typeof openPlugin>>['knex']): Promise<{ events: number; entries: number }> {
  const e = await knex('kpi_events').where({ agency_code: AGENCY }).count({ n: '*' }).first();
  const j = await knex('kpi_journal_entries').where({ agency_code: AGENCY }).count({ n: '*' }).first();
  return { events: Number(e?.n ?? 0), entries: Number(j?.n ?? 0) };
}

/** The host's table and view, filled with multi-row INSERTs (untimed). */
async function loadHost(url: string, table: string, view: string, events: readonly BenchEvent[], sameStamp: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop view if exists ${view}`);
    await client.query(`drop table if exists ${table}`);
    await client.query(`create table ${table} (event_id varchar(200) primary key, event_type varchar(100) not null, occurred_at timestamptz(3) not null,
      actor_id varchar(200), subject_kind varchar(50), subject_id varchar(200), data text, updated_at timestamptz(3) not null,
      title text, doc_type varchar(100), urgency varchar(50), due_at timestamptz(3))`);
    await client.query(`create index ix_${table}_keyset on ${table} (updated_at, event_id)`);
    await client.query(`create view ${view} as select * from ${table}`);
    const base = Date.parse('2026-04-01T00:00:00Z');
    for (let i = 0; i < events.length; i += 1000) {
      const params: unknown[] = [];
      const tuples = events.slice(i, i + 1000).map((e, j) => {
        const s = e.subject as { kind: string; id: string; title?: string; docType?: string; urgency?: string; dueAt?: string };
        const row = [e.id, e.type, e.occurredAt, e.actor.id, s.kind, s.id, JSON.stringify(e.data ?? {}), new Date(base + Math.floor((i + j) / sameStamp)), s.title ?? null, s.docType ?? null, s.urgency ?? null, s.dueAt ?? null];
        return `(${row.map((v) => `$${params.push(v)}`).join(', ')})`;
      });
      await client.query(`insert into ${table} values ${tuples.join(', ')}`, params);
    }
    await client.query(`analyze ${table}`);
  } finally {
    await client.end();
  }
}

runMain(main);
