import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { Parser } from 'node-sql-parser';
import { parseDbUrl } from '../../src/db/connection';

/**
 * A knex instance of client `mssql` that never connects: every statement knex would send
 * to SQL Server is compiled exactly as for a real server (`@p0`-style parameters, the
 * mssql query, schema and column compilers, `Transaction_MSSQL`), RECORDED, and answered
 * with canned rows. Used to prove that the migrations and the stores compile for SQL
 * Server on a machine where none can run.
 *
 * How it plugs into knex (knex/lib/dialects/mssql/index.js, execution/transaction.js):
 * - `acquireConnection`/`releaseConnection` hand out a fake tedious connection instead of
 *   going through the tarn pool (no pool is created: the config has no `connection`);
 * - `_query` and `_stream` (what knex calls after `positionBindings` turned `?` into
 *   `@pN`) record `{ sql, bindings }` and set `query.response` to tedious-shaped rows
 *   (`[{ metadata: { colName }, value }]`), so knex's own `processResponse` turns them into
 *   objects exactly as with a server;
 * - `Transaction_MSSQL` drives transactions through tedious's connection methods
 *   (`beginTransaction`, `saveTransaction`, `commitTransaction`, `rollbackTransaction`), not
 *   through SQL: the fake connection implements them and logs them in `transactions`.
 *
 * Answers, in this order of precedence:
 * 1. one-shot answers queued with `queue(answer, match?)`, consumed by the first statement
 *    they match (no matcher: the next statement);
 * 2. standing rules added with `when(match, answer)`, the latest added first;
 * 3. the default: an empty rowset — except for three statement shapes for which knex relies
 *    on what SQL Server always sends back, and which the recorder therefore imitates:
 *    `…;select @@rowcount` (knex's update/delete) answers one row with 0 rows affected;
 *    an aggregate without GROUP BY (`select max([batch]) as [max_batch] from …`) answers
 *    its one row (COUNT 0, the others NULL); and `insert … output inserted.[c] values …`
 *    answers one row per inserted row, echoing the inserted values and numbering the
 *    columns it did not insert (identity columns).
 *
 * An answer is rows, an Error (the statement fails with it, e.g. `{ number: 2627 }` for a
 * duplicate key), or a function of the recorded statement returning either (or undefined
 * to fall through to the next rule).
 */

export interface RecordedStatement {
  /** The SQL exactly as knex would send it to SQL Server, parameters named @p0, @p1, … */
  sql: string;
  bindings: unknown[];
  /** The tedious type each binding would be sent as (knex's `_typeForBinding`): NVarChar, Int, Bit, DateTime, … */
  types: string[];
  /** knex's query method (select, first, insert, update, del, raw, …), null for schema statements. */
  method: string | null;
  /** The knex transaction it ran in, null outside any. */
  txId: string | null;
  /** Position in the whole log (statements and transaction operations share one sequence). */
  seq: number;
}

export interface TransactionEvent {
  op: 'begin' | 'save' | 'commit' | 'rollback';
  /** The knex transaction whose connection this happened on. */
  txId: string | null;
  /** The transaction name knex gave tedious (set for nested transactions only). */
  name: string | undefined;
  /** tedious ISOLATION_LEVEL number, when knex asked for one. */
  isolationLevel: number | undefined;
  seq: number;
}

export type Row = Record<string, unknown>;
export type Answer = Row[] | Error | ((s: RecordedStatement) => Row[] | Error | undefined);
export type Matcher = RegExp | string | ((s: RecordedStatement) => boolean);

export interface MssqlRecorder {
  /** A knex instance whose client is `mssql` (knex.client.config.client === 'mssql'). */
  knex: Knex;
  /** Every statement run, in order. */
  statements: RecordedStatement[];
  /** Every transaction operation, in order. */
  transactions: TransactionEvent[];
  /** A one-shot answer for the next statement that matches (any statement when no matcher). */
  queue(answer: Answer, match?: Matcher): void;
  /** A standing answer for every statement that matches; a later rule wins over an earlier one. */
  when(match: Matcher, answer: Answer): void;
  /** One-shot answers queued and not consumed yet (a test can assert they were all used). */
  pending(): number;
  /** Forgets the recorded statements and transaction operations (answers and rules stay). */
  clearLog(): void;
  /** Forgets everything: log, queue and rules. */
  reset(): void;
  destroy(): Promise<void>;
}

