import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';

/**
 * A stand-in for a host's database: a table of documents-and-tasks events and the view the
 * integrator would create over it (docs/pull.md), on SQLite (a temporary file; instants as
 * ISO-8601 UTC text) or on PostgreSQL (a schema of its own in the test database; timestamptz(3)).
 */
export interface HostRowInput {
  event_id: string | null;
  event_type: string;
  occurred_at: string;
  actor_id: string;
  subject_kind: string;
  subject_id: string;
  data: string | null;
  updated_at: string;
  title?: string | null;
}

export interface StandInHost {
  kind: 'sqlite' | 'postgres';
  url: string;
  view: string;
  knex: Knex;
  insert(rows: HostRowInput[]): Promise<void>;
  update(eventId: string, fields: Partial<HostRowInput>): Promise<void>;
  close(): Promise<void>;
}

/** The PostgreSQL URL the suite may use for a stand-in host, or null. */
export function hostPgUrl(): string | null {
  for (const v of [process.env.KPI_TEST_PG, process.env.KPI_TEST_DB]) if (v && /^postgres(ql)?:\/\//.test(v)) return v;
  return null;
}

/** The host kinds this run covers: SQLite always, PostgreSQL when the suite has one. */
export function hostKinds(): Array<'sqlite' | 'postgres'> {
  return hostPgUrl() ? ['sqlite', 'postgres'] : ['sqlite'];
}

let n = 0;

export async function standInHost(kind: 'sqlite' | 'postgres'): Promise<StandInHost> {
  const tag = `${process.pid}_${++n}`;
  let url: string;
  let view: string;
  let tmp: string | null = null;
  let schema: string | null = null;
  if (kind === 'sqlite') {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-host-'));
    url = `sqlite:${path.join(tmp, 'host.sqlite')}`;
    view = 'eoffice_kpi_events';
  } else {
    url = hostPgUrl()!;
    schema = `host_${tag}`;
    view = `${schema}.eoffice_kpi_events`;
  }
  const knex = openDb(parseDbUrl(url));
  const table = schema ? `${schema}.host_events` : 'host_events';
  if (schema) await knex.raw(`create schema ${schema}`);
  const instant = kind === 'sqlite' ? 'text' : 'timestamptz(3)';
  await knex.raw(`create table ${table} (event_id varchar(300), event_type varchar(100), occurred_at ${instant}, actor_id varchar(200),
    subject_kind varchar(50), subject_id varchar(200), data text, updated_at ${instant}, title varchar(500))`);
  await knex.raw(`create index ix_host_events_keyset on ${table} (updated_at, event_id)`);
  await knex.raw(`create view ${view} as select event_id, event_type, occurred_at, actor_id, subject_kind, subject_id, data, updated_at, title from ${table}`);
  return {
    kind, url, view, knex,
    async insert(rows) {
      for (let i = 0; i < rows.length; i += 100) await knex(table).insert(rows.slice(i, i + 100).map((r) => ({ title: null, ...r })));
    },
    async update(eventId, fields) {
      await knex(table).where({ event_id: eventId }).update(fields);
    },
    async close() {
      if (schema) await knex.raw(`drop schema ${schema} cascade`);
      await knex.destroy();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A host row of a document processed by `u-<i % 7>`, with one `updated_at` for all unless given. */
export function hostRow(i: number, over: Partial<HostRowInput> = {}): HostRowInput {
  return {
    event_id: `EV-${String(i).padStart(6, '0')}`,
    event_type: 'document.received',
    occurred_at: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T02:15:00.000Z`,
    actor_id: `u-${i % 7}`,
    subject_kind: 'document',
    subject_id: `VB-${i}`,
    data: '{}',
    updated_at: '2026-03-25T03:00:00.000Z',
    ...over,
  };
}
