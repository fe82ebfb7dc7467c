import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import * as init from '../../migrations/20261123000001_init';
import * as journalDays from '../../migrations/20261203000001_journal_days';
import { defaultSettings, KNOWN_EVENT_TYPES, type KnownEventType } from '../../src/contract/events';
import { parseDbUrl } from '../../src/db/connection';
import { MIGRATION_TABLE, migrateLatest, migrateRollbackAll, migrationNames } from '../../src/db/migrate';
import type { Principal } from '../../src/domain/principal';
import { cloneCatalogue } from '../../src/rules/catalogue';
import { cloneRules } from '../../src/rules/mapping';
import { parsePeriod } from '../../src/domain/period';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { signUserToken } from '../../src/http/auth';
import { buildServices, createKpiPlugin } from '../../src/index';
import { buildEvent, silentLogger } from '../helpers/harness';
import {
  type Ast, checkTsql, expectAllTsql, hasLockHints, ID, insertedRows, MSSQL_URL, type MssqlRecorder, names, PARSER_GAPS, parse, problemsOf,
  type RecordedStatement, recorder, type Row,
} from '../helpers/mssql-recorder';

/*
 * Everything the plugin sends to SQL Server, compiled by knex's real mssql dialect (through
 * the recorder: no server), checked with a T-SQL parser and against the house rules (the
 * check and its documented parser gaps: test/helpers/mssql-recorder.ts). This file checks the
 * parser and its gaps, the migrations, and whole services and routes built by buildServices
 * and createKpiPlugin; mssql-compile-stores.test.ts checks each knex store, method by method.
 */
const LOCK_UPDATE = /^update \[kpi_migrations_lock\] set \[is_locked\] = @p0 where \[is_locked\] = @p1;select @@rowcount$/;

// ---------------------------------------------------------------- (0) the parser gaps are real

describe('mssql compile: the T-SQL parser and its documented gaps', () => {
  for (const g of PARSER_GAPS) {
    it(`when the parser meets ${g.id}, then it still refuses it, and the statement parses once it is removed`, () => {
      expect(() => parse(g.canary), g.construct).to.throw();
      expect(g.canary.replace(g.pattern, g.replacement)).to.not.equal(g.canary);
      expect(() => parse(g.canary.replace(g.pattern, g.replacement))).to.not.throw();
    });
  }

  it('when a TOP takes a parameter, then the parser misreads it, and the bound row count is substituted instead', () => {
    expect(() => parse('select top (@p1) * from [t] where [a] = @p0')).to.throw();
    const misread = parse('select top (@p0) [a] from [t]')[0]!;
    expect(misread.top).to.equal(null); // read as a call to a function named top
    expect(checkTsql({ sql: 'select top (@p1) * from [t] where [a] = @p0', bindings: ['x', 1] }).asts[0]!.top).to.deep.include({ value: 1 });
    expect(() => checkTsql({ sql: 'select top (@p0) * from [t]', bindings: ['1; drop table t'] })).to.throw(/not a row count/);
  });

  it('when the recorder runs queries, then it records exactly what knex\'s own mssql client compiles and answers as tedious rows are read', async () => {
    const plain = knexFactory({ client: 'mssql' });
    const r = recorder();
    const build = (k: Knex) => k('kpi_users').where({ agency_code: 'a', id: 'u-1' }).first('unit_id');
    r.queue([{ unit_id: 'p-1' }]);
    expect(await build(r.knex)).to.deep.equal({ unit_id: 'p-1' });
    const native = build(plain).toSQL().toNative();
    expect(r.statements.map((s) => [s.sql, s.bindings, s.types, s.method])).to.deep.equal([[native.sql, [...native.bindings], ['Int', 'NVarChar', 'NVarChar'], 'first']]);
    // Defaults that knex relies on: affected rows of an update, an aggregate's one row, generated keys.
    expect(await r.knex('kpi_users').where({ id: 'u-1' }).update({ name: 'x' })).to.equal(0);
    expect(await r.knex('kpi_users').count({ n: '*' }).first()).to.deep.equal({ n: 0 });
    expect(await r.knex('kpi_marks').insert([{ kind: 'fail' }, { kind: 'extension' }]).returning(['id', 'kind'])).to.deep.equal([{ id: 1, kind: 'fail' }, { id: 2, kind: 'extension' }]);
    // Transactions go through tedious's transaction methods; a failure rolls back.
    await r.knex.transaction(async (trx) => { await trx('kpi_users').select('id'); });
    r.queue(Object.assign(new Error('deadlock'), { number: 1205 }));
    let failed: unknown = null;
    await r.knex.transaction(async (trx) => { await trx('kpi_users').select('id'); }).catch((e: unknown) => { failed = e; });
    expect(failed).to.have.property('number', 1205);
    expect(r.transactions.map((t) => t.op)).to.deep.equal(['begin', 'commit', 'begin', 'rollback']);
    expect(r.statements.slice(-2).every((s) => s.txId !== null)).to.equal(true);
    expect(r.pending()).to.equal(0);
    await r.destroy();
    await plain.destroy();
  });

  it('when a statement is not T-SQL, then the check says so', () => {
    const s = (sql: string, bindings: unknown[] = []): RecordedStatement => ({ sql, bindings, types: bindings.map(() => 'NVarChar'), method: null, txId: null, seq: 0 });
    expect(problemsOf(s('insert into [t] ([a]) values (@p0) on conflict do nothing', ['x'])).join()).to.match(/not T-SQL|ON CONFLICT/);
    expect(problemsOf(s('select * from "t" limit 1')).length).to.be.greaterThan(0);
    expect(problemsOf(s('insert into [t] ([a]) values (@p0)', ['x']))).to.deep.equal([]);
    const many = Array.from({ length: 2100 }, (_, i) => i);
    expect(problemsOf(s(`select [a] from [t] where [a] in (${many.map((i) => `@p${i}`).join(', ')})`, many)).join()).to.match(/2100/);
    expect(problemsOf({ ...s('select [a] from [t] where [a] = @p0', ['x']), types: ['VarChar'] }).join()).to.match(/not NVarChar/);
  });
});

// ---------------------------------------------------------------- (1) the migration

interface ColumnDef { name: string; type: string; length: number | 'max' | null; nullable: boolean; identity: boolean }
interface TableDef {
  name: string;
  columns: Map<string, ColumnDef>;
  pk: { name: string; columns: string[] } | null;
  fks: Array<{ name: string; columns: string[]; references: string; to: string[] }>;
  defaults: Array<{ name: string; column: string }>;
}
interface IndexDef { name: string; table: string; columns: string[]; unique: boolean }