interface TediousTypeLike { name: string }
interface MssqlClientInternals {
  config: Record<string, unknown>;
  connectionSettings: Record<string, unknown>;
  _typeForBinding(binding: unknown): [unknown, TediousTypeLike];
}
type MssqlClientCtor = new (config: Record<string, unknown>) => MssqlClientInternals;

// knex ships no typings for its dialect classes; the class is what `client: 'mssql'` builds.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MssqlClient = require('knex/lib/dialects/mssql') as MssqlClientCtor;

interface KnexQueryObject {
  sql: string;
  bindings?: unknown[];
  method?: string;
  response?: unknown;
}

type TediousRow = Array<{ metadata: { colName: string }; value: unknown }>;
type Callback = (err?: Error | null) => void;

function matches(m: Matcher | undefined, s: RecordedStatement): boolean {
  if (m === undefined) return true;
  if (typeof m === 'string') return s.sql.toLowerCase().includes(m.toLowerCase());
  if (m instanceof RegExp) {
    m.lastIndex = 0; // a /g or /y pattern must not carry its position from one statement to the next
    return m.test(s.sql);
  }
  return m(s);
}

function toTediousRow(row: Row): TediousRow {
  return Object.entries(row).map(([colName, value]) => ({ metadata: { colName }, value }));
}

/** `[a], [b]` → ['a', 'b'] */
function bracketNames(list: string): string[] {
  return [...list.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
}

/** Top-level parenthesised groups after `values`, each as its raw text. */
function valueTuples(afterValues: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < afterValues.length; i++) {
    const c = afterValues[i];
    if (c === "'") {
      // skip a string literal ('' escapes a quote)
      for (i++; i < afterValues.length; i++) {
        if (afterValues[i] !== "'") continue;
        if (afterValues[i + 1] === "'") i++;
        else break;
      }
      continue;
    }
    if (c === '(') {
      if (depth === 0) start = i + 1;
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) out.push(afterValues.slice(start, i));
    }
  }
  return out;
}

