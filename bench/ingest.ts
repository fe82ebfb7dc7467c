/**
 * Ingest throughput: the plugin's pipeline in process (plugin.ingest, arrays of 500)
 * and through the webhook (signed POST /events of 500-event batches to a server on
 * 127.0.0.1), against the raw driver inserting the very rows the pipeline stored
 * (kpi_events + kpi_journal_entries, read back from the in-process run) into a fresh
 * schema, in the same process and run. Prints one JSON line.
 *
 *   node dist/bench/run.js ingest-sqlite [--events=20000] [--batch=500]
 *   node dist/bench/ingest.js --dialect=pg
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Knex } from 'knex';
import { signWebhookToken } from '../src/http/auth';
import { migrateLatest } from '../src/db/migrate';
import { openDb, parseDbUrl } from '../src/db/connection';
import { batches, buildDirectory, directoryEvents, workEvents, type BenchDirectory, type BenchEvent } from './lib/agency-events';
import { openPlugin, parseDialect, phaseDatabases, SQLITE_PRAGMAS, type BenchDialect } from './lib/databases';
import { BenchClient, startServer } from './lib/http-client';
import { BenchOptions } from './lib/options';
import { emit, MemoryWatch, now, progress, round, runMain } from './lib/report';

const NAME = 'ingest';
const AGENCY = 'ubnd-huyen-bench';
const WARM_AGENCY = 'ubnd-huyen-warm';
/** The share of raw throughput the issue asks for. */
const GOAL: Record<BenchDialect, number> = { sqlite: 0.5, postgres: 0.6 };

type Row = Record<string, unknown>;
interface StoredRows { events: Row[]; entries: Row[]; marks: number }

