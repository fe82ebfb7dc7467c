/**
 * The HTTP side of the ingest and latency benchmarks, run in its own process so that
 * the load generator does not share the server's event loop:
 * - `--mode=plugin`: express with `app.use('/kpi', plugin.router)`, as a host mounts it
 *   (test/helpers/harness.ts does the same in process);
 * - `--mode=static`: express sending one static page (the file `--url` names), the floor of the
 *   panels benchmark;
 * - `--mode=raw`: the floor — node:http that parses the one event of a request and
 *   inserts its kpi_events row and kpi_journal_entries row with the raw driver in one
 *   transaction (no auth, no rules), to show what the database alone costs.
 * Tells the parent its port over IPC; answers { cpu: true } with { cpuMs } (its CPU time so far);
 * stops on { stop: true }.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BenchOptions } from './options';
import { openPlugin, SQLITE_PRAGMAS } from './databases';

type Handler = (body: Buffer) => Promise<number> | number;

async function main(): Promise<void> {
  const o = new BenchOptions();
  const url = o.str('url', '');
  const mode = o.str('mode', 'plugin');
  let server: http.Server;
  let close: () => Promise<void>;
  if (mode === 'static') {
    // The floor of the panels benchmark: express sending one page, read once from --url (a file).
    const page = fs.readFileSync(url);
    const app = express();
    app.get('/{*any}', (_req, res) => { res.type('html').send(page); });
    server = http.createServer(app);
    close = async () => undefined;
  } else if (mode === 'plugin') {
    const { knex, plugin } = await openPlugin(url);
    const app = express();
    app.use('/kpi', plugin.router);
    server = http.createServer(app);
    close = () => knex.destroy();
  } else {
    const { handle, end } = rawHandler(url);
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Promise.resolve()
          .then(() => handle(Buffer.concat(chunks)))
          .then((status) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"accepted":1,"duplicates":0,"rejected":[]}'))
          .catch((e: Error) => res.writeHead(500).end(JSON.stringify({ error: e.message })));
      });
    });
    close = end;
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.({ port: (server.address() as AddressInfo).port });
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
    process.exit(0);
  };
  process.on('message', (m: { stop?: boolean; cpu?: boolean }) => {
    if (m?.stop) void stop();
    // The CPU this process used so far (user + system, ms): the parent reads it around a measured run.
    else if (m?.cpu) {
      const u = process.cpuUsage();
      process.send?.({ cpuMs: (u.user + u.system) / 1000 });
    }
  });
  process.on('disconnect', () => void stop());
}

interface RawEvent { id: string; type: string; occurredAt: string; agency: string; actor: { id: string }; subject: { kind: string; id: string; title?: string } }

function rawHandler(url: string): { handle: Handler; end: () => Promise<void> } {
  const rows = (e: RawEvent, now: Date) => {
    const at = new Date(e.occurredAt);
    const day = new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
    return {
      event: [e.agency, e.id, e.type, e.actor.id, at, now, JSON.stringify(e), 'processed', null, 1, 'webhook'],
      entry: [e.agency, e.actor.id, null, day, 'CV-01', 1, 'count', 30, 1, 1, 1, 30, 'approved', 'event', e.id, 'rule', e.subject.kind, e.subject.id, e.subject.title ?? null, 0, 0, false, true, 'system', now, at, now, now],
    };
  };
  const EVENT_COLS = 'agency_code, event_id, type, actor_id, occurred_at, received_at, payload, status, error, attempts, source';
  const ENTRY_COLS = 'agency_code, user_id, unit_id, day, work_item_code, item_version, item_kind, standard_minutes, quantity, coefficient, rating, minutes, status, source, event_id, rule_id, subject_kind, subject_id, subject_title, fails, delays, late, completes, reviewed_by, reviewed_at, occurred_at, created_at, updated_at';
  const marks = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    for (const p of SQLITE_PRAGMAS) db.pragma(p);
    const insEvent = db.prepare(`insert into kpi_events (${EVENT_COLS}) values (${Array(11).fill('?').join(', ')}) on conflict (agency_code, event_id) do nothing`);
    const insEntry = db.prepare(`insert into kpi_journal_entries (${ENTRY_COLS}) values (${Array(28).fill('?').join(', ')})`);
    const sqliteValue = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'boolean' ? Number(v) : v);
    const tx = db.transaction((e: RawEvent) => {
      const r = rows(e, new Date());
      insEvent.run(r.event.map(sqliteValue));
      insEntry.run(r.entry.map(sqliteValue));
    });
    return { handle: (body) => { tx(JSON.parse(body.toString('utf8')) as RawEvent); return 202; }, end: async () => { db.close(); } };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    handle: async (body) => {
      const r = rows(JSON.parse(body.toString('utf8')) as RawEvent, new Date());
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query(`insert into kpi_events (${EVENT_COLS}) values (${marks(11)}) on conflict (agency_code, event_id) do nothing`, r.event);
        await c.query(`insert into kpi_journal_entries (${ENTRY_COLS}) values (${marks(28)})`, r.entry);
        await c.query('commit');
      } catch (e) {
        await c.query('rollback');
        throw e;
      } finally {
        c.release();
      }
      return 202;
    },
    end: () => pool.end(),
  };
}

main().catch((e: Error) => {
  process.send?.({ error: e.stack ?? e.message });
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
