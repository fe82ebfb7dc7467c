/**
 * The scoring benchmark's data: one agency (a provincial department) with `users`
 * officials in `units` units (a head and a deputy leading each) and `entries` journal
 * entries over the working days of 2026-Q1 — random work items, quantities, urgency
 * coefficients, fails, delays and statuses — written straight into kpi_units,
 * kpi_users and kpi_journal_entries with the raw driver (the plugin only creates the
 * schema and the agency). Deterministic (seeded): SQLite and PostgreSQL get the same rows.
 *
 * Generation takes a while, so it is cached: the SQLite file in the temp folder keyed by
 * the sizes, the PostgreSQL database reused when it holds the same dataset (a
 * `bench.dataset` row in kpi_audit_log names it, and the counts must match).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationNames } from '../../src/db/migrate';
import { dialectOf } from '../../src/db/connection';
import { dialectFor } from '../../src/db/sql-dialects';
import { JournalDays } from '../../src/db/journal-days';
import { rng } from './agency-events';
import { freshSchema, openPlugin, removeSqlite } from './databases';

export const SCORING_AGENCY = 'so-noi-vu-bench';
/** Bump when the generated rows change shape or distribution. */
const GENERATOR_VERSION = 1;

export interface DatasetSpec { users: number; entries: number; units: number }

export function datasetKey(s: DatasetSpec): string {
  return `u${s.users}-e${s.entries}-n${s.units}-g${GENERATOR_VERSION}-m${migrationNames().length}`;
}

export function cachedSqliteFile(s: DatasetSpec): string {
  return path.join(os.tmpdir(), `kpi-bench-scoring-${datasetKey(s)}.sqlite`);
}

export const Q1_FROM = '2026-01-01';
export const Q1_TO = '2026-03-31';

const WORKING_DAYS: string[] = (() => {
  const out: string[] = [];
  for (let t = Date.parse(`${Q1_FROM}T00:00:00Z`); t <= Date.parse(`${Q1_TO}T00:00:00Z`); t += 86_400_000) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
})();

// [code, standard minutes, rule id, subject kind, completes, weight, quantity range]
const ITEMS: Array<[string, number, string | null, string, boolean, number, [number, number]]> = [
  ['CV-01', 30, 'doc-processed-main', 'document', true, 30, [1, 1]],
  ['CV-02', 15, 'doc-processed-support', 'document', true, 20, [1, 1]],
  ['CV-03', 5, 'doc-processed-info', 'document', false, 5, [1, 1]],
  ['CV-04', 60, 'doc-drafted-cong-van', 'document', false, 10, [1, 1]],
  ['CV-06', 240, 'doc-drafted-bao-cao', 'document', false, 5, [1, 1]],
  ['CV-08', 240, 'doc-drafted-ke-hoach', 'document', false, 2, [1, 1]],
  ['CV-12', 120, 'task-completed', 'task', true, 6, [1, 3]],
  ['CV-13', 45, 'task-completed', 'task', true, 8, [1, 4]],
  ['CV-16', 240, 'task-completed', 'task', true, 6, [1, 1]],
  ['CH-01', 120, null, 'meeting', false, 5, [1, 1]],
  ['CV-17', 5, 'task-completed', 'task', true, 3, [10, 40]],
];
const ITEM_WEIGHT = ITEMS.reduce((s, i) => s + i[5], 0);
const TITLES = [
  'Công văn về việc báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội quý I năm 2026',
  'Công văn về việc đánh giá, xếp loại chất lượng công chức theo Nghị định 335/2025/NĐ-CP',
  'Kế hoạch cải cách hành chính năm 2026',
  'Báo cáo kết quả giải quyết thủ tục hành chính tháng 2 năm 2026',
  'Tờ trình về việc đề nghị khen thưởng tập thể, cá nhân có thành tích xuất sắc',
  'Rà soát hồ sơ công chức phục vụ đánh giá quý I',
  'Hướng dẫn người dân nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia',
  'Họp triển khai đánh giá, xếp loại công chức quý I',
];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh', 'Thu', 'Ngọc', 'Thanh'];
const GIVEN = ['Hùng', 'Dũng', 'Hương', 'Lan', 'Tuấn', 'Trang', 'Hải', 'Thảo', 'Long', 'Linh', 'Sơn', 'Huyền'];