async function main(): Promise<void> {
  const o = new BenchOptions();
  const dialect = parseDialect(o.str('dialect', 'sqlite'));
  const sizes = { events: o.int('events', 20_000), batch: o.int('batch', 500), warmupEvents: o.int('warmup', 2_000), units: o.int('units', 12), perUnit: o.int('per-unit', 25), rawChunk: o.int('raw-chunk', 500) };
  const log = (m: string) => progress(`${NAME}-${dialect}`, m);

  const dbs = await phaseDatabases(NAME, dialect, 'ingest');
  if ('skipped' in dbs) return emit({ name: NAME, dialect, skipped: dbs.skipped, pass: null });
  const fresh = dbs.fresh;

  const dir = buildDirectory(sizes.units, sizes.perUnit);
  const measured = workEvents(AGENCY, dir, sizes.events, { seed: 11, idPrefix: 'evt' });
  const warm = workEvents(WARM_AGENCY, dir, sizes.warmupEvents, { seed: 23, idPrefix: 'warm' });
  log(`${measured.length} events (${countTypes(measured)}), ${dir.users.length} officials in ${dir.units.length} units; warm-up ${warm.length}`);

  try {
    // 1. In process.
    const url1 = await fresh('inprocess');
    const p1 = await openPlugin(url1);
    await setUpAgencies(p1.plugin, dir);
    for (const b of batches(warm, sizes.batch)) await p1.plugin.ingest(b);
    const mem = new MemoryWatch().start();
    const c1 = cpuMs();
    const t1 = now();
    for (const b of batches(measured, sizes.batch)) {
      const r = await p1.plugin.ingest(b);
      if (r.accepted !== b.length) throw new Error(`in process: ${r.accepted}/${b.length} accepted, ${JSON.stringify(r.rejected.slice(0, 3))}`);
    }
    const inprocessMs = now() - t1;
    const inprocessCpuMs = cpuMs() - c1;
    const memory = mem.stop();
    const stored = await readBack(p1.knex);
    await p1.knex.destroy();
    const rows = stored.get(AGENCY)!;
    const rowCount = rows.events.length + rows.entries.length;
    log(`in process: ${round(inprocessMs)} ms for ${rows.events.length} events + ${rows.entries.length} entries`);

    // 2. Webhook: the server in a child process, the batches signed and POSTed one after another.
    const url2 = await fresh('webhook');
    const p2 = await openPlugin(url2);
    const secrets = await setUpAgencies(p2.plugin, dir);
    await p2.knex.destroy();
    const server = await startServer(url2, 'plugin');
    const client = new BenchClient(server.port, 1);
    const post = async (agency: { code: string; secret: string; issuer: string }, events: BenchEvent[], raw: string) => {
      const token = signWebhookToken(agency.secret, agency.code, agency.issuer, raw);
      const r = await client.post('/kpi/events', raw, { authorization: `Bearer ${token}` });
      const body = JSON.parse(r.body) as { accepted?: number };
      if (r.status !== 202 || body.accepted !== events.length) throw new Error(`webhook: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    };
    for (const b of batches(warm, sizes.batch)) await post(secrets.warm, b, JSON.stringify({ events: b }));
    const bodies = batches(measured, sizes.batch).map((b) => ({ b, raw: JSON.stringify({ events: b }) }));
    const c2 = await server.cpuMs();
    const t2 = now();
    for (const { b, raw } of bodies) await post(secrets.main, b, raw);
    const webhookMs = now() - t2;
    const webhookCpuMs = (await server.cpuMs()) - c2;
    client.close();
    await server.stop();
    const webhookCheck = await countRows(url2);
    log(`webhook: ${round(webhookMs)} ms`);

    const expected = { events: rows.events.length, entries: rows.entries.length };
    const same = (c: { events: number; entries: number }) => c.events === expected.events && c.entries === expected.entries;

    // 3. Raw driver, same rows, fresh schema.
    const url3 = await fresh('raw');
    const mk = openDb(parseDbUrl(url3));
    await migrateLatest(mk);
    await mk.destroy();
    const warmRows = stored.get(WARM_AGENCY) ?? { events: [], entries: [], marks: 0 };
    const raw = dialect === 'sqlite' ? rawSqlite(url3.slice('sqlite:'.length), warmRows, rows) : await rawPg(url3, warmRows, rows, sizes.rawChunk);
    const rawCheck = await countRows(url3);
    log(`raw: ${round(raw.ms)} ms`);
    // 4. SQLite only, for scale (no goal): the same raw inserts, committed batch by batch as the
    // pipeline must (each batch is answered only once it is committed): what the batch-by-batch
    // commits, and the index pages they write again, cost even with no JavaScript.
    let rawBatched: { ms: number; cpuMs: number; how: string } | null = null;
    if (dialect === 'sqlite') {
      const url4 = await fresh('raw-batched');
      const mk4 = openDb(parseDbUrl(url4));
      await migrateLatest(mk4);
      await mk4.destroy();
      rawBatched = rawSqlite(url4.slice('sqlite:'.length), warmRows, rows, sizes.batch);
      const batchedCheck = await countRows(url4);
      if (!same(batchedCheck)) throw new Error(`raw, batch by batch: ${JSON.stringify(batchedCheck)} rows, expected ${JSON.stringify(expected)}`);
      log(`raw, a commit per batch of ${sizes.batch}: ${round(rawBatched.ms)} ms`);
    }

    const rate = (ms: number) => Math.round(rowCount / (ms / 1000));
    const ratio = { inprocess: round(rate(inprocessMs) / rate(raw.ms), 3), webhook: round(rate(webhookMs) / rate(raw.ms), 3) };
    const passInprocess = ratio.inprocess >= GOAL[dialect];
    const passWebhook = ratio.webhook >= GOAL[dialect];
    emit({
      name: NAME,
      dialect,
      sizes: { events: sizes.events, batch: sizes.batch, officials: dir.users.length, units: dir.units.length, warmupEvents: sizes.warmupEvents, rawChunk: dialect === 'postgres' ? sizes.rawChunk : undefined },
      rows: { events: expected.events, entries: expected.entries, total: rowCount, marksAlsoWrittenNotCounted: rows.marks },
      ours: {
        inprocess: { ms: round(inprocessMs), rowsPerSec: rate(inprocessMs) },
        webhook: { ms: round(webhookMs), rowsPerSec: rate(webhookMs), requests: bodies.length },
      },
      raw: { ms: round(raw.ms), rowsPerSec: rate(raw.ms), how: raw.how },
      ratio,
      // For scale, no goal: raw committing batch by batch, and ours against it.
      rawBatched: rawBatched ? { ms: round(rawBatched.ms), cpuMs: round(rawBatched.cpuMs), how: rawBatched.how, ratioOfRaw: round(raw.ms / rawBatched.ms, 3), oursInprocess: round(rawBatched.ms / inprocessMs, 3), oursWebhook: round(rawBatched.ms / webhookMs, 3) } : undefined,
      // CPU time (user + system) of the process doing each phase's work: the load of a shared
      // machine disturbs it much less than the clock (webhook: the server process only). Only
      // on SQLite is it the whole work (PostgreSQL's server works in processes of its own).
      cpuMs: { inprocess: round(inprocessCpuMs), webhookServer: round(webhookCpuMs), raw: round(raw.cpuMs) },
      ratioByCpu: dialect === 'sqlite' ? { inprocess: round(raw.cpuMs / inprocessCpuMs, 3), webhook: round(raw.cpuMs / webhookCpuMs, 3) } : undefined,
      goal: { minRatioOfRaw: GOAL[dialect] },
      pass: passInprocess && passWebhook,
      passInprocess,
      passWebhook,
      memoryInprocess: { peakRssMb: memory.peakRssMb, deltaRssMb: memory.deltaRssMb, peakHeapMb: memory.peakHeapMb },
      check: same(webhookCheck) && same(rawCheck) ? 'same rows in all three' : { expected, webhook: webhookCheck, raw: rawCheck },
    });
  } finally {
    dbs.cleanup();
  }
}

/** Both agencies with their directory (users and units as the host sends them), untimed. */
async function setUpAgencies(plugin: Awaited<ReturnType<typeof openPlugin>>['plugin'], directory: BenchDirectory): Promise<{ main: { code: string; secret: string; issuer: string }; warm: { code: string; secret: string; issuer: string } }> {
  const out: Record<string, { code: string; secret: string; issuer: string }> = {};
  for (const code of [AGENCY, WARM_AGENCY]) {
    const r = await plugin.services.agencies.addAgency({ code, name: code === AGENCY ? 'UBND huyện Hạc Thành (benchmark)' : 'UBND huyện khởi động (warm-up)' });
    out[code] = { code: r.agency, secret: r.secret, issuer: r.issuer };
    const dir = directoryEvents(code, directory);
    const res = await plugin.ingest(dir);
    if (res.accepted !== dir.length) throw new Error(`directory: ${JSON.stringify(res.rejected.slice(0, 3))}`);
    // Scored once, as every agency in use is: from now on each write keeps its daily roll-ups up to date.
    await plugin.services.scoring.scores(code, '2026-Q1');
  }
  return { main: out[AGENCY]!, warm: out[WARM_AGENCY]! };
}

/** The rows the pipeline stored, by agency, without their identity column (the database assigns it). */
async function readBack(knex: Knex): Promise<Map<string, StoredRows>> {
  const out = new Map<string, StoredRows>();
  const get = (a: string) => {
    let s = out.get(a);
    if (!s) out.set(a, (s = { events: [], entries: [], marks: 0 }));
    return s;
  };
  for (const r of await knex('kpi_events').whereIn('type', WORK_TYPES).orderBy('seq')) {
    const { seq: _seq, ...rest } = r as Row;
    get(String(rest.agency_code)).events.push(rest);
  }
  for (const r of await knex('kpi_journal_entries').orderBy('id')) {
    const { id: _id, ...rest } = r as Row;
    get(String(rest.agency_code)).entries.push(rest);
  }
  const marks = (await knex('kpi_marks').select('agency_code').count({ n: '*' }).groupBy('agency_code')) as Array<{ agency_code: string; n: number | string }>;
  for (const r of marks) get(String(r.agency_code)).marks = Number(r.n);
  return out;
}

const WORK_TYPES = ['document.processed', 'document.received', 'document.drafted', 'task.completed'];

async function countRows(url: string): Promise<{ events: number; entries: number }> {
  const knex = openDb(parseDbUrl(url));
  try {
    const e = await knex('kpi_events').where({ agency_code: AGENCY }).whereIn('type', WORK_TYPES).count({ n: '*' }).first();
    const j = await knex('kpi_journal_entries').where({ agency_code: AGENCY }).count({ n: '*' }).first();
    return { events: Number(e?.n ?? 0), entries: Number(j?.n ?? 0) };
  } finally {
    await knex.destroy();
  }
}

/**
 * better-sqlite3: one prepared INSERT per table, every row in one transaction; or, given
 * `batch`, one transaction per `batch` events (in the order they were stored) with their entries.
 */
function rawSqlite(file: string, warm: StoredRows, rows: StoredRows, batch?: number): { ms: number; cpuMs: number; how: string } {
  const db = new Database(file);
  for (const p of SQLITE_PRAGMAS) db.pragma(p);
  const insertAll = (set: StoredRows) => {
    const stmts = (['kpi_events', 'kpi_journal_entries'] as const).map((table) => {
      const list = table === 'kpi_events' ? set.events : set.entries;
      if (list.length === 0) return null;
      const cols = Object.keys(list[0]!);
      return { stmt: db.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`), values: list.map((r) => cols.map((c) => r[c])) };
    });
    return db.transaction(() => {
      for (const s of stmts) if (s) for (const v of s.values) s.stmt.run(v);
    });
  };
  insertAll(warm)();
  const txs = batch === undefined ? [insertAll(rows)] : batchesOf(rows, batch).map(insertAll);
  const c0 = cpuMs();
  const t0 = now();
  for (const tx of txs) tx();
  const ms = now() - t0;
  const cpu = cpuMs() - c0;
  db.close();
  const how = batch === undefined ? 'all rows in one transaction' : `one transaction per ${batch} events with their entries`;
  return { ms, cpuMs: cpu, how: `better-sqlite3 prepared INSERT per table, ${how} (WAL, synchronous=NORMAL)` };
}