export function createMssqlRecorder(opts: { connection?: Record<string, unknown> } = {}): MssqlRecorder {
  const statements: RecordedStatement[] = [];
  const transactions: TransactionEvent[] = [];
  let queued: Array<{ answer: Answer; match: Matcher | undefined }> = [];
  let rules: Array<{ answer: Answer; match: Matcher }> = [];
  let seq = 0;
  let identity = 0;

  function resolveAnswer(answer: Answer, s: RecordedStatement): Row[] | Error | undefined {
    return typeof answer === 'function' ? answer(s) : answer;
  }

  /** What SQL Server would send back for the statement shapes knex depends on. */
  function serverDefault(s: RecordedStatement): Row[] {
    if (/;\s*select @@rowcount\s*$/i.test(s.sql)) return [{ '': 0 }];
    const agg = /^select (?:top \(@p\d+\) )?((?:(?:count|max|min|sum|avg)\([^()]*\) as \[[^\]]+\](?:, )?)+) from /i.exec(s.sql);
    if (agg && !/ group by /i.test(s.sql)) {
      // An aggregate without GROUP BY always answers one row: COUNT of nothing is 0, the others NULL.
      const row: Row = {};
      for (const m of agg[1]!.matchAll(/(count|max|min|sum|avg)\([^()]*\) as \[([^\]]+)\]/gi)) row[m[2]!] = m[1]!.toLowerCase() === 'count' ? 0 : null;
      return [row];
    }
    const ins = /^insert into \[[^\]]+\] \(([^)]*)\) output ((?:inserted\.\[[^\]]+\](?:, )?)+) values (.*)$/is.exec(s.sql);
    if (ins) {
      const columns = bracketNames(ins[1]!);
      const outputs = bracketNames(ins[2]!);
      const tuples = valueTuples(ins[3]!);
      return tuples.map((tuple) => {
        const cells = tuple.split(',').map((c) => c.trim());
        const row: Row = {};
        for (const col of outputs) {
          const at = columns.indexOf(col);
          const p = at >= 0 ? /^@p(\d+)$/.exec(cells[at] ?? '') : null;
          row[col] = p ? s.bindings[Number(p[1])] : at >= 0 ? null : ++identity;
        }
        return row;
      });
    }
    return [];
  }

  function answerFor(s: RecordedStatement): Row[] | Error {
    for (let i = 0; i < queued.length; i++) {
      const q = queued[i]!;
      if (!matches(q.match, s)) continue;
      const got = resolveAnswer(q.answer, s);
      if (got === undefined) continue;
      queued = [...queued.slice(0, i), ...queued.slice(i + 1)];
      return got;
    }
    for (let i = rules.length - 1; i >= 0; i--) {
      const r = rules[i]!;
      if (!matches(r.match, s)) continue;
      const got = resolveAnswer(r.answer, s);
      if (got !== undefined) return got;
    }
    return serverDefault(s);
  }

  /** A stand-in for a tedious Connection: the methods knex's mssql client and Transaction_MSSQL call. */
  class FakeTediousConnection {
    readonly __knexUid = `__recorder${randomUUID()}`;
    __knexTxId: string | undefined;
    readonly state = { name: 'LoggedIn' };
    connected = true;
    private depth = 0;

    get inTransaction(): boolean {
      return this.depth > 0;
    }

    private log(op: TransactionEvent['op'], name: string | undefined, isolationLevel?: number): void {
      transactions.push({ op, txId: this.__knexTxId ?? null, name, isolationLevel, seq: ++seq });
    }

    beginTransaction(cb: Callback, name?: string, isolationLevel?: number): void {
      this.log('begin', name, isolationLevel);
      this.depth++;
      process.nextTick(() => cb(null));
    }

    saveTransaction(cb: Callback, name?: string): void {
      this.log('save', name);
      process.nextTick(() => cb(null));
    }

    commitTransaction(cb: Callback, name?: string): void {
      this.log('commit', name);
      if (!name) this.depth = 0; // a named commit ends a savepoint scope, the unnamed one the transaction
      process.nextTick(() => cb(null));
    }

    rollbackTransaction(cb: Callback, name?: string): void {
      this.log('rollback', name);
      if (!name) this.depth = 0;
      process.nextTick(() => cb(null));
    }

    close(): void {
      this.connected = false;
    }
  }

  class RecordingMssqlClient extends MssqlClient {
    constructor(config: Record<string, unknown>) {
      // `client` stays the string 'mssql' so that code asking knex.client.config.client sees SQL Server.
      super({ ...config, client: 'mssql', connection: undefined });
      this.connectionSettings = { server: 'recorder.invalid', database: 'kpi', options: {}, ...(opts.connection ?? {}) };
    }

    acquireConnection(): Promise<FakeTediousConnection> {
      return Promise.resolve(new FakeTediousConnection());
    }

    releaseConnection(): Promise<void> {
      return Promise.resolve();
    }

    destroy(callback?: (err?: unknown) => void): Promise<void> {
      if (typeof callback === 'function') callback();
      return Promise.resolve();
    }

    private record(connection: FakeTediousConnection, query: KnexQueryObject | string): { stmt: RecordedStatement; answer: Row[] | Error } {
      const q: KnexQueryObject = typeof query === 'string' ? { sql: query } : query;
      const bindings = Array.isArray(q.bindings) ? [...q.bindings] : [];
      // As knex's _setReqInput would: a binding tedious cannot take throws before anything is sent.
      const types = bindings.map((b) => this._typeForBinding(b)[1].name);
      const stmt: RecordedStatement = { sql: q.sql, bindings, types, method: q.method ?? null, txId: connection.__knexTxId ?? null, seq: ++seq };
      statements.push(stmt);
      return { stmt, answer: answerFor(stmt) };
    }

    _query(connection: FakeTediousConnection, query: KnexQueryObject): Promise<KnexQueryObject> {
      return new Promise((resolve, reject) => {
        const { answer } = this.record(connection, query);
        if (answer instanceof Error) return reject(answer);
        query.response = answer.map(toTediousRow);
        resolve(query);
      });
    }

    _stream(connection: FakeTediousConnection, query: KnexQueryObject, stream: Writable): Promise<void> {
      return new Promise((resolve, reject) => {
        const { answer } = this.record(connection, query);
        if (answer instanceof Error) {
          stream.emit('error', answer);
          return reject(answer);
        }
        for (const row of answer) stream.write(row);
        stream.end();
        resolve();
      });
    }
  }

  const knex = knexFactory({ client: RecordingMssqlClient as unknown as typeof Knex.Client });

  return {
    knex,
    statements,
    transactions,
    queue(answer, match) {
      queued.push({ answer, match });
    },
    when(match, answer) {
      rules.push({ match, answer });
    },
    pending: () => queued.length,
    clearLog() {
      statements.length = 0;
      transactions.length = 0;
    },
    reset() {
      statements.length = 0;
      transactions.length = 0;
      queued = [];
      rules = [];
    },
    destroy: () => knex.destroy(),
  };
}