export interface UserRow { id: string; name: string; unitId: string; position: string; isLeader: boolean; activeFrom: string | null; activeTo: string | null }

export const userId = (n: number): string => `cb-${String(n).padStart(6, '0')}`;
export const unitId = (n: number): string => `dv-${String(n).padStart(4, '0')}`;

/** Units of 60%–140% of the mean size, summing to `users`; a head and a deputy first in each. */
export function directory(s: DatasetSpec): { units: Array<{ id: string; name: string }>; users: UserRow[] } {
  const r = rng(101);
  const mean = s.users / s.units;
  const sizes = Array.from({ length: s.units }, () => Math.max(3, Math.round(mean * (0.6 + 0.8 * r()))));
  let diff = s.users - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % s.units) {
    if (diff > 0) { sizes[i]!++; diff--; } else if (sizes[i]! > 3) { sizes[i]!--; diff++; }
  }
  const units: Array<{ id: string; name: string }> = [];
  const users: UserRow[] = [];
  let n = 0;
  sizes.forEach((size, u) => {
    const id = unitId(u + 1);
    units.push({ id, name: `Phòng chuyên môn số ${u + 1}` });
    for (let i = 0; i < size; i++) {
      const x = r();
      users.push({
        id: userId(++n), name: `${FAMILY[Math.floor(r() * FAMILY.length)]} ${MIDDLE[Math.floor(r() * MIDDLE.length)]} ${GIVEN[Math.floor(r() * GIVEN.length)]}`,
        unitId: id, position: i === 0 ? 'Trưởng phòng' : i === 1 ? 'Phó Trưởng phòng' : 'Chuyên viên', isLeader: i < 2,
        // a few joined or left during the quarter
        activeFrom: i >= 2 && x < 0.02 ? '2026-02-02' : null, activeTo: i >= 2 && x > 0.99 ? '2026-03-13' : null,
      });
    }
  });
  return { units, users };
}

/** The entry columns written, in order (the pipeline's own columns, minus the identity). */
export const ENTRY_COLUMNS = [
  'agency_code', 'user_id', 'unit_id', 'day', 'work_item_code', 'item_version', 'item_kind', 'standard_minutes', 'quantity', 'coefficient', 'rating', 'minutes',
  'status', 'source', 'event_id', 'rule_id', 'subject_kind', 'subject_id', 'subject_title', 'fails', 'delays', 'late', 'completes',
  'note', 'review_reason', 'reviewed_by', 'reviewed_at', 'occurred_at', 'created_at', 'updated_at',
] as const;

/** Each entry's values in ENTRY_COLUMNS order (times as Date). */
export function* entryValues(s: DatasetSpec, users: UserRow[]): Generator<unknown[]> {
  const r = rng(202);
  for (let i = 0; i < s.entries; i++) {
    // entries arrive in time order: day i·D/N, the official uniform at random
    const day = WORKING_DAYS[Math.floor((i * WORKING_DAYS.length) / s.entries)]!;
    const u = users[Math.floor(r() * users.length)]!;
    let w = r() * ITEM_WEIGHT;
    let item = ITEMS[0]!;
    for (const it of ITEMS) {
      w -= it[5];
      if (w < 0) { item = it; break; }
    }
    const [code, std, ruleId, subjectKind, completes, , [qMin, qMax]] = item;
    const quantity = qMin + Math.floor(r() * (qMax - qMin + 1));
    const c = r();
    const coefficient = c < 0.7 ? 1 : c < 0.9 ? 1.2 : c < 0.96 ? 1.3 : 1.5;
    const st = r();
    const status = st < 0.9 ? 'approved' : st < 0.98 ? 'pending' : 'rejected';
    const f = r();
    const fails = f < 0.95 ? 0 : f < 0.99 ? 1 : 2;
    const d = r();
    const delays = completes ? (d < 0.93 ? 0 : d < 0.99 ? 1 : 2) : 0;
    const at = new Date(Date.parse(`${day}T00:30:00Z`) + Math.floor(r() * 9 * 3600) * 1000); // 07:30–16:30 at +07:00
    const created = new Date(at.getTime() + 2000);
    const manual = ruleId === null;
    yield [
      SCORING_AGENCY, u.id, u.unitId, day, code, 1, 'count', std, quantity, coefficient, 1, quantity * std * coefficient,
      status, manual ? 'manual' : 'event', manual ? null : `evt-${i + 1}`, ruleId, subjectKind, `${subjectKind === 'task' ? 'NV' : subjectKind === 'meeting' ? 'LH' : 'VB'}-2026-${String(1 + Math.floor(r() * 400_000)).padStart(6, '0')}`,
      TITLES[Math.floor(r() * TITLES.length)]!, fails, delays, delays > 0, completes,
      manual ? 'Dự họp theo giấy mời' : null, status === 'rejected' ? 'Không đúng nội dung được giao' : null,
      status === 'pending' ? null : manual ? userId(1) : 'system', status === 'pending' ? null : created, at, created, created,
    ];
  }
}

