import { expect } from 'chai';
import type { Knex } from 'knex';
import sinon from 'sinon';
import { parseDbUrl } from '../../src/db/connection';
import { isUniqueViolation } from '../../src/db/sql-dialects';
import { toDate } from '../../src/db/rows';
import { DEFAULT_ATTEMPTS, KnexUnitOfWork } from '../../src/db/unit-of-work';
import type { NewEntry } from '../../src/domain/journal';
import { cloneCatalogue } from '../../src/rules/catalogue';
import { cloneRules } from '../../src/rules/mapping';
import type { AssignmentFields, DirectoryUser, NewEvent, Stores } from '../../src/stores';
import { freshDb, testDbUrl, testDialect } from '../helpers/harness';
import { expectRollupsMatchEntries } from '../helpers/rollups';

const T0 = new Date('2026-03-12T02:15:00.123Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3600_000;

/** Every table a store writes, with its agency column: what a rolled-back write must leave empty. */
const AGENCY_TABLES = [
  'kpi_agencies:code', 'kpi_agency_secrets', 'kpi_settings', 'kpi_work_items', 'kpi_mapping_rules', 'kpi_audit_log', 'kpi_events',
  'kpi_journal_entries', 'kpi_journal_days_state', 'kpi_assignments', 'kpi_marks', 'kpi_users', 'kpi_units', 'kpi_assessments',
  'kpi_periods', 'kpi_score_snapshots', 'kpi_token_uses',
];

/** Runs `fn` and returns what it threw (fails when it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  expect.fail('expected an error');
  return undefined;
}

function newEntry(o: Partial<NewEntry> & Pick<NewEntry, 'userId' | 'day' | 'minutes'>): NewEntry {
  return {
    unitId: 'P1', workItemCode: 'VB-XL', itemVersion: 1, itemKind: 'count', standardMinutes: o.minutes, quantity: 1, coefficient: 1, rating: 1,
    status: 'approved', source: 'event', eventId: null, ruleId: null, subjectKind: 'document', subjectId: null, subjectTitle: 'Công văn',
    fails: 0, delays: 0, late: false, completes: false, note: null, reviewReason: null, reviewedBy: null, reviewedAt: null,
    occurredAt: T0, createdAt: T0, updatedAt: T0, ...o,
  };
}

function newEvent(agency: string, eventId: string, o: Partial<NewEvent> = {}): NewEvent {
  return {
    agency, eventId, type: 'document.received', actorId: 'u-1', occurredAt: T0, receivedAt: at(1000), status: 'processed', error: null, source: 'inprocess',
    payload: JSON.stringify({ id: eventId, agency, actor: { id: 'u-1' } }), ...o,
  };
}

function fields(o: Partial<AssignmentFields> = {}): AssignmentFields {
  return { role: 'main', dueAt: new Date('2026-03-20T10:00:00Z'), dueDay: '2026-03-20', workItemCode: 'NV-01', quantity: 1, minutes: 60, eventId: 'e-asg', updatedAt: T0, ...o };
}

function user(id: string, o: Partial<DirectoryUser> & { updatedAt?: Date } = {}): DirectoryUser & { updatedAt: Date } {
  return { id, name: `Cán bộ ${id}`, unitId: 'P1', position: 'Chuyên viên', isLeader: false, active: true, activeFrom: null, activeTo: null, updatedAt: T0, ...o };
}

describe(`store contracts through KnexUnitOfWork on ${testDialect()} (${parseDbUrl(testDbUrl()).display})`, function () {
  this.timeout(60000);
  let knex: Knex;
  let uow: KnexUnitOfWork;
  let read: Stores;

  before(async () => {
    knex = await freshDb();
    uow = new KnexUnitOfWork(knex);
    read = uow.read;
  });

  after(async () => {
    sinon.restore();
    await knex?.destroy();
  });

  afterEach(() => sinon.restore());

  async function addAgency(code: string): Promise<void> {
    await uow.write((tx) => tx.agencies.insert({ code, name: `Cơ quan ${code}`, timeZone: 'Asia/Ho_Chi_Minh', issuer: 'eoffice-host', hostOrigins: [], rs256PublicKey: null }, T0));
  }

  async function countRows(agency: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const spec of AGENCY_TABLES) {
      const [table, column] = spec.split(':') as [string, string | undefined];
      const r = await knex(table).where(column ?? 'agency_code', agency).count({ n: '*' }).first();
      out[table] = Number(r?.n ?? 0);
    }
    return out;
  }

  describe('UnitOfWork.write', () => {
    it('when the work throws after writing to every store, then nothing of it is kept and the error reaches the caller as thrown', async () => {
      const boom = new Error('hỏng giữa chừng');
      const err = await thrown(() => uow.write(async (tx) => {
        await tx.agencies.insert({ code: 'rb-1', name: 'Cơ quan rb-1', timeZone: 'UTC', issuer: 'h', hostOrigins: [], rs256PublicKey: null }, T0);
        await tx.agencies.insertSecret('rb-1', 's-1', T0);
        await tx.agencies.putSettingsJson('rb-1', { capMinutes: 480 }, 'admin', T0);
        expect(await tx.agencies.useTokenId('rb-1', 'jti-rb', at(HOUR), T0)).to.equal(true);
        await tx.catalogue.save('rb-1', cloneCatalogue(), T0);
        await tx.catalogue.replaceRules('rb-1', cloneRules(), T0);
        await tx.audit.record({ agency: 'rb-1', actor: 'admin', action: 'agency.add', target: 'rb-1', at: T0 });
        expect([...await tx.events.insertNew([newEvent('rb-1', 'e-rb-1')])]).to.deep.equal(['e-rb-1']);
        await tx.journal.insert('rb-1', newEntry({ userId: 'u-1', day: '2026-03-12', minutes: 30 }));
        await tx.assignments.insert('rb-1', { kind: 'task', id: 'NV-rb' }, 'u-1', 'open', fields());
        await tx.assignments.insertMarks('rb-1', [{ subjectKind: 'task', subjectId: 'NV-rb', userId: 'u-1', kind: 'fail', excused: false, newDueAt: null, at: T0, eventId: null }]);
        await tx.directory.putUnit('rb-1', { id: 'P1', name: 'Phòng 1', parentId: null, updatedAt: T0 }, true);
        await tx.directory.putUser('rb-1', user('u-1'), true);
        await tx.assessments.put('rb-1', 'u-1', '2026-Q1', { general: 9, disqualified: false, assessedBy: 'lead', updatedAt: T0 }, false);
        await tx.periods.close('rb-1', '2026-Q1', { applyQuota: true, actor: 'admin', now: T0 });
        await tx.periods.writeSnapshots('rb-1', '2026-Q1', [{ userId: 'u-1', unitId: 'P1', total: 90, classification: 'A', profile: { id: 'nd335', version: 1 } }], T0);
        // Inside the transaction, every write is visible to the work itself.
        expect((await tx.agencies.get('rb-1'))?.name).to.equal('Cơ quan rb-1');
        expect(await tx.periods.state('rb-1', '2026-Q1')).to.deep.equal({ status: 'closed', applyQuota: true });
        throw boom;
      }));
      expect(err).to.equal(boom);
      const rows = await countRows('rb-1');
      expect(Object.entries(rows).filter(([, n]) => n > 0)).to.deep.equal([]);
      expect(await read.agencies.get('rb-1')).to.equal(null);
    });

    it('when the first attempt fails with a retryable error (SQLITE_BUSY), then the work runs twice, the first attempt is rolled back and the second commits once', async () => {
      await addAgency('rt-1');
      const transactions = sinon.spy(uow.dialect, 'writeTransaction');
      let runs = 0;
      const result = await uow.write(async (tx) => {
        runs++;
        await tx.audit.record({ agency: 'rt-1', actor: 'cli', action: `attempt.${runs}`, target: null, at: T0 });
        await tx.periods.close('rt-1', '2026-03', { applyQuota: false, actor: `attempt-${runs}`, now: T0 });
        if (runs === 1) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return `done after ${runs}`;
      });
      expect(result).to.equal('done after 2');
      expect(runs).to.equal(2);
      expect(transactions.callCount).to.equal(2);
      const audit = await knex('kpi_audit_log').where({ agency_code: 'rt-1' }).select('action');
      expect(audit.map((r) => r.action)).to.deep.equal(['attempt.2']);
      const periods = await knex('kpi_periods').where({ agency_code: 'rt-1' });
      expect(periods.map((r) => r.closed_by)).to.deep.equal(['attempt-2']);
    });

    it('when a retryable error persists, then the work is tried `attempts` times and the last error reaches the caller; a plain error is not retried', async () => {
      await addAgency('rt-2');
      let runs = 0;
      const busy = { code: 'SQLITE_BUSY', message: 'busy' };
      const err = await thrown(() => uow.write(async (tx) => {
        runs++;
        await tx.audit.record({ agency: 'rt-2', actor: 'cli', action: 'busy', target: null, at: T0 });
        throw busy;
      }, { attempts: 3 }));
      expect(err).to.equal(busy);
      expect(runs).to.equal(3);

      runs = 0;
      const deadlock = { code: testDialect() === 'postgres' ? '40P01' : 'SQLITE_BUSY_SNAPSHOT' };
      await thrown(() => uow.write(async () => { runs++; throw deadlock; }));
      expect(runs).to.equal(DEFAULT_ATTEMPTS);

      runs = 0;
      const plain = new TypeError('not a conflict');
      expect(await thrown(() => uow.write(async (tx) => { runs++; await tx.audit.record({ agency: 'rt-2', actor: 'cli', action: 'plain', target: null, at: T0 }); throw plain; }))).to.equal(plain);
      expect(runs).to.equal(1);
      expect(await knex('kpi_audit_log').where({ agency_code: 'rt-2' }).count({ n: '*' }).first().then((r) => Number(r?.n))).to.equal(0);
    });

    it('when ping is asked, then the database answers', async () => {
      await uow.ping();
    });
  });

  describe('agencies', () => {
    it('when an agency is inserted, then it round-trips, gets its roll-up lock row, and a second insert of its code is a unique violation that leaves the first whole', async () => {
      await uow.write((tx) => tx.agencies.insert({ code: 'ag-1', name: 'Sở Tài chính', timeZone: 'Asia/Ho_Chi_Minh', issuer: 'host-1', hostOrigins: ['https://a.gov.vn'], rs256PublicKey: null }, T0));
      expect(await read.agencies.get('ag-1')).to.deep.equal({ code: 'ag-1', name: 'Sở Tài chính', timeZone: 'Asia/Ho_Chi_Minh', issuer: 'host-1', hostOrigins: ['https://a.gov.vn'], rs256PublicKey: null, createdAt: T0 });
      const state = await knex('kpi_journal_days_state').where({ agency_code: 'ag-1' });
      expect(state).to.have.length(1);
      expect(state[0].fail_penalty).to.equal(null);
      const err = await thrown(() => uow.write((tx) => tx.agencies.insert({ code: 'ag-1', name: 'Khác', timeZone: 'UTC', issuer: 'x', hostOrigins: [], rs256PublicKey: null }, at(HOUR))));
      expect(isUniqueViolation(err), String(err)).to.equal(true);
      expect((await read.agencies.get('ag-1'))?.name).to.equal('Sở Tài chính');
    });

    it('when a rotation gives no overlap, then every secret still valid is ended at once, an earlier overlap included', async () => {
      await addAgency('ag-rot');
      await uow.write((tx) => tx.agencies.insertSecret('ag-rot', 's-1', T0));
      await uow.write(async (tx) => { await tx.agencies.expireSecretsAfter('ag-rot', at(2 * HOUR)); await tx.agencies.insertSecret('ag-rot', 's-2', at(1)); });
      expect((await read.agencies.validSecrets('ag-rot', at(HOUR))).map((s) => s.secret)).to.deep.equal(['s-2', 's-1']);
      // A leak: the new secret comes with no overlap; s-1 (still in its window) and s-2 end now.
      await uow.write(async (tx) => { await tx.agencies.expireSecretsAfter('ag-rot', at(HOUR)); await tx.agencies.insertSecret('ag-rot', 's-3', at(HOUR)); });
      expect((await read.agencies.validSecrets('ag-rot', at(HOUR))).map((s) => s.secret)).to.deep.equal(['s-3']);
      // An earlier expiry is never pushed later.
      const s1 = await knex('kpi_agency_secrets').where({ agency_code: 'ag-rot', secret: 's-1' }).first();
      expect(toDate(s1.expires_at)?.getTime()).to.equal(at(HOUR).getTime());
    });

    it('when a custom profile has several versions, then the newest parameters come back; none gives null', async () => {
      await addAgency('ag-prof');
      await knex('kpi_profiles').insert([
        { agency_code: 'ag-prof', id: 'p-x', version: 1, params: JSON.stringify({ capMinutes: 480 }), created_at: T0 },
        { agency_code: 'ag-prof', id: 'p-x', version: 2, params: JSON.stringify({ capMinutes: 420 }), created_at: at(1) },
      ]);
      expect(await read.agencies.customProfile('ag-prof', 'p-x')).to.deep.equal({ capMinutes: 420 });
      expect(await read.agencies.customProfile('ag-prof', 'p-none')).to.equal(null);
    });

    it('when a token id is reused inside a write, then the store answers false as it does outside one (the refused insert must not spoil the transaction)', async () => {
      const exp = at(HOUR);
      expect(await uow.write((tx) => tx.agencies.useTokenId('ag-tok', 'jti-w', exp, T0))).to.equal(true);
      // KnexAgencyStore.useTokenId catches the primary key's refusal and then reads the row; on
      // PostgreSQL the refused INSERT has already aborted the transaction (25P02) unless it ran
      // under a savepoint, so inside a write it throws instead of answering false.
      expect(await uow.write((tx) => tx.agencies.useTokenId('ag-tok', 'jti-w', exp, at(1000)))).to.equal(false);
      expect(await uow.write((tx) => tx.agencies.useTokenId('ag-tok', 'jti-w', at(2 * HOUR), at(HOUR + 1)))).to.equal(true);
    });

    it('when the agencies are listed, then they come ordered by code', async () => {
      const codes = (await read.agencies.list()).map((a) => a.code);
      expect(codes).to.deep.equal([...codes].sort());
      expect(codes).to.include.members(['ag-1', 'ag-rot']);
    });
  });

  describe('catalogue', () => {
    it('when items are saved, changed and saved again, then only changed ones get a new version and a duplicate version is a unique violation', async () => {
      await addAgency('cat-1');
      const items = cloneCatalogue().slice(0, 3);
      expect(await uow.write((tx) => tx.catalogue.save('cat-1', items, T0))).to.deep.equal(items.map((i) => i.code));
      items[2]!.active = !items[2]!.active;
      expect(await uow.write((tx) => tx.catalogue.save('cat-1', items, at(HOUR)))).to.deep.equal([items[2]!.code]);
      const current = await read.catalogue.current('cat-1');
      expect(current.map((i) => i.code)).to.deep.equal([...items.map((i) => i.code)].sort());
      expect(current.find((i) => i.code === items[2]!.code)).to.deep.equal({ ...items[2]!, version: 2, validFrom: null, sector: '' });
      // The primary key (agency, code, version) refuses a second version 1.
      const err = await thrown(() => uow.write((tx) => tx.catalogue.save('cat-0', [items[0]!, items[0]!], T0)));
      expect(isUniqueViolation(err), String(err)).to.equal(true);
      expect(await read.catalogue.current('cat-0')).to.deep.equal([]);
    });

    it('when items are saved with a first day and a sector, then history lists every version, oldest first, with its day and sector', async () => {
      await addAgency('cat-h');
      const items = cloneCatalogue().slice(0, 2);
      await uow.write((tx) => tx.catalogue.save('cat-h', items, T0));
      const changed = [{ ...items[0]!, standardMinutes: 99, sector: 'noi-vu' }, items[1]!];
      expect(await uow.write((tx) => tx.catalogue.save('cat-h', changed, at(HOUR), '2026-04-06'))).to.deep.equal([items[0]!.code]);
      const history = await read.catalogue.history('cat-h');
      expect(history.map((v) => [v.code, v.version, v.standardMinutes, v.validFrom, v.sector])).to.deep.equal([
        [items[0]!.code, 1, items[0]!.standardMinutes, null, ''], [items[0]!.code, 2, 99, '2026-04-06', 'noi-vu'], [items[1]!.code, 1, items[1]!.standardMinutes, null, ''],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0])) || Number(x[1]) - Number(y[1])));
      expect((await read.catalogue.current('cat-h')).find((i) => i.code === items[0]!.code)).to.include({ version: 2, validFrom: '2026-04-06', sector: 'noi-vu' });
      expect(await read.catalogue.history('cat-none')).to.deep.equal([]);
    });

    it('when rules are replaced by an empty set, then none is left', async () => {
      await uow.write((tx) => tx.catalogue.replaceRules('cat-1', cloneRules(), T0));
      expect(await read.catalogue.rules('cat-1')).to.have.length(cloneRules().length);
      await uow.write((tx) => tx.catalogue.replaceRules('cat-1', [], at(1)));
      expect(await read.catalogue.rules('cat-1')).to.deep.equal([]);
    });
  });

  describe('audit', () => {
    it('when lines are recorded with and without details, then each row keeps them, details as JSON or null', async () => {
      await uow.write(async (tx) => {
        await tx.audit.record({ agency: 'au-1', actor: 'admin', action: 'period.close', target: '2026-Q1', details: { applyQuota: true }, at: T0 });
        await tx.audit.record({ agency: 'au-1', actor: 'cli', action: 'agency.add', target: null, at: at(1) });
      });
      const rows = await knex('kpi_audit_log').where({ agency_code: 'au-1' }).orderBy('id');
      expect(rows.map((r) => [r.actor, r.action, r.target, r.details === null ? null : JSON.parse(r.details), toDate(r.at)?.getTime()])).to.deep.equal([
        ['admin', 'period.close', '2026-Q1', { applyQuota: true }, T0.getTime()],
        ['cli', 'agency.add', null, null, at(1).getTime()],
      ]);
    });
  });

  describe('events', () => {
    it('when events are inserted twice over, then only the new ids are inserted and returned, and the payload round-trips', async () => {
      const first = await uow.write((tx) => tx.events.insertNew([newEvent('ev-1', 'e-2'), newEvent('ev-1', 'e-1')]));
      expect([...first].sort()).to.deep.equal(['e-1', 'e-2']);
      const second = await uow.write((tx) => tx.events.insertNew([newEvent('ev-1', 'e-1'), newEvent('ev-1', 'e-3'), newEvent('ev-2', 'e-1')]));
      expect([...second].sort()).to.deep.equal(['e-1', 'e-3']);
      expect(await knex('kpi_events').where({ agency_code: 'ev-1' }).count({ n: '*' }).first().then((r) => Number(r?.n))).to.equal(3);
      expect(JSON.parse((await read.events.payload('ev-1', 'e-3'))!)).to.deep.equal({ id: 'e-3', agency: 'ev-1', actor: { id: 'u-1' } });
      expect(await read.events.payload('ev-1', 'e-none')).to.equal(null);
    });

    it('when a failed event is settled, then it counts one more attempt, leaves the failed list, and settling again is refused', async () => {
      await uow.write((tx) => tx.events.insertNew([
        newEvent('ev-f', 'f-1', { status: 'failed', error: 'no rule' }),
        newEvent('ev-f', 'f-2', { status: 'failed', error: 'no rule' }),
        newEvent('ev-f', 'ok-1'),
      ]));
      expect((await read.events.failed('ev-f')).map((e) => e.eventId)).to.deep.equal(['f-1', 'f-2']);
      expect((await read.events.failed('ev-f', ['f-2', 'ok-1'])).map((e) => e.eventId)).to.deep.equal(['f-2']);
      expect(await uow.write((tx) => tx.events.settleFailed('ev-f', 'f-1', 'processed', null))).to.equal(true);
      expect(await uow.write((tx) => tx.events.settleFailed('ev-f', 'f-1', 'ignored', 'again'))).to.equal(false);
      expect((await read.events.failed('ev-f')).map((e) => e.eventId)).to.deep.equal(['f-2']);
      const processed = await read.events.list('ev-f', 'processed', 10);
      expect(processed.map((e) => [e.id, e.attempts, e.error])).to.deep.equal([['ok-1', 1, null], ['f-1', 2, null]]);
      expect(processed[0]!.occurredAt?.getTime()).to.equal(T0.getTime());
      expect(processed[0]!.receivedAt?.getTime()).to.equal(at(1000).getTime());
      expect(await read.events.list('ev-f', 'processed', 1)).to.have.length(1);
    });

    it('when events mentioning an official are asked, then the types given are the official\'s as actor (by actor_id, older rows by payload), failures of other types may name them anywhere, LIKE wildcards literal, newest first within the window', async () => {
      const pay = (actor: string, data: Record<string, unknown> = {}) => JSON.stringify({ actor: { id: actor }, data });
      await uow.write((tx) => tx.events.insertNew([
        newEvent('ev-m', 'm-1', { actorId: 'u_1', payload: pay('u_1'), occurredAt: at(HOUR) }),
        newEvent('ev-m', 'm-2', { actorId: 'uX1', payload: pay('uX1'), occurredAt: at(HOUR) }),
        newEvent('ev-m', 'm-3', { actorId: 'u_10', payload: pay('u_10'), occurredAt: at(HOUR) }),
        newEvent('ev-m', 'm-4', { actorId: 'u_1', payload: pay('u_1'), occurredAt: at(3 * HOUR) }),
        newEvent('ev-m', 'm-5', { actorId: 'lead', payload: pay('lead', { assigneeId: 'u_1' }), occurredAt: at(2 * HOUR), type: 'task.assigned' }),
        newEvent('ev-m', 'm-6', { actorId: 'lead', payload: pay('lead', { assigneeId: 'u_1' }), occurredAt: at(2 * HOUR), type: 'task.assigned', status: 'failed', error: 'x' }),
        newEvent('ev-m', 'm-7', { actorId: 'lead', payload: pay('lead', { assigneeId: 'uX1' }), occurredAt: at(2 * HOUR), type: 'task.assigned', status: 'failed', error: 'x' }),
        // Rows stored before actor_id was written: found by their payload.
        newEvent('ev-m', 'm-8', { actorId: null, payload: pay('u_1'), occurredAt: at(1.5 * HOUR) }),
        newEvent('ev-m', 'm-9', { actorId: null, payload: pay('uX1'), occurredAt: at(1.5 * HOUR) }),
        // Of the types given, only the official's own: another actor's event that names them is not asked for.
        newEvent('ev-m', 'm-10', { actorId: 'u-2', payload: pay('u-2', { userId: 'u_1' }), occurredAt: at(1.5 * HOUR), status: 'failed', error: 'y' }),
      ]));
      const ask = { userId: 'u_1', from: T0, to: at(3 * HOUR), types: ['document.received'], statuses: ['failed' as const], limit: 10 };
      const got = await read.events.mentioning('ev-m', ask);
      expect(got.map((e) => e.eventId)).to.deep.equal(['m-6', 'm-8', 'm-1']);
      expect(got[0]).to.include({ type: 'task.assigned', status: 'failed', error: 'x', payload: pay('lead', { assigneeId: 'u_1' }) });
      expect(got[0]!.occurredAt?.getTime()).to.equal(at(2 * HOUR).getTime());
      expect((await read.events.mentioning('ev-m', { ...ask, limit: 2 })).map((e) => e.eventId)).to.deep.equal(['m-6', 'm-8']);
      expect((await read.events.mentioning('ev-m', { ...ask, statuses: [] })).map((e) => e.eventId)).to.deep.equal(['m-8', 'm-1']);
    });
  });

  describe('assignments', () => {
    const doc = { kind: 'document', id: 'VB-1' };
    const task = { kind: 'task', id: 'NV-1' };

    it('when assignments are inserted, updated, given a status and cancelled, then ofSubjects and minutesDue follow; a second one of the same (subject, official) is a unique violation', async () => {
      const id1 = await uow.write((tx) => tx.assignments.insert('as-1', doc, 'u-1', 'open', fields({ minutes: 30, dueDay: '2026-03-20' })));
      const id2 = await uow.write((tx) => tx.assignments.insert('as-1', doc, 'u-2', 'open', fields({ minutes: 45, dueDay: '2026-03-21', dueAt: null, workItemCode: null, quantity: null })));
      const id3 = await uow.write((tx) => tx.assignments.insert('as-1', task, 'u-1', 'open', fields({ minutes: 100, dueDay: '2026-04-02' })));
      expect(new Set([id1, id2, id3]).size).to.equal(3);
      const list = await read.assignments.ofSubjects('as-1', [doc]);
      expect(list.sort((a, b) => a.id - b.id)).to.deep.equal([
        { id: id1, subjectKind: 'document', subjectId: 'VB-1', userId: 'u-1', status: 'open', workItemCode: 'NV-01', quantity: 1, dueAt: new Date('2026-03-20T10:00:00Z') },
        { id: id2, subjectKind: 'document', subjectId: 'VB-1', userId: 'u-2', status: 'open', workItemCode: null, quantity: null, dueAt: null },
      ]);
      // Same subject id under another kind is another subject.
      expect((await read.assignments.ofSubjects('as-1', [{ kind: 'task', id: 'VB-1' }]))).to.deep.equal([]);

      const err = await thrown(() => uow.write((tx) => tx.assignments.insert('as-1', doc, 'u-1', 'open', fields())));
      expect(isUniqueViolation(err), String(err)).to.equal(true);

      expect(Object.fromEntries(await read.assignments.minutesDue('as-1', '2026-03-01', '2026-03-31'))).to.deep.equal({ 'u-1': 30, 'u-2': 45 });
      await uow.write((tx) => tx.assignments.update(id1, fields({ minutes: 90, dueDay: '2026-03-25', quantity: 3 })));
      await uow.write((tx) => tx.assignments.setStatus(id3, 'completed', at(1)));
      expect(Object.fromEntries(await read.assignments.minutesDue('as-1', '2026-03-01', '2026-04-30'))).to.deep.equal({ 'u-1': 190, 'u-2': 45 });
      await uow.write((tx) => tx.assignments.cancel('as-1', doc, 'u-2', at(2)));
      expect(Object.fromEntries(await read.assignments.minutesDue('as-1', '2026-03-01', '2026-04-30', ['u-2']))).to.deep.equal({});
      expect(Object.fromEntries(await read.assignments.minutesDue('as-1', '2026-03-01', '2026-04-30', ['u-1']))).to.deep.equal({ 'u-1': 190 });
      await uow.write((tx) => tx.assignments.cancel('as-1', doc, null, at(3)));
      const after = await read.assignments.ofSubjects('as-1', [doc, task]);
      expect(Object.fromEntries(after.map((a) => [`${a.subjectKind}/${a.userId}`, a.status]))).to.deep.equal({ 'document/u-1': 'cancelled', 'document/u-2': 'cancelled', 'task/u-1': 'completed' });
      expect(after.find((a) => a.id === id1)?.quantity).to.equal(3);
    });

    it('when marks are inserted, then marksOf filters by kind and facts gathers marks and due times per subject', async () => {
      const due = new Date('2026-03-20T10:00:00Z'); // the task's assignment (fields() default)
      const newDue = new Date('2026-04-09T10:00:00Z');
      await uow.write((tx) => tx.assignments.insertMarks('as-1', [
        { subjectKind: 'task', subjectId: 'NV-1', userId: 'u-1', kind: 'fail', excused: false, newDueAt: null, at: at(1), eventId: 'e-rej' },
        { subjectKind: 'task', subjectId: 'NV-1', userId: null, kind: 'extension', excused: true, newDueAt: newDue, at: at(2), eventId: null },
        { subjectKind: 'document', subjectId: 'NV-1', userId: 'u-9', kind: 'fail', excused: false, newDueAt: null, at: at(3), eventId: null },
      ]));
      const fails = await read.assignments.marksOf('as-1', [task], ['fail']);
      expect(fails).to.deep.equal([{ subject: task, mark: { kind: 'fail', userId: 'u-1', excused: false, newDueAt: null, at: at(1) } }]);
      expect((await read.assignments.marksOf('as-1', [task])).map((m) => m.mark.kind).sort()).to.deep.equal(['extension', 'fail']);
      const facts = await read.assignments.facts('as-1', [task, { kind: 'task', id: 'NV-none' }]);
      expect([...facts.keys()]).to.deep.equal(['task\u0000NV-1']);
      const f = facts.get('task\u0000NV-1')!;
      expect(f.marks.map((m) => [m.kind, m.userId, m.excused, m.newDueAt?.getTime() ?? null]).sort()).to.deep.equal([
        ['extension', null, true, newDue.getTime()], ['fail', 'u-1', false, null],
      ]);
      expect(Object.fromEntries([...f.due].map(([u, d]) => [u, d?.getTime()]))).to.deep.equal({ 'u-1': due.getTime() });
      expect((await read.assignments.facts('as-1', [])).size).to.equal(0);
    });
  });

  describe('directory', () => {
    it('when units and users are put new and then changed, then they round-trip; putting a new one twice is a unique violation', async () => {
      await uow.write(async (tx) => {
        await tx.directory.putUnit('dir-1', { id: 'P1', name: 'Phòng Kinh tế', parentId: null, updatedAt: T0 }, true);
        await tx.directory.putUnit('dir-1', { id: 'P2', name: 'Tổ Tổng hợp', parentId: 'P1', updatedAt: T0 }, true);
        await tx.directory.putUser('dir-1', user('u-2', { unitId: 'P2', isLeader: true, activeFrom: '2026-01-01' }), true);
        await tx.directory.putUser('dir-1', user('u-1'), true);
        await tx.directory.putUser('dir-1', user('u-3', { unitId: null, position: null, active: false, activeTo: '2026-02-28' }), true);
      });
      expect(await read.directory.user('dir-1', 'u-2')).to.deep.equal(user('u-2', { unitId: 'P2', isLeader: true, activeFrom: '2026-01-01' }));
      expect(await read.directory.user('dir-1', 'u-3')).to.deep.equal(user('u-3', { unitId: null, position: null, active: false, activeTo: '2026-02-28' }));
      expect(await read.directory.user('dir-2', 'u-1')).to.equal(null);
      expect((await read.directory.users('dir-1')).map((u) => u.id)).to.deep.equal(['u-1', 'u-2', 'u-3']);
      expect((await read.directory.users('dir-1', { unitId: 'P1' })).map((u) => u.id)).to.deep.equal(['u-1']);
      expect((await read.directory.users('dir-1', { userIds: ['u-3', 'u-1', 'u-3', 'u-none'] })).map((u) => u.id)).to.deep.equal(['u-1', 'u-3']);
      expect(Object.fromEntries(await read.directory.unitsOf('dir-1', ['u-1', 'u-3', 'u-none']))).to.deep.equal({ 'u-1': 'P1', 'u-3': null });
      expect(await read.directory.units('dir-1')).to.deep.equal([
        { id: 'P1', name: 'Phòng Kinh tế', parentId: null, updatedAt: T0 },
        { id: 'P2', name: 'Tổ Tổng hợp', parentId: 'P1', updatedAt: T0 },
      ]);

      await uow.write(async (tx) => {
        await tx.directory.putUnit('dir-1', { id: 'P2', name: 'Tổ Tổng hợp (mới)', parentId: null, updatedAt: at(HOUR) }, false);
        await tx.directory.putUser('dir-1', user('u-1', { unitId: 'P2', name: 'Nguyễn Văn Một', updatedAt: at(HOUR) }), false);
      });
      expect(await read.directory.unit('dir-1', 'P2')).to.deep.equal({ id: 'P2', name: 'Tổ Tổng hợp (mới)', parentId: null, updatedAt: at(HOUR) });
      expect(await read.directory.unit('dir-1', 'P9')).to.equal(null);
      expect(await read.directory.user('dir-1', 'u-1')).to.deep.include({ name: 'Nguyễn Văn Một', unitId: 'P2', updatedAt: at(HOUR) });

      const e1 = await thrown(() => uow.write((tx) => tx.directory.putUser('dir-1', user('u-1'), true)));
      expect(isUniqueViolation(e1), String(e1)).to.equal(true);
      const e2 = await thrown(() => uow.write((tx) => tx.directory.putUnit('dir-1', { id: 'P1', name: 'x', parentId: null, updatedAt: T0 }, true)));
      expect(isUniqueViolation(e2), String(e2)).to.equal(true);
      expect((await read.directory.user('dir-1', 'u-1'))?.name).to.equal('Nguyễn Văn Một');
    });
  });

  describe('assessments', () => {
    before(async () => {
      await uow.write(async (tx) => {
        await tx.directory.putUser('sm-1', user('u-1', { name: 'An' }), true);
        await tx.directory.putUser('sm-1', user('u-2', { name: 'Bình', isLeader: true }), true);
        await tx.directory.putUser('sm-1', user('u-old', { name: 'Cũ', active: false, activeTo: '2025-12-31' }), true);
        await tx.directory.putUser('sm-1', user('u-gone', { name: 'Đã chuyển', active: false, activeTo: '2025-12-31' }), true);
        await tx.directory.putUser('sm-1', user('u-p2', { name: 'Em', unitId: 'P2' }), true);
      });
    });

    it('when an assessment is put new and then updated, then it round-trips; a second new one of the same key is a unique violation', async () => {
      expect(await read.assessments.get('sm-1', 'u-1', '2026-Q1')).to.equal(null);
      await uow.write((tx) => tx.assessments.put('sm-1', 'u-1', '2026-Q1', { general: 8.5, disqualified: false, assessedBy: 'u-2', updatedAt: T0 }, false));
      expect(await read.assessments.get('sm-1', 'u-1', '2026-Q1')).to.deep.equal({ general: 8.5, disqualified: false, assessedBy: 'u-2', updatedAt: T0 });
      const err = await thrown(() => uow.write((tx) => tx.assessments.put('sm-1', 'u-1', '2026-Q1', { general: 1, disqualified: true, assessedBy: 'x', updatedAt: at(1) }, false)));
      expect(isUniqueViolation(err), String(err)).to.equal(true);
      await uow.write((tx) => tx.assessments.put('sm-1', 'u-1', '2026-Q1', { general: null, disqualified: true, assessedBy: 'u-boss', updatedAt: at(HOUR) }, true));
      expect(await read.assessments.get('sm-1', 'u-1', '2026-Q1')).to.deep.equal({ general: null, disqualified: true, assessedBy: 'u-boss', updatedAt: at(HOUR) });
      await uow.write((tx) => tx.assessments.put('sm-1', 'u-old', '2026-Q1', { general: 7, disqualified: false, assessedBy: 'u-2', updatedAt: T0 }, false));
      await uow.write((tx) => tx.assessments.put('sm-1', 'u-2', '2025-Q4', { general: 9, disqualified: false, assessedBy: 'u-2', updatedAt: T0 }, false));
      expect(Object.fromEntries(await read.assessments.ofPeriod('sm-1', '2026-Q1'))).to.deep.equal({
        'u-1': { general: null, disqualified: true }, 'u-old': { general: 7, disqualified: false },
      });
      // Of some officials only (a unit's scores): the others are not read.
      expect(Object.fromEntries(await read.assessments.ofPeriod('sm-1', '2026-Q1', ['u-old', 'u-2', 'u-none']))).to.deep.equal({ 'u-old': { general: 7, disqualified: false } });
      expect((await read.assessments.ofPeriod('sm-1', '2026-Q1', [])).size).to.equal(0);
    });

    it('when officials are listed with their assessment, then the active and the assessed come, leader first, with the period\'s assessment only', async () => {
      const got = await read.assessments.withUsers('sm-1', { period: '2026-Q1', from: '2026-01-01', to: '2026-03-31', unitId: 'P1', limit: 50 });
      expect(got.map((u) => [u.id, u.isLeader, u.assessment?.general ?? null, u.assessment?.disqualified ?? null])).to.deep.equal([
        ['u-2', true, null, null], // assessed for 2025-Q4 only
        ['u-1', false, null, true],
        ['u-old', false, 7, false], // inactive, but assessed for the period
      ]);
      expect(got[1]!.assessment).to.deep.equal({ general: null, disqualified: true, assessedBy: 'u-boss', updatedAt: at(HOUR) });
      const all = await read.assessments.withUsers('sm-1', { period: '2026-Q1', from: '2026-01-01', to: '2026-03-31', unitId: null, limit: 2 });
      expect(all).to.have.length(2);
    });
  });

  describe('periods', () => {
    it('when a period is closed, reopened and closed again, then its state follows and closedAmong names the closed ones', async () => {
      expect(await read.periods.state('pe-1', '2026-Q1')).to.deep.equal({ status: 'open', applyQuota: false });
      await uow.write(async (tx) => {
        await tx.periods.close('pe-1', '2026-Q1', { applyQuota: true, actor: 'admin', now: T0 });
        await tx.periods.close('pe-1', '2026-01', { applyQuota: false, actor: 'admin', now: T0 });
      });
      expect(await read.periods.state('pe-1', '2026-Q1')).to.deep.equal({ status: 'closed', applyQuota: true });
      expect((await read.periods.closedAmong('pe-1', ['2026-01', '2026-02', '2026-Q1'])).sort()).to.deep.equal(['2026-01', '2026-Q1']);
      await uow.write((tx) => tx.periods.reopen('pe-1', '2026-Q1', 'Sửa sai số liệu', at(HOUR)));
      expect(await read.periods.state('pe-1', '2026-Q1')).to.deep.equal({ status: 'open', applyQuota: true });
      expect(await read.periods.closedAmong('pe-1', ['2026-Q1'])).to.deep.equal([]);
      const row = await knex('kpi_periods').where({ agency_code: 'pe-1', period: '2026-Q1' }).first();
      expect(row.reopen_reason).to.equal('Sửa sai số liệu');
      await uow.write((tx) => tx.periods.close('pe-1', '2026-Q1', { applyQuota: false, actor: 'admin-2', now: at(2 * HOUR) }));
      expect(await read.periods.state('pe-1', '2026-Q1')).to.deep.equal({ status: 'closed', applyQuota: false });
      expect(await knex('kpi_periods').where({ agency_code: 'pe-1', period: '2026-Q1' })).to.have.length(1);
    });

    it('when snapshots are written twice, then the second set replaces the first, by official', async () => {
      const s = (userId: string, total: number) => ({ userId, unitId: 'P1', total, classification: total >= 90 ? 'A' : 'B', profile: { id: 'nd335', version: 1 } });
      await uow.write((tx) => tx.periods.writeSnapshots('pe-1', '2026-Q1', [s('u-2', 95), s('u-1', 80), s('u-3', 70)], T0));
      expect(await read.periods.snapshots('pe-1', '2026-Q1')).to.deep.equal([s('u-1', 80), s('u-2', 95), s('u-3', 70)]);
      await uow.write((tx) => tx.periods.writeSnapshots('pe-1', '2026-Q1', [s('u-2', 91)], at(1)));
      expect(await read.periods.snapshots('pe-1', '2026-Q1')).to.deep.equal([s('u-2', 91)]);
      expect(await read.periods.snapshots('pe-1', '2026-Q2')).to.deep.equal([]);
    });

    it('when a closed period\'s numbers are read, then they are the snapshot without explanations, every official over several pages, in official order', async () => {
      const s = (i: number) => ({ userId: `u-${String(i).padStart(5, '0')}`, unitId: 'P1', total: i % 100, classification: null, profile: { id: 'nd335', version: 1 }, explanation: { kind: 'period', lines: ['x'.repeat(50)] } });
      const all = Array.from({ length: 4500 }, (_, i) => s(i));
      await uow.write((tx) => tx.periods.writeSnapshots('pe-2', '2026-Q1', [...all].reverse(), T0));
      const numbers = await read.periods.snapshotNumbers<Record<string, unknown>>('pe-2', '2026-Q1');
      expect(numbers).to.have.length(4500);
      expect(numbers).to.deep.equal(all.map(({ explanation: _, ...rest }) => rest));
      expect(await read.periods.snapshotNumbers('pe-2', '2026-Q2')).to.deep.equal([]);
    });
  });

  describe('journal', () => {
    const P = { fail: 0.25, delay: 0.25 };
    const QUERY = { agency: 'jn-1', from: '2026-03-01', to: '2026-03-31', capMinutes: 480, clip: true, failPenalty: P.fail, delayPenalty: P.delay };

    before(async () => {
      await addAgency('jn-1');
    });

    it('when entries are inserted one by one and in bulk, then they round-trip and the queries find them; a second entry of the same (event, official) is a unique violation', async () => {
      const id = await uow.write((tx) => tx.journal.insert('jn-1', newEntry({ userId: 'u-1', day: '2026-03-02', minutes: 300, fails: 1, eventId: 'e-1', subjectId: 'VB-1', completes: true })));
      const got = await read.journal.get('jn-1', id);
      const { createdAt: _c, updatedAt: _u, ...fieldsOf } = newEntry({ userId: 'u-1', day: '2026-03-02', minutes: 300, fails: 1, eventId: 'e-1', subjectId: 'VB-1', completes: true });
      expect(got).to.deep.equal({ id, ...fieldsOf });
      expect(await read.journal.get('jn-1', 'not-an-id')).to.equal(null);
      expect(await read.journal.get('jn-other', id)).to.equal(null);
      expect(await read.journal.entryOfEvent('jn-1', 'e-1', 'u-1')).to.equal(id);

      const err = await thrown(() => uow.write((tx) => tx.journal.insert('jn-1', newEntry({ userId: 'u-1', day: '2026-03-03', minutes: 1, eventId: 'e-1' }))));
      expect(isUniqueViolation(err), String(err)).to.equal(true);

      await uow.write((tx) => tx.journal.insertMany('jn-1', [
        newEntry({ userId: 'u-1', day: '2026-03-02', minutes: 300, eventId: 'e-2', subjectId: 'VB-2' }),
        newEntry({ userId: 'u-1', day: '2026-03-03', minutes: 120, status: 'pending', source: 'manual', eventId: null, subjectId: 'VB-9' }),
        newEntry({ userId: 'u-2', day: '2026-03-02', minutes: 60, eventId: 'e-3', unitId: null, subjectKind: 'task', subjectId: 'NV-1', completes: true }),
      ]));
      expect((await read.journal.ofUser('jn-1', 'u-1', '2026-03-01', '2026-03-31', ['approved', 'pending'])).map((e) => [e.day, e.minutes, e.status])).to.deep.equal([
        ['2026-03-02', 300, 'approved'], ['2026-03-02', 300, 'approved'], ['2026-03-03', 120, 'pending'],
      ]);
      expect(await read.journal.countPending('jn-1', '2026-03-01', '2026-03-31')).to.equal(1);
      expect([...await read.journal.eventsWithEntry('jn-1', 'u-1', '2026-03-01', '2026-03-31')].sort()).to.deep.equal(['e-1', 'e-2']);
      expect([...await read.journal.manualSubjects('jn-1', 'u-1')]).to.deep.equal(['document\u0000VB-9']);
      expect((await read.journal.completionsOf('jn-1', 'NV-1', 'u-2')).map((e) => e.eventId)).to.deep.equal(['e-3']);
      expect((await read.journal.ofSubjects('jn-1', [{ kind: 'document', id: 'VB-1' }])).map((e) => e.id)).to.deep.equal([id]);
      // A subject kind is only ever the host's: `entry` does not name a journal entry by its id.
      expect((await read.journal.ofSubjects('jn-1', [{ kind: 'document', id: 'VB-1' }, { kind: 'entry', id }])).map((e) => e.id)).to.deep.equal([id]);
      const page1 = await read.journal.page('jn-1', { from: '2026-03-01', to: '2026-03-31', limit: 2 });
      expect(page1).to.have.length(2);
      const page2 = await read.journal.page('jn-1', { from: '2026-03-01', to: '2026-03-31', limit: 10, after: { day: page1[1]!.day, id: page1[1]!.id } });
      expect([...page1, ...page2].map((e) => e.day)).to.deep.equal(['2026-03-02', '2026-03-02', '2026-03-02', '2026-03-03']);
      expect((await read.journal.page('jn-1', { from: '2026-03-01', to: '2026-03-31', limit: 10, status: 'pending' })).map((e) => e.minutes)).to.deep.equal([120]);

      await uow.write((tx) => tx.journal.adoptUnit('jn-1', 'u-2', 'P7'));
      expect((await read.journal.ofUser('jn-1', 'u-2', '2026-03-01', '2026-03-31', ['approved'])).map((e) => e.unitId)).to.deep.equal(['P7']);
    });

    it('when the roll-up is ensured, then it builds on first use and on changed penalties only, and periodTotals caps each day', async () => {
      // ensureDays and periodTotals open their own transaction on the root knex: they are asked
      // outside a write (inside one, SQLite's single connection would wait for itself).
      expect(await read.journal.ensureDays('jn-1', P)).to.equal(true);
      expect(await read.journal.ensureDays('jn-1', P)).to.equal(false);
      await expectRollupsMatchEntries(knex, 'jn-1', P);
      // u-1: 2026-03-02 has 600 approved minutes (300 with one fail), over the 480 cap; 2026-03-03 has 120 pending.
      const approved = await read.journal.periodTotals({ ...QUERY, statuses: ['approved'] });
      expect(approved.totals.get('u-1')).to.deep.equal({ userId: 'u-1', C: 480, CL: 420, CT: 480, overDays: 1, daysLogged: 1, entries: 2 });
      expect(approved.totals.get('u-2')).to.deep.equal({ userId: 'u-2', C: 60, CL: 60, CT: 60, overDays: 0, daysLogged: 1, entries: 1 });
      expect(Object.fromEntries(approved.overDays)).to.deep.equal({ 'u-1': [{ day: '2026-03-02', minutes: 600 }] });
      // Without the days over the cap (the quota pool only ranks): the same totals, and no days listed.
      const ranking = await read.journal.periodTotals({ ...QUERY, statuses: ['approved'], overDays: false });
      expect(Object.fromEntries(ranking.totals)).to.deep.equal(Object.fromEntries(approved.totals));
      expect(ranking.overDays.size).to.equal(0);
      const both = await read.journal.periodTotals({ ...QUERY, statuses: ['approved', 'pending'], userIds: ['u-1'] });
      expect([...both.totals.keys()]).to.deep.equal(['u-1']);
      expect(both.totals.get('u-1')).to.deep.equal({ userId: 'u-1', C: 600, CL: 540, CT: 600, overDays: 1, daysLogged: 2, entries: 3 });
      const unclipped = await read.journal.periodTotals({ ...QUERY, statuses: ['approved'], clip: false });
      expect(unclipped.totals.get('u-1')).to.include({ C: 600, CL: 525, CT: 600, overDays: 1 });
      // Other penalties rebuild the roll-up (and the totals follow them).
      const half = await read.journal.periodTotals({ ...QUERY, statuses: ['approved'], failPenalty: 0.5, delayPenalty: 0.5 });
      expect(half.totals.get('u-1')?.CL).to.be.closeTo(450 * 480 / 600, 1e-9);
      await expectRollupsMatchEntries(knex, 'jn-1', { fail: 0.5, delay: 0.5 });
      expect(await read.journal.ensureDays('jn-1', P)).to.equal(true);
      await expectRollupsMatchEntries(knex, 'jn-1', P);
    });

    it('when entries are added with applyDays and changed with refreshDays, then the roll-up stays what the entries give, and a rolled-back change leaves it as it was', async () => {
      const added = [
        newEntry({ userId: 'u-1', day: '2026-03-04', minutes: 200, delays: 1, eventId: 'e-10' }),
        newEntry({ userId: 'u-3', day: '2026-03-04', minutes: 50, status: 'pending', eventId: 'e-11' }),
        newEntry({ userId: 'u-3', day: '2026-03-05', minutes: 70, status: 'rejected', eventId: 'e-12' }),
      ];
      await uow.write(async (tx) => {
        await tx.journal.insertMany('jn-1', added);
        await tx.journal.applyDays('jn-1', added.map((e) => ({ userId: e.userId, day: e.day, status: e.status, minutes: e.minutes, fails: e.fails, delays: e.delays })), []);
      });
      await expectRollupsMatchEntries(knex, 'jn-1', P);

      // Approve the pending manual entry and move a 300-minute one to another day.
      const pending = (await read.journal.page('jn-1', { from: '2026-03-01', to: '2026-03-31', status: 'pending', userId: 'u-1', limit: 10 }))[0]!;
      const moved = (await read.journal.ofUser('jn-1', 'u-1', '2026-03-02', '2026-03-02', ['approved']))[1]!;
      await uow.write(async (tx) => {
        expect(await tx.journal.updateIfStatus('jn-1', pending.id, ['pending'], { status: 'approved', reviewedBy: 'u-lead', reviewedAt: at(HOUR), updatedAt: at(HOUR) })).to.equal(true);
        await tx.journal.update('jn-1', moved.id, { day: '2026-03-06', updatedAt: at(HOUR) });
        await tx.journal.refreshDays('jn-1', [{ userId: 'u-1', day: pending.day }, { userId: 'u-1', day: '2026-03-02' }, { userId: 'u-1', day: '2026-03-06' }]);
      });
      await expectRollupsMatchEntries(knex, 'jn-1', P);
      expect(await uow.write((tx) => tx.journal.updateIfStatus('jn-1', pending.id, ['pending'], { status: 'rejected', updatedAt: at(2 * HOUR) }))).to.equal(false);
      const t = await read.journal.periodTotals({ ...QUERY, statuses: ['approved'], userIds: ['u-1'] });
      expect(t.totals.get('u-1')).to.deep.include({ C: 300 + 120 + 200 + 300, daysLogged: 4, overDays: 0 });

      // A manual entry withdrawn: only a pending manual one can be.
      const manualId = await uow.write((tx) => tx.journal.insert('jn-1', newEntry({ userId: 'u-3', day: '2026-03-05', minutes: 15, status: 'pending', source: 'manual' })));
      await uow.write((tx) => tx.journal.refreshDays('jn-1', [{ userId: 'u-3', day: '2026-03-05' }]));
      await expectRollupsMatchEntries(knex, 'jn-1', P);
      expect(await uow.write((tx) => tx.journal.deletePendingManual('jn-1', moved.id))).to.equal(false);
      await uow.write(async (tx) => {
        expect(await tx.journal.deletePendingManual('jn-1', manualId)).to.equal(true);
        await tx.journal.refreshDays('jn-1', [{ userId: 'u-3', day: '2026-03-05' }]);
      });
      await expectRollupsMatchEntries(knex, 'jn-1', P);

      // A change and its refresh, rolled back together.
      const before = await knex('kpi_journal_days').where({ agency_code: 'jn-1' }).orderBy(['user_id', 'day']);
      const boom = new Error('rollback');
      expect(await thrown(() => uow.write(async (tx) => {
        await tx.journal.update('jn-1', moved.id, { minutes: 1, updatedAt: at(3 * HOUR) });
        const more = [newEntry({ userId: 'u-1', day: '2026-03-06', minutes: 999, eventId: 'e-99' })];
        await tx.journal.insertMany('jn-1', more);
        await tx.journal.applyDays('jn-1', more.map((e) => ({ userId: e.userId, day: e.day, status: e.status, minutes: e.minutes, fails: 0, delays: 0 })), [{ userId: 'u-1', day: '2026-03-06' }]);
        throw boom;
      }))).to.equal(boom);
      expect(await knex('kpi_journal_days').where({ agency_code: 'jn-1' }).orderBy(['user_id', 'day'])).to.deep.equal(before);
      expect((await read.journal.get('jn-1', moved.id))?.minutes).to.equal(300);
      expect(await read.journal.entryOfEvent('jn-1', 'e-99', 'u-1')).to.equal(null);
      await expectRollupsMatchEntries(knex, 'jn-1', P);
    });
  });
});
