import { expect } from 'chai';
import sinon from 'sinon';
import { KpiError } from '../../../src/domain/errors';
import type { JournalEntry } from '../../../src/domain/journal';
import { periodOfDay } from '../../../src/domain/period';
import type { Principal } from '../../../src/domain/principal';
import { httpStatus } from '../../../src/http/errors';
import type { AgencyService } from '../../../src/services/agency-service';
import type { JournalService } from '../../../src/services/journal-service';
import { ReviewService } from '../../../src/services/review-service';
import { AGENCY, FakeUnitOfWork, SEEDED_AT } from '../../helpers/fake-stores';

/**
 * The leader's side of ReviewService over in-memory stores: what an approval and a "not met"
 * write (entry, audit line, roll-up days, marks) and that a refused one leaves nothing behind.
 * The same over a database: test/e2e/journal-api.test.ts.
 */

const NOW = new Date('2026-03-20T02:00:00Z');

const principal = (userId: string, o: Partial<Principal> = {}): Principal => ({ userId, agency: AGENCY, name: userId, unit: null, roles: ['official'], locale: 'vi', ...o });
const leaderP1 = principal('lead1', { roles: ['official', 'leader'] });

/** JournalService's visibility rules (journal-service.ts), over the fake directory: the only methods ReviewService calls. */
function fakeJournalService(uow: FakeUnitOfWork): JournalService {
  const userUnit = async (agency: string, userId: string): Promise<string | null> => (await uow.read.directory.user(agency, userId))?.unitId ?? null;
  const unitOf = async (p: Principal): Promise<string | null> => p.unit ?? userUnit(p.agency, p.userId);
  const canSee = async (p: Principal, userId: string): Promise<boolean> => {
    if (userId === p.userId || p.roles.includes('hr') || p.roles.includes('admin')) return true;
    if (!p.roles.includes('leader')) return false;
    const [mine, theirs] = await Promise.all([unitOf(p), userUnit(p.agency, userId)]);
    return mine !== null && mine === theirs;
  };
  return { userUnit, unitOf, canSee } as unknown as JournalService;
}

/** The leader's actions never read settings or the catalogue. */
const noAgencies = {} as unknown as AgencyService;

async function refused(p: Promise<unknown>): Promise<KpiError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(KpiError);
    return e as KpiError;
  }
  expect.fail('expected a KpiError');
}

