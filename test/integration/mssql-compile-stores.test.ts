import { expect } from 'chai';
import type { Knex } from 'knex';
import { dialectFor, dialectForName, type SqlDialect } from '../../src/db/sql-dialects';
import { MssqlDialect } from '../../src/db/sql-dialects/mssql';
import { JournalDays } from '../../src/db/journal-days';
import { periodTotals } from '../../src/db/journal-totals';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import type { NewEntry, SubjectRef } from '../../src/domain/journal';
import { cloneCatalogue } from '../../src/rules/catalogue';
import { cloneRules } from '../../src/rules/mapping';
import type {
  AgencyStore, AssessmentStore, AssignmentFields, AssignmentStore, AuditStore, CatalogueStore, DirectoryStore, EventStore, JournalStore, NewEvent, NewMark,
  FormUseStore, PeriodStore, RequestStore, Stores, TotalsQuery,
} from '../../src/stores';
import { expectAllTsql, hasLockHints, insertedRows, recorder, type MssqlRecorder, type RecordedStatement } from '../helpers/mssql-recorder';

/*
 * Every knex store, method by method, compiled for SQL Server through the recording `mssql`
 * knex (no server): each statement a method sends must parse as T-SQL (with only the parser
 * gaps documented in test/helpers/mssql-recorder.ts), bind fewer than 2100 parameters, and use
 * no ON CONFLICT (nor RETURNING, nor a string sent as anything but NVARCHAR). Methods that
 * take many ids are called with more than one statement may bind, so that their chunking is
 * checked too. The dialect's own statements (insertNewEvents, insertMany, the locked read, the
 * roll-up's day keys) are checked on their own at the end.
 */

const AGENCY = 'ag-mssql';
const T0 = new Date('2026-03-01T00:00:00.000Z');

/** The names of the methods of a store interface (the properties that are functions). */
type MethodOf<S> = { [K in keyof S]-?: S[K] extends (...args: never[]) => unknown ? K : never }[keyof S];
/** One call (or several) of each method: the compiler refuses the record when a method of the interface is missing. */
type EveryMethod<S> = { [K in MethodOf<S>]: (s: S) => Promise<unknown> };

/**
 * Calls every method of one store, in the record's order, and checks what each of them sent:
 * at least one statement (none for the methods named in `silent`), every one of them fit for
 * SQL Server. The record must name exactly the methods the class has (none forgotten, none
 * added to the class and left out of the interface). Returns the statements of each method.
 */
async function everyMethod<S extends object>(r: MssqlRecorder, name: string, store: S, calls: EveryMethod<S>, silent: ReadonlyArray<MethodOf<S>> = []): Promise<Record<MethodOf<S>, RecordedStatement[]>> {
  const proto = Object.getPrototypeOf(store) as object;
  // Every method the object answers to, its class's own and those it inherits (a dialect's base class).
  const methods = new Set<string>();
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const m of Object.getOwnPropertyNames(p)) if (m !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, m)?.value === 'function') methods.add(m);
  }
  expect([...methods].sort(), `${name}: the methods of ${proto.constructor.name} are the ones called`).to.deep.equal(Object.keys(calls).sort());
  const sent = {} as Record<MethodOf<S>, RecordedStatement[]>;
  for (const m of Object.keys(calls) as Array<MethodOf<S>>) {
    const before = r.statements.length;
    await calls[m](store);
    const own = r.statements.slice(before);
    if (silent.includes(m)) expect(own, `${name}.${String(m)} sends nothing`).to.deep.equal([]);
    else expectAllTsql(own, `${name}.${String(m)}`);
    sent[m] = own;
  }
  return sent;
}

/** Runs `work` with every store bound to one transaction of the recording knex, as `UnitOfWork.write` does. */
function inTransaction<T>(r: MssqlRecorder, work: (s: Stores, uow: KnexUnitOfWork) => Promise<T>): Promise<T> {
  const uow = new KnexUnitOfWork(r.knex);
  return uow.write((s) => work(s, uow), { attempts: 1 });
}

const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
/** 2500 documents and 2500 tasks: more ids of each kind than one statement may bind. */
const SUBJECTS: SubjectRef[] = [...many(2500, 'VB').map((id) => ({ kind: 'document', id })), ...many(2500, 'NV').map((id) => ({ kind: 'task', id }))];
const USERS = many(5000, 'u');

/** The statements that start with `prefix`. */
const statementsOf = (list: readonly RecordedStatement[], prefix: string) => list.filter((s) => s.sql.startsWith(prefix));

