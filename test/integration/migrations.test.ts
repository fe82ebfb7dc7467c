import { expect } from 'chai';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { dialectFor } from '../../src/db/sql-dialects';
import { JournalDays } from '../../src/db/journal-days';
import { MIGRATION_TABLE, migrateLatest, migrateNext, migrateRollbackAll, migrationNames } from '../../src/db/migrate';
import * as assessmentDetail from '../../migrations/20261204000001_assessment_detail';
import * as workItemVersions from '../../migrations/20261205020001_work_item_versions';
import * as eventActor from '../../migrations/20261206010001_event_actor';
import { KnexEventStore } from '../../src/db/knex-event-store';
import { testDbUrl, testDialect } from '../helpers/harness';

/** The schema as the migrations build it: the 18 tables of v1, the journal's 2 roll-up tables, the leases of periodic jobs, the used form tokens and the requests (corrections, appeals), their primary keys, foreign keys and indexes. */
const KPI_TABLES = [
  'kpi_agencies', 'kpi_agency_secrets', 'kpi_settings', 'kpi_units', 'kpi_users', 'kpi_work_items', 'kpi_mapping_rules', 'kpi_events',
  'kpi_assignments', 'kpi_marks', 'kpi_journal_entries', 'kpi_assessments', 'kpi_periods', 'kpi_score_snapshots', 'kpi_profiles',
  'kpi_token_uses', 'kpi_pull_watermarks', 'kpi_audit_log', 'kpi_journal_days', 'kpi_journal_days_state', 'kpi_leases', 'kpi_form_uses', 'kpi_requests',
] as const;

const PRIMARY_KEYS: Record<(typeof KPI_TABLES)[number], string[]> = {
  kpi_agencies: ['code'],
  kpi_agency_secrets: ['id'],
  kpi_settings: ['agency_code'],
  kpi_units: ['agency_code', 'id'],
  kpi_users: ['agency_code', 'id'],
  kpi_work_items: ['agency_code', 'code', 'version'],
  kpi_mapping_rules: ['agency_code', 'id'],
  kpi_events: ['seq'],
  kpi_assignments: ['id'],
  kpi_marks: ['id'],
  kpi_journal_entries: ['id'],
  kpi_assessments: ['agency_code', 'user_id', 'period'],
  kpi_periods: ['agency_code', 'period'],
  kpi_score_snapshots: ['agency_code', 'period', 'user_id'],
  kpi_profiles: ['agency_code', 'id', 'version'],
  kpi_token_uses: ['agency_code', 'jti'],
  kpi_pull_watermarks: ['agency_code', 'source'],
  kpi_audit_log: ['id'],
  kpi_journal_days: ['agency_code', 'user_id', 'day'],
  kpi_journal_days_state: ['agency_code'],
  kpi_leases: ['name'],
  kpi_form_uses: ['agency_code', 'token'],
  kpi_requests: ['id'],
};

/** Tables whose key is an identity column: SQLite can only auto-increment an inline, unnamed `INTEGER PRIMARY KEY`. */
const IDENTITY_TABLES = new Set(['kpi_agency_secrets', 'kpi_events', 'kpi_assignments', 'kpi_marks', 'kpi_journal_entries', 'kpi_audit_log', 'kpi_requests']);

const FOREIGN_KEYS = [
  { name: 'fk_kpi_agency_secrets_agency', table: 'kpi_agency_secrets', columns: ['agency_code'], references: 'kpi_agencies', to: ['code'] },
  { name: 'fk_kpi_settings_agency', table: 'kpi_settings', columns: ['agency_code'], references: 'kpi_agencies', to: ['code'] },
  { name: 'fk_kpi_journal_days_state_agency', table: 'kpi_journal_days_state', columns: ['agency_code'], references: 'kpi_agencies', to: ['code'] },
];