// ================================================================ the T-SQL check
/*
 * Everything the plugin sends to SQL Server, compiled by knex's real mssql dialect (through
 * the recorder: no server), is checked with a T-SQL parser and against the house rules:
 * NVARCHAR strings, datetime2 instants in UTC, explicit names ≤ 128 characters, fewer than
 * 2100 parameters per statement, no ON CONFLICT (test/integration/mssql-compile*.test.ts).
 *
 * The parser is node-sql-parser (database 'TransactSQL'). Its grammar (5.x) does not know
 * some valid T-SQL that knex emits. Each such construct is listed in PARSER_GAPS with a strict
 * pattern: a statement the parser rejects is accepted only if, after removing exactly those
 * constructs, the rest parses; the removed parts are then checked on their own (names, the
 * referenced table and columns). A canary test proves that the parser still rejects each
 * construct, so that a gap is dropped from the list the day the parser learns it.
 */

const parser = new Parser();

export interface Ast {
  type?: string;
  keyword?: string;
  [key: string]: unknown;
}

export function parse(sql: string): Ast[] {
  const ast = parser.astify(sql, { database: 'TransactSQL' }) as unknown;
  return (Array.isArray(ast) ? ast : [ast]) as Ast[];
}

export const ID = '[A-Za-z0-9_]+';
export const COLS = `(?:\\[${ID}\\](?:, )?)+`;

export interface ParserGap {
  id: string;
  /** The valid T-SQL construct knex emits. */
  construct: string;
  /** Why node-sql-parser's TransactSQL grammar refuses it. */
  why: string;
  pattern: RegExp;
  replacement: string;
  /** The smallest statement showing the construct, for the canary test. */
  canary: string;
}

export const PARSER_GAPS: readonly ParserGap[] = [
  {
    id: 'named-default',
    construct: 'a column default with its constraint name: `[c] int not null CONSTRAINT [df_t_c] DEFAULT <literal>` (knex names every default on SQL Server)',
    why: 'after a column-level CONSTRAINT name the grammar accepts only CHECK',
    pattern: new RegExp(` CONSTRAINT \\[(${ID})\\] DEFAULT ('(?:[^']|'')*'|-?\\d+(?:\\.\\d+)?)(?=, |\\)$)`, 'g'),
    replacement: ' DEFAULT $2',
    canary: "CREATE TABLE [t] ([c] int not null CONSTRAINT [df_t_c] DEFAULT '0')",
  },
  {
    id: 'foreign-key',
    construct: 'a table-level foreign key: `, CONSTRAINT [fk] FOREIGN KEY ([c]) REFERENCES [t] ([c])`',
    why: 'the grammar\'s reference definition wants `ON UPDATE CURRENT_TIMESTAMP` (a MySQL remnant) and refuses the bare REFERENCES [t] ([c])',
    pattern: new RegExp(`, CONSTRAINT \\[(${ID})\\] FOREIGN KEY \\((${COLS})\\) REFERENCES \\[(${ID})\\] \\((${COLS})\\)(?=, |\\)$)`, 'g'),
    replacement: '',
    canary: 'CREATE TABLE [t] ([c] nvarchar(64) not null, CONSTRAINT [fk_t_c] FOREIGN KEY ([c]) REFERENCES [u] ([code]))',
  },
  {
    id: 'output-inserted',
    construct: 'an INSERT that returns generated keys: `insert into [t] ([a]) output inserted.[id] values (@p0)` (knex\'s `.returning()`)',
    why: 'the grammar has no OUTPUT clause',
    pattern: new RegExp(`^(insert into \\[${ID}\\] \\(${COLS}\\)) output (?:inserted\\.\\[${ID}\\](?:, )?)+ (?=values \\()`),
    replacement: '$1 ',
    canary: 'insert into [t] ([a]) output inserted.[id] values (@p0)',
  },
  {
    id: 'bracketed-cte-name',
    construct: 'a common table expression whose name is bracketed: `with [d] as (select …) select [a], [b] from [d]` (knex quotes every identifier)',
    why: 'after a bracketed CTE name the grammar takes the outer select list for one column: it refuses `select *` and a second column',
    pattern: new RegExp(`^with \\[(${ID})\\] as \\(`),
    replacement: 'with $1 as (',
    canary: 'with [d] as (select [a], [b] from [t]) select [a], [b] from [d]',
  },
  {
    id: 'like-escape',
    construct: "a LIKE with its escape character: `[c] like @p0 escape '!'` (a user's search text taken literally)",
    why: 'the grammar has no ESCAPE clause after LIKE',
    pattern: / like (@p\d+) escape '[^']'/gi,
    replacement: ' like $1',
    canary: "select [a] from [t] where [a] like @p0 escape '!'",
  },
];