function tableOf(sql: string, ast: Ast): TableDef {
  const table = (ast.table as Array<{ table: string }>)[0]!.table;
  const def: TableDef = { name: table, columns: new Map(), pk: null, fks: [], defaults: [] };
  for (const d of ast.create_definitions as Array<Record<string, any>>) {
    if (d.resource === 'column') {
      const length = d.definition.length === undefined ? null : d.definition.length;
      def.columns.set(d.column.column, {
        name: d.column.column, type: String(d.definition.dataType).toUpperCase(), length: length === 'max' ? 'max' : length === null ? null : Number(length),
        nullable: d.nullable?.type !== 'not null', identity: Boolean(d.auto_increment),
      });
    } else if (d.resource === 'constraint' && d.constraint_type === 'primary key') {
      def.pk = { name: String(d.constraint), columns: (d.definition as Array<{ column: string }>).map((c) => c.column) };
    }
  }
  for (const m of sql.matchAll(new RegExp(`(?<=\\(|, )\\[(${ID})\\] [^,]*? CONSTRAINT \\[(${ID})\\] DEFAULT `, 'g'))) def.defaults.push({ column: m[1]!, name: m[2]! });
  for (const m of sql.matchAll(PARSER_GAPS.find((g) => g.id === 'foreign-key')!.pattern)) {
    def.fks.push({ name: m[1]!, columns: names(m[2]!), references: m[3]!, to: names(m[4]!) });
  }
  return def;
}

/** Bytes of a key column on SQL Server; nvarchar(max) cannot be a key at all. */
function keyBytes(c: ColumnDef): number {
  switch (c.type) {
    case 'NVARCHAR': return c.length === 'max' || c.length === null ? Infinity : 2 * c.length;
    case 'INT': return 4;
    case 'BIGINT': case 'FLOAT': case 'DATETIME2': return 8;
    case 'BIT': return 1;
    default: return Infinity;
  }
}

const isInstantColumn = (name: string) => name === 'at' || name.endsWith('_at') || name === 'valid_from' || name === 'valid_to';

describe('mssql compile: the migration, compiled for SQL Server', () => {
  let up: RecordedStatement[];
  let down: RecordedStatement[];
  const tables = new Map<string, TableDef>();
  const indexes: IndexDef[] = [];

  before(async () => {
    const r = recorder();
    await init.up(r.knex);
    await journalDays.up(r.knex);
    up = [...r.statements];
    r.clearLog();
    await journalDays.down(r.knex);
    await init.down(r.knex);
    down = [...r.statements];
    await r.destroy();
    for (const s of up) {
      if (/^CREATE TABLE /.test(s.sql)) {
        const t = tableOf(s.sql, checkTsql(s).asts[0]!);
        tables.set(t.name, t);
      }
      const ix = /^CREATE (UNIQUE )?INDEX \[([^\]]+)\] ON \[([^\]]+)\] \(([^)]*)\)(?: WHERE .*)?$/.exec(s.sql);
      if (ix) indexes.push({ unique: Boolean(ix[1]), name: ix[2]!, table: ix[3]!, columns: names(ix[4]!) });
    }
  });

  it('when migrated up and down, then every statement is T-SQL with no parameters left over', () => {
    expectAllTsql(up, 'up');
    expectAllTsql(down, 'down');
    expect(up.every((s) => s.bindings.length === 0) && down.every((s) => s.bindings.length === 0)).to.equal(true);
    expect(tables.size).to.equal(20);
    expect([...tables.keys()].every((t) => /^kpi_[a-z_]+$/.test(t))).to.equal(true);
    // Every statement is a CREATE TABLE or CREATE INDEX that the checks below have read, but
    // the one that gives the agencies already there their roll-up state row.
    const backfill = up.filter((s) => s.sql === 'insert into [kpi_journal_days_state] ([agency_code]) select [code] from [kpi_agencies]');
    expect(backfill).to.have.length(1);
    expect(up.length).to.equal(tables.size + indexes.length + backfill.length);
  });

  it('when the parser needs a documented gap for a DDL statement, then the gap is one it really has', () => {
    const used = new Set(up.flatMap((s) => checkTsql(s).gaps));
    expect([...used].every((g) => PARSER_GAPS.some((p) => p.id === g))).to.equal(true);
  });

  it('when columns are declared, then strings are NVARCHAR, instants datetime2, and nothing else is used', () => {
    const ddl = up.map((s) => s.sql).join('\n');
    expect(ddl).to.not.match(/(?<![n])varchar\s*\(/i);
    expect(ddl).to.not.match(/\b(text|ntext|char|nchar|datetime|smalldatetime|datetimeoffset|timestamp|date|time|image|real|money)\b/i);
    for (const t of tables.values()) {
      for (const c of t.columns.values()) {
        const where = `${t.name}.${c.name} ${c.type}(${String(c.length)})`;
        expect(['NVARCHAR', 'INT', 'BIGINT', 'FLOAT', 'BIT', 'DATETIME2'], where).to.include(c.type);
        if (c.type === 'NVARCHAR') expect(c.length === 'max' || (typeof c.length === 'number' && c.length >= 1 && c.length <= 4000), where).to.equal(true);
        expect(c.type === 'DATETIME2', `${where}: instants, and only instants, are datetime2`).to.equal(isInstantColumn(c.name));
        expect(c.name.length, where).to.be.at.most(128);
      }
    }
  });

  it('when keys and indexes are declared, then every one of them carries a name of at most 128 characters, unique in the database', () => {
    const ddl = up.map((s) => s.sql);
    const count = (re: RegExp) => ddl.reduce((n, s) => n + [...s.matchAll(re)].length, 0);
    // Nothing is left for SQL Server or knex to name: every PRIMARY KEY, FOREIGN KEY and DEFAULT follows a CONSTRAINT name.
    expect(count(/primary key/gi)).to.equal(count(/CONSTRAINT \[[^\]]+\] PRIMARY KEY/g));
    expect(count(/foreign key/gi)).to.equal(count(/CONSTRAINT \[[^\]]+\] FOREIGN KEY/g));
    expect(count(/\bdefault\b/gi)).to.equal(count(/CONSTRAINT \[[^\]]+\] DEFAULT/g));
    expect(count(/\bunique\b/gi)).to.equal(count(/^CREATE UNIQUE INDEX \[[^\]]+\]/g));
    const all = [
      ...[...tables.values()].flatMap((t) => [t.pk?.name, ...t.fks.map((f) => f.name), ...t.defaults.map((d) => d.name)]),
      ...indexes.map((i) => i.name),
    ];
    expect(all.every((n): n is string => typeof n === 'string')).to.equal(true);
    expect(all.filter((n) => (n as string).length > 128)).to.deep.equal([]);
    expect(all.filter((n, i) => all.indexOf(n) !== i), 'names used twice').to.deep.equal([]);
    for (const t of tables.values()) expect(t.pk, `${t.name} has a primary key`).to.not.equal(null);
  });

  it('when keys and indexes are named, then the names are the migration\'s own (pk_/fk_/uq_/ix_/df_), none made up by knex', () => {
    const made: string[] = [];
    const check = (name: string, prefix: string, what: string) => {
      if (!new RegExp(`^${prefix}_kpi_[a-z0-9_]+$`).test(name) || /_(pkey|index|unique|foreign|default)$/.test(name)) made.push(`${what}: ${name}`);
    };
    for (const t of tables.values()) {
      check(t.pk!.name, 'pk', `primary key of ${t.name}`);
      for (const f of t.fks) check(f.name, 'fk', `foreign key of ${t.name}`);
      for (const d of t.defaults) check(d.name, 'df', `default of ${t.name}.${d.column}`);
    }
    for (const i of indexes) check(i.name, i.unique ? 'uq' : 'ix', `${i.unique ? 'unique ' : ''}index on ${i.table}`);
    expect(made, 'names knex made up (give defaultTo(value, { constraintName }) an explicit name)').to.deep.equal([]);
  });

  it('when keys are declared, then they fit SQL Server: clustered ≤ 900 bytes, other indexes ≤ 1700, no nvarchar(max) in a key', () => {
    for (const t of tables.values()) {
      const bytes = t.pk!.columns.reduce((n, c) => n + keyBytes(t.columns.get(c)!), 0);
      expect(bytes, `primary key (clustered) of ${t.name}`).to.be.at.most(900);
      for (const c of t.pk!.columns) expect(t.columns.get(c)!.nullable, `${t.name}.${c} in the primary key`).to.equal(false);
      const identities = [...t.columns.values()].filter((c) => c.identity);
      expect(identities.length, `${t.name}: identity columns`).to.be.at.most(1);
      if (identities.length === 1) expect([identities[0]!.type, t.pk!.columns]).to.deep.equal(['BIGINT', [identities[0]!.name]]);
    }
    expect(indexes.length).to.be.greaterThan(0);
    for (const i of indexes) {
      const t = tables.get(i.table);
      expect(t, `table of ${i.name}`).to.not.equal(undefined);
      const bytes = i.columns.reduce((n, c) => n + keyBytes(t!.columns.get(c)!), 0);
      expect(bytes, `index ${i.name}`).to.be.at.most(1700);
    }
  });

  it('when a foreign key is declared, then it references an earlier table\'s primary key with the same column types', () => {
    const order = [...tables.keys()];
    const fks = [...tables.values()].flatMap((t) => t.fks.map((f) => ({ ...f, table: t.name })));
    expect(fks.map((f) => f.name).sort()).to.deep.equal(['fk_kpi_agency_secrets_agency', 'fk_kpi_journal_days_state_agency', 'fk_kpi_settings_agency']);
    for (const f of fks) {
      const target = tables.get(f.references);
      expect(target, f.name).to.not.equal(undefined);
      expect(order.indexOf(f.references), `${f.name}: referenced table created first`).to.be.lessThan(order.indexOf(f.table));
      expect(f.to, `${f.name} references the primary key`).to.deep.equal(target!.pk!.columns);
      f.columns.forEach((c, i) => {
        const from = tables.get(f.table)!.columns.get(c)!;
        const to = target!.columns.get(f.to[i]!)!;
        expect([from.type, from.length], `${f.name}: ${c} → ${f.to[i]}`).to.deep.equal([to.type, to.length]);
      });
    }
  });

  it('when migrated down, then every table is dropped if it exists, each referencing table before the one it references', () => {
    const dropped = down.map((s) => /^if object_id\('\[([^\]]+)\]', 'U'\) is not null DROP TABLE \[([^\]]+)\]$/.exec(s.sql)).map((m) => (m && m[1] === m[2] ? m[1]! : null));
    expect(dropped.includes(null)).to.equal(false);
    expect([...dropped].sort()).to.deep.equal([...tables.keys()].sort());
    for (const t of tables.values()) {
      for (const f of t.fks) expect(dropped.indexOf(t.name), `${t.name} dropped before ${f.references}`).to.be.lessThan(dropped.indexOf(f.references));
    }
  });

  it('when run by the migrator (up, then rollback), then its own bookkeeping is T-SQL too and the schema is built inside one committed transaction', async () => {
    const r = recorder();
    r.when(LOCK_UPDATE, [{ '': 1 }]);
    expect(await migrateLatest(r.knex)).to.deep.equal(migrationNames());
    expectAllTsql(r.statements, 'migrate latest');
    const ddl = r.statements.filter((s) => /^CREATE TABLE \[kpi_(?!migrations)/.test(s.sql));
    expect(ddl).to.have.length(23);
    const tx = ddl[0]!.txId;
    expect(tx).to.not.equal(null);
    expect(ddl.every((s) => s.txId === tx)).to.equal(true);
    expect(r.transactions.filter((t) => t.txId === tx).map((t) => t.op)).to.deep.equal(['begin', 'commit']);
    const recorded = r.statements.find((s) => s.sql.startsWith(`insert into [${MIGRATION_TABLE}] `));
    expect(recorded?.bindings).to.include(migrationNames()[0]);

    r.reset();
    r.when(LOCK_UPDATE, [{ '': 1 }]);
    r.when(/^SELECT TABLE_NAME FROM INFORMATION_SCHEMA\.TABLES WHERE TABLE_NAME = @p0$/, (s) => [{ TABLE_NAME: s.bindings[0] }]);
    r.when(new RegExp(`^select (\\*|\\[name\\]) from \\[${MIGRATION_TABLE}\\]`), migrationNames().map((name, i) => ({ id: i + 1, name, batch: 1, migration_time: new Date() })));
    r.when(new RegExp(`^select \\* from \\[${MIGRATION_TABLE}_lock\\]`), [{ index: 1, is_locked: 0 }]);
    r.when(new RegExp(`^select max\\(\\[batch\\]\\) as \\[max_batch\\] from \\[${MIGRATION_TABLE}\\]`), [{ max_batch: 1 }]);
    expect(await migrateRollbackAll(r.knex)).to.deep.equal([...migrationNames()].reverse());
    expectAllTsql(r.statements, 'migrate rollback');
    expect(r.statements.filter((s) => /DROP TABLE \[kpi_(?!migrations)/.test(s.sql))).to.have.length(23);
    await r.destroy();
  });
});