describe('services/review-service: the leader\'s side over fake stores', () => {
  let uow: FakeUnitOfWork;
  let reviews: ReviewService;
  let entry: JournalEntry;

  beforeEach(() => {
    uow = new FakeUnitOfWork();
    uow.addUser('u1', 'P1');
    uow.addUser('lead1', 'P1', { isLeader: true });
    uow.addUser('lead2', 'P2', { isLeader: true });
    entry = uow.addEntry({ userId: 'u1', day: '2026-03-10', status: 'pending', subjectKind: 'task', subjectId: 'T1', completes: true });
    reviews = new ReviewService({ uow, agencies: noAgencies, journal: fakeJournalService(uow), clock: () => NOW });
  });

  afterEach(() => sinon.restore());

  describe('approve', () => {
    it('when the leader of the owner\'s unit approves a pending entry, then it is approved by them, audited, and its day refreshed', async () => {
      const json = await reviews.approve(leaderP1, entry.id);
      expect(json).to.include({ id: entry.id, status: 'approved', reviewedBy: 'lead1', reviewReason: null });
      expect(uow.entry(entry.id)).to.deep.include({ status: 'approved', reviewedBy: 'lead1', reviewedAt: NOW });
      expect(uow.updatedAt(entry.id)).to.deep.equal(NOW);
      expect(uow.state.audit).to.deep.equal([
        { agency: AGENCY, actor: 'lead1', action: 'journal.approve', target: `journal:${entry.id}`, details: { userId: 'u1', from: 'pending', to: 'approved' }, at: NOW },
      ]);
      expect(uow.state.refreshed).to.deep.equal([{ agency: AGENCY, keys: [{ userId: 'u1', day: '2026-03-10' }] }]);
    });

    it('when an approved entry is approved again, then 409 not_pending and nothing more is written', async () => {
      await reviews.approve(leaderP1, entry.id);
      const e = await refused(reviews.approve(leaderP1, entry.id));
      expect([httpStatus(e), e.code]).to.deep.equal([409, 'not_pending']);
      expect(uow.state.audit).to.have.length(1);
      expect(uow.state.refreshed).to.have.length(1);
    });

    it('when another leader changed the entry meanwhile, then 409 entry_changed and the transaction leaves nothing', async () => {
      const stale = reviews.approve(leaderP1, entry.id);
      uow.state.entries.find((r) => r.entry.id === entry.id)!.entry.status = 'rejected'; // after the read, before the write
      const e = await refused(stale);
      expect([httpStatus(e), e.code]).to.deep.equal([409, 'entry_changed']);
      expect(uow.state.audit).to.deep.equal([]);
      expect(uow.rollbacks).to.equal(1);
    });

    it('when a leader of another unit approves, then 404 (the entry is not theirs to see) and nothing changes', async () => {
      const e = await refused(reviews.approve(principal('lead2', { roles: ['official', 'leader'] }), entry.id));
      expect(httpStatus(e)).to.equal(404);
      expect(uow.entry(entry.id)!.status).to.equal('pending');
      expect(uow.writes).to.equal(0);
    });

    it('when a leader of another unit who may read every entry (HR) approves, then 403 not_unit_leader and nothing changes', async () => {
      const e = await refused(reviews.approve(principal('lead2', { roles: ['leader', 'hr'] }), entry.id));
      expect([httpStatus(e), e.code]).to.deep.equal([403, 'not_unit_leader']);
      expect(uow.entry(entry.id)!.status).to.equal('pending');
      expect(uow.state.audit).to.deep.equal([]);
    });

    it('when the owner approves their own entry as a leader, then 403 own_entry', async () => {
      const e = await refused(reviews.approve(principal('u1', { roles: ['leader'], unit: 'P1' }), entry.id));
      expect([httpStatus(e), e.code]).to.deep.equal([403, 'own_entry']);
    });

    for (const kind of ['month', 'quarter', 'year'] as const) {
      it(`when the entry's ${kind} is closed, then 409 period_closed and the entry, the audit and the roll-ups are untouched`, async () => {
        uow.closePeriod(periodOfDay(entry.day, kind).key);
        const e = await refused(reviews.approve(leaderP1, entry.id));
        expect([httpStatus(e), e.code]).to.deep.equal([409, 'period_closed']);
        expect(uow.entry(entry.id)).to.deep.equal(entry);
        expect(uow.updatedAt(entry.id)).to.deep.equal(SEEDED_AT);
        expect(uow.state.audit).to.deep.equal([]);
        expect(uow.state.refreshed).to.deep.equal([]);
      });
    }

    it('when the roll-up refresh fails after the entry and its audit line were written, then both are rolled back', async () => {
      sinon.stub(uow.read.journal, 'refreshDays').rejects(new Error('connection lost'));
      await reviews.approve(leaderP1, entry.id).then(() => expect.fail('expected the error'), (e: Error) => expect(e.message).to.equal('connection lost'));
      expect(uow.entry(entry.id)).to.deep.equal(entry);
      expect(uow.state.audit).to.deep.equal([]);
      expect(uow.rollbacks).to.equal(1);
    });
  });

  describe('fail ("not met")', () => {
    it('when the leader records "not met" on an entry with a subject, then a fail mark for the owner is stored on the subject, the owner\'s entries of it are re-derived, audited and refreshed', async () => {
      const sibling = uow.addEntry({ userId: 'u1', day: '2026-03-12', status: 'approved', subjectKind: 'task', subjectId: 'T1', completes: false });
      const colleague = uow.addEntry({ userId: 'u2', day: '2026-03-12', status: 'approved', subjectKind: 'task', subjectId: 'T1', completes: true });
      const json = await reviews.fail(leaderP1, entry.id, {});
      expect(json).to.include({ id: entry.id, fails: 1, status: 'pending' });
      expect(uow.state.marks).to.deep.equal([
        { agency: AGENCY, subjectKind: 'task', subjectId: 'T1', userId: 'u1', kind: 'fail', excused: false, newDueAt: null, at: NOW, eventId: null },
      ]);
      expect(uow.entry(sibling.id)!.fails).to.equal(1);
      expect(uow.entry(colleague.id)!.fails).to.equal(0);
      expect(uow.state.audit.map((a) => [a.action, a.target, a.details])).to.deep.equal([
        ['journal.fail', `journal:${entry.id}`, { userId: 'u1', subjectKind: 'task', subjectId: 'T1', excused: false }],
      ]);
      expect(uow.state.refreshed).to.have.length(1);
      expect(uow.state.refreshed[0]!.keys).to.have.deep.members([{ userId: 'u1', day: '2026-03-10' }, { userId: 'u1', day: '2026-03-12' }]);
    });

    it('when "not met" is recorded on an entry without a subject, then the mark is on the entry itself and only it changes', async () => {
      const own = uow.addEntry({ userId: 'u1', day: '2026-03-11', subjectKind: null, subjectId: null, source: 'manual' });
      await reviews.fail(leaderP1, own.id, {});
      expect(uow.state.marks.map((m) => [m.subjectKind, m.subjectId, m.userId])).to.deep.equal([['entry', own.id, 'u1']]);
      expect(uow.entry(own.id)!.fails).to.equal(1);
      expect(uow.entry(entry.id)!.fails).to.equal(0);
      expect(uow.state.refreshed[0]!.keys).to.deep.equal([{ userId: 'u1', day: '2026-03-11' }]);
    });

    it('when "not met" is excused, then the mark is stored but no entry changes and no day needs refreshing', async () => {
      await reviews.fail(leaderP1, entry.id, { excused: true });
      expect(uow.state.marks.map((m) => m.excused)).to.deep.equal([true]);
      expect(uow.entry(entry.id)!.fails).to.equal(0);
      expect(uow.state.refreshed).to.deep.equal([{ agency: AGENCY, keys: [] }]);
    });

    it('when the entry\'s month is closed, then 409 period_closed and no mark, change or audit line is left', async () => {
      uow.closePeriod(periodOfDay(entry.day, 'month').key);
      const e = await refused(reviews.fail(leaderP1, entry.id, {}));
      expect([httpStatus(e), e.code]).to.deep.equal([409, 'period_closed']);
      expect(uow.state.marks).to.deep.equal([]);
      expect(uow.state.audit).to.deep.equal([]);
      expect(uow.entry(entry.id)).to.deep.equal(entry);
    });

    it('when the audit write fails after the mark and the re-derived entries were written, then all of it is rolled back', async () => {
      sinon.stub(uow.read.audit, 'record').rejects(new Error('disk full'));
      await reviews.fail(leaderP1, entry.id, {}).then(() => expect.fail('expected the error'), (e: Error) => expect(e.message).to.equal('disk full'));
      expect(uow.state.marks).to.deep.equal([]);
      expect(uow.entry(entry.id)).to.deep.equal(entry);
      expect(uow.state.refreshed).to.deep.equal([]);
    });

    it('when the entry was returned, then 409 already_rejected and no mark is stored', async () => {
      uow.state.entries.find((r) => r.entry.id === entry.id)!.entry.status = 'rejected';
      const e = await refused(reviews.fail(leaderP1, entry.id, {}));
      expect([httpStatus(e), e.code]).to.deep.equal([409, 'already_rejected']);
      expect(uow.state.marks).to.deep.equal([]);
    });
  });
});