const INDEXES: Array<{ name: string; table: string; columns: string[]; unique: boolean }> = [
  { name: 'ix_kpi_agency_secrets_agency', table: 'kpi_agency_secrets', columns: ['agency_code'], unique: false },
  { name: 'ix_kpi_users_unit', table: 'kpi_users', columns: ['agency_code', 'unit_id'], unique: false },
  { name: 'ix_kpi_work_items_current', table: 'kpi_work_items', columns: ['agency_code', 'current'], unique: false },
  { name: 'ix_kpi_mapping_rules_type', table: 'kpi_mapping_rules', columns: ['agency_code', 'event_type'], unique: false },
  { name: 'uq_kpi_events_agency_event', table: 'kpi_events', columns: ['agency_code', 'event_id'], unique: true },
  { name: 'ix_kpi_events_status', table: 'kpi_events', columns: ['agency_code', 'status'], unique: false },
  { name: 'ix_kpi_events_status_at', table: 'kpi_events', columns: ['agency_code', 'status', 'occurred_at'], unique: false },
  { name: 'ix_kpi_events_occurred', table: 'kpi_events', columns: ['agency_code', 'occurred_at'], unique: false },
  { name: 'ix_kpi_events_actor', table: 'kpi_events', columns: ['agency_code', 'actor_id', 'occurred_at'], unique: false },
  { name: 'uq_kpi_assignments_subject_user', table: 'kpi_assignments', columns: ['agency_code', 'subject_kind', 'subject_id', 'user_id'], unique: true },
  { name: 'ix_kpi_assignments_user_due', table: 'kpi_assignments', columns: ['agency_code', 'user_id', 'due_day'], unique: false },
  { name: 'ix_kpi_marks_subject', table: 'kpi_marks', columns: ['agency_code', 'subject_kind', 'subject_id'], unique: false },
  { name: 'uq_kpi_journal_event_user', table: 'kpi_journal_entries', columns: ['agency_code', 'event_id', 'user_id'], unique: true },
  { name: 'ix_kpi_journal_day_user', table: 'kpi_journal_entries', columns: ['agency_code', 'day', 'user_id'], unique: false },
  { name: 'ix_kpi_journal_user_day', table: 'kpi_journal_entries', columns: ['agency_code', 'user_id', 'day'], unique: false },
  { name: 'ix_kpi_journal_subject', table: 'kpi_journal_entries', columns: ['agency_code', 'subject_kind', 'subject_id'], unique: false },
  { name: 'ix_kpi_token_uses_expires', table: 'kpi_token_uses', columns: ['expires_at'], unique: false },
  { name: 'ix_kpi_audit_log_agency_at', table: 'kpi_audit_log', columns: ['agency_code', 'at'], unique: false },
  { name: 'ix_kpi_journal_days_day', table: 'kpi_journal_days', columns: ['agency_code', 'day', 'user_id', 'a_t', 'a_l', 'a_p', 'a_n', 'p_t', 'p_l', 'p_p', 'p_n'], unique: false },
  { name: 'ix_kpi_form_uses_created', table: 'kpi_form_uses', columns: ['created_at'], unique: false },
  { name: 'ix_kpi_requests_queue', table: 'kpi_requests', columns: ['agency_code', 'kind', 'status', 'unit_id'], unique: false },
  { name: 'ix_kpi_requests_user', table: 'kpi_requests', columns: ['agency_code', 'user_id'], unique: false },
];

interface IndexInfo { name: string; table: string; columns: string[]; unique: boolean }

const dialect = testDialect();

/** Rows of a raw query, whatever the driver wraps them in. */
/** The database rolled back to nothing, then migrated up to `name` but not through it: one that has not taken it yet. */
async function migrateUpToBefore(knex: Knex, name: string): Promise<void> {
  await migrateRollbackAll(knex);
  const at = migrationNames().indexOf(name);
  expect(at, `${name} is a migration after the first`).to.be.greaterThan(0);
  for (let i = 0; i < at; i++) await migrateNext(knex);
}

async function rows<T>(knex: Knex, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  const r = (await knex.raw(sql, bindings as Knex.RawBinding[])) as unknown;
  if (Array.isArray(r)) return r as T[];
  return (r as { rows: T[] }).rows;
}