// ---------------------------------------------------------------- (2) the services, compiled for SQL Server

const AGENCY = 'ag-mssql';
const T0 = new Date('2026-03-01T00:00:00.000Z');

/** The rows SQL Server would hold for an agency added with the defaults. */
function answerAgencyContext(r: MssqlRecorder, agency = AGENCY): void {
  r.when(/ from \[kpi_agencies\] where \[code\] = @p\d+$/, (s) => (s.bindings.includes(agency) ? [{
    code: agency, name: 'Ủy ban nhân dân phường Hắc Thành', time_zone: 'Asia/Ho_Chi_Minh', issuer: 'eoffice-host', host_origins: '[]', rs256_public_key: null, created_at: T0, updated_at: T0,
  }] : []));
  r.when(/ from \[kpi_settings\] where \[agency_code\] = @p\d+$/, [{ agency_code: agency, settings: JSON.stringify(defaultSettings()), updated_at: T0, updated_by: 'system' }]);
  r.when(/ from \[kpi_mapping_rules\] where \[agency_code\] = @p\d+ order by/, cloneRules().map((x) => ({
    agency_code: agency, id: x.id, event_type: x.eventType, rule: JSON.stringify(x), priority: x.priority, active: x.active, updated_at: T0,
  })));
  r.when(/ from \[kpi_work_items\] where \[agency_code\] = @p\d+(?: and \[current\] = @p\d+)? order by/, cloneCatalogue().map((w) => ({
    agency_code: agency, code: w.code, version: 1, name: w.name, name_en: w.nameEn, unit: w.unit, standard_minutes: w.standardMinutes, kind: w.kind,
    item_group: w.group, active: w.active, max_quantity: w.maxQuantityPerEntry, current: true, valid_from: T0, valid_to: null,
  })));
}

const DOC = (k: number) => ({ kind: 'document', id: `VB-2026-${String(k).padStart(6, '0')}`, title: 'Công văn về việc triển khai nhiệm vụ', docType: 'cong-van', urgency: 'thuong', dueAt: '2026-03-14T17:00:00+07:00' });
const TASK = (k: number) => ({ kind: 'task', id: `NV-2026-${String(k).padStart(6, '0')}`, title: 'Báo cáo tổng kết quý I', urgency: 'khan', dueAt: '2026-03-13T17:00:00+07:00' });

