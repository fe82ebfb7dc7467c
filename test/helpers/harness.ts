import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Knex } from 'knex';
import pino from 'pino';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { openDb, parseDbUrl, type Dialect } from '../../src/db/connection';
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrate';
import { signUserToken, signWebhookToken, type Role } from '../../src/http/auth';

/**
 * The database every test runs on: `KPI_TEST_DB` (a KPI_DB URL), else a fresh in-memory
 * SQLite. `.ci/run` runs the whole suite once on SQLite and once with
 * KPI_TEST_DB=postgres://…; SQL Server joins when KPI_TEST_MSSQL is set.
 */
export function testDbUrl(): string {
  return process.env.KPI_TEST_DB && process.env.KPI_TEST_DB.trim() !== '' ? process.env.KPI_TEST_DB : 'sqlite::memory:';
}

export function testDialect(): Dialect {
  return parseDbUrl(testDbUrl()).dialect;
}

/** A database with the schema freshly created (everything from an earlier suite dropped). */
export async function freshDb(url = testDbUrl()): Promise<Knex> {
  const knex = openDb(parseDbUrl(url));
  await migrateRollbackAll(knex);
  await migrateLatest(knex);
  return knex;
}

export const silentLogger = pino({ level: 'silent' });

export interface TestAgency { code: string; secret: string; issuer: string }

export interface Harness {
  knex: Knex;
  plugin: KpiPlugin;
  /** Base URL of the plugin served on 127.0.0.1 (router mounted at /kpi). */
  url: string;
  server: http.Server;
  addAgency(code?: string, opts?: { hostOrigins?: string[]; issuer?: string }): Promise<TestAgency>;
  userToken(agency: TestAgency, sub: string, roles: Role[], extra?: { unit?: string; name?: string; locale?: 'vi' | 'en' }): string;
  /** POSTs events to /events signed as the host would. */
  postEvents(agency: TestAgency, body: unknown, opts?: { token?: string; rawBody?: string }): Promise<{ status: number; body: any }>;
  api(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startHarness(opts: { clock?: () => Date; chunkSize?: number; url?: string } = {}): Promise<Harness> {
  const knex = await freshDb(opts.url);
  const plugin = await createKpiPlugin({ knex, logger: silentLogger, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) });
  const app = express();
  app.use('/kpi', plugin.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kpi`;
  let n = 0;
  const harness: Harness = {
    knex, plugin, url, server,
    async addAgency(code = `ag-${++n}`, o = {}) {
      const r = await plugin.services.agencies.addAgency({ code, name: `Cơ quan thử nghiệm ${code}`, ...(o.hostOrigins ? { hostOrigins: o.hostOrigins } : {}), ...(o.issuer ? { issuer: o.issuer } : {}) });
      return { code: r.agency, secret: r.secret, issuer: r.issuer };
    },
    userToken(agency, sub, roles, extra = {}) {
      return signUserToken(agency.secret, { sub, agency: agency.code, roles, ...extra });
    },
    async postEvents(agency, body, o = {}) {
      const raw = o.rawBody ?? JSON.stringify(body);
      const token = o.token ?? signWebhookToken(agency.secret, agency.code, agency.issuer, raw, 120, opts.clock ? opts.clock() : new Date());
      const res = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: raw });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async api(method, path, token, body) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await knex.destroy();
    },
  };
  return harness;
}

let seq = 0;
/** An event as docs/integrators.md (events) shows it, with overrides. */
export function buildEvent(overrides: Record<string, unknown> = {}): Record<string, any> {
  seq++;
  return {
    id: `evt-test-${process.pid}-${seq}`,
    type: 'document.processed',
    occurredAt: '2026-03-12T09:15:00+07:00',
    agency: 'ag-1',
    actor: { id: 'u-1001' },
    subject: { kind: 'document', id: `VB-2026-${String(seq).padStart(6, '0')}`, title: 'Công văn về việc triển khai nhiệm vụ', docType: 'cong-van', urgency: 'thuong', dueAt: '2026-03-14T17:00:00+07:00' },
    data: { role: 'main' },
    ...overrides,
  };
}