async function kpiTables(knex: Knex): Promise<string[]> {
  const list = dialect === 'sqlite'
    ? await rows<{ name: string }>(knex, "select name from sqlite_master where type = 'table' and name like 'kpi\\_%' escape '\\'")
    : await rows<{ name: string }>(knex, "select table_name as name from information_schema.tables where table_schema = current_schema() and table_name like 'kpi\\_%'");
  return list.map((r) => r.name).filter((n) => !n.startsWith(MIGRATION_TABLE)).sort();
}

async function indexes(knex: Knex): Promise<Map<string, IndexInfo>> {
  const out = new Map<string, IndexInfo>();
  if (dialect === 'sqlite') {
    for (const t of await rows<{ name: string }>(knex, "select name from sqlite_master where type = 'table' and name like 'kpi\\_%' escape '\\'")) {
      for (const ix of await rows<{ name: string; unique: number; origin: string }>(knex, `pragma index_list(\`${t.name}\`)`)) {
        const cols = await rows<{ seqno: number; name: string }>(knex, `pragma index_info(\`${ix.name}\`)`);
        out.set(ix.name, { name: ix.name, table: t.name, unique: ix.unique === 1, columns: cols.sort((a, b) => a.seqno - b.seqno).map((c) => c.name) });
      }
    }
    return out;
  }
  for (const r of await rows<{ indexname: string; tablename: string; indexdef: string }>(knex, "select indexname, tablename, indexdef from pg_indexes where schemaname = current_schema() and tablename like 'kpi\\_%'")) {
    const cols = /USING \w+ \((.*)\)\s*$/.exec(r.indexdef)?.[1] ?? '';
    out.set(r.indexname, {
      name: r.indexname, table: r.tablename, unique: /^CREATE UNIQUE INDEX /.test(r.indexdef),
      columns: cols.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')),
    });
  }
  return out;
}

/** The table's DDL as SQLite keeps it (where constraint names live on SQLite). */
async function sqliteDdl(knex: Knex, table: string): Promise<string> {
  const [r] = await rows<{ sql: string }>(knex, "select sql from sqlite_master where type = 'table' and name = ?", [table]);
  return r?.sql ?? '';
}

async function columnsOf(knex: Knex, table: string): Promise<string[]> {
  if (dialect === 'sqlite') return (await rows<{ name: string }>(knex, `pragma table_info(\`${table}\`)`)).map((c) => c.name);
  return (await rows<{ name: string }>(knex, 'select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ? order by ordinal_position', [table])).map((c) => c.name);
}

async function primaryKey(knex: Knex, table: string): Promise<{ name: string | null; columns: string[] }> {
  if (dialect === 'sqlite') {
    const cols = (await rows<{ name: string; pk: number }>(knex, `pragma table_info(\`${table}\`)`)).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const named = /constraint `([^`]+)` primary key/i.exec(await sqliteDdl(knex, table));
    return { name: named?.[1] ?? null, columns: cols.map((c) => c.name) };
  }
  const [r] = await rows<{ name: string; columns: string[] | string }>(knex, `
    select c.conname as name, array_agg(a.attname order by k.ord) as columns
      from pg_constraint c
      join pg_class t on t.oid = c.conrelid
      join pg_namespace n on n.oid = t.relnamespace and n.nspname = current_schema()
      cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
     where c.contype = 'p' and t.relname = ?
     group by c.conname`, [table]);
  if (!r) return { name: null, columns: [] };
  const columns = Array.isArray(r.columns) ? r.columns : String(r.columns).replace(/^\{|\}$/g, '').split(',');
  return { name: r.name, columns };
}

async function foreignKeys(knex: Knex, table: string): Promise<Array<{ name: string | null; columns: string[]; references: string; to: string[] }>> {
  if (dialect === 'sqlite') {
    const list = await rows<{ id: number; seq: number; table: string; from: string; to: string }>(knex, `pragma foreign_key_list(\`${table}\`)`);
    const ddl = await sqliteDdl(knex, table);
    const byId = new Map<number, { name: string | null; columns: string[]; references: string; to: string[] }>();
    for (const fk of list.sort((a, b) => a.seq - b.seq)) {
      let e = byId.get(fk.id);
      if (!e) byId.set(fk.id, (e = { name: null, columns: [], references: fk.table, to: [] }));
      e.columns.push(fk.from);
      e.to.push(fk.to);
    }
    for (const e of byId.values()) {
      const m = new RegExp(`constraint \`([^\`]+)\` foreign key\\(${e.columns.map((c) => `\`${c}\``).join(', ')}\\) references \`${e.references}\``, 'i').exec(ddl);
      e.name = m?.[1] ?? null;
    }
    return [...byId.values()];
  }
  const list = await rows<{ name: string; def: string; references: string }>(knex, `
    select c.conname as name, pg_get_constraintdef(c.oid) as def, r.relname as references
      from pg_constraint c
      join pg_class t on t.oid = c.conrelid
      join pg_class r on r.oid = c.confrelid
      join pg_namespace n on n.oid = t.relnamespace and n.nspname = current_schema()
     where c.contype = 'f' and t.relname = ?`, [table]);
  return list.map((r) => {
    const m = /^FOREIGN KEY \(([^)]*)\) REFERENCES [^(]+\(([^)]*)\)/.exec(r.def);
    const split = (s: string | undefined) => (s ?? '').split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    return { name: r.name, columns: split(m?.[1]), references: r.references, to: split(m?.[2]) };
  });
}