/** One valid event of each known type; `k` groups them so that later events touch the subjects of earlier ones. */
const EVENT_OF: Record<KnownEventType, (k: number) => Record<string, unknown>> = {
  'document.received': (k) => ({ subject: DOC(k), actor: { id: 'u-vt' } }),
  'document.assigned': (k) => ({ subject: DOC(k), actor: { id: 'u-lead' }, data: { assignees: [{ userId: `u-${k % 9}`, role: 'main' }, { userId: `u-${(k + 1) % 9}`, role: 'support' }] } }),
  'document.processed': (k) => ({ subject: DOC(k), actor: { id: `u-${k % 9}` }, data: { role: 'main' } }),
  'document.drafted': (k) => ({ subject: { ...DOC(k), docType: 'to-trinh' }, actor: { id: `u-${k % 9}` } }),
  'document.signed': (k) => ({ subject: DOC(k), actor: { id: 'u-lead' } }),
  'document.issued': (k) => ({ subject: DOC(k), actor: { id: 'u-vt' } }),
  'document.returned': (k) => ({ subject: DOC(k), actor: { id: 'u-lead' }, data: { userId: `u-${k % 9}`, excused: k % 2 === 0 } }),
  'task.assigned': (k) => ({ subject: TASK(k), actor: { id: 'u-lead' }, data: { assigneeId: `u-${k % 9}`, workItemCode: 'CV-16', quantity: 2 } }),
  'task.completed': (k) => ({ subject: TASK(k), actor: { id: `u-${k % 9}` }, occurredAt: '2026-03-15T10:00:00+07:00' }),
  'task.extended': (k) => ({ subject: TASK(k), actor: { id: 'u-lead' }, data: { newDueAt: '2026-03-20T17:00:00+07:00', excused: false } }),
  'task.rejected': (k) => ({ subject: TASK(k), actor: { id: 'u-lead' }, data: { excused: false } }),
  'task.cancelled': (k) => ({ subject: TASK(k + 1000), actor: { id: 'u-lead' } }),
  'user.upserted': (k) => ({ subject: { kind: 'user', id: `u-${k % 9}` }, actor: { id: 'host' }, data: { name: 'Nguyễn Thị Ánh Tuyết', unitId: `p-${k % 3}`, position: 'Chuyên viên', isLeader: false, active: true } }),
  'unit.upserted': (k) => ({ subject: { kind: 'unit', id: `p-${k % 3}` }, actor: { id: 'host' }, data: { name: 'Phòng Tổ chức cán bộ', parentId: null } }),
};

function thousandEvents(): Array<Record<string, any>> {
  return Array.from({ length: 1000 }, (_, i) => {
    const type = KNOWN_EVENT_TYPES[i % KNOWN_EVENT_TYPES.length]!;
    return buildEvent({ agency: AGENCY, type, ...EVENT_OF[type](Math.floor(i / KNOWN_EVENT_TYPES.length)) });
  });
}