const LOCKING_SELECT = /^select \[event_id\] from \[kpi_events\] with \(updlock, holdlock\) where \[agency_code\] = @p0 and \[event_id\] in \(/;
const STATE_LOCK = /^select \[fail_penalty\], \[delay_penalty\] from \[kpi_journal_days_state\] with \(updlock, holdlock\) where \[agency_code\] = @p0$/;

function entry(i: number, over: Partial<NewEntry> = {}): NewEntry {
  return {
    userId: `u-${i % 700}`, unitId: 'p-1', day: `2026-03-${String(1 + (i % 29)).padStart(2, '0')}`, workItemCode: 'CV-01', itemVersion: 1, itemKind: 'count',
    standardMinutes: 30, quantity: 2, coefficient: 1, rating: 1, minutes: 60, status: 'approved', source: 'event', eventId: `e-${i}`, ruleId: 'r-1',
    subjectKind: 'document', subjectId: `VB-${i}`, subjectTitle: 'Công văn về việc triển khai nhiệm vụ', fails: 0, delays: 0, late: false, completes: false,
    note: null, reviewReason: null, reviewedBy: 'system', reviewedAt: T0, occurredAt: T0, createdAt: T0, updatedAt: T0, ...over,
  };
}

describe('mssql compile: every knex store, method by method, compiled for SQL Server', function () {
  this.timeout(60000);

  it('when every method of the agency store is called, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    r.when(/^update \[kpi_token_uses\] set /, [{ '': 1 }]);
    await inTransaction(r, (s) => everyMethod<AgencyStore>(r, 'agencies', s.agencies, {
      get: (a) => a.get(AGENCY),
      list: (a) => a.list(),
      insert: (a) => a.insert({ code: AGENCY, name: 'Ủy ban nhân dân phường Hắc Thành', timeZone: 'Asia/Ho_Chi_Minh', issuer: 'eoffice-host', hostOrigins: ['https://vp.example.gov.vn'], rs256PublicKey: null }, T0),
      update: (a) => a.update(AGENCY, { name: 'Phường Hắc Thành', timeZone: 'Asia/Ho_Chi_Minh', issuer: 'host-2', hostOrigins: [], rs256PublicKey: '-----BEGIN PUBLIC KEY-----' }, T0),
      insertSecret: (a) => a.insertSecret(AGENCY, 'k'.repeat(64), T0),
      expireSecretsAfter: (a) => a.expireSecretsAfter(AGENCY, new Date(T0.getTime() + 3600_000)),
      validSecrets: (a) => a.validSecrets(AGENCY, T0),
      settingsJson: (a) => a.settingsJson(AGENCY),
      putSettingsJson: (a) => a.putSettingsJson(AGENCY, { capPolicy: 'warn', holidays: ['2026-04-30'] }, 'admin', T0), // no row to update: inserted
      customProfile: (a) => a.customProfile(AGENCY, 'custom-1'),
      useTokenId: async (a) => {
        expect(await a.useTokenId(AGENCY, 'jti-1', new Date(T0.getTime() + 300_000), T0)).to.equal(true); // inserted, expired ids swept
        // Used before, its lifetime over: taken again.
        r.queue(Object.assign(new Error("Violation of PRIMARY KEY constraint 'pk_kpi_token_uses'."), { number: 2627 }), /^insert into \[kpi_token_uses\] /);
        r.queue([{ agency_code: AGENCY, jti: 'jti-2', expires_at: T0 }], /^select top \(@p\d+\) \* from \[kpi_token_uses\] /);
        expect(await a.useTokenId(AGENCY, 'jti-2', new Date(T0.getTime() + 300_000), new Date(T0.getTime() + 1000))).to.equal(true);
      },
      useTokenIds: async (a) => {
        const exp = new Date(T0.getTime() + 300_000);
        const ids = (...jtis: string[]) => jtis.map((jti) => ({ jti, expiresAt: exp }));
        // Concurrent calls, one id twice: one multi-row INSERT; the second of the pair is not new.
        const before = r.statements.length;
        expect(await a.useTokenIds(AGENCY, ids('jti-3', 'jti-4', 'jti-3'), T0)).to.deep.equal([true, true, false]);
        expect(r.statements.slice(before).filter((s) => s.sql.startsWith('insert into [kpi_token_uses] ')).map((s) => s.bindings.length)).to.deep.equal([6]);
        // A replay among them: the statement is refused whole, then each id is taken on its own.
        const violation = () => Object.assign(new Error("Violation of PRIMARY KEY constraint 'pk_kpi_token_uses'."), { number: 2627 });
        r.queue(violation(), /^insert into \[kpi_token_uses\] /);
        r.queue(violation(), /^insert into \[kpi_token_uses\] /);
        r.queue([{ agency_code: AGENCY, jti: 'jti-3', expires_at: exp }], /^select top \(@p\d+\) \* from \[kpi_token_uses\] /);
        expect(await a.useTokenIds(AGENCY, ids('jti-3', 'jti-5'), new Date(T0.getTime() + 1000))).to.deep.equal([false, true]);
        // More ids than one statement may bind: chunks of TOKEN_IDS_PER_INSERT, each under 2100 parameters.
        const many = Array.from({ length: 1200 }, (_, i) => `jti-m${i}`);
        expect(await a.useTokenIds(AGENCY, ids(...many), new Date(T0.getTime() + 2000))).to.deep.equal(many.map(() => true));
      },
    }));
    expect(r.pending()).to.equal(0);
    expect(r.statements.some((s) => s.sql.startsWith('insert into [kpi_journal_days_state] ')), 'the roll-up lock row of a new agency').to.equal(true);
    expect(r.statements.some((s) => /^delete from \[kpi_token_uses\] where \[expires_at\] < @p0;select @@rowcount$/.test(s.sql)), 'the sweep').to.equal(true);
    await r.destroy();
  });

  it('when a token id is used twice on SQL Server, then the duplicate key error (2627) is read as a replay', async () => {
    const r = recorder();
    const store = new KnexUnitOfWork(r.knex).read.agencies;
    const exp = new Date(T0.getTime() + 300_000);
    expect(await store.useTokenId(AGENCY, 'jti-1', exp, T0)).to.equal(true);
    r.queue(Object.assign(new Error("Violation of PRIMARY KEY constraint 'pk_kpi_token_uses'."), { number: 2627 }), /^insert into \[kpi_token_uses\] /);
    r.queue([{ agency_code: AGENCY, jti: 'jti-1', expires_at: exp }], /^select top \(@p\d+\) \* from \[kpi_token_uses\] /);
    expect(await store.useTokenId(AGENCY, 'jti-1', exp, new Date(T0.getTime() + 1000))).to.equal(false);
    expect(r.pending()).to.equal(0);
    expectAllTsql(r.statements, 'useTokenId');
    await r.destroy();
  });

  it('when every method of the catalogue store is called, with more items and rules than one statement may bind, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    const base = cloneCatalogue();
    // The current catalogue: the defaults, the first one with other standard minutes (so that it gets a version 2).
    r.when(/^select \* from \[kpi_work_items\] where \[agency_code\] = @p0 and \[current\] = @p1 order by \[code\] asc$/, base.map((w, i) => ({
      agency_code: AGENCY, code: w.code, version: 1, name: w.name, name_en: w.nameEn, unit: w.unit, standard_minutes: w.standardMinutes + (i === 0 ? 5 : 0), kind: w.kind,
      item_group: w.group, active: w.active, max_quantity: w.maxQuantityPerEntry, current: true, valid_from: T0, valid_to: null,
    })));
    const items = [...base, ...Array.from({ length: 400 }, (_, i) => ({ ...base[1]!, code: `CV-X${i}` }))];
    const rules = Array.from({ length: 600 }, (_, i) => ({ ...cloneRules()[i % cloneRules().length]!, id: `rule-${i}` }));
    const sent = await inTransaction(r, (s) => everyMethod<CatalogueStore>(r, 'catalogue', s.catalogue, {
      current: (c) => c.current(AGENCY),
      save: async (c) => expect(await c.save(AGENCY, items, T0, '2026-03-02')).to.have.length(401),
      rules: (c) => c.rules(AGENCY),
      replaceRules: (c) => c.replaceRules(AGENCY, rules, T0),
      putRule: (c) => c.putRule(AGENCY, rules[0]!, T0),
      setRuleActive: (c) => c.setRuleActive(AGENCY, 'rule-0', false, T0),
      history: (c) => c.history(AGENCY),
    }));
    expect(statementsOf(sent.putRule, 'insert into [kpi_mapping_rules] ').flatMap(insertedRows)).to.have.length(1);
    expect(statementsOf(sent.setRuleActive, 'update [kpi_mapping_rules] set ')).to.have.length(1);
    expect(statementsOf(sent.save, 'update [kpi_work_items] set ')).to.have.length(1);
    const versions = statementsOf(sent.save, 'insert into [kpi_work_items] ');
    expect(versions.length, 'the new versions in several statements').to.be.greaterThan(1);
    expect(versions.flatMap(insertedRows)).to.have.length(401);
    const ruleInserts = statementsOf(sent.replaceRules, 'insert into [kpi_mapping_rules] ');
    expect(ruleInserts.length).to.be.greaterThan(1);
    expect(ruleInserts.flatMap(insertedRows)).to.have.length(600);
    await r.destroy();
  });

  it('when the audit store records a change, then the statement is T-SQL', async () => {
    const r = recorder();
    await inTransaction(r, (s) => everyMethod<AuditStore>(r, 'audit', s.audit, {
      record: async (a) => {
        await a.record({ agency: AGENCY, actor: 'u-admin', action: 'settings.put', target: AGENCY, details: { capPolicy: 'warn' }, at: T0 });
        await a.record({ agency: AGENCY, actor: 'system', action: 'agency.add', target: null, at: T0 });
      },
    }));
    await r.destroy();
  });

  it('when every method of the event store is called, with more ids than one statement may bind, then each statement is T-SQL and new events go in behind an UPDLOCK, HOLDLOCK read', async () => {
    const r = recorder();
    const events: NewEvent[] = many(300, 'evt').map((eventId) => ({
      agency: AGENCY, eventId, type: 'document.received', actorId: 'u-1', occurredAt: T0, receivedAt: T0, payload: '{"id":"x"}', status: 'processed', error: null, source: 'ingest',
    }));
    r.when(LOCKING_SELECT, (s) => s.bindings.slice(1).filter((id) => id === 'evt-7').map((id) => ({ event_id: id })));
    r.when(/^update \[kpi_events\] set /, [{ '': 1 }]);
    const sent = await inTransaction(r, (s) => everyMethod<EventStore>(r, 'events', s.events, {
      insertNew: async (e) => expect((await e.insertNew(events)).size).to.equal(299),
      failed: async (e) => {
        await e.failed(AGENCY);
        await e.failed(AGENCY, many(2500, 'evt'));
      },
      settleFailed: async (e) => expect(await e.settleFailed(AGENCY, 'evt-1', 'processed', null)).to.equal(true),
      payload: (e) => e.payload(AGENCY, 'evt-1'),
      list: (e) => e.list(AGENCY, 'failed', 50),
      mentioning: (e) => e.mentioning(AGENCY, { userId: 'u_1%[x]!', from: T0, to: new Date(T0.getTime() + 86400_000), types: ['task.assigned', 'document.returned'], statuses: ['failed'], limit: 200 }),
      typeSummary: (e) => e.typeSummary(AGENCY),
      between: (e) => e.between(AGENCY, { from: T0, to: new Date(T0.getTime() + 86400_000), types: ['document.received', 'task.completed'], status: 'processed', afterSeq: 0, limit: 500 }),
    }));
    expect(sent.between[0]!.sql).to.match(/^select top \(@p\d+\) /);
    expect(sent.typeSummary[0]!.sql).to.match(/group by \[type\]/);
    expect(sent.typeSummary[1]!.sql, 'the newest of each type').to.match(/\[seq\] in \(select max\(\[seq\]\) from \[kpi_events\] where \[agency_code\] = @p\d+ group by \[type\]\)/);
    expect(sent.typeSummary[0]!.bindings).to.include('failed');
    const locks = sent.insertNew.filter((s) => LOCKING_SELECT.test(s.sql));
    expect(locks.length).to.be.greaterThan(0);
    expect(locks.every((s) => hasLockHints(s, 'kpi_events')), 'the parser reads UPDLOCK and HOLDLOCK on kpi_events').to.equal(true);
    const inserts = statementsOf(sent.insertNew, 'insert into [kpi_events] ');
    expect(inserts.flatMap(insertedRows).map((x) => x.event_id)).to.not.include('evt-7');
    expect(inserts.every((ins) => locks.some((l) => l.seq < ins.seq))).to.equal(true);
    expect(sent.failed.length, 'the ids named in several statements').to.be.greaterThan(2);
    // The official's own events by actor_id; rows from before actor_id, and other types' failures, by their payload.
    expect(sent.mentioning.map((s) => s.sql)).to.have.length(3);
    expect(sent.mentioning[0]!.sql).to.match(/^select top \(@p\d+\) .* where \[agency_code\] = @p\d+ .*and \[actor_id\] = @p\d+ and \[type\] in \(@p\d+, @p\d+\) order by \[occurred_at\] desc$/);
    expect(sent.mentioning[0]!.sql).to.not.match(/ like /);
    expect(sent.mentioning[0]!.bindings).to.include('u_1%[x]!');
    expect(sent.mentioning[1]!.sql).to.match(/\[actor_id\] is null and \[type\] in \(@p\d+, @p\d+\) and payload like @p\d+ escape '!'/);
    expect(sent.mentioning[2]!.sql).to.match(/\[status\] in \(@p\d+\) and \[type\] not in \(@p\d+, @p\d+\) and payload like @p\d+ escape '!'/);
    for (const s of sent.mentioning.slice(1)) expect(s.bindings).to.include('%"u!_1!%![x]!!"%');
    await r.destroy();
  });

  it('when every method of the assignment store is called, with more subjects and officials than one statement may bind, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    const fields: AssignmentFields = { role: 'main', dueAt: T0, dueDay: '2026-03-01', workItemCode: 'CV-16', quantity: 2, minutes: 120, eventId: 'evt-1', updatedAt: T0 };
    const marks: NewMark[] = Array.from({ length: 1000 }, (_, i) => ({
      subjectKind: 'task', subjectId: `NV-${i}`, userId: i % 3 === 0 ? null : `u-${i}`, kind: 'fail', excused: i % 2 === 0, newDueAt: i % 5 === 0 ? T0 : null, at: T0, eventId: `evt-${i}`,
    }));
    const sent = await inTransaction(r, (s) => everyMethod<AssignmentStore>(r, 'assignments', s.assignments, {
      ofSubjects: (a) => a.ofSubjects(AGENCY, SUBJECTS),
      insert: async (a) => expect(await a.insert(AGENCY, { kind: 'task', id: 'NV-1' }, 'u-1', 'open', fields)).to.be.a('number'),
      update: (a) => a.update(7, fields),
      setStatus: (a) => a.setStatus(7, 'completed', T0),
      cancel: async (a) => {
        await a.cancel(AGENCY, { kind: 'task', id: 'NV-1' }, 'u-1', T0);
        await a.cancel(AGENCY, { kind: 'task', id: 'NV-1' }, null, T0);
      },
      insertMarks: (a) => a.insertMarks(AGENCY, marks),
      marksOf: async (a) => {
        await a.marksOf(AGENCY, SUBJECTS);
        await a.marksOf(AGENCY, SUBJECTS, ['fail', 'extension']);
      },
      facts: (a) => a.facts(AGENCY, SUBJECTS),
      minutesDue: async (a) => {
        await a.minutesDue(AGENCY, '2026-01-01', '2026-03-31');
        await a.minutesDue(AGENCY, '2026-01-01', '2026-03-31', USERS);
      },
    }));
    expect(sent.insert[0]!.sql).to.match(/^insert into \[kpi_assignments\] \(.*\) output inserted\.\[id\] values /);
    expect(statementsOf(sent.insertMarks, 'insert into [kpi_marks] ').flatMap(insertedRows)).to.have.length(1000);
    expect(sent.insertMarks.length).to.be.greaterThan(1);
    for (const m of ['ofSubjects', 'marksOf', 'facts'] as const) expect(sent[m].length, `${m}: each kind in several statements`).to.be.greaterThan(3);
    expect(sent.minutesDue.length).to.be.greaterThan(3);
    await r.destroy();
  });

  it('when every method of the directory store is called, with more officials than one statement may bind, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    const user = { id: 'u-1', name: 'Lê Thị Hồng Nhung', unitId: 'p-1', position: 'Chuyên viên', isLeader: false, active: true, activeFrom: '2026-03-05', activeTo: null, updatedAt: T0 };
    const unit = { id: 'p-1', name: 'Phòng Tổ chức cán bộ', parentId: null, updatedAt: T0 };
    const sent = await inTransaction(r, (s) => everyMethod<DirectoryStore>(r, 'directory', s.directory, {
      user: (d) => d.user(AGENCY, 'u-1'),
      users: async (d) => {
        await d.users(AGENCY);
        await d.users(AGENCY, { unitId: 'p-1' });
        await d.users(AGENCY, { unitId: 'p-1', userIds: USERS });
      },
      unitsOf: (d) => d.unitsOf(AGENCY, USERS),
      units: (d) => d.units(AGENCY),
      unit: (d) => d.unit(AGENCY, 'p-1'),
      putUnit: async (d) => {
        await d.putUnit(AGENCY, unit, true);
        await d.putUnit(AGENCY, { ...unit, parentId: 'p-0' }, false);
      },
      putUser: async (d) => {
        await d.putUser(AGENCY, user, true);
        await d.putUser(AGENCY, { ...user, isLeader: true }, false);
      },
    }));
    expect(sent.users.length).to.be.greaterThan(3);
    expect(sent.unitsOf.length).to.be.greaterThan(1);
    await r.destroy();
  });

  it('when every method of the assessment store is called, then each statement is T-SQL', async () => {
    const r = recorder();
    const a = { general: 27.5, disqualified: false, assessedBy: 'u-lead', updatedAt: T0 };
    const sent = await inTransaction(r, (s) => everyMethod<AssessmentStore>(r, 'assessments', s.assessments, {
      get: (x) => x.get(AGENCY, 'u-1', '2026-03'),
      put: async (x) => {
        await x.put(AGENCY, 'u-1', '2026-03', a, false);
        await x.put(AGENCY, 'u-1', '2026-03', { ...a, general: null, disqualified: true }, true);
      },
      ofPeriod: async (x) => { await x.ofPeriod(AGENCY, '2026-03'); await x.ofPeriod(AGENCY, '2026-03', Array.from({ length: 2500 }, (_, i) => `u-${i}`)); },
      withUsers: async (x) => {
        await x.withUsers(AGENCY, { period: '2026-03', from: '2026-03-01', to: '2026-03-31', unitId: 'p-1', limit: 500 });
        await x.withUsers(AGENCY, { period: '2026-Q1', from: '2026-01-01', to: '2026-03-31', unitId: null, limit: 500 });
      },
    }));
    expect(sent.withUsers[0]!.sql).to.match(/ left join \[kpi_assessments\] as \[a\] on /);
    await r.destroy();
  });

  it('when every method of the period store is called, with more snapshots than one statement may bind, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    const scores = Array.from({ length: 500 }, (_, i) => ({ userId: `u-${i}`, unitId: i % 2 ? 'p-1' : null, total: 81.25, classification: 'good', profile: { id: 'default', version: 1 } }));
    const sent = await inTransaction(r, (s) => everyMethod<PeriodStore>(r, 'periods', s.periods, {
      state: (p) => p.state(AGENCY, '2026-03'),
      closedAt: (p) => p.closedAt(AGENCY, '2026-03'),
      closedAmong: (p) => p.closedAmong(AGENCY, ['2026-01', '2026-02', '2026-03', '2026-Q1']),
      close: (p) => p.close(AGENCY, '2026-02', { applyQuota: true, actor: 'u-hr', now: T0 }), // no row to update: inserted
      reopen: (p) => p.reopen(AGENCY, '2026-02', 'Sai sót số liệu phòng Tổ chức', T0),
      snapshots: (p) => p.snapshots(AGENCY, '2026-02'),
      snapshotNumbers: (p) => p.snapshotNumbers(AGENCY, '2026-02'),
      writeSnapshots: (p) => p.writeSnapshots(AGENCY, '2026-02', scores, T0),
      replaceSnapshot: (p) => p.replaceSnapshot(AGENCY, '2026-02', scores[7]!, T0),
    }));
    expect(statementsOf(sent.replaceSnapshot, 'delete from [kpi_score_snapshots] ')).to.have.length(1);
    expect(statementsOf(sent.close, 'insert into [kpi_periods] ')).to.have.length(1);
    const snaps = statementsOf(sent.writeSnapshots, 'insert into [kpi_score_snapshots] ');
    expect(snaps.length).to.be.greaterThan(1);
    expect(snaps.flatMap(insertedRows)).to.have.length(500);
    await r.destroy();
  });

  it('when every method of the form-use store is called, a first use and a second one, then each statement is T-SQL', async () => {
    const r = recorder();
    const token = 'a'.repeat(64);
    const sent = await inTransaction(r, (s) => everyMethod<FormUseStore>(r, 'formUses', s.formUses, {
      claim: async (f) => expect(await f.claim(AGENCY, token, T0)).to.deep.equal({ first: true, result: null }),
      finish: (f) => f.finish(AGENCY, token, JSON.stringify({ path: '/me', params: { notice: 'saved' } })),
      release: (f) => f.release(AGENCY, token),
      sweep: (f) => f.sweep(T0),
    }));
    expect(statementsOf(sent.claim, 'insert into [kpi_form_uses] ')).to.have.length(1);
    await r.destroy();
  });

  it('when every method of the request store is called, then each statement is T-SQL with its strings as NVARCHAR', async () => {
    const r = recorder();
    r.when(/^update \[kpi_requests\] set /, [{ '': 1 }]);
    const sent = await inTransaction(r, (s) => everyMethod<RequestStore>(r, 'requests', s.requests, {
      insert: (q) => q.insert({
        agency: AGENCY, kind: 'correction', type: 'wrong-item', userId: 'u-1', unitId: 'p-1', entryId: '17', subjectKind: 'document', subjectId: 'VB-1', period: '2026-03',
        day: '2026-03-02', proposedUserId: null, proposedItemCode: 'CV-02', proposedQuantity: 2, reason: 'Nhầm đầu công việc: đây là dự thảo', createdAt: T0,
      }),
      get: (q) => q.get(AGENCY, '17'),
      list: async (q) => {
        await q.list(AGENCY, { kind: 'correction', unitId: 'p-1', status: 'pending', limit: 200 });
        await q.list(AGENCY, { kind: 'appeal', userId: 'u-1', period: '2026-Q1', limit: 50 });
      },
      decide: (q) => q.decide(AGENCY, '17', { status: 'accepted', decidedBy: 'u-lead', decidedAt: T0, decisionNote: 'Đồng ý', outcome: { entries: ['18'] } }),
    }));
    expect(statementsOf(sent.insert, 'insert into [kpi_requests] ')).to.have.length(1);
    await r.destroy();
  });

  it('when every method of the journal store is called, the roll-up built, applied, refreshed and summed, then each statement is T-SQL under 2100 parameters', async () => {
    const r = recorder();
    // The roll-up: built with penalties 0.25 (a rebuild for other penalties, the locked reads of the writers).
    r.when(/ from \[kpi_journal_days_state\] /, [{ fail_penalty: 0.25, delay_penalty: 0.25 }]);
    r.when(/^(update|delete from) \[kpi_journal_entries\] /, [{ '': 1 }]);
    const totals = (userIds?: string[]): TotalsQuery => ({
      agency: AGENCY, from: '2026-01-01', to: '2026-03-31', statuses: ['approved', 'pending'], capMinutes: 480, clip: true, failPenalty: 0.25, delayPenalty: 0.25, ...(userIds ? { userIds } : {}),
    });
    const keys = Array.from({ length: 3000 }, (_, i) => ({ userId: `u-${i % 700}`, day: `2026-03-${String(1 + (i % 29)).padStart(2, '0')}` }));
    const entries = Array.from({ length: 300 }, (_, i) => entry(i));
    const sent = await inTransaction(r, (s) => everyMethod<JournalStore>(r, 'journal', s.journal, {
      get: (j) => j.get(AGENCY, '17'),
      page: async (j) => {
        await j.page(AGENCY, { from: '2026-03-01', to: '2026-03-31', unitId: 'p-1', userId: 'u-1', status: 'pending', after: { day: '2026-03-12', id: '17' }, limit: 51 });
        await j.page(AGENCY, { from: '2026-03-01', to: '2026-03-31', userId: 'u-1', after: null, limit: 51 });
      },
      ofSubjects: (j) => j.ofSubjects(AGENCY, [...SUBJECTS, { kind: 'entry', id: '17' }, { kind: 'entry', id: 'not-an-id' }]),
      completionsOf: (j) => j.completionsOf(AGENCY, 'NV-1', 'u-1'),
      ofUser: (j) => j.ofUser(AGENCY, 'u-1', '2026-01-01', '2026-03-31', ['approved', 'pending']),
      countPending: (j) => j.countPending(AGENCY, '2026-01-01', '2026-03-31'),
      eventsWithEntry: (j) => j.eventsWithEntry(AGENCY, 'u-1', '2026-03-01', '2026-03-31'),
      manualSubjects: (j) => j.manualSubjects(AGENCY, 'u-1'),
      entryOfEvent: (j) => j.entryOfEvent(AGENCY, 'evt-1', 'u-1'),
      insertMany: (j) => j.insertMany(AGENCY, entries),
      insert: async (j) => expect(await j.insert(AGENCY, entry(1, { source: 'manual', status: 'pending', eventId: null }))).to.match(/^\d+$/),
      update: (j) => j.update(AGENCY, '17', { quantity: 3, minutes: 90, note: 'Họp giao ban tuần', updatedAt: T0 }),
      updateIfStatus: async (j) => expect(await j.updateIfStatus(AGENCY, '17', ['pending'], { status: 'approved', reviewedBy: 'u-lead', reviewedAt: T0, updatedAt: T0 })).to.equal(true),
      deletePendingManual: async (j) => expect(await j.deletePendingManual(AGENCY, '17')).to.equal(true),
      adoptUnit: (j) => j.adoptUnit(AGENCY, 'u-1', 'p-1'),
      deleteEventEntry: async (j) => expect(await j.deleteEventEntry(AGENCY, '17')).to.equal(true),
      applyDays: (j) => j.applyDays(AGENCY, entries.map((e) => ({ userId: e.userId, day: e.day, status: e.status, minutes: e.minutes, fails: e.fails, delays: e.delays })), [{ userId: 'u-1', day: '2026-03-02' }]),
      refreshDays: (j) => j.refreshDays(AGENCY, keys),
      ensureDays: async (j) => {
        expect(await j.ensureDays(AGENCY, { fail: 0.25, delay: 0.25 }), 'built with these penalties').to.equal(false);
        expect(await j.ensureDays(AGENCY, { fail: 0.5, delay: 0.25 }), 'other penalties: rebuilt').to.equal(true);
      },
      periodTotals: async (j) => {
        await j.periodTotals(totals());
        await j.periodTotals(totals(USERS));
        await j.periodTotals({ ...totals(), overDays: false });
      },
    }));
    expect(sent.insert[0]!.sql).to.match(/^insert into \[kpi_journal_entries\] \(.*\) output inserted\.\[id\] values /);
    expect(statementsOf(sent.insertMany, 'insert into [kpi_journal_entries] ').flatMap(insertedRows)).to.have.length(300);
    expect(sent.insertMany.length).to.be.greaterThan(1);
    expect(sent.ofSubjects.length, 'entry ids, then each kind in several statements').to.be.greaterThan(4);
    // SQL Server has no upsert that adds: the days of added entries are recomputed, behind the locked state row.
    for (const m of ['applyDays', 'refreshDays'] as const) {
      expect(STATE_LOCK.test(sent[m][0]!.sql), `${m} reads the state row locked first`).to.equal(true);
      expect(hasLockHints(sent[m][0]!, 'kpi_journal_days_state')).to.equal(true);
      expect(statementsOf(sent[m], 'delete from [kpi_journal_days] where ((')).to.not.have.length(0);
      expect(statementsOf(sent[m], 'insert into [kpi_journal_days] ([agency_code], [user_id], [day], [a_t], [a_l], [a_p], [a_n], [p_t], [p_l], [p_p], [p_n]) select ')).to.not.have.length(0);
    }
    expect(statementsOf(sent.refreshDays, 'insert into [kpi_journal_days] ').length, '3000 days in several statements').to.be.greaterThan(1);
    expect(statementsOf(sent.ensureDays, 'delete from [kpi_journal_days] where [agency_code] = @p0;')).to.have.length(1);
    expect(statementsOf(sent.ensureDays, 'update [kpi_journal_days_state] set ')).to.have.length(1);
    expect(statementsOf(sent.periodTotals, 'with [d] as (').length, 'once for the agency, then per part of the officials').to.be.greaterThan(2);
    const totalsSql = statementsOf(sent.periodTotals, 'with [d] as (');
    expect(totalsSql.filter((q) => /union all/i.test(q.sql)).length, 'the days over the cap, but in the ranking-only read').to.equal(totalsSql.length - 1);
    await r.destroy();
  });

  it('when the aggregate names more officials than one statement may bind, then it is split under 2100 parameters', async () => {
    const r = recorder();
    r.when(/ from \[kpi_journal_days_state\] /, [{ fail_penalty: 0.25, delay_penalty: 0.25 }]);
    const { journal, assignments } = new KnexUnitOfWork(r.knex).read;
    const userIds = Array.from({ length: 5000 }, (_, i) => `u-${i}`);
    await journal.periodTotals({ agency: AGENCY, from: '2026-01-01', to: '2026-03-31', statuses: ['approved'], capMinutes: 480, clip: false, failPenalty: 0.25, delayPenalty: 0.25, userIds });
    await assignments.minutesDue(AGENCY, '2026-01-01', '2026-03-31', userIds);
    await journal.ofUser(AGENCY, 'u-1', '2026-01-01', '2026-03-31', ['approved', 'pending']);
    await journal.countPending(AGENCY, '2026-01-01', '2026-03-31');
    expectAllTsql(r.statements, 'score reads');
    expect(r.statements.filter((s) => s.sql.startsWith('with [d] as (')).length).to.be.greaterThan(2);
    // periodTotals on its own (journal-totals.ts), with the totals of the approved entries only, not clipped.
    r.clearLog();
    await periodTotals(r.knex, dialectFor(r.knex), { agency: AGENCY, from: '2026-03-01', to: '2026-03-31', statuses: ['approved'], capMinutes: 480, clip: false, failPenalty: 0.25, delayPenalty: 0.25 });
    expectAllTsql(r.statements, 'periodTotals');
    await r.destroy();
  });

  it('when a refresh names more days than one statement may bind, and when the roll-up is first built, then both are T-SQL under 2100 parameters', async () => {
    const r = recorder();
    r.when(/ from \[kpi_journal_days_state\] /, [{ fail_penalty: null, delay_penalty: null }]);
    const days = new JournalDays(dialectFor(r.knex));
    expect(await days.ensure(r.knex, AGENCY, { fail: 0.25, delay: 0.25 })).to.equal(true);
    r.reset();
    r.when(/ from \[kpi_journal_days_state\] /, [{ fail_penalty: 0.25, delay_penalty: 0.25 }]);
    // 3000 different (official, day)s: 700 officials, 4 or 5 days each.
    const keys = Array.from({ length: 3000 }, (_, i) => ({ userId: `u-${i % 700}`, day: `2026-03-${String(1 + (i % 29)).padStart(2, '0')}` }));
    await r.knex.transaction((trx) => days.refresh(trx, AGENCY, keys));
    expect(await days.ensure(r.knex, AGENCY, { fail: 0.25, delay: 0.25 }), 'already built with these penalties').to.equal(false);
    expectAllTsql(r.statements, 'roll-up build and refresh');
    const inserts = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_journal_days] '));
    expect(inserts.length).to.be.greaterThan(1);
    const named = new Set<string>();
    for (const s of inserts) for (const b of s.bindings) if (typeof b === 'string' && /^2026-03-\d\d$/.test(b)) named.add(b);
    expect(named.size).to.equal(29);
    await r.destroy();
  });

  it('when the roll-up is not built yet, then a writer\'s apply reads the state row and writes nothing more', async () => {
    const r = recorder();
    r.when(/ from \[kpi_journal_days_state\] /, [{ fail_penalty: null, delay_penalty: null }]);
    const days = new JournalDays(dialectFor(r.knex));
    await r.knex.transaction((trx) => days.apply(trx, AGENCY, [{ userId: 'u-1', day: '2026-03-02', status: 'approved', minutes: 60, fails: 0, delays: 0 }], []));
    expectAllTsql(r.statements, 'apply before the build');
    expect(r.statements.map((s) => STATE_LOCK.test(s.sql))).to.deep.equal([true]);
    await r.destroy();
  });
});

