import { expect } from 'chai';
import type { JournalEntry } from '../../../src/domain/journal';
import { rederive, rederiveEntry } from '../../../src/services/rederive';
import { subjectKey, type SubjectFacts } from '../../../src/stores';
import { AGENCY, FakeUnitOfWork, SEEDED_AT } from '../../helpers/fake-stores';

/**
 * rederive() over in-memory stores: which entries the marks of a subject bear on, what they
 * become (rules/derive.ts, docs/hr.md), and that only the changed ones are written and named.
 */

const NOW = new Date('2026-03-20T00:00:00Z');
const T1 = { kind: 'task', id: 'T1' };
const at = (hhmm: string, day = '2026-03-10'): Date => new Date(`${day}T${hhmm}:00Z`);
const derived = (e: JournalEntry | undefined): Pick<JournalEntry, 'fails' | 'delays' | 'late'> => ({ fails: e!.fails, delays: e!.delays, late: e!.late });

describe('services/rederive: over fake stores', () => {
  let uow: FakeUnitOfWork;
  /** u1 completes T1 (03:00) and has a non-completing entry on it; u2 completes it too; u1 completes T2. */
  let u1Done: JournalEntry, u1Note: JournalEntry, u2Done: JournalEntry, other: JournalEntry;

  beforeEach(() => {
    uow = new FakeUnitOfWork();
    u1Done = uow.addEntry({ userId: 'u1', day: '2026-03-10', completes: true, occurredAt: at('03:00') });
    u1Note = uow.addEntry({ userId: 'u1', day: '2026-03-11', completes: false, occurredAt: at('03:00', '2026-03-11') });
    u2Done = uow.addEntry({ userId: 'u2', day: '2026-03-12', completes: true, occurredAt: at('03:00', '2026-03-12') });
    other = uow.addEntry({ userId: 'u1', day: '2026-03-10', subjectId: 'T2', completes: true, occurredAt: at('03:00') });
  });

  const run = (subjects = [T1], known?: Map<string, SubjectFacts>) => uow.write((tx) => rederive(tx, AGENCY, subjects, NOW, known));

  it('when a non-excused fail mark names a user, then that user\'s entries of the subject get a fail, completing or not, and no one else\'s', async () => {
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1' });
    const days = await run();
    expect(derived(uow.entry(u1Done.id))).to.deep.equal({ fails: 1, delays: 0, late: false });
    expect(derived(uow.entry(u1Note.id))).to.deep.equal({ fails: 1, delays: 0, late: false });
    expect(uow.entry(u2Done.id)!.fails).to.equal(0);
    expect(uow.entry(other.id)!.fails, 'another subject of the same user').to.equal(0);
    expect(days).to.have.deep.members([{ userId: 'u1', day: '2026-03-10' }, { userId: 'u1', day: '2026-03-11' }]);
  });

  it('when a fail mark names nobody, then it applies to every entry that completes the subject, and not to the others', async () => {
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: null });
    await run();
    expect(uow.entry(u1Done.id)!.fails).to.equal(1);
    expect(uow.entry(u2Done.id)!.fails).to.equal(1);
    expect(uow.entry(u1Note.id)!.fails).to.equal(0);
  });

  it('when the fail mark is excused, then nothing changes and no day is named', async () => {
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1', excused: true });
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: null, excused: true });
    expect(await run()).to.deep.equal([]);
    for (const e of [u1Done, u1Note, u2Done]) {
      expect(derived(uow.entry(e.id))).to.deep.equal({ fails: 0, delays: 0, late: false });
      expect(uow.updatedAt(e.id)).to.deep.equal(SEEDED_AT);
    }
  });

  it('when a completion comes after its due time, then it gets one more delay and is late; a non-completing entry does not', async () => {
    uow.addDue('T1', 'u1', at('02:00'));
    uow.addMark({ subjectId: 'T1', kind: 'extension', userId: 'u1', newDueAt: at('02:30'), at: at('01:00') }); // not excused: 1 delay
    uow.addDue('T1', 'u2', at('02:00', '2026-03-12'));
    await run();
    expect(derived(uow.entry(u1Done.id))).to.deep.equal({ fails: 0, delays: 2, late: true });
    expect(derived(uow.entry(u2Done.id))).to.deep.equal({ fails: 0, delays: 1, late: true });
    expect(derived(uow.entry(u1Note.id))).to.deep.equal({ fails: 0, delays: 0, late: false });
  });

  it('when an extension moves the due time past the completion, then the completion is no longer late (an excused one adds no delay)', async () => {
    uow.state.entries.find((r) => r.entry.id === u1Done.id)!.entry = { ...u1Done, delays: 1, late: true }; // as stored before the extension arrived
    uow.addDue('T1', 'u1', at('02:00'));
    uow.addMark({ subjectId: 'T1', kind: 'extension', userId: 'u1', excused: true, newDueAt: at('04:00'), at: at('01:00') });
    const days = await run();
    expect(derived(uow.entry(u1Done.id))).to.deep.equal({ fails: 0, delays: 0, late: false });
    expect(days).to.deep.equal([{ userId: 'u1', day: '2026-03-10' }]);
  });

  it('when two extensions exist, then the newest one\'s due time counts, whatever order they were stored in', async () => {
    uow.addDue('T1', 'u1', at('02:00'));
    uow.addMark({ subjectId: 'T1', kind: 'extension', userId: 'u1', excused: true, newDueAt: at('02:30'), at: at('01:30') }); // newest: late
    uow.addMark({ subjectId: 'T1', kind: 'extension', userId: 'u1', excused: true, newDueAt: at('04:00'), at: at('01:00') });
    await run();
    expect(derived(uow.entry(u1Done.id))).to.deep.equal({ fails: 0, delays: 1, late: true });
  });

  it('when an entry without a subject is re-derived (rederiveEntry), then only that entry changes, from the marks kept under entry/<id>, and it completes nothing', async () => {
    const own = uow.addEntry({ userId: 'u1', subjectKind: null, subjectId: null, completes: true, occurredAt: at('03:00') });
    uow.addMark({ subjectKind: 'entry', subjectId: own.id, kind: 'fail', userId: 'u1' });
    uow.addMark({ subjectKind: 'entry', subjectId: own.id, kind: 'fail', userId: null }); // applies to completing entries only
    uow.addMark({ subjectKind: 'entry', subjectId: own.id, kind: 'extension', userId: 'u1', newDueAt: at('01:00'), at: at('00:30') });
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1' }); // not asked for
    const days = await uow.write((tx) => rederiveEntry(tx, AGENCY, own.id, NOW));
    expect(derived(uow.entry(own.id))).to.deep.equal({ fails: 1, delays: 0, late: false });
    expect(days).to.deep.equal([{ userId: 'u1', day: own.day }]);
    for (const e of [u1Done, u1Note, u2Done, other]) expect(uow.updatedAt(e.id)).to.deep.equal(SEEDED_AT);
  });

  it('when only some entries change, then only those are updated and the returned day keys are exactly theirs', async () => {
    uow.state.entries.find((r) => r.entry.id === u1Done.id)!.entry.fails = 1; // already derived
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1' });
    const days = await run();
    expect(days).to.deep.equal([{ userId: 'u1', day: '2026-03-11' }]);
    expect(uow.updatedAt(u1Note.id)).to.deep.equal(NOW);
    for (const e of [u1Done, u2Done, other]) expect(uow.updatedAt(e.id), e.id).to.deep.equal(SEEDED_AT);
  });

  it('when no subject is given, then nothing is read or written', async () => {
    expect(await rederive(uow.read, AGENCY, [], NOW)).to.deep.equal([]);
  });

  it('when the facts are handed in, then they are used instead of the stored ones', async () => {
    const known = new Map<string, SubjectFacts>([[subjectKey('task', 'T1'), { marks: [{ kind: 'fail', userId: 'u2', excused: false, newDueAt: null, at: at('05:00') }], due: new Map() }]]);
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1' }); // stored, but not in `known`
    expect(await run([T1], known)).to.deep.equal([{ userId: 'u2', day: '2026-03-12' }]);
    expect(uow.entry(u1Done.id)!.fails).to.equal(0);
  });

  // A subject of kind `entry` may come from a host event too (the envelope allows any subject
  // kind, and task.rejected / document.returned plan a fail mark whatever it is): it is a
  // subject like any other, never a way to name a journal entry by its id.
  it('when a subject of kind entry names an entry that has a subject of its own, then that entry keeps what its own subject\'s facts give', async () => {
    uow.addMark({ subjectId: 'T1', kind: 'fail', userId: 'u1' });
    await run();
    expect(uow.entry(u1Done.id)!.fails).to.equal(1);
    const days = await run([{ kind: 'entry', id: u1Done.id }]);
    expect(uow.entry(u1Done.id)!.fails, 'the fail u1 got on T1').to.equal(1);
    expect(days).to.deep.equal([]);
  });
});