/**
 * `select top (@pN) …` (knex's `.first()` and `.limit()`): the grammar takes a parameter in
 * TOP for a function call `top(@pN)` and then misreads, or refuses, the column list. It is
 * checked by substituting the bound value, which must be a non-negative integer, before parsing.
 */
export const TOP_PARAMETER = /^select top \(@p(\d+)\) /;

export interface Checked { asts: Ast[]; gaps: string[] }

export function checkTsql(s: { sql: string; bindings: readonly unknown[] }): Checked {
  let sql = s.sql;
  const gaps: string[] = [];
  const top = TOP_PARAMETER.exec(sql);
  if (top) {
    const v = s.bindings[Number(top[1])];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`TOP (@p${top[1]}) is bound to ${String(v)}, not a row count`);
    sql = sql.replace(TOP_PARAMETER, `select top (${v}) `);
    gaps.push('top-parameter');
  }
  try {
    return { asts: parse(sql), gaps };
  } catch (first) {
    let rest = sql;
    for (const g of PARSER_GAPS) {
      const next = rest.replace(g.pattern, g.replacement);
      if (next !== rest) gaps.push(g.id);
      rest = next;
    }
    if (rest === sql) throw new Error(`not T-SQL: ${(first as Error).message}`);
    try {
      return { asts: parse(rest), gaps };
    } catch (second) {
      throw new Error(`not T-SQL even without ${gaps.join(', ')}: ${(second as Error).message}`);
    }
  }
}

export function expectedKinds(sql: string): string[] {
  if (/^(select|with) /i.test(sql)) return ['select'];
  if (/^insert into /i.test(sql)) return ['insert'];
  if (/^update .*;select @@rowcount$/is.test(sql)) return ['update', 'select'];
  if (/^delete from .*;select @@rowcount$/is.test(sql)) return ['delete', 'select'];
  if (/^create table /i.test(sql)) return ['create:table'];
  if (/^create (unique )?index /i.test(sql)) return ['create:index'];
  if (/^drop index \[[A-Za-z0-9_]+\] on \[[A-Za-z0-9_]+\]$/i.test(sql)) return ['drop'];
  if (/^alter table \[[A-Za-z0-9_]+\] (add|drop column) /i.test(sql)) return ['alter'];
  if (/^if object_id\('\[[A-Za-z0-9_]+\]', 'U'\) is not null DROP TABLE \[[A-Za-z0-9_]+\]$/.test(sql)) return ['if'];
  return [`unexpected statement: ${sql.slice(0, 40)}`];
}

export const astKind = (a: Ast) => (a.type === 'create' ? `create:${String(a.keyword)}` : String(a.type));

