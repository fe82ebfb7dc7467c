import { expect } from 'chai';
import { getProfile } from '../../src/scoring/profiles';
import { WriteGenerations } from '../../src/services/read-cache';
import { ScoringService } from '../../src/services/scoring-service';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

const NOW = new Date('2026-04-06T03:00:00Z');

/**
 * What an event's transaction says it moved (WriteReach, read by the kept quota pool) against
 * what it moved: after each event, every official whose score numbers changed must be one it
 * named or in the unit of one it named (a leader's score takes the unit's mean, and the pool
 * re-scores whole units), or it must have said it could not tell. The profile counts assignments
 * (assignedBasis `assignments`), so that assigning and cancelling move scores too.
 */
const UNIT_OF: Record<string, string> = { 'u-1': 'unit-kt', 'u-2': 'unit-kt', 'u-lead': 'unit-kt', 'u-3': 'unit-b' };
describe('e2e: whose scores an event moved, as its transaction tells the kept reads', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;
  let uncached: ScoringService;

  const ev = (id: string, type: string, occurredAt: string, subject: Record<string, unknown>, data: Record<string, unknown> = {}, actor = 'u-1') =>
    ({ id, type, occurredAt, agency: ag.code, actor: { id: actor }, subject, data });
  const task = (id: string, dueAt: string) => ({ kind: 'task', id, title: `Nhiệm vụ ${id}`, urgency: 'thuong', dueAt });
  /** Every official's numbers of March and of April (the running month, where manual entries of today go), from a service that keeps nothing. */
  const numbers = async (): Promise<Map<string, string>> => {
    const all = [...await uncached.numbers(ag.code, '2026-03'), ...await uncached.numbers(ag.code, '2026-04')];
    const out = new Map<string, string>();
    for (const s of all) out.set(s.userId, `${out.get(s.userId) ?? ''}${JSON.stringify(s)}`);
    return out;
  };

  /** Posts one event; returns what its call said it moved (null: anything) and whose numbers changed. */
  async function send(event: Record<string, unknown>): Promise<{ moved: Set<string> | null; changed: string[] }> {
    return write(async () => {
      const r = await h.postEvents(ag, { events: [event] });
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      expect(r.body, JSON.stringify(r.body)).to.deep.include({ accepted: 1, rejected: [] });
    });
  }

  /** Does one write; returns what it said it moved (null: anything) and whose numbers changed. */
  async function write(act: () => Promise<void>): Promise<{ moved: Set<string> | null; changed: string[] }> {
    const gens = WriteGenerations.of(h.knex);
    const before = await numbers();
    const since = gens.current;
    await act();
    const m = gens.movedSince(since);
    const after = await numbers();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((u) => before.get(u) !== after.get(u)).sort();
    if (m !== null) expect([...m.keys()].filter((a) => a !== ag.code), 'no other agency').to.deep.equal([]);
    return { moved: m === null ? null : m.get(ag.code) ?? new Set(), changed };
  }

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-reach');
    const profile = { ...getProfile('nd335'), id: 'reach-2026', version: 1, assignedBasis: 'assignments' };
    await h.knex('kpi_profiles').insert({ agency_code: ag.code, id: profile.id, version: profile.version, params: JSON.stringify(profile), created_at: new Date() });
    const put = await h.api('PUT', '/api/v1/settings', h.userToken(ag, 'u-admin', ['admin']), { profile: profile.id });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const s = h.plugin.services;
    uncached = new ScoringService({ uow: s.uow, agencies: s.agencies, journal: s.journal, clock: () => NOW });
  });

  after(async () => {
    await h?.close();
  });

  it('when the directory changes, then the call says it cannot tell', async () => {
    for (const unit of ['unit-kt', 'unit-b']) {
      expect((await send(ev(unit, 'unit.upserted', '2026-03-01T08:00:00+07:00', { kind: 'unit', id: unit }, { name: `Phòng ${unit}`, parentId: null }, 'admin'))).moved).to.equal(null);
    }
    for (const [id, isLeader] of [['u-1', false], ['u-2', false], ['u-3', false], ['u-lead', true]] as const) {
      const r = await send(ev(`dir-${id}`, 'user.upserted', '2026-03-01T08:00:00+07:00', { kind: 'user', id }, { name: `Cán bộ ${id}`, unitId: UNIT_OF[id], position: isLeader ? 'Trưởng phòng' : 'Chuyên viên', isLeader, active: true }, 'admin'));
      expect(r.moved).to.equal(null);
    }
  });

  // Each event in turn: it must name the officials given, and cover everyone whose numbers it changed.
  const steps: Array<[string, () => Record<string, unknown>, string[]]> = [
    ['a task assigned to u-1 (its minutes due enter u-1\'s A)', () => ev('a1', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T1', '2026-03-10T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'), ['u-1']],
    ['a task assigned to u-2', () => ev('a2', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T2', '2026-03-11T17:00:00+07:00'), { assigneeId: 'u-2', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'), ['u-2']],
    ['a task assigned to u-3', () => ev('a3', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T3', '2026-03-12T17:00:00+07:00'), { assigneeId: 'u-3', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'), ['u-3']],
    ['u-1 completes T1', () => ev('c1', 'task.completed', '2026-03-09T10:00:00+07:00', task('T1', '2026-03-10T17:00:00+07:00')), ['u-1']],
    ['u-2 completes T2 late', () => ev('c2', 'task.completed', '2026-03-12T10:00:00+07:00', task('T2', '2026-03-11T17:00:00+07:00'), {}, 'u-2'), ['u-2']],
    ['T2 extended after its completion, with an excuse (re-derived: no longer late)', () => ev('x2', 'task.extended', '2026-03-11T10:00:00+07:00', task('T2', '2026-03-11T17:00:00+07:00'), { newDueAt: '2026-03-16T17:00:00+07:00', excused: true }, 'u-lead'), ['u-2']],
    ['a completion before its assignment (T4, u-1)', () => ev('c4', 'task.completed', '2026-03-13T10:00:00+07:00', task('T4', '2026-03-20T17:00:00+07:00')), ['u-1']],
    ['T4 assigned to u-1 after it was completed (the completion re-planned)', () => ev('a4', 'task.assigned', '2026-03-03T08:00:00+07:00', task('T4', '2026-03-20T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 2 }, 'u-lead'), ['u-1']],
    ['T3 cancelled for u-3', () => ev('k3', 'task.cancelled', '2026-03-05T08:00:00+07:00', task('T3', '2026-03-12T17:00:00+07:00'), { userId: 'u-3' }, 'u-lead'), ['u-3']],
    ['a document processed by u-2', () => ev('d1', 'document.processed', '2026-03-17T09:15:00+07:00', { kind: 'document', id: 'VB-1', title: 'Công văn', docType: 'cong-van', urgency: 'thuong' }, { role: 'main' }, 'u-2'), ['u-2']],
  ];
  for (const [what, event, named] of steps) {
    it(`when ${what}, then the call names ${named.join(', ')}, and everyone whose numbers it changed is in their units`, async () => {
      const { moved, changed } = await send(event());
      expect(moved, 'it names whom it moved').to.not.equal(null);
      expect([...moved!].sort()).to.deep.equal(named);
      expect(changed.length, 'the event changed some score (the check below is not empty)').to.be.greaterThan(0);
      const units = new Set([...moved!].map((u) => UNIT_OF[u]));
      for (const u of changed) expect(units.has(UNIT_OF[u]!), `${u}'s numbers changed, outside the units of ${[...moved!].join(', ')}`).to.equal(true);
    });
  }

  describe('when officials and their leader write (a manual entry, its review, a fail)', () => {
    let manual = '';
    const api = async (method: string, path: string, sub: string, roles: Array<'official' | 'leader' | 'hr'>, body?: unknown) => {
      const r = await h.api(method, path, h.userToken(ag, sub, roles, { unit: UNIT_OF[sub] ?? 'unit-kt' }), body);
      expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201, 204]);
      return r.body;
    };
    const check = (r: { moved: Set<string> | null; changed: string[] }, named: string[], changes: boolean) => {
      expect(r.moved, 'it names whom it moved').to.not.equal(null);
      expect([...r.moved!].sort()).to.deep.equal(named);
      if (changes) expect(r.changed.length, 'the write changed some score').to.be.greaterThan(0);
      const units = new Set([...r.moved!].map((u) => UNIT_OF[u]));
      for (const u of r.changed) expect(units.has(UNIT_OF[u]!), `${u}'s numbers changed`).to.equal(true);
    };

    it('when u-3 logs a manual entry for today, then it names u-3', async () => {
      check(await write(async () => { manual = (await api('POST', '/api/v1/journal', 'u-3', ['official'], { date: '2026-04-06', workItemCode: 'CV-01', quantity: 2 })).id; }), ['u-3'], true);
    });

    it('when u-3 changes it, then it names u-3', async () => {
      check(await write(async () => { await api('PATCH', `/api/v1/journal/${manual}`, 'u-3', ['official'], { quantity: 1 }); }), ['u-3'], true);
    });

    it('when u-3\'s leader returns it, then it names u-3', async () => {
      await h.postEvents(ag, { events: [ev('dir-u-lead-b', 'user.upserted', '2026-03-01T08:00:00+07:00', { kind: 'user', id: 'u-lead-b' }, { name: 'Lãnh đạo B', unitId: 'unit-b', position: 'Trưởng phòng', isLeader: true, active: true }, 'admin')] });
      UNIT_OF['u-lead-b'] = 'unit-b';
      check(await write(async () => { await api('POST', `/api/v1/journal/${manual}/return`, 'u-lead-b', ['leader'], { reason: 'Chưa đúng' }); }), ['u-3'], true);
    });

    it('when u-lead marks u-2\'s processed document as not met, then it names u-2', async () => {
      const entry = (await h.knex('kpi_journal_entries').where({ agency_code: ag.code, user_id: 'u-2', event_id: 'd1' }).first('id')) as { id: string | number };
      check(await write(async () => { await api('POST', `/api/v1/journal/${entry.id}/fail`, 'u-lead', ['leader'], { excused: false, reason: 'Không đạt' }); }), ['u-2'], true);
    });

    it('when HR gives u-1 a general score, then it names u-1', async () => {
      check(await write(async () => { await api('POST', '/api/v1/assessments', 'u-hr', ['hr'], { userId: 'u-1', period: '2026-03', general: 20 }); }), ['u-1'], true);
    });
  });

  it('when a task is cancelled for all its assignees, then the call says it cannot tell', async () => {
    await send(ev('a5', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T5', '2026-03-12T17:00:00+07:00'), { assigneeId: 'u-2', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'));
    const r = await send(ev('k5', 'task.cancelled', '2026-03-05T08:00:00+07:00', task('T5', '2026-03-12T17:00:00+07:00'), {}, 'u-lead'));
    expect(r.moved).to.equal(null);
    expect(r.changed, 'u-2 no longer has T5 due').to.include('u-2');
  });
});
