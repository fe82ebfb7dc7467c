import { expect } from 'chai';
import type { Principal } from '../../src/domain/principal';
import { AgencyService } from '../../src/services/agency-service';
import { JournalService } from '../../src/services/journal-service';
import { WriteGenerations } from '../../src/services/read-cache';
import { ScoringService } from '../../src/services/scoring-service';
import { hostEvents, postSigned } from '../helpers/host-events';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * The kept scores (ScoringService with WriteGenerations, services/read-cache.ts): My KPI reads an
 * official's score, whose class under quotaScope `agency` hangs on the whole agency's pool. After
 * each kind of change that moves scores, the kept answer must be the one a service that keeps
 * nothing computes — never the one from before the change.
 */
const NOW = new Date('2026-04-10T03:00:00Z');
const PERIOD = '2026-04';
const DAYS = ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-06', '2026-04-07', '2026-04-08', '2026-04-09', '2026-04-10'];
/** b-07 and b-08 have not logged today yet (room under the daily cap for the entries the tests add). */
const ROOM = new Set(['b-07', 'b-08']);

/** s-1..s-4 in the small unit (G 22) and b-01, b-02 (G 25), b-03..b-08 (G 10) in the large one: more excellent than the quota. */
const OFFICIALS: Array<{ id: string; unit: string; general: number }> = [
  ...['s-1', 's-2', 's-3', 's-4'].map((id) => ({ id, unit: 'p-small', general: 22 })),
  { id: 'b-01', unit: 'p-big', general: 25 },
  { id: 'b-02', unit: 'p-big', general: 25 },
  ...Array.from({ length: 6 }, (_, i) => ({ id: `b-0${i + 3}`, unit: 'p-big', general: 10 })),
];

