import { expect } from 'chai';
import sinon from 'sinon';
import type { Principal } from '../../src/domain/principal';
import { WriteGenerations } from '../../src/services/read-cache';
import { ScoringService } from '../../src/services/scoring-service';
import type { TotalsQuery } from '../../src/stores';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * The agency's quota pool kept between writes (services/scoring-service.ts, keptPool): an event
 * re-scores only the units of the officials it moved; a write that cannot say whose scores it
 * moved has the pool read whole. Every answer is checked against a service that keeps nothing.
 */
const NOW = new Date('2026-04-10T03:00:00Z');
const MARCH_DAYS = Array.from({ length: 31 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`).filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
/** b-01 logged nothing on these two days: C falls short of A, so b-01 (G 25) scores under 90 until work for them arrives. */
const B01_MISSING = ['2026-03-03', '2026-03-04'];

/** s-1..s-4 in the small unit (G 22 → S 92); b-01, b-02 (G 25 → S 95) and b-03..b-11 (G 10 → S 80) in the large one. */
const OFFICIALS: Array<{ id: string; unit: string; general: number }> = [
  ...['s-1', 's-2', 's-3', 's-4'].map((id) => ({ id, unit: 'k-small', general: 22 })),
  { id: 'b-01', unit: 'k-big', general: 25 },
  { id: 'b-02', unit: 'k-big', general: 25 },
  ...Array.from({ length: 9 }, (_, i) => ({ id: `b-${String(i + 3).padStart(2, '0')}`, unit: 'k-big', general: 10 })),
];

describe('e2e: the kept quota pool after a write (an event re-scores its officials\' units only)', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;
  let uncached: ScoringService;
  let totals: sinon.SinonSpy<[TotalsQuery], Promise<unknown>>;
  const s3: () => Principal = () => ({ userId: 's-3', agency: ag.code, name: 'Cán bộ s-3', unit: 'k-small', roles: ['official'], locale: 'vi' });
  const ev = (id: string, type: string, actor: string, occurredAt: string, subject: Record<string, unknown>, data: Record<string, unknown>) => ({ id, type, occurredAt, agency: ag.code, actor: { id: actor }, subject, data });
  const post = async (events: unknown[]) => {
    const r = await h.postEvents(ag, { events });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body.rejected).to.deep.equal([]);
    return r.body as { accepted: number; duplicates: number };
  };
  /** s-3's March as the plugin answers it, checked against a service that keeps nothing. */
  const asked = async () => {
    const kept = await h.plugin.services.scoring.scoresFor(s3(), { period: '2026-03' });
    const fresh = await uncached.scoresFor(s3(), { period: '2026-03' });
    expect(kept, 'the kept pool ranks s-3 as a fresh computation does').to.deep.equal(fresh);
    return kept.scores[0]!;
  };
  /** The pool that s-3 was counted in, as the unit board shows it: kept, and fresh. */
  const pool = async () => {
    const kept = await h.plugin.services.scoring.poolsOf(ag.code, '2026-03', ['s-3']);
    expect(kept, 'the board\'s pool, kept, is the fresh one').to.deep.equal(await uncached.poolsOf(ag.code, '2026-03', ['s-3']));
    return kept[0]!;
  };
  /** The totals read since the spy was reset: the whole agency's (null) or the officials named. */
  const reads = () => totals.getCalls().map((c) => (c.args[0].userIds ? [...c.args[0].userIds].sort() : null));

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-kept-pool');
    const at = '2026-02-01T08:00:00+07:00';
    // A third unit of 40 officials with no general score (unclassified, so outside the 20 %): the
    // large unit is then a fifth of the agency, and re-scoring it is worth it.
    const others = Array.from({ length: 40 }, (_, i) => ({ id: `o-${String(i + 1).padStart(2, '0')}`, unit: 'k-other' }));
    await post([
      ...['k-small', 'k-big', 'k-other'].map((id) => ev(`dir-${id}`, 'unit.upserted', 'admin', at, { kind: 'unit', id }, { name: `Phòng ${id}`, parentId: null })),
      ...[...OFFICIALS, ...others].map((o) => ev(`dir-${o.id}`, 'user.upserted', 'admin', at, { kind: 'user', id: o.id }, { name: `Cán bộ ${o.id}`, unitId: o.unit, position: 'Chuyên viên', isLeader: false, active: true })),
    ]);
    const rows = OFFICIALS.flatMap((o) => MARCH_DAYS.filter((day) => o.id !== 'b-01' || !B01_MISSING.includes(day)).map((day) => ({
      agency_code: ag.code, user_id: o.id, unit_id: o.unit, day, work_item_code: 'CV-01', item_version: 1, item_kind: 'count', standard_minutes: 480,
      quantity: 1, coefficient: 1, rating: 1, minutes: 480, status: 'approved', source: 'manual', event_id: null, rule_id: null, subject_kind: null, subject_id: null,
      subject_title: null, fails: 0, delays: 0, late: false, completes: false, note: null, review_reason: null, reviewed_by: 'hr-1', reviewed_at: NOW,
      occurred_at: NOW, created_at: NOW, updated_at: NOW,
    })));
    for (let i = 0; i < rows.length; i += 50) await h.knex('kpi_journal_entries').insert(rows.slice(i, i + 50));
    const hr = h.userToken(ag, 'hr-1', ['hr']);
    for (const o of OFFICIALS) {
      const a = await h.api('POST', '/api/v1/assessments', hr, { userId: o.id, period: '2026-03', general: o.general });
      expect(a.status, JSON.stringify(a.body)).to.equal(201);
    }
    const s = h.plugin.services;
    uncached = new ScoringService({ uow: s.uow, agencies: s.agencies, journal: s.journal, clock: () => NOW });
    totals = sinon.spy(s.uow.read.journal, 'periodTotals');
  });

  after(async () => {
    totals?.restore();
    await h?.close();
  });

  it('when s-3 (at the mark) asks twice with nothing written between, then the pool is read whole once', async () => {
    // The first read of the journal builds the roll-ups of the rows inserted above: a write.
    await asked();
    const gens = WriteGenerations.of(h.knex);
    const since = gens.current;
    totals.resetHistory();
    const first = await asked();
    expect(gens.current, 'reading wrote nothing').to.equal(since);
    expect(first).to.deep.include({ classification: 'HTXSNV', overQuota: true });
    // Candidates b-02, s-1..s-4 (b-01 is under 90): limit 3, s-3 fourth.
    expect(first.explanation).to.have.nested.property('quota.rank', 4);
    expect(reads().filter((r) => r === null), 'only the uncached service reads the whole agency').to.have.length(1);
    totals.resetHistory();
    await h.plugin.services.scoring.scoresFor(s3(), { period: '2026-03' });
    expect(reads()).to.deep.equal([]);
  });

  it('when events add b-01\'s missing days, then only b-01\'s unit is read again, and b-01 passes s-3', async () => {
    const gens = WriteGenerations.of(h.knex);
    const since = gens.current;
    const docs = B01_MISSING.flatMap((day) => Array.from({ length: 20 }, (_, i) => ev(`doc-${day}-${i}`, 'document.processed', 'b-01', `${day}T09:${String(10 + i).padStart(2, '0')}:00+07:00`,
      { kind: 'document', id: `VB-${day}-${i}`, title: 'Công văn', docType: 'cong-van', urgency: 'thuong' }, { role: 'main' })));
    expect((await post(docs)).accepted).to.equal(40);
    expect(gens.movedSince(since), 'the webhook call moved b-01 alone (its token id and events move nobody)').to.deep.equal(new Map([[ag.code, new Set(['b-01'])]]));
    totals.resetHistory();
    const after = await h.plugin.services.scoring.scoresFor(s3(), { period: '2026-03' });
    const bigUnit = OFFICIALS.filter((o) => o.unit === 'k-big').map((o) => o.id).sort();
    expect(reads(), 's-3\'s own score, then b-01\'s unit; never the whole agency').to.deep.equal([['s-3'], bigUnit]);
    expect(after).to.deep.equal(await uncached.scoresFor(s3(), { period: '2026-03' }));
    expect(after.scores[0]!.explanation).to.have.nested.property('quota.rank', 5);
    totals.resetHistory();
    expect(await pool(), 'b-01 is a sixth candidate').to.deep.include({ eligible: 15, limit: 3, candidates: 6 });
    expect(reads().filter((r) => r === null), 'the board reads the kept pool (only the uncached service reads whole)').to.have.length(1);
    const b01 = (await uncached.numbers(ag.code, '2026-03', { userId: 'b-01' }))[0]!;
    expect(b01.total, 'b-01 is at the mark again').to.be.at.least(90);
  });

  it('when a call brings only duplicates, then nothing scored moved and the kept pool serves as it is', async () => {
    const gens = WriteGenerations.of(h.knex);
    const since = gens.current;
    const again = ev(`doc-${B01_MISSING[0]}-0`, 'document.processed', 'b-01', `${B01_MISSING[0]}T09:10:00+07:00`, { kind: 'document', id: `VB-${B01_MISSING[0]}-0`, title: 'Công văn', docType: 'cong-van', urgency: 'thuong' }, { role: 'main' });
    expect(await post([again])).to.deep.include({ accepted: 0, duplicates: 1 });
    expect(gens.current).to.be.greaterThan(since);
    expect(gens.movedSince(since)).to.deep.equal(new Map());
    totals.resetHistory();
    await asked();
    expect(reads().filter((r) => r === null), 'only the uncached service reads the whole agency').to.have.length(1);
  });

  it('when HR changes a general score, then the assessment names its official: only their unit is read again', async () => {
    const gens = WriteGenerations.of(h.knex);
    const since = gens.current;
    // HR lowers b-02's general score: b-02 falls to 80, and s-3 is fourth again, after b-01, s-1 and s-2.
    const a = await h.api('POST', '/api/v1/assessments', h.userToken(ag, 'hr-1', ['hr']), { userId: 'b-02', period: '2026-03', general: 10 });
    expect(a.status, JSON.stringify(a.body)).to.be.oneOf([200, 201]);
    expect(gens.movedSince(since)).to.deep.equal(new Map([[ag.code, new Set(['b-02'])]]));
    totals.resetHistory();
    const now = await asked();
    expect(reads().filter((r) => r === null), 'only the uncached service reads the whole agency').to.have.length(1);
    expect(reads()).to.deep.include(OFFICIALS.filter((o) => o.unit === 'k-big').map((o) => o.id).sort());
    expect(now.explanation).to.have.nested.property('quota.rank', 4);
  });

  it('when the pool was read whole longer ago than the kept reads live (another process may have written), then it is read whole again', async () => {
    const s = h.plugin.services;
    const short = new ScoringService({ uow: s.uow, agencies: s.agencies, journal: s.journal, clock: () => NOW, generations: WriteGenerations.of(h.knex), cacheTtlMs: 1000 });
    await short.poolsOf(ag.code, '2026-03', ['s-3']);
    totals.resetHistory();
    await post([ev('doc-ttl-1', 'document.processed', 'b-04', '2026-03-09T10:00:00+07:00', { kind: 'document', id: 'VB-TTL-1', title: 'Công văn', docType: 'cong-van', urgency: 'thuong' }, { role: 'main' })]);
    await short.poolsOf(ag.code, '2026-03', ['s-3']);
    expect(reads(), 'within its time: b-04\'s unit').to.deep.equal([OFFICIALS.filter((o) => o.unit === 'k-big').map((o) => o.id).sort()]);
    await new Promise((r) => setTimeout(r, 1100));
    totals.resetHistory();
    const late = await short.poolsOf(ag.code, '2026-03', ['s-3']);
    expect(reads(), 'past its time: the whole agency').to.deep.equal([null]);
    expect(late).to.deep.equal(await uncached.poolsOf(ag.code, '2026-03', ['s-3']));
  });

  it('when a write cannot say whose scores it moved (a directory event, a statement of its own), then the pool is read whole', async () => {
    const gens = WriteGenerations.of(h.knex);
    let since = gens.current;
    await post([ev('dir-b-12', 'user.upserted', 'admin', '2026-03-20T08:00:00+07:00', { kind: 'user', id: 'b-12' }, { name: 'Cán bộ b-12', unitId: 'k-big', position: 'Chuyên viên', isLeader: false, active: true })]);
    expect(gens.movedSince(since)).to.equal(null);
    totals.resetHistory();
    await asked();
    expect(reads().filter((r) => r === null), 'the kept pool and the uncached service each read whole').to.have.length(2);
    since = gens.current;
    // b-02's general score put back by a statement of its own (a script): b-02 passes s-3 again.
    await h.knex('kpi_assessments').where({ agency_code: ag.code, user_id: 'b-02', period: '2026-03' }).update({ general: 25 });
    expect(gens.movedSince(since)).to.equal(null);
    totals.resetHistory();
    const now = await asked();
    expect(reads().filter((r) => r === null)).to.have.length(2);
    expect(now.explanation).to.have.nested.property('quota.rank', 5);
    expect(await pool()).to.deep.include({ candidates: 6 });
  });
});