/** The stored rows cut in batches of `size` events (in their stored order), each with the entries of its events. */
function batchesOf(rows: StoredRows, size: number): StoredRows[] {
  const batchOf = new Map<unknown, number>();
  rows.events.forEach((e, i) => batchOf.set(e.event_id, Math.floor(i / size)));
  const out: StoredRows[] = [];
  for (let b = 0; b * size < rows.events.length; b++) out.push({ events: rows.events.slice(b * size, (b + 1) * size), entries: [], marks: 0 });
  for (const e of rows.entries) {
    const b = batchOf.get(e.event_id);
    if (b === undefined) throw new Error(`an entry of an unknown event: ${String(e.event_id)}`);
    out[b]!.entries.push(e);
  }
  return out;
}

/** pg: multi-row INSERT … VALUES in chunks, all in one transaction. */
async function rawPg(url: string, warm: StoredRows, rows: StoredRows, chunk: number): Promise<{ ms: number; cpuMs: number; how: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const insertAll = async (set: StoredRows) => {
    await client.query('begin');
    for (const [table, list] of [['kpi_events', set.events], ['kpi_journal_entries', set.entries]] as const) {
      if (list.length === 0) continue;
      const cols = Object.keys(list[0]!);
      for (let i = 0; i < list.length; i += chunk) {
        const part = list.slice(i, i + chunk);
        const params: unknown[] = [];
        const tuples = part.map((r) => `(${cols.map((c) => `$${params.push(r[c])}`).join(', ')})`);
        await client.query(`insert into ${table} (${cols.join(', ')}) values ${tuples.join(', ')}`, params);
      }
    }
    await client.query('commit');
  };
  try {
    await insertAll(warm);
    const c0 = cpuMs();
    const t0 = now();
    await insertAll(rows);
    return { ms: now() - t0, cpuMs: cpuMs() - c0, how: `pg multi-row INSERT … VALUES, ${chunk} rows a statement, all rows in one transaction` };
  } finally {
    await client.end();
  }
}

/** This process's CPU time so far (user + system), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function countTypes(events: BenchEvent[]): string {
  const n = new Map<string, number>();
  for (const e of events) n.set(e.type, (n.get(e.type) ?? 0) + 1);
  return [...n].map(([t, c]) => `${t} ${c}`).join(', ');
}

runMain(main);