/** Everything wrong with one statement, as sentences (empty when it is fine). */
export function problemsOf(s: RecordedStatement): string[] {
  const out: string[] = [];
  let checked: Checked | null = null;
  try {
    checked = checkTsql(s);
  } catch (e) {
    out.push((e as Error).message);
  }
  if (checked) {
    const kinds = checked.asts.map(astKind);
    const want = expectedKinds(s.sql);
    if (JSON.stringify(kinds) !== JSON.stringify(want)) out.push(`parsed as ${kinds.join('+')}, expected ${want.join('+')}`);
    const values = (checked.asts[0]?.values as { values?: unknown[] } | undefined)?.values;
    if (checked.asts[0]?.type === 'insert' && Array.isArray(values) && values.length > 1000) out.push(`inserts ${values.length} rows; SQL Server takes at most 1000 row value expressions`);
  }
  if (s.bindings.length >= 2100) out.push(`binds ${s.bindings.length} parameters; SQL Server takes at most 2100`);
  const used = new Set([...s.sql.matchAll(/@p(\d+)\b/g)].map((m) => Number(m[1])));
  const expected = new Set(s.bindings.map((_, i) => i));
  if (used.size !== expected.size || [...used].some((i) => !expected.has(i))) out.push(`uses parameters ${[...used].sort((a, b) => a - b).join(',')} but binds ${s.bindings.length}`);
  if (/on\s+conflict/i.test(s.sql)) out.push('uses ON CONFLICT, which SQL Server does not have');
  if (/\breturning\b/i.test(s.sql)) out.push('uses RETURNING, which SQL Server does not have');
  if (/[`"]/.test(s.sql) || /\?/.test(s.sql)) out.push('carries a backquote, double quote or unpositioned ? (not knex\'s mssql output)');
  s.bindings.forEach((b, i) => {
    if (typeof b === 'string' && s.types[i] !== 'NVarChar') out.push(`@p${i} is a string sent as ${s.types[i]}, not NVarChar`);
  });
  return out;
}

export function expectAllTsql(statements: readonly RecordedStatement[], label: string): void {
  expect(statements.length, `${label}: statements recorded`).to.be.greaterThan(0);
  const bad = statements.map((s) => ({ s, p: problemsOf(s) })).filter((x) => x.p.length > 0);
  expect(bad.map((x) => `${x.p.join('; ')}\n    ${x.s.sql.slice(0, 300)}`), `${label}: statements that would not work on SQL Server`).to.deep.equal([]);
}

// ---------------------------------------------------------------- the recorder, configured as production would be

export const MSSQL_URL = 'mssql://kpi:secret@db.example.invalid:1433/kpi?trustServerCertificate=true';

export function recorder(): MssqlRecorder {
  // The connection options KPI_DB would give (mapBinding, useUTC, …) apply to the bindings recorded.
  return createMssqlRecorder({ connection: parseDbUrl(MSSQL_URL).config.connection as Record<string, unknown> });
}

/** What a migration sends to SQL Server, up and then down, through a fresh recorder. */
export async function migrationStatements(m: { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }): Promise<{ up: RecordedStatement[]; down: RecordedStatement[] }> {
  const r = recorder();
  try {
    await m.up(r.knex);
    const up = [...r.statements];
    r.clearLog();
    await m.down(r.knex);
    return { up, down: [...r.statements] };
  } finally {
    await r.destroy();
  }
}

/** `[a], [b]` → ['a', 'b'] (a bracketed name list as knex writes it). */
export const names = (list: string): string[] => [...list.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);

/** The rows of a multi-row insert, as column → value objects. */
export function insertedRows(s: RecordedStatement): Array<Record<string, unknown>> {
  const m = /^insert into \[[^\]]+\] \(([^)]*)\)/.exec(s.sql);
  if (!m) return [];
  const cols = names(m[1]!);
  const rows: Array<Record<string, unknown>> = [];
  for (const tuple of s.sql.slice(s.sql.indexOf(' values (') + ' values '.length).matchAll(/\(([^()]*)\)/g)) {
    const row: Record<string, unknown> = {};
    tuple[1]!.split(',').map((c) => c.trim()).forEach((cell, i) => {
      const p = /^@p(\d+)$/.exec(cell);
      row[cols[i]!] = p ? s.bindings[Number(p[1])] : cell;
    });
    rows.push(row);
  }
  return rows;
}


/** Whether the parser reads UPDLOCK and HOLDLOCK on the table of the statement's FROM. */
export function hasLockHints(s: RecordedStatement, table: string): boolean {
  const from = (checkTsql(s).asts[0]?.from as Array<{ table: string; table_hint?: { expr?: Array<{ expr?: { value?: string } }> } | null }> | undefined)?.[0];
  const hints = (from?.table_hint?.expr ?? []).map((h) => String(h.expr?.value).toLowerCase());
  return from?.table === table && hints.includes('updlock') && hints.includes('holdlock');
}