const GENERATED_AT = new Date('2026-04-01T01:00:00Z');

async function createAgency(url: string): Promise<void> {
  const { knex, plugin } = await openPlugin(url, { clock: () => GENERATED_AT });
  try {
    await plugin.services.agencies.addAgency({ code: SCORING_AGENCY, name: 'Sở Nội vụ (benchmark)' });
  } finally {
    await knex.destroy();
  }
}

/** The cached SQLite file of this dataset, generated when missing. */
export async function ensureSqliteDataset(s: DatasetSpec, log: (m: string) => void): Promise<string> {
  const file = cachedSqliteFile(s);
  if (fs.existsSync(file)) {
    log(`reusing ${file}`);
    return file;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  removeSqlite(tmp);
  log(`generating ${s.users} officials, ${s.entries} entries into ${file} (cached for later runs)`);
  await createAgency(`sqlite:${tmp}`);
  const db = new Database(tmp);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const { units, users } = directory(s);
  const t0 = Date.now();
  db.transaction(() => {
    const insUnit = db.prepare('insert into kpi_units (agency_code, id, name, parent_id, updated_at) values (?, ?, ?, null, ?)');
    for (const u of units) insUnit.run(SCORING_AGENCY, u.id, u.name, GENERATED_AT.getTime());
    const insUser = db.prepare('insert into kpi_users (agency_code, id, name, unit_id, position, is_leader, active, active_from, active_to, updated_at) values (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)');
    for (const u of users) insUser.run(SCORING_AGENCY, u.id, u.name, u.unitId, u.position, u.isLeader ? 1 : 0, u.activeFrom, u.activeTo, GENERATED_AT.getTime());
    const insEntry = db.prepare(`insert into kpi_journal_entries (${ENTRY_COLUMNS.join(', ')}) values (${ENTRY_COLUMNS.map(() => '?').join(', ')})`);
    let n = 0;
    for (const v of entryValues(s, users)) {
      insEntry.run(v.map((x) => (x instanceof Date ? x.getTime() : typeof x === 'boolean' ? (x ? 1 : 0) : x)));
      if (++n % 500_000 === 0) log(`  ${n} entries (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    db.prepare("insert into kpi_audit_log (agency_code, actor, action, target, details, at) values (?, 'bench', 'bench.dataset', ?, ?, ?)").run(SCORING_AGENCY, datasetKey(s), JSON.stringify(s), GENERATED_AT.getTime());
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  fs.renameSync(tmp, file);
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  log(`generated in ${Math.round((Date.now() - t0) / 1000)} s`);
  return file;
}

/** Whether the PostgreSQL database already holds this dataset (marker row and counts). */
async function pgHasDataset(url: string, s: DatasetSpec): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const marker = await c.query("select 1 from kpi_audit_log where agency_code = $1 and action = 'bench.dataset' and target = $2", [SCORING_AGENCY, datasetKey(s)]);
    if (marker.rowCount === 0) return false;
    const n = await c.query('select (select count(*) from kpi_journal_entries where agency_code = $1) as entries, (select count(*) from kpi_users where agency_code = $1) as users', [SCORING_AGENCY]);
    return Number(n.rows[0].entries) === s.entries && Number(n.rows[0].users) === s.users;
  } catch {
    return false; // no schema yet
  } finally {
    await c.end();
  }
}

/** The PostgreSQL database filled with this dataset (reused when it already is). */
export async function ensurePgDataset(url: string, s: DatasetSpec, log: (m: string) => void): Promise<void> {
  if (await pgHasDataset(url, s)) {
    log('reusing the PostgreSQL dataset');
    return;
  }
  log(`generating ${s.users} officials, ${s.entries} entries into PostgreSQL (reused by later runs)`);
  await freshSchema(url);
  await createAgency(url);
  const { units, users } = directory(s);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = Date.now();
  try {
    await c.query('begin');
    await c.query('insert into kpi_units (agency_code, id, name, parent_id, updated_at) select $1::text, *, null, $4::timestamptz from unnest($2::text[], $3::text[])', [SCORING_AGENCY, units.map((u) => u.id), units.map((u) => u.name), GENERATED_AT]);
    await c.query(
      `insert into kpi_users (agency_code, id, name, unit_id, position, is_leader, active, active_from, active_to, updated_at)
       select $1::text, u.id, u.name, u.unit_id, u.position, u.is_leader, true, u.active_from, u.active_to, $8::timestamptz
       from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $9::text[]) as u(id, name, unit_id, position, is_leader, active_from, active_to)`,
      [SCORING_AGENCY, users.map((u) => u.id), users.map((u) => u.name), users.map((u) => u.unitId), users.map((u) => u.position), users.map((u) => u.isLeader), users.map((u) => u.activeFrom), GENERATED_AT, users.map((u) => u.activeTo)],
    );
    // unnest of one typed array per column: tens of thousands of rows a statement
    const types = await c.query(
      `select a.attname, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
       where a.attrelid = 'kpi_journal_entries'::regclass and a.attnum > 0 and not a.attisdropped`,
    );
    const typeOf = new Map(types.rows.map((t: { attname: string; type: string }) => [t.attname, t.type.replace(/\(.*\)/, '')]));
    const sql = `insert into kpi_journal_entries (${ENTRY_COLUMNS.join(', ')}) select * from unnest(${ENTRY_COLUMNS.map((col, i) => `$${i + 1}::${typeOf.get(col)}[]`).join(', ')})`;
    const chunk = 20_000;
    let cols: unknown[][] = ENTRY_COLUMNS.map(() => []);
    let n = 0;
    const flush = async () => {
      if (cols[0]!.length === 0) return;
      await c.query(sql, cols);
      cols = ENTRY_COLUMNS.map(() => []);
    };
    for (const v of entryValues(s, users)) {
      for (let i = 0; i < v.length; i++) cols[i]!.push(v[i]);
      if (++n % chunk === 0) await flush();
      if (n % 500_000 === 0) log(`  ${n} entries (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    await flush();
    await c.query("insert into kpi_audit_log (agency_code, actor, action, target, details, at) values ($1, 'bench', 'bench.dataset', $2, $3, $4)", [SCORING_AGENCY, datasetKey(s), JSON.stringify(s), GENERATED_AT]);
    await c.query('commit');
    log(`loaded in ${Math.round((Date.now() - t0) / 1000)} s; analyze`);
    await c.query('vacuum analyze kpi_journal_entries');
    await c.query('analyze kpi_users');
  } finally {
    await c.end();
  }
}

/**
 * The journal's daily roll-ups for the dataset, as the first score after loading would build
 * them (nd335's penalties), so that the measurement sees the steady state of a scored agency.
 * A no-op when they are built already. Untimed; its duration is logged.
 */
export async function ensureRollups(url: string, log: (m: string) => void): Promise<void> {
  const { knex } = await openPlugin(url, { clock: () => GENERATED_AT });
  try {
    const t0 = Date.now();
    if (await new JournalDays(dialectFor(knex)).ensure(knex, SCORING_AGENCY, { fail: 0.25, delay: 0.25 })) {
      if (dialectOf(knex) === 'postgres') await knex.raw('vacuum analyze kpi_journal_days');
      log(`daily roll-ups built in ${Math.round((Date.now() - t0) / 100) / 10} s (once, when an agency is first scored)`);
    }
  } finally {
    await knex.destroy();
  }
}