const LOCKING_SELECT = /^select \[event_id\] from \[kpi_events\] with \(updlock, holdlock\) where \[agency_code\] = @p0 and \[event_id\] in \(/;

/**
 * Answers reads of `table` by subject id with the rows this recording inserted there, so that
 * what one chunk wrote is what the next one reads (marks, assignments and entries of the same
 * subjects): the re-deriving and updating paths then run as they would on a server.
 */
function echoBySubject(r: MssqlRecorder, table: string): void {
  r.when(new RegExp(`^select .* from \\[${table}\\] where \\[agency_code\\] = @p0 and (\\[subject_kind\\] = @p1 and )?\\[subject_id\\] in \\(`), (s) => {
    const wanted = new Set(s.bindings.slice(1).map(String));
    return r.statements.filter((x) => x.seq < s.seq && x.sql.startsWith(`insert into [${table}] `)).flatMap(insertedRows)
      .map((row, i): Row => ({ id: i + 1, ...row }))
      .filter((row) => row.agency_code === s.bindings[0] && wanted.has(String(row.subject_id)));
  });
}

function leader(unit: string): Principal {
  return { userId: 'u-lead', agency: AGENCY, name: 'Trần Văn Đức', unit, roles: ['leader'], locale: 'vi' };
}

describe('mssql compile: the services, compiled for SQL Server', function () {
  this.timeout(60000);

  it('when an agency is added, then its rows are inserted in one committed transaction, in T-SQL, chunked under 2100 parameters', async () => {
    const r = recorder();
    const { agencies } = buildServices({ knex: r.knex, clock: () => T0 });
    r.queue([], /^select top \(@p\d+\) \* from \[kpi_agencies\] where \[code\] = @p\d+$/); // not there yet
    r.queue([{ '': 0 }], /^update \[kpi_settings\] set /); // no settings row to update: insert it
    r.queue([], /^select \* from \[kpi_work_items\] where \[agency_code\] = @p\d+ and \[current\] = @p\d+ order by \[code\] asc$/); // an empty catalogue
    const out = await agencies.addAgency({ code: AGENCY, name: 'Ủy ban nhân dân phường Hắc Thành', hostOrigins: ['https://vp.example.gov.vn'] });
    expect(out.agency).to.equal(AGENCY);
    expect(r.pending(), 'canned answers used').to.equal(0);
    expectAllTsql(r.statements, 'addAgency');

    const inserts = (table: string) => r.statements.filter((s) => s.sql.startsWith(`insert into [${table}] `));
    for (const t of ['kpi_agencies', 'kpi_agency_secrets', 'kpi_settings', 'kpi_work_items', 'kpi_mapping_rules', 'kpi_audit_log']) expect(inserts(t), t).to.not.have.length(0);
    expect(inserts('kpi_work_items').flatMap(insertedRows)).to.have.length(cloneCatalogue().length);
    expect(inserts('kpi_mapping_rules').flatMap(insertedRows)).to.have.length(cloneRules().length);
    const tx = inserts('kpi_agencies')[0]!.txId;
    expect(tx).to.not.equal(null);
    const writes = r.statements.filter((s) => /^(insert|update|delete) /.test(s.sql));
    expect(writes.every((s) => s.txId === tx), 'every write inside the one transaction').to.equal(true);
    expect(r.transactions.map((t) => t.op)).to.deep.equal(['begin', 'commit']);
    expect(insertedRows(inserts('kpi_agencies')[0]!)[0]).to.include({ code: AGENCY, name: 'Ủy ban nhân dân phường Hắc Thành', host_origins: '["https://vp.example.gov.vn"]' });
    await r.destroy();
  });

  it('when an agency that exists is added again, then nothing is written', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { agencies } = buildServices({ knex: r.knex });
    let refused: unknown = null;
    try {
      await agencies.addAgency({ code: AGENCY, name: 'Lần hai' });
    } catch (e) {
      refused = e;
    }
    expect(refused).to.have.property('code', 'agency_exists');
    expect(r.statements.filter((s) => !s.sql.startsWith('select '))).to.deep.equal([]);
    await r.destroy();
  });

  it('when the catalogue, rules, settings and secret of an agency change, then every statement is T-SQL too', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { agencies } = buildServices({ knex: r.knex, clock: () => T0 });
    const changed = cloneCatalogue();
    changed[0]!.standardMinutes += 1;
    r.queue([{ '': 1 }], /^update \[kpi_work_items\] set /);
    expect(await agencies.saveCatalogue(AGENCY, changed, 'admin')).to.deep.equal([changed[0]!.code]);
    await agencies.replaceRules(AGENCY, cloneRules(), 'admin');
    r.queue([{ '': 1 }], /^update \[kpi_settings\] set /);
    await agencies.putSettings(AGENCY, { capPolicy: 'warn', holidays: ['2026-04-30'] }, 'admin');
    await agencies.rotateSecret(AGENCY, 3600, 'admin');
    await agencies.validSecrets(AGENCY);
    await agencies.context(AGENCY);
    expect(r.pending()).to.equal(0);
    expectAllTsql(r.statements, 'agency changes');
    const closed = r.statements.find((s) => s.sql.startsWith('update [kpi_work_items] set '));
    expect(closed?.bindings).to.include(changed[0]!.code);
    const v2 = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_work_items] ')).flatMap(insertedRows);
    expect(v2.map((row) => [row.code, row.version])).to.deep.equal([[changed[0]!.code, 2]]);
    await r.destroy();
  });

  it('when the catalogue service adds, changes, imports and adopts work items from a day, then every statement is T-SQL with the day bound as NVARCHAR', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { catalogue } = buildServices({ knex: r.knex, clock: () => T0 });
    r.queue([{ '': 1 }], /^update \[kpi_work_items\] set /);
    const made = await catalogue.create(AGENCY, 'admin', { code: 'CV-90', name: 'Rà soát thủ tục hành chính', unit: 'thủ tục', standardMinutes: 60, kind: 'count', validFrom: '2026-03-02' });
    expect(made.added).to.deep.equal(['CV-90']);
    const changed = await catalogue.update(AGENCY, 'admin', 'CV-04', { standardMinutes: 75, validFrom: '2026-03-02' });
    expect(changed.changed).to.deep.equal(['CV-04']);
    const items = cloneCatalogue().slice(1);
    const imported = await catalogue.replaceAll(AGENCY, 'admin', items, { validFrom: '2026-03-03' });
    expect(imported.deactivated).to.deep.equal([cloneCatalogue()[0]!.code]);
    const adopted = await catalogue.adopt(AGENCY, 'admin', 'tai-chinh-ke-hoach', { validFrom: '2026-03-03' });
    expect(adopted.added.length).to.be.greaterThan(10);
    await catalogue.versions(AGENCY, 'CV-04');
    expectAllTsql(r.statements, 'catalogue service');
    const versions = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_work_items] ')).flatMap(insertedRows);
    expect(versions.find((row) => row.code === 'CV-04')).to.include({ valid_from_day: '2026-03-02', version: 2 });
    expect(versions.filter((row) => String(row.code).startsWith('TC-')).every((row) => row.sector === 'tai-chinh-ke-hoach')).to.equal(true);
    await r.destroy();
  });

  for (const chunkSize of [undefined, 1000]) {
    it(`when 1000 events of every known type are ingested${chunkSize ? ` in one chunk of ${chunkSize}` : ' in the default chunks'}, then every statement is T-SQL under 2100 parameters and the events go in behind an UPDLOCK, HOLDLOCK read`, async () => {
      const r = recorder();
      answerAgencyContext(r);
      for (const t of ['kpi_marks', 'kpi_assignments', 'kpi_journal_entries']) echoBySubject(r, t);
      const events = thousandEvents();
      const already = new Set(events.filter((_, i) => i % 50 === 7).map((e) => e.id as string));
      // SQL Server answers the locking read with the ids it already holds.
      r.when(LOCKING_SELECT, (s) => s.bindings.slice(1).filter((id) => already.has(String(id))).map((id) => ({ event_id: id })));
      const { intake, uow } = buildServices({ knex: r.knex, ...(chunkSize ? { chunkSize } : {}) });
      expect(uow.dialect.name).to.equal('mssql');

      const result = await intake.ingest(events, { source: 'ingest', agency: AGENCY });
      expect(result).to.deep.equal({ accepted: 1000 - already.size, duplicates: already.size, rejected: [] });
      expectAllTsql(r.statements, 'ingest');

      // Every events insert is preceded, in its transaction, by a locking read of the same ids.
      const eventInserts = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_events] '));
      const locks = r.statements.filter((s) => LOCKING_SELECT.test(s.sql));
      expect(locks.length).to.be.greaterThan(0);
      expect(locks.every((s) => hasLockHints(s, 'kpi_events')), 'the parser reads UPDLOCK and HOLDLOCK on kpi_events').to.equal(true);
      expect(eventInserts.length).to.be.greaterThan(0);
      for (const ins of eventInserts) {
        expect(ins.txId, 'events insert inside a transaction').to.not.equal(null);
        const read = new Set(locks.filter((l) => l.txId === ins.txId && l.seq < ins.seq).flatMap((l) => l.bindings.slice(1)));
        const ids = insertedRows(ins).map((row) => row.event_id);
        expect(ids.filter((id) => !read.has(id)), 'ids inserted without the locking read').to.deep.equal([]);
      }
      const stored = eventInserts.flatMap(insertedRows);
      expect(stored.map((row) => row.event_id).sort()).to.deep.equal(events.map((e) => e.id as string).filter((id) => !already.has(id)).sort());
      expect(new Set(stored.map((row) => row.type))).to.deep.equal(new Set(KNOWN_EVENT_TYPES));
      expect(stored.every((row) => row.status === 'processed'), 'every event planned without error').to.equal(true);

      // What the events caused was written too, set-based and in the same transactions.
      for (const t of ['kpi_journal_entries', 'kpi_marks', 'kpi_assignments', 'kpi_users', 'kpi_units']) {
        const w = r.statements.filter((s) => s.sql.startsWith(`insert into [${t}] `));
        expect(w, t).to.not.have.length(0);
        expect(w.every((s) => eventInserts.some((e) => e.txId === s.txId)), `${t} written in an intake transaction`).to.equal(true);
      }
      // A task completed in the first chunk and rejected in the second: its entry is re-derived.
      if (!chunkSize) expect(r.statements.some((s) => s.sql.startsWith('update [kpi_journal_entries] set '))).to.equal(true);
      expect(r.statements.some((s) => s.sql.startsWith('update [kpi_assignments] set '))).to.equal(true);
      const txs = new Set(eventInserts.map((s) => s.txId));
      expect(txs.size).to.equal(chunkSize === 1000 ? 1 : 2);
      for (const tx of txs) expect(r.transactions.filter((t) => t.txId === tx).map((t) => t.op), String(tx)).to.deep.equal(['begin', 'commit']);
      expect(Math.max(...r.statements.map((s) => s.bindings.length))).to.be.at.most(2000);
      await r.destroy();
    });
  }

  it('when SQL Server picks the intake as a deadlock victim (1205), then the chunk is rolled back and retried whole', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { intake } = buildServices({ knex: r.knex });
    r.queue(Object.assign(new Error('Transaction was deadlocked … and has been chosen as the deadlock victim.'), { number: 1205 }), /^insert into \[kpi_events\] /);
    const events = thousandEvents().slice(0, 28);
    expect(await intake.ingest(events, { source: 'webhook' })).to.deep.equal({ accepted: 28, duplicates: 0, rejected: [] });
    expect(r.transactions.map((t) => t.op)).to.deep.equal(['begin', 'rollback', 'begin', 'commit']);
    const [first, second] = [r.transactions[0]!.txId, r.transactions[2]!.txId];
    expect(first).to.not.equal(second);
    expect(r.statements.filter((s) => s.txId === second && s.sql.startsWith('insert into [kpi_events] ')).flatMap(insertedRows)).to.have.length(28);
    expectAllTsql(r.statements, 'retried ingest');
    await r.destroy();
  });

  it('when failed events are replayed, then every statement is T-SQL under 2100 parameters, however many ids are named', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { intake } = buildServices({ knex: r.knex });
    const failed = thousandEvents().slice(0, 3).map((e) => ({ event_id: e.id, payload: JSON.stringify(e) }));
    r.queue(failed, /^select \[event_id\], \[payload\] from \[kpi_events\] where /);
    r.when(/^update \[kpi_events\] set /, [{ '': 1 }]);
    const out = await intake.replay(AGENCY, failed.map((f) => String(f.event_id)));
    expect(out.map((o) => o.status)).to.deep.equal(['processed', 'processed', 'processed']);
    // A CLI replay may name any number of ids.
    await intake.replay(AGENCY, Array.from({ length: 2500 }, (_, i) => `evt-${i}`));
    expectAllTsql(r.statements, 'replay');
    await r.destroy();
  });

  it('when the journal is read, then every statement is T-SQL', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const { journal, periods } = buildServices({ knex: r.knex, clock: () => new Date('2026-03-20T03:00:00Z') });
    const entry = {
      id: 17, user_id: 'u-1', unit_id: 'p-1', day: '2026-03-12', work_item_code: 'CV-01', item_version: 1, item_kind: 'count', quantity: 1, coefficient: 1, rating: 1,
      standard_minutes: 30, minutes: 30, status: 'approved', source: 'event', event_id: 'e-1', subject_kind: 'document', subject_id: 'VB-1', subject_title: 'Công văn', fails: 0,
      delays: 0, late: false, note: null, review_reason: null, reviewed_by: 'system', occurred_at: new Date('2026-03-12T02:15:00Z'),
    };
    r.queue([entry], /^select top \(@p\d+\) \[id\], \[user_id\]/);
    const byUnit = await journal.list(leader('p-1'), { unit: 'p-1', from: '2026-03-01', to: '2026-03-31' });
    expect(byUnit.entries.map((e) => [e.id, e.date, e.subjectTitle])).to.deep.equal([['17', '2026-03-12', 'Công văn']]);
    r.when(/^select top \(@p\d+\) \[id\], \[name\], \[unit_id\], .* from \[kpi_users\]/, [{ id: 'u-1', name: 'Lê Thị Hồng Nhung', unit_id: 'p-1', is_leader: false, active: true }]);
    await journal.list(leader('p-1'), { user: 'u-1' });
    await journal.list({ ...leader('p-1'), roles: ['official'], userId: 'u-1' }, {});
    r.queue([entry], /^select top \(@p\d+\) \[id\], \[user_id\].* where \[agency_code\] = @p\d+ and \[id\] = @p\d+$/);
    expect((await journal.get({ ...leader('p-1'), unit: null }, '17')).id).to.equal('17');
    expect(r.pending()).to.equal(0);
    await journal.listEvents(AGENCY, 'failed');
    await periods.status(AGENCY, '2026-03');
    await periods.closedContaining(AGENCY, '2026-03-12');
    expectAllTsql(r.statements, 'journal and periods');
    const top = r.statements.find((s) => /^select top \(@p\d+\) \[id\], \[user_id\].* where \[agency_code\] = @p\d+ and \[day\] >= @p\d+ and \[day\] <= @p\d+ and \[user_id\] in \(select \[id\] from \[kpi_users\] where \[agency_code\] = @p\d+ and \[unit_id\] = @p\d+\) order by \[day\] asc, \[id\] asc$/.test(s.sql));
    expect(top, 'the unit query with its subquery').to.not.equal(undefined);
    await r.destroy();
  });

  it('when instants are bound, then they go to SQL Server as datetime2 in UTC, not as datetime (rounded to 1/300 s)', async () => {
    const conn = parseDbUrl(MSSQL_URL).config.connection as { options?: { useUTC?: boolean } };
    expect(conn.options?.useUTC, 'tedious useUTC').to.equal(true);
    const r = recorder();
    answerAgencyContext(r);
    const { intake, uow } = buildServices({ knex: r.knex });
    await intake.ingest(thousandEvents().slice(0, 14), { source: 'webhook' });
    await uow.read.agencies.validSecrets(AGENCY, new Date('2026-03-12T02:15:00.001Z'));
    const dates = r.statements.flatMap((s) => s.bindings.map((b, i) => ({ b, type: s.types[i], sql: s.sql }))).filter((x) => x.b instanceof Date);
    expect(dates.length).to.be.greaterThan(0);
    const wrong = [...new Set(dates.filter((x) => x.type !== 'DateTime2').map((x) => `${x.type} in ${x.sql.slice(0, 60)}`))];
    expect(wrong, 'instants bound with another tedious type').to.deep.equal([]);
    await r.destroy();
  });
});