describe('e2e: kept scores are never served after a change that moves them (services/read-cache.ts)', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;
  const ev = hostEvents('cache');
  const hr = (): Principal => ({ userId: 'hr-1', agency: ag.code, name: 'HR', unit: null, roles: ['hr'], locale: 'vi' });
  const admin = (): Principal => ({ userId: 'admin-1', agency: ag.code, name: 'Admin', unit: null, roles: ['admin'], locale: 'vi' });
  const official = (id: string, unit: string): Principal => ({ userId: id, agency: ag.code, name: id, unit, roles: ['official'], locale: 'vi' });

  /** What My KPI reads (the official's score with its entries) and a unit board's pool numbers, kept. */
  const kept = async () => ({
    mine: (await h.plugin.services.scoring.scoresFor(official('s-1', 'p-small'), { period: PERIOD, user: 's-1' })).scores,
    pool: await h.plugin.services.scoring.numbers(ag.code, PERIOD),
  });
  /** The same, from services that keep nothing. */
  const fresh = async () => {
    const uow = h.plugin.services.uow;
    const agencies = new AgencyService({ uow, clock: () => NOW, contextTtlMs: 0 });
    const journal = new JournalService({ uow, agencies, clock: () => NOW });
    const scoring = new ScoringService({ uow, agencies, journal, clock: () => NOW });
    return {
      mine: (await scoring.scoresFor(official('s-1', 'p-small'), { period: PERIOD, user: 's-1' })).scores,
      pool: await scoring.numbers(ag.code, PERIOD),
    };
  };
  /** Kept twice (the second from the cache), then the change; afterwards the kept answer equals the fresh one and differs from before. */
  const expectMoved = async (change: () => Promise<unknown>, moved: (before: Awaited<ReturnType<typeof kept>>, after: Awaited<ReturnType<typeof kept>>) => void) => {
    const before = await kept();
    expect(await kept()).to.deep.equal(before);
    await change();
    const after = await kept();
    expect(after).to.deep.equal(await fresh());
    moved(before, after);
  };
  const scoreOf = (k: Awaited<ReturnType<typeof kept>>, id: string) => k.pool.find((s) => s.userId === id)!;

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-score-cache');
    await postSigned(h, ag, [
      ev.unit(ag, 'p-small', 'Phòng nhỏ'), ev.unit(ag, 'p-big', 'Phòng lớn'), ev.unit(ag, 'p-tc', 'Phòng Tổ chức'),
      ...OFFICIALS.map((o) => ev.user(ag, o.id, `Cán bộ ${o.id}`, o.unit)), ev.user(ag, 'hr-1', 'Cán bộ HR', 'p-tc'),
    ], NOW);
    // Full, approved days of work up to today: C = A, so every official's S is 70 + G (b-07 and b-08: today is still empty).
    const rows = OFFICIALS.flatMap((o) => DAYS.filter((d) => !(ROOM.has(o.id) && d === '2026-04-10')).map((day) => ({
      agency_code: ag.code, user_id: o.id, unit_id: o.unit, day, work_item_code: 'CV-01', item_version: 1, item_kind: 'count', standard_minutes: 480,
      quantity: 1, coefficient: 1, rating: 1, minutes: 480, status: 'approved', source: 'manual', event_id: null, rule_id: null, subject_kind: null, subject_id: null,
      subject_title: null, fails: 0, delays: 0, late: false, completes: false, note: null, review_reason: null, reviewed_by: 'hr-1', reviewed_at: NOW,
      occurred_at: NOW, created_at: NOW, updated_at: NOW,
    })));
    for (let i = 0; i < rows.length; i += 50) await h.knex('kpi_journal_entries').insert(rows.slice(i, i + 50));
    for (const o of OFFICIALS) await h.plugin.services.assessments.put(hr(), { userId: o.id, period: PERIOD, general: o.general });
  });

  after(async () => {
    await h?.close();
  });

  it('when nothing changes, then the second read is the first (kept), and equals a fresh computation', async () => {
    const a = await kept();
    expect(a.mine).to.have.length(1);
    expect(a.mine[0]!.classification).to.equal('HTXSNV');
    expect(a.pool.filter((x) => x.classification === 'HTXSNV' && !x.overQuota).length).to.be.lessThan(a.pool.filter((x) => x.total >= 90).length);
    expect(await kept()).to.deep.equal(a);
    expect(a).to.deep.equal(await fresh());
  });

  it('when a member\'s own score is asked (their unit left unread), then it equals their score in the whole unit\'s, quota rank and explanation included', async () => {
    const uow = h.plugin.services.uow;
    const agencies = new AgencyService({ uow, clock: () => NOW, contextTtlMs: 0 });
    const journal = new JournalService({ uow, agencies, clock: () => NOW });
    const services = [h.plugin.services.scoring, new ScoringService({ uow, agencies, journal, clock: () => NOW })];
    const over: Record<string, number> = {};
    for (const scope of ['unit', 'agency'] as const) {
      await h.plugin.services.agencies.putSettings(ag.code, { quotaScope: scope }, 'admin-1');
      over[scope] = 0;
      for (const scoring of services) {
        for (const o of OFFICIALS) {
          const [own] = await scoring.scores(ag.code, PERIOD, { userId: o.id });
          const inUnit = (await scoring.scores(ag.code, PERIOD, { unitId: o.unit })).find((x) => x.userId === o.id);
          expect(JSON.parse(JSON.stringify(own)), `${scope}: ${o.id}`).to.deep.equal(JSON.parse(JSON.stringify(inUnit)));
          if (own!.overQuota) over[scope] += 1;
        }
      }
    }
    // The pools differ (a unit of four has no room for an excellent official; the agency has some), and each was followed.
    expect(over.unit).to.not.equal(over.agency);
  });

  it('when an official\'s score is asked without its entries (My KPI\'s quarter card), then its numbers are the same and its explanation lists none', async () => {
    const me = official('s-1', 'p-small');
    const withEntries = (await h.plugin.services.scoring.scoresFor(me, { period: PERIOD, user: 's-1' })).scores[0]!;
    const without = (await h.plugin.services.scoring.scoresFor(me, { period: PERIOD, user: 's-1', entries: false })).scores[0]!;
    const numbers = (x: typeof without) => { const { explanation: _e, ...rest } = x; return rest; };
    expect(numbers(without)).to.deep.equal(numbers(withEntries));
    const entriesOf = (x: typeof without) => (x.explanation as { completed: { entries: unknown[] | null } }).completed.entries;
    expect(entriesOf(withEntries)).to.have.length(DAYS.length);
    expect(entriesOf(without)).to.equal(null);
  });

  it('when an assessment changes (b-03 becomes excellent), then the pool and s-1\'s quota rank move at once', async () => {
    await expectMoved(() => h.plugin.services.assessments.put(hr(), { userId: 'b-03', period: PERIOD, general: 30 }), (before, after) => {
      expect(scoreOf(after, 'b-03').total).to.be.greaterThan(scoreOf(before, 'b-03').total);
      expect(JSON.stringify(after.mine[0]!.explanation)).to.not.equal(JSON.stringify(before.mine[0]!.explanation));
    });
  });

  it('when an event makes a new entry for b-07, then the pool has it at once', async () => {
    await expectMoved(() => postSigned(h, ag, [ev.processed(ag, 'b-07', 'doc-cache-1', '2026-04-10')], NOW), (before, after) => {
      expect(scoreOf(after, 'b-07').completedMinutes).to.be.greaterThan(scoreOf(before, 'b-07').completedMinutes);
    });
  });

  it('when an official adds a manual entry, and when it is withdrawn, then the pool has it, then not, at once', async () => {
    const item = (await h.plugin.services.agencies.catalogue(ag.code)).find((i) => i.kind === 'count' && i.active)!;
    let id = '';
    await expectMoved(async () => { id = (await h.plugin.services.review.create(official('b-08', 'p-big'), { date: '2026-04-10', workItemCode: item.code, quantity: 1 })).id; }, (before, after) => {
      expect(scoreOf(after, 'b-08').completedMinutes).to.be.greaterThan(scoreOf(before, 'b-08').completedMinutes);
    });
    await expectMoved(() => h.plugin.services.review.remove(official('b-08', 'p-big'), id), (before, after) => {
      expect(scoreOf(after, 'b-08').completedMinutes).to.be.lessThan(scoreOf(before, 'b-08').completedMinutes);
    });
  });

  it('when the directory moves an official to another unit, then the pool counts them there at once', async () => {
    await expectMoved(() => postSigned(h, ag, [ev.user(ag, 'b-05', 'Cán bộ b-05', 'p-small')], NOW), (before, after) => {
      expect(scoreOf(before, 'b-05').unitId).to.equal('p-big');
      expect(scoreOf(after, 'b-05').unitId).to.equal('p-small');
    });
  });

  it('when the settings change the quota scope, then the pools follow at once', async () => {
    await expectMoved(() => h.plugin.services.agencies.putSettings(ag.code, { quotaScope: 'unit' }, 'admin-1'), (before, after) => {
      expect(JSON.stringify(after.mine[0]!.explanation)).to.not.equal(JSON.stringify(before.mine[0]!.explanation));
    });
    await expectMoved(() => h.plugin.services.agencies.putSettings(ag.code, { quotaScope: 'agency' }, 'admin-1'), (before, after) => {
      expect(JSON.stringify(after.mine[0]!.explanation)).to.not.equal(JSON.stringify(before.mine[0]!.explanation));
    });
  });

  it('when the catalogue changes, then nothing kept from before it is served (the next read is computed again)', async () => {
    const before = await kept();
    const item = (await h.plugin.services.agencies.catalogue(ag.code))[0]!;
    const generation = WriteGenerations.of(h.knex).current;
    await h.plugin.services.catalogue.update(ag.code, 'admin-1', item.code, { name: `${item.name} (sửa)` });
    expect(WriteGenerations.of(h.knex).current).to.be.greaterThan(generation);
    const reads = await countReads(h, () => kept());
    expect(reads).to.be.greaterThan(0);
    expect(await kept()).to.deep.equal(before);
  });

  it('when a period is closed and reopened, then its scores are the snapshot, then live again, never the ones kept before', async () => {
    const live = await kept();
    await h.plugin.services.scoring.close(ag.code, PERIOD, { applyQuota: true, actor: 'hr-1', force: true, reason: 'kiểm thử' });
    const closed = await kept();
    expect(closed).to.deep.equal(await fresh());
    expect(closed.mine[0]!.provisional).to.equal(false);
    expect(live.mine[0]!.provisional).to.equal(true);
    await h.plugin.services.scoring.reopen(ag.code, PERIOD, { reason: 'kiểm thử', actor: admin().userId });
    const reopened = await kept();
    expect(reopened).to.deep.equal(await fresh());
    expect(reopened.mine[0]!.provisional).to.equal(true);
  });

  it('when a row is written to the database outside the stores\' transactions (a script), then it is seen at once', async () => {
    await expectMoved(() => h.knex('kpi_assessments').where({ agency_code: ag.code, user_id: 'b-06', period: PERIOD }).update({ general: 29 }), (before, after) => {
      expect(scoreOf(after, 'b-06').total).to.be.greaterThan(scoreOf(before, 'b-06').total);
    });
  });
});

/** How many statements reading what scores are made of (the day roll-ups, the assessments) `work` ran on the harness's database. */
async function countReads(h: Harness, work: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const on = (q: { sql?: string }) => { if (/kpi_journal_days|kpi_assessments/.test(q.sql ?? '')) n += 1; };
  h.knex.on('query', on);
  try {
    await work();
  } finally {
    h.knex.off('query', on);
  }
  return n;
}