describe('mssql compile: the SQL Server dialect\'s own statements', function () {
  this.timeout(60000);

  it('when the dialect is asked for by knex or by name, then it is the SQL Server one, binding fewer than 2100 parameters', async () => {
    const r = recorder();
    for (const d of [dialectFor(r.knex), dialectForName('mssql'), new KnexUnitOfWork(r.knex).dialect]) {
      expect(d).to.be.instanceOf(MssqlDialect);
      expect(d.name).to.equal('mssql');
      expect(d.maxParams).to.be.below(2100);
      expect(d.addsToDays, 'no upsert that adds').to.equal(false);
    }
    await r.destroy();
  });

  it('when more ids than one statement may bind are inserted, then the locking read and the inserts are split under 2100 parameters', async () => {
    const r = recorder();
    const dialect = dialectFor(r.knex);
    const row = (agency: string, i: number) => ({
      agency_code: agency, event_id: `${agency === 'ag-a' ? 'e' : 'b'}-${i}`, type: 'document.received', actor_id: 'u-1', occurred_at: T0, received_at: T0, payload: '{}', status: 'processed', error: null, attempts: 1, source: 'ingest',
    });
    const rows = [...Array.from({ length: 2500 }, (_, i) => row('ag-a', i)), ...Array.from({ length: 10 }, (_, i) => row('ag-b', i))];
    r.when(LOCKING_SELECT, (s) => (s.bindings[0] === 'ag-a' ? s.bindings.slice(1).filter((id) => id === 'e-0' || id === 'e-2499').map((id) => ({ event_id: id })) : []));
    const inserted = await r.knex.transaction((trx) => dialect.insertNewEvents(trx, rows));
    expect(inserted.size).to.equal(2498 + 10);
    expect(inserted.has('e-0') || inserted.has('e-2499')).to.equal(false);
    const locks = r.statements.filter((s) => LOCKING_SELECT.test(s.sql));
    expect(locks.map((s) => [s.bindings[0], s.bindings.length])).to.deep.equal([['ag-a', 2000], ['ag-a', 502], ['ag-b', 11]]);
    expect(locks.every((s) => hasLockHints(s, 'kpi_events'))).to.equal(true);
    const inserts = r.statements.filter((s) => s.sql.startsWith('insert into [kpi_events] '));
    expect(inserts.flatMap(insertedRows)).to.have.length(2498 + 10);
    expect(inserts.every((s) => s.bindings.length <= 2000)).to.equal(true);
    expect(inserts.flatMap(insertedRows).filter((x) => x.agency_code === 'ag-a').map((x) => x.event_id)).to.not.include.members(['e-0', 'e-2499']);
    // Each agency's ids are read before its rows go in, in the same transaction.
    for (const ins of inserts) {
      const agency = insertedRows(ins)[0]!.agency_code;
      expect(locks.some((l) => l.bindings[0] === agency && l.seq < ins.seq && l.txId === ins.txId)).to.equal(true);
    }
    expectAllTsql(r.statements, 'insertNewEvents');
    await r.destroy();
  });

  it('when every method of the dialect is called, then each statement is T-SQL under 2100 parameters, and the locked read carries UPDLOCK, HOLDLOCK', async () => {
    const r = recorder();
    const dialect = dialectFor(r.knex);
    const keys: Array<[string, string[]]> = Array.from({ length: 300 }, (_, i) => [`u-${i}`, ['2026-03-02', '2026-03-03']]);
    const sums = (db: Knex | Knex.Transaction) => [db.raw('sum(minutes) as a_t'), db.raw('count(*) as a_n')];
    const marks = Array.from({ length: 3000 }, (_, i) => ({ agency_code: AGENCY, subject_kind: 'task', subject_id: `NV-${i}`, event_id: null, user_id: null, kind: 'fail', excused: false, new_due_at: null, at: T0 }));
    const sent = await everyMethod<SqlDialect>(r, 'dialect', dialect, {
      insertNewEvents: (d) => r.knex.transaction((trx) => d.insertNewEvents(trx, [{ agency_code: AGENCY, event_id: 'evt-1', type: 'document.received', actor_id: 'u-1', occurred_at: T0, received_at: T0, payload: '{}', status: 'processed', error: null, attempts: 1, source: 'ingest' }])),
      insertMany: (d) => r.knex.transaction((trx) => d.insertMany(trx, 'kpi_marks', marks)),
      aggregate: (d) => d.aggregate(r.knex, (db) => db('kpi_journal_days').where('agency_code', AGENCY).select('user_id')),
      eachRow: (d) => d.eachRow(r.knex, r.knex('kpi_journal_days').where('agency_code', AGENCY).select('user_id'), () => undefined),
      writeTransaction: (d) => d.writeTransaction(r.knex, (trx) => trx('kpi_agencies').where({ code: AGENCY }).update({ updated_at: T0 })),
      lockedFirst: (d) => r.knex.transaction(async (trx) => {
        await d.lockedFirst(trx, 'kpi_journal_days_state', { agency_code: AGENCY }, ['fail_penalty', 'delay_penalty']);
        await d.lockedFirst(trx, 'kpi_journal_days_state', { agency_code: AGENCY }, ['fail_penalty', 'delay_penalty'], 'share');
      }),
      whereDayKeys: (d) => r.knex.transaction(async (trx) => { await d.whereDayKeys(trx('kpi_journal_days'), AGENCY, keys).delete(); }),
      daySums: async (d) => {
        await d.daySums(r.knex, AGENCY, keys, sums(r.knex));
        await d.daySums(r.knex, AGENCY, null, sums(r.knex));
      },
      withInlined: (d) => d.withInlined(r.knex.queryBuilder(), 'd', r.knex('kpi_journal_days').select('user_id').where('agency_code', AGENCY)).select('*').from('d'),
      daysOfFewUsers: (d) => r.knex.from(d.daysOfFewUsers(r.knex)).select('user_id').where('agency_code', AGENCY).whereIn('user_id', ['u-1', 'u-2']),
      indexed: (d) => r.knex.from(d.indexed(r.knex, 'kpi_events', 'ix_kpi_events_actor')).select('event_id').where({ agency_code: AGENCY, actor_id: 'u-1' }),
      addToDays: async (d) => {
        let refused: unknown = null;
        await r.knex.transaction((trx) => d.addToDays(trx, [{ agency_code: AGENCY, user_id: 'u-1', day: '2026-03-02', a_t: 60 }])).catch((e: unknown) => { refused = e; });
        expect(String(refused), 'SQL Server recomputes days instead').to.match(/no ON CONFLICT/);
      },
      isRetryable: async (d) => {
        for (const n of [1205, 2627, 2601]) expect(d.isRetryable(Object.assign(new Error('x'), { number: n })), String(n)).to.equal(true);
        for (const e of [Object.assign(new Error('x'), { number: 547 }), Object.assign(new Error('x'), { code: '40001' }), null]) expect(d.isRetryable(e)).to.equal(false);
      },
    }, ['addToDays', 'isRetryable']);
    expect(sent.lockedFirst.map((s) => STATE_LOCK.test(s.sql) && hasLockHints(s, 'kpi_journal_days_state')), 'both modes lock for update on SQL Server').to.deep.equal([true, true]);
    expect(sent.insertNewEvents.map((s) => s.sql.slice(0, 20))).to.deep.equal(['select [event_id] fr', 'insert into [kpi_eve']);
    expect(sent.insertMany.length, '3000 marks in several statements').to.be.greaterThan(1);
    expect(sent.insertMany.flatMap(insertedRows)).to.have.length(3000);
    expect(sent.whereDayKeys[0]!.sql).to.match(/^delete from \[kpi_journal_days\] where \(\(\[agency_code\] = @p0 and \[user_id\] = @p1 and \[day\] in \(@p2, @p3\)\) or /);
    expect(sent.writeTransaction.every((s) => s.txId !== null)).to.equal(true);
    expect(r.transactions.map((t) => t.op).filter((op) => op === 'rollback')).to.have.length(1); // the refused addToDays only
    await r.destroy();
  });
});