// ---------------------------------------------------------------- (3) scoring, review and assessments, compiled for SQL Server

describe('mssql compile: scoring, the review and the assessments, compiled for SQL Server', function () {
  this.timeout(60000);
  const CLOCK = () => new Date('2026-03-20T03:00:00Z');
  const official = (userId: string): Principal => ({ userId, agency: AGENCY, name: 'Lê Thị Hồng Nhung', unit: 'p-1', roles: ['official'], locale: 'vi' });
  const hr: Principal = { userId: 'u-hr', agency: AGENCY, name: 'Phạm Minh Tâm', unit: null, roles: ['hr'], locale: 'vi' };

  /** The directory SQL Server would hold: a leader and two officials in p-1, one official in p-2. */
  const USERS: Row[] = [
    { id: 'u-1', name: 'Lê Thị Hồng Nhung', unit_id: 'p-1', position: 'Chuyên viên', is_leader: false, active_from: null, active_to: null },
    { id: 'u-2', name: 'Đỗ Văn Khải', unit_id: 'p-1', position: 'Chuyên viên', is_leader: false, active_from: '2026-03-05', active_to: null },
    { id: 'u-3', name: 'Vũ Thị Lan', unit_id: 'p-2', position: 'Văn thư', is_leader: false, active_from: null, active_to: null },
    { id: 'u-lead', name: 'Trần Văn Đức', unit_id: 'p-1', position: 'Trưởng phòng', is_leader: true, active_from: null, active_to: null },
  ];

  const ENTRY = (over: Row = {}): Row => ({
    id: 17, user_id: 'u-1', unit_id: 'p-1', day: '2026-03-12', work_item_code: 'CV-01', item_version: 1, item_kind: 'count', quantity: 2, coefficient: 1, rating: 1,
    standard_minutes: 30, minutes: 60, status: 'pending', source: 'manual', event_id: null, subject_kind: null, subject_id: null, subject_title: null, fails: 0,
    delays: 0, late: false, completes: false, note: 'Họp giao ban', review_reason: null, reviewed_by: null, occurred_at: new Date('2026-03-12T02:15:00Z'), ...over,
  });

  /** One journal entry read by id (`.first()` of the review and of the reload after each change). */
  const ENTRY_READ = /^select top \(@p\d+\) \[id\], \[user_id\].* from \[kpi_journal_entries\] where \[agency_code\] = @p\d+ and \[id\] = @p\d+$/;

  function wire(r: MssqlRecorder) {
    answerAgencyContext(r);
    return buildServices({ knex: r.knex, clock: CLOCK });
  }

  function answerDirectory(r: MssqlRecorder): void {
    // Parameters are numbered from TOP on, so each condition's value is found by its own @pN.
    const bound = (s: RecordedStatement, column: string): unknown => {
      const m = new RegExp(`\\[${column}\\] = @p(\\d+)`).exec(s.sql);
      return m ? s.bindings[Number(m[1])] : undefined;
    };
    r.when(/ from \[kpi_users\] where \[agency_code\] = @p\d+/, (s) => {
      if (bound(s, 'unit_id') !== undefined) return USERS.filter((u) => u.unit_id === bound(s, 'unit_id'));
      if (bound(s, 'id') !== undefined) return USERS.filter((u) => u.id === bound(s, 'id'));
      if (/\[id\] in \(/.test(s.sql)) return USERS.filter((u) => s.bindings.includes(u.id));
      return USERS;
    });
  }

  it('when a quarter is scored for the agency, a unit and one official, then the aggregate and every read are T-SQL, and the totals come back per official', async () => {
    const r = recorder();
    const { scoring } = wire(r);
    answerDirectory(r);
    // The aggregate: one row per official (day null), then the days over the cap.
    r.when(/^with \[d\] as \(/, [
      { user_id: 'u-1', day: null, c: 2400, cl: 2350, ct: 2400, over_days: 1, days_logged: 5, entries: 12 },
      { user_id: 'u-1', day: '2026-03-12', c: 540, cl: 0, ct: 0, over_days: 0, days_logged: 0, entries: 0 },
      { user_id: 'u-3', day: null, c: 900, cl: 900, ct: 900, over_days: 0, days_logged: 3, entries: 4 },
    ]);
    const all = await scoring.compute(AGENCY, parsePeriod('2026-Q1'), { provisional: true });
    expect(all.map((x) => x.userId).sort()).to.deep.equal(['u-1', 'u-2', 'u-3', 'u-lead']);
    const u1 = all.find((x) => x.userId === 'u-1')!;
    expect(u1.completedMinutes).to.equal(2400);
    await scoring.scoresFor({ ...official('u-lead'), roles: ['leader'] }, { period: '2026-03', unit: 'p-1' });
    await scoring.scoresFor(official('u-1'), { period: '2026-03' });
    await scoring.ranking(AGENCY, '2026-03');
    expectAllTsql(r.statements, 'scoring');
    const agg = r.statements.filter((s) => s.sql.startsWith('with [d] as ('));
    expect(agg.length).to.be.greaterThan(2);
    expect(agg.some((s) => /\[user_id\] in \(/.test(s.sql)), 'the unit and the official are aggregated alone').to.equal(true);
    await r.destroy();
  });

  it('when HR closes a month and an admin reopens it, then the snapshot, the period row and the audit are written in T-SQL, in one transaction each', async () => {
    const r = recorder();
    const { scoring } = wire(r);
    answerDirectory(r);
    r.queue([{ '': 0 }], /^update \[kpi_periods\] set /); // no period row yet: inserted
    const closed = await scoring.close(AGENCY, '2026-02', { applyQuota: true, actor: 'u-hr' });
    expect(closed.scored, 'u-2 joined in March').to.equal(3);
    const snapshots = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_score_snapshots] '));
    expect(snapshots.flatMap(insertedRows).map((x) => x.user_id).sort()).to.deep.equal(['u-1', 'u-3', 'u-lead']);
    const closeWrites = r.statements.filter((s) => /^(insert into|update|delete from) \[kpi_(periods|score_snapshots|audit_log)\]/.test(s.sql));
    expect(new Set(closeWrites.map((s) => s.txId)).size, 'the close writes in one transaction').to.equal(1);
    r.when(/ from \[kpi_periods\] where /, [{ agency_code: AGENCY, period: '2026-02', status: 'closed', apply_quota: true, closed_by: 'u-hr', closed_at: T0, reopen_reason: null, updated_at: T0 }]);
    r.queue([{ '': 1 }], /^update \[kpi_periods\] set /);
    await scoring.reopen(AGENCY, '2026-02', { reason: 'Sai sót số liệu phòng Tổ chức', actor: 'u-admin' });
    expectAllTsql(r.statements, 'close and reopen');
    await r.destroy();
  });

  it('when an official adds, edits and withdraws a manual entry and a leader approves, returns, rates and fails entries, then every statement is T-SQL', async () => {
    const r = recorder();
    const { review } = wire(r);
    answerDirectory(r);
    r.when(ENTRY_READ, [ENTRY()]);
    r.when(/^update \[kpi_journal_entries\] set /, [{ '': 1 }]);
    r.when(/^delete from \[kpi_journal_entries\] /, [{ '': 1 }]);
    const made = await review.create(official('u-1'), { date: '2026-03-12', workItemCode: 'CV-01', quantity: 2, note: 'Họp giao ban' });
    expect(made.id).to.equal('17');
    await review.update(official('u-1'), '17', { quantity: 3, date: '2026-03-13', note: 'Họp giao ban tuần' });
    await review.remove(official('u-1'), '17');
    const lead: Principal = { ...official('u-lead'), roles: ['leader'] };
    await review.approve(lead, '17');
    await review.returnEntry(lead, '17', { reason: 'Chưa đủ hồ sơ kèm theo' });
    r.queue([ENTRY({ item_kind: 'rated', work_item_code: 'CV-30' })], ENTRY_READ);
    await review.rate(lead, '17', { rating: 0.8 });
    r.queue([ENTRY({ status: 'approved', source: 'event', subject_kind: 'task', subject_id: 'NV-1' })], ENTRY_READ);
    r.when(/^select \[id\], \[user_id\], \[completes\].* from \[kpi_journal_entries\] where /, [ENTRY({ status: 'approved', completes: true })]);
    await review.fail(lead, '17', { excused: false });
    expectAllTsql(r.statements, 'review');
    const ops = ['insert into [kpi_journal_entries] ', 'delete from [kpi_journal_entries] ', 'update [kpi_journal_entries] set ', 'insert into [kpi_marks] ', 'insert into [kpi_audit_log] '];
    for (const op of ops) expect(r.statements.some((s) => s.sql.startsWith(op)), op).to.equal(true);
    await r.destroy();
  });

  it('when general criteria are recorded and listed, and an official reads insights, then every statement is T-SQL', async () => {
    const r = recorder();
    const { assessments, insights } = wire(r);
    answerDirectory(r);
    const lead: Principal = { ...official('u-lead'), roles: ['leader'] };
    await assessments.put(lead, { userId: 'u-1', period: '2026-03', general: 27 });
    await assessments.put(hr, { userId: 'u-lead', period: '2026-03', general: 28, disqualified: false });
    await assessments.list(lead, { period: '2026-03', unit: 'p-1' });
    await assessments.list(hr, { period: '2026-Q1' });
    await insights.forUser(official('u-1'), { period: '2026-03' });
    expectAllTsql(r.statements, 'assessments and insights');
    expect(r.statements.some((s) => s.sql.startsWith('insert into [kpi_assessments] '))).to.equal(true);
    await r.destroy();
  });

  it('when the intake and the review change entries of a built roll-up, then its days are recomputed in T-SQL behind an UPDLOCK, HOLDLOCK read of the state row', async () => {
    const r = recorder();
    const { intake, review } = wire(r);
    const LOCK = /^select \[fail_penalty\], \[delay_penalty\] from \[kpi_journal_days_state\] with \(updlock, holdlock\) where \[agency_code\] = @p0$/;
    r.when(LOCK, [{ fail_penalty: 0.25, delay_penalty: 0.25 }]);
    const out = await intake.ingest(thousandEvents().slice(0, 140), { source: 'webhook' });
    expect(out.accepted).to.equal(140);
    r.when(/^update \[kpi_journal_entries\] set /, [{ '': 1 }]);
    r.when(ENTRY_READ, [ENTRY()]);
    await review.create(official('u-1'), { date: '2026-03-12', workItemCode: 'CV-01', quantity: 2 });
    expectAllTsql(r.statements, 'roll-up refresh');
    const locks = r.statements.filter((s) => LOCK.test(s.sql));
    // One OR term per official, each an index range (agency_code, user_id, day).
    const deletes = r.statements.filter((s) => /^delete from \[kpi_journal_days\] where \(\(\[agency_code\] = @p0 and \[user_id\] = @p1 and \[day\] in \(/.test(s.sql));
    const rebuilt = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_journal_days] ([agency_code], [user_id], [day], [a_t], [a_l], [a_p], [a_n], [p_t], [p_l], [p_p], [p_n]) select '));
    expect(locks.length).to.be.greaterThan(1);
    expect(deletes.length).to.equal(locks.length);
    expect(rebuilt.length).to.equal(locks.length);
    // Each refresh comes last in its transaction, after the entries it sums.
    for (const lock of locks) {
      const sameTx = r.statements.filter((s) => s.txId === lock.txId && s.seq > lock.seq);
      expect(sameTx.every((s) => /^(delete from|insert into) \[kpi_journal_days\]/.test(s.sql)), 'nothing after the refresh but the refresh').to.equal(true);
    }
    await r.destroy();
  });

  it('when the journal is read in pages by status, then the page query is T-SQL with its cursor', async () => {
    const r = recorder();
    const { journal } = wire(r);
    answerDirectory(r);
    await journal.list(hr, { unit: 'p-1', from: '2026-03-01', to: '2026-03-31', status: 'pending', limit: 50, after: '2026-03-12.17' });
    expectAllTsql(r.statements, 'journal pages');
    const page = r.statements.find((s) => /^select top \(@p\d+\) \[id\], \[user_id\]/.test(s.sql));
    expect(page?.sql).to.match(/and \[status\] = @p\d+ and \(\[day\] > @p\d+ or \(\[day\] = @p\d+ and \[id\] > @p\d+\)\) order by \[day\] asc, \[id\] asc$/);
    expect(page?.bindings).to.include(51);
    await r.destroy();
  });
});

// ---------------------------------------------------------------- (4) every page and every read of the API, served over SQL Server

describe('mssql compile: every panel and every GET of the API, served from SQL Server', function () {
  this.timeout(60000);

  it('when each panel and each GET route is opened with the role it needs, then every statement behind them is T-SQL and nothing answers 500', async () => {
    const r = recorder();
    answerAgencyContext(r);
    const SECRET = 'k'.repeat(64);
    r.when(/ from \[kpi_agency_secrets\] where /, [{ id: 1, agency_code: AGENCY, secret: SECRET, created_at: T0, expires_at: null }]);
    const people: Row[] = [
      { id: 'u-1', name: 'Lê Thị Hồng Nhung', unit_id: 'p-1', position: 'Chuyên viên', is_leader: false, active: true, active_from: null, active_to: null },
      { id: 'u-lead', name: 'Trần Văn Đức', unit_id: 'p-1', position: 'Trưởng phòng', is_leader: true, active: true, active_from: null, active_to: null },
    ];
    r.when(/ from \[kpi_users\] where /, people);
    r.when(/ from \[kpi_units\] where /, [{ id: 'p-1', name: 'Phòng Tổ chức cán bộ', parent_id: null }]);
    const plugin = await createKpiPlugin({ knex: r.knex, migrate: false, logger: silentLogger, clock: () => new Date('2026-03-20T03:00:00Z') });
    const app = express();
    app.use('/kpi', plugin.router);
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kpi`;
    const token = (sub: string, roles: Array<'official' | 'leader' | 'hr' | 'admin'>) => signUserToken(SECRET, { sub, agency: AGENCY, name: 'Cán bộ', unit: 'p-1', roles });
    const calls: Array<[string, string]> = [
      ['/panels/me', token('u-1', ['official'])],
      ['/panels/me?month=2026-02', token('u-1', ['official'])],
      ['/panels/document/VB-2026-000001', token('u-1', ['official'])],
      ['/panels/task/NV-2026-000001', token('u-1', ['official'])],
      ['/panels/unit/p-1', token('u-lead', ['leader'])],
      ['/panels/unit/p-1?period=2026-Q1&order=lowest', token('u-lead', ['leader'])],
      ['/panels/ranking', token('u-lead', ['leader'])],
      ['/panels/ranking?period=2026', token('u-hr', ['hr'])],
      ['/panels/reports', token('u-hr', ['hr'])],
      ['/panels/admin', token('u-admin', ['admin'])],
      ['/api/v1/catalogue', token('u-1', ['official'])],
      ['/api/v1/journal?from=2026-03-01&to=2026-03-31&limit=10&after=2026-03-02.5', token('u-1', ['official'])],
      ['/api/v1/journal?unit=p-1&status=pending', token('u-lead', ['leader'])],
      ['/api/v1/journal/insights?period=2026-03', token('u-1', ['official'])],
      ['/api/v1/scores?period=2026-Q1', token('u-hr', ['hr'])],
      ['/api/v1/scores?period=2026-03&user=u-1', token('u-1', ['official'])],
      ['/api/v1/ranking?period=2026-03', token('u-hr', ['hr'])],
      ['/api/v1/assessments?period=2026-03&unit=p-1', token('u-lead', ['leader'])],
      ['/api/v1/settings', token('u-admin', ['admin'])],
      ['/api/v1/events?status=failed', token('u-admin', ['admin'])],
    ];
    try {
      for (const [path, jwt] of calls) {
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${jwt}` } });
        const text = await res.text();
        expect(res.status, `${path}: ${text.slice(0, 300)}`).to.be.below(500);
        expect(res.status, `${path} is served`).to.equal(200);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    expectAllTsql(r.statements, 'panels and API reads');
    const tables = new Set(r.statements.flatMap((x) => [...x.sql.matchAll(/from \[(kpi_[a-z_]+)\]/g)].map((m) => m[1])));
    for (const t of ['kpi_journal_entries', 'kpi_users', 'kpi_units', 'kpi_events', 'kpi_assessments', 'kpi_periods', 'kpi_work_items']) expect(tables.has(t), `${t} is read`).to.equal(true);
    await r.destroy();
  });
});