describe(`migrations on ${dialect} (${parseDbUrl(testDbUrl()).display})`, function () {
  this.timeout(60000);
  let knex: Knex;

  before(async () => {
    knex = openDb(parseDbUrl(testDbUrl()));
    // Start from nothing: whatever an earlier suite left behind is rolled back.
    await migrateRollbackAll(knex);
  });

  after(async () => {
    await knex?.destroy();
  });

  it('when nothing is migrated yet, then no kpi_* table exists', async () => {
    expect(await kpiTables(knex)).to.deep.equal([]);
  });

  it('when migrated up, then the migrations are recorded and all 23 kpi_* tables exist', async () => {
    expect(await migrateLatest(knex)).to.deep.equal(migrationNames());
    expect(await kpiTables(knex)).to.deep.equal([...KPI_TABLES].sort());
    expect(KPI_TABLES).to.have.length(23);
    const recorded = (await knex(MIGRATION_TABLE).select('name').orderBy('id')).map((r: { name: string }) => r.name);
    expect(recorded).to.deep.equal(migrationNames());
  });

  it('when migrated up, then every named index exists on its columns, unique where declared', async () => {
    const found = await indexes(knex);
    for (const ix of INDEXES) {
      const got = found.get(ix.name);
      expect(got, `index ${ix.name}`).to.not.equal(undefined);
      expect(got, `index ${ix.name}`).to.deep.equal(ix);
    }
    // Nothing but our names (and the engine's own for keys): no index knex named by itself.
    for (const got of found.values()) {
      if (got.table.startsWith(MIGRATION_TABLE)) continue;
      expect(got.name, `index ${got.name} on ${got.table}`).to.match(/^(ix|uq|pk)_kpi_[a-z0-9_]+$|^sqlite_autoindex_kpi_[a-z_]+_\d+$/);
      expect(got.name.length).to.be.at.most(128);
    }
  });

  it('when migrated up, then every table has its primary key, under its declared name', async () => {
    for (const table of KPI_TABLES) {
      const pk = await primaryKey(knex, table);
      expect(pk.columns, `primary key of ${table}`).to.deep.equal(PRIMARY_KEYS[table]);
      // SQLite alone cannot name an auto-increment key (the migration says why); everywhere else it is named.
      if (dialect === 'sqlite' && IDENTITY_TABLES.has(table)) expect(pk.name, table).to.equal(null);
      else expect(pk.name, `primary key name of ${table}`).to.equal(`pk_${table}`);
    }
  });

  it('when migrated up, then the foreign keys exist under their names and are enforced', async () => {
    for (const fk of FOREIGN_KEYS) {
      const list = await foreignKeys(knex, fk.table);
      expect(list, `foreign keys of ${fk.table}`).to.deep.equal([{ name: fk.name, columns: fk.columns, references: fk.references, to: fk.to }]);
    }
    const now = new Date();
    let refused: unknown = null;
    try {
      await knex('kpi_agency_secrets').insert({ agency_code: 'no-such-agency', secret: 's', created_at: now, expires_at: null });
    } catch (e) {
      refused = e;
    }
    expect(refused, 'a secret for an agency that does not exist').to.be.instanceOf(Error);
  });

  it('when the same event id is stored twice for an agency, then the unique index refuses the second', async () => {
    const now = new Date();
    await knex('kpi_agencies').insert({ code: 'mig-a', name: 'Ủy ban nhân dân', time_zone: 'Asia/Ho_Chi_Minh', issuer: 'h', host_origins: '[]', created_at: now, updated_at: now });
    const row = { agency_code: 'mig-a', event_id: 'e-1', type: 'document.received', occurred_at: now, received_at: now, payload: '{}', status: 'processed', error: null, attempts: 1, source: 'ingest' };
    await knex('kpi_events').insert(row);
    let refused: unknown = null;
    try {
      await knex('kpi_events').insert(row);
    } catch (e) {
      refused = e;
    }
    expect(refused).to.be.instanceOf(Error);
    await knex('kpi_events').insert({ ...row, agency_code: 'mig-b' }); // another agency may use the same id
    expect(await knex('kpi_events').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2);
  });

  it('when migrated up again, then nothing runs and the stored rows stay', async () => {
    expect(await migrateLatest(knex)).to.deep.equal([]);
    expect(await kpiTables(knex)).to.deep.equal([...KPI_TABLES].sort());
    const agency = await knex('kpi_agencies').where({ code: 'mig-a' }).first();
    expect(agency?.name).to.equal('Ủy ban nhân dân');
    const recorded = await knex(MIGRATION_TABLE).count({ n: '*' }).first();
    expect(Number((recorded as { n: unknown }).n)).to.equal(migrationNames().length);
  });

  it('when rolled back, then every kpi_* table is gone, and a second rollback does nothing', async () => {
    expect(await migrateRollbackAll(knex)).to.deep.equal([...migrationNames()].reverse());
    expect(await kpiTables(knex)).to.deep.equal([]);
    const left = await indexes(knex);
    expect([...left.keys()].filter((n) => !n.includes(MIGRATION_TABLE) && !/^sqlite_autoindex_kpi_migrations/.test(n))).to.deep.equal([]);
    expect(await migrateRollbackAll(knex)).to.deep.equal([]);
  });

  it('when migrated up after a rollback, then the schema is whole again and empty', async () => {
    expect(await migrateLatest(knex)).to.deep.equal(migrationNames());
    expect(await kpiTables(knex)).to.deep.equal([...KPI_TABLES].sort());
    const found = await indexes(knex);
    for (const ix of INDEXES) expect(found.get(ix.name), ix.name).to.deep.equal(ix);
    expect(await knex('kpi_agencies').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('when a database of v1 that holds an agency and its entries is upgraded, then the agency gets its roll-up state, and the first build sums its entries', async () => {
    await migrateRollbackAll(knex);
    expect(await migrateNext(knex)).to.deep.equal([migrationNames()[0]]);
    const now = new Date();
    await knex('kpi_agencies').insert({ code: 'cu', name: 'Sở Nội vụ', time_zone: 'Asia/Ho_Chi_Minh', issuer: 'h', host_origins: '[]', created_at: now, updated_at: now });
    const entry = (id: number, status: string, minutes: number, fails: number) => ({
      agency_code: 'cu', user_id: 'u-1', unit_id: null, day: '2026-03-12', work_item_code: 'CV-01', item_version: 1, item_kind: 'count', standard_minutes: minutes,
      quantity: 1, coefficient: 1, rating: 1, minutes, status, source: 'manual', event_id: `e-${id}`, rule_id: null, subject_kind: null, subject_id: null, subject_title: null,
      fails, delays: 0, late: false, completes: false, note: null, review_reason: null, reviewed_by: null, reviewed_at: null, occurred_at: now, created_at: now, updated_at: now,
    });
    await knex('kpi_journal_entries').insert([entry(1, 'approved', 90, 1), entry(2, 'pending', 30, 0), entry(3, 'rejected', 500, 0)]);
    expect(await migrateLatest(knex)).to.deep.equal(migrationNames().slice(1));
    expect(await knex('kpi_journal_days_state').select('agency_code', 'fail_penalty')).to.deep.equal([{ agency_code: 'cu', fail_penalty: null }]);
    expect(await new JournalDays(dialectFor(knex)).ensure(knex, 'cu', { fail: 0.25, delay: 0.25 })).to.equal(true);
    const [row] = await knex('kpi_journal_days').where({ agency_code: 'cu' }).select('user_id', 'day', 'a_t', 'a_l', 'a_p', 'a_n', 'p_t', 'p_l', 'p_p', 'p_n');
    expect({ ...row, a_n: Number(row.a_n), p_n: Number(row.p_n) }).to.deep.equal({ user_id: 'u-1', day: '2026-03-12', a_t: 90, a_l: 67.5, a_p: 90, a_n: 1, p_t: 30, p_l: 30, p_p: 30, p_n: 1 });
    expect(await new JournalDays(dialectFor(knex)).ensure(knex, 'cu', { fail: 0.25, delay: 0.25 }), 'built once').to.equal(false);
  });

  it('when a database holding assessments gets the assessment detail, then the old rows read with no detail, the new columns take it, and down drops only them', async () => {
    await migrateUpToBefore(knex, '20261204000001_assessment_detail');
    const now = new Date();
    await knex('kpi_assessments').insert({ agency_code: 'cu', user_id: 'u-1', period: '2026-Q1', general: 27.5, disqualified: true, assessed_by: 'hr', updated_at: now });
    const DETAIL = ['general_i', 'general_ii', 'general_iii', 'self_i', 'self_ii', 'self_iii', 'disqualified_ground'];
    expect((await columnsOf(knex, 'kpi_assessments')).filter((c) => DETAIL.includes(c))).to.deep.equal([]);
    expect(await migrateNext(knex)).to.deep.equal(['20261204000001_assessment_detail']);
    expect((await columnsOf(knex, 'kpi_assessments')).slice(-DETAIL.length)).to.deep.equal(DETAIL);
    const old = await knex('kpi_assessments').where({ agency_code: 'cu', user_id: 'u-1' }).first(...DETAIL, 'general');
    expect({ ...old, general: Number(old.general) }).to.deep.equal({ ...Object.fromEntries(DETAIL.map((c) => [c, null])), general: 27.5 });
    const ground = 'leader-corruption'.padEnd(32, 'x');
    await knex('kpi_assessments').where({ agency_code: 'cu', user_id: 'u-1' }).update({ general_i: 9.75, general_ii: 10, general_iii: 7.75, self_i: 10, self_ii: 10, self_iii: 10, disqualified_ground: ground });
    const got = await knex('kpi_assessments').where({ agency_code: 'cu', user_id: 'u-1' }).first(...DETAIL);
    expect(Object.values(got).map((v) => (typeof v === 'string' ? v : Number(v)))).to.deep.equal([9.75, 10, 7.75, 10, 10, 10, ground]);

    await assessmentDetail.down(knex);
    expect((await columnsOf(knex, 'kpi_assessments')).filter((c) => DETAIL.includes(c))).to.deep.equal([]);
    expect(await primaryKey(knex, 'kpi_assessments')).to.deep.equal({ name: 'pk_kpi_assessments', columns: ['agency_code', 'user_id', 'period'] });
    const kept = await knex('kpi_assessments').where({ agency_code: 'cu', user_id: 'u-1' }).first('general', 'assessed_by');
    expect([Number(kept.general), kept.assessed_by]).to.deep.equal([27.5, 'hr']);
    await assessmentDetail.up(knex);
    expect((await columnsOf(knex, 'kpi_assessments')).slice(-DETAIL.length)).to.deep.equal(DETAIL);
  });

  it('when a catalogue with a second version gets the work-item days, then version 1 reads "from the beginning", version 2 the UTC day it was saved, and down drops only the new columns', async () => {
    await migrateUpToBefore(knex, '20261205020001_work_item_versions');
    const row = (version: number, savedAt: Date) => ({
      agency_code: 'cu', code: 'CV-04', version, name: 'Soạn thảo công văn', name_en: null, unit: 'văn bản', standard_minutes: 60 + version, kind: 'count',
      item_group: 'chuyen-vien', active: true, max_quantity: 50, current: version === 2, valid_from: savedAt, valid_to: null,
    });
    await knex('kpi_work_items').insert([row(1, new Date('2026-01-02T03:00:00Z')), row(2, new Date('2026-03-10T20:00:00Z'))]);
    expect(await migrateNext(knex)).to.deep.equal(['20261205020001_work_item_versions']);
    const got = await knex('kpi_work_items').where({ agency_code: 'cu' }).orderBy('version').select('version', 'valid_from_day', 'sector');
    expect(got.map((r) => [Number(r.version), r.valid_from_day, r.sector])).to.deep.equal([[1, null, null], [2, '2026-03-10', null]]);
    await workItemVersions.down(knex);
    expect((await columnsOf(knex, 'kpi_work_items')).filter((c) => c === 'valid_from_day' || c === 'sector')).to.deep.equal([]);
    expect(await primaryKey(knex, 'kpi_work_items')).to.deep.equal({ name: 'pk_kpi_work_items', columns: ['agency_code', 'code', 'version'] });
    await workItemVersions.up(knex);
    expect((await columnsOf(knex, 'kpi_work_items')).slice(-2)).to.deep.equal(['valid_from_day', 'sector']);
  });
  it('when an inbox of events gets actor_id, then rows from before keep null and are still found by their payload, new rows by their actor, and down drops only the column and its index', async () => {
    await migrateUpToBefore(knex, '20261206010001_event_actor');
    const now = new Date('2026-03-10T02:00:00Z');
    const event = (id: string, actor: string, type = 'document.received', minutes = 0) => ({
      agency_code: 'cu', event_id: id, type, occurred_at: new Date(now.getTime() + minutes * 60_000), received_at: now,
      payload: JSON.stringify({ id, type, actor: { id: actor } }), status: 'processed', error: null, attempts: 1, source: 'webhook',
    });
    await knex('kpi_agencies').insert({ code: 'cu', name: 'Sở Nội vụ', time_zone: 'Asia/Ho_Chi_Minh', issuer: 'h', host_origins: '[]', created_at: now, updated_at: now });
    await knex('kpi_events').insert([event('old-1', 'u-1'), event('old-2', 'u-2')]);
    expect(await columnsOf(knex, 'kpi_events')).to.not.include('actor_id');
    expect(await migrateNext(knex)).to.deep.equal(['20261206010001_event_actor']);
    expect(await columnsOf(knex, 'kpi_events')).to.include('actor_id');
    expect((await knex('kpi_events').where({ agency_code: 'cu' }).orderBy('event_id').select('actor_id')).map((r) => r.actor_id)).to.deep.equal([null, null]);
    await knex('kpi_events').insert([{ ...event('new-1', 'u-1', 'document.received', 5), actor_id: 'u-1' }, { ...event('new-2', 'u-2', 'document.received', 5), actor_id: 'u-2' }]);
    const events = new KnexEventStore(knex, dialectFor(knex));
    const ask = { userId: 'u-1', from: now, to: new Date(now.getTime() + 3_600_000), types: ['document.received'], statuses: ['failed' as const], limit: 10 };
    expect((await events.mentioning('cu', ask)).map((e) => e.eventId)).to.deep.equal(['new-1', 'old-1']);
    expect((await events.mentioning('cu', { ...ask, userId: 'u-2' })).map((e) => e.eventId)).to.deep.equal(['new-2', 'old-2']);

    await eventActor.down(knex);
    expect(await columnsOf(knex, 'kpi_events')).to.not.include('actor_id');
    expect(await knex('kpi_events').where({ agency_code: 'cu' }).count({ n: '*' }).first().then((r) => Number(r?.n))).to.equal(4);
    await eventActor.up(knex);
    expect(await columnsOf(knex, 'kpi_events')).to.include('actor_id');
  });
});
