import { expect } from 'chai';
import type { Knex } from 'knex';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import { workingDays } from '../../src/domain/calendar';
import { parsePeriod } from '../../src/domain/period';
import { AgencyService } from '../../src/services/agency-service';
import { JournalService } from '../../src/services/journal-service';
import { ScoringService } from '../../src/services/scoring-service';
import { applyQuota, dayTotalsFromEntries, scoreUnitDetailed, type EntryInput, type OfficialInput, type Score } from '../../src/scoring';
import { getProfile } from '../../src/scoring/profiles';
import { freshDb } from '../helpers/harness';
import { mulberry32 as rng } from '../../src/demo/demo-data';


interface Official { id: string; unitId: string; isLeader: boolean; activeFrom: string | null; activeTo: string | null }
interface Row { userId: string; day: string; minutes: number; fails: number; delays: number; status: 'approved' | 'pending' | 'rejected' }

const AGENCY = 'ag-score';
// "Now" is after the quarter, so the whole quarter's working days count.
const NOW = new Date('2026-04-15T03:00:00Z');

async function seed(knex: Knex, r: () => number): Promise<{ officials: Official[]; rows: Row[] }> {
  const officials: Official[] = [];
  for (let u = 0; u < 4; u++) {
    const size = 3 + Math.floor(r() * 6);
    for (let i = 0; i < size; i++) {
      const late = r() < 0.15;
      officials.push({
        id: `u-${u}-${i}`, unitId: `unit-${u}`, isLeader: i === 0 && u !== 3,
        activeFrom: late ? `2026-02-${String(1 + Math.floor(r() * 27)).padStart(2, '0')}` : null,
        activeTo: !late && r() < 0.1 ? `2026-03-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}` : null,
      });
    }
  }
  // unit-3 has no leader; unit-2's members are leaders only after this tweak: a leader without non-leaders.
  officials.push({ id: 'u-lonely-leader', unitId: 'unit-lonely', isLeader: true, activeFrom: null, activeTo: null });
  const now = new Date();
  for (const o of officials) {
    await knex('kpi_users').insert({ agency_code: AGENCY, id: o.id, name: `Cán bộ ${o.id}`, unit_id: o.unitId, position: 'Chuyên viên', is_leader: o.isLeader, active: true, active_from: o.activeFrom, active_to: o.activeTo, updated_at: now });
  }
  const rows: Row[] = [];
  const days = workingDays('2026-01-01', '2026-03-31', { holidays: [], makeUpDays: [] });
  for (const o of officials) {
    const busy = r();
    for (const day of days) {
      if (r() > busy) continue;
      const n = 1 + Math.floor(r() * 5);
      for (let k = 0; k < n; k++) {
        const status = r() < 0.75 ? 'approved' : r() < 0.6 ? 'pending' : 'rejected';
        rows.push({ userId: o.id, day, minutes: Math.round(r() * 240 * 4) / 4 + (r() < 0.05 ? 400 : 0), fails: r() < 0.1 ? Math.floor(r() * 5) : 0, delays: r() < 0.1 ? Math.floor(r() * 3) : 0, status });
      }
    }
  }
  const ts = new Date();
  const insert = rows.map((x, i) => ({
    agency_code: AGENCY, user_id: x.userId, unit_id: null, day: x.day, work_item_code: 'CV-01', item_version: 1, item_kind: 'count', standard_minutes: x.minutes,
    quantity: 1, coefficient: 1, rating: 1, minutes: x.minutes, status: x.status, source: 'manual', event_id: `e-${i}`, rule_id: null, subject_kind: null, subject_id: null,
    subject_title: null, fails: x.fails, delays: x.delays, late: x.delays > 0, completes: false, note: null, review_reason: null, reviewed_by: null, reviewed_at: null,
    occurred_at: ts, created_at: ts, updated_at: ts,
  }));
  for (let i = 0; i < insert.length; i += 50) await knex('kpi_journal_entries').insert(insert.slice(i, i + 50));
  return { officials, rows };
}

function pureScores(officials: Official[], rows: Row[], periodKey: string, statuses: string[], settings: { capMinutes: number; capPolicy: 'clip' | 'warn'; dailyMinutes: number; profile: string }, general: Map<string, number>): Score[] {
  const p = parsePeriod(periodKey);
  const params = { profile: getProfile(settings.profile), dailyMinutes: settings.dailyMinutes, capMinutes: settings.capMinutes, capPolicy: settings.capPolicy };
  const inputs: OfficialInput[] = officials
    .filter((o) => (o.activeFrom === null || o.activeFrom <= p.to) && (o.activeTo === null || o.activeTo >= p.from))
    .map((o) => {
      const entries: EntryInput[] = rows.filter((x) => x.userId === o.id && x.day >= p.from && x.day <= p.to && statuses.includes(x.status))
        .map((x, i) => ({ id: i, day: x.day, minutes: x.minutes, fails: x.fails, delays: x.delays }));
      const wd = workingDays(p.from, p.to, { holidays: [], makeUpDays: [] }, { from: o.activeFrom, to: o.activeTo });
      return {
        userId: o.id, unitId: o.unitId, isLeader: o.isLeader, position: 'Chuyên viên', workingDays: wd.length, workingDayList: wd,
        days: dayTotalsFromEntries(entries, params), assignmentMinutes: 0, general: general.get(o.id) ?? null, disqualified: false, provisional: statuses.includes('pending'),
      };
    });
  return applyQuota(scoreUnitDetailed(inputs, params, p.key).map((s) => s.score), params);
}

const FIELDS = ['workingDays', 'assignedMinutes', 'completedMinutes', 'qualityMinutes', 'progressMinutes', 'quantityPct', 'qualityPct', 'progressPct', 'ownTaskScore', 'taskScore', 'generalScore', 'total', 'classification', 'overQuota', 'provisional', 'scored', 'incomplete'] as const;

function compare(db: Score[], pure: Score[]): void {
  expect(db.map((s) => s.userId).sort()).to.deep.equal(pure.map((s) => s.userId).sort());
  const byId = new Map(pure.map((s) => [s.userId, s]));
  for (const s of db) {
    const q = byId.get(s.userId)!;
    for (const f of FIELDS) expect(s[f], `${s.userId}.${f}`).to.deep.equal(q[f]);
    expect(s.capWarnings.map((w) => w.day), `${s.userId}.capWarnings`).to.deep.equal(q.capWarnings.map((w) => w.day));
  }
}

describe('integration: scores aggregated in the database', function () {
  this.timeout(120000);
  let knex: Knex;
  let scoring: ScoringService;
  let agencies: AgencyService;
  let data: { officials: Official[]; rows: Row[] };
  const general = new Map<string, number>();

  before(async () => {
    knex = await freshDb();
    const clock = () => NOW;
    const uow = new KnexUnitOfWork(knex);
    agencies = new AgencyService({ uow, clock, contextTtlMs: 0 });
    await agencies.addAgency({ code: AGENCY, name: 'Cơ quan chấm điểm' });
    const journal = new JournalService({ uow, agencies, clock });
    scoring = new ScoringService({ uow, agencies, journal, clock });
    data = await seed(knex, rng(20260331));
    const r = rng(7);
    for (const o of data.officials) {
      if (r() < 0.8) {
        const g = Math.round(r() * 3000) / 100;
        general.set(o.id, g);
        await knex('kpi_assessments').insert({ agency_code: AGENCY, user_id: o.id, period: '2026-Q1', general: g, disqualified: false, assessed_by: 'hr', updated_at: new Date() });
      }
    }
  });

  after(async () => {
    await knex.destroy();
  });

  it('when a quarter is open, then the database scores equal the pure engine (pending counted, provisional)', async () => {
    expect(data.rows.length).to.be.greaterThan(1000);
    const db = await scoring.compute(AGENCY, parsePeriod('2026-Q1'), { provisional: true });
    const settings = await agencies.getSettings(AGENCY);
    compare(db, pureScores(data.officials, data.rows, '2026-Q1', ['approved', 'pending'], settings, general));
    expect(db.some((s) => s.capWarnings.length > 0), 'some day passes the cap').to.equal(true);
    expect(db.some((s) => s.overQuota || s.classification === 'HTXSNV' || s.classification === 'HTTNV' || s.classification === 'KHTNV')).to.equal(true);
  });

  it('when only approved entries count (a close), then the database scores equal the pure engine', async () => {
    const db = await scoring.compute(AGENCY, parsePeriod('2026-02'), { provisional: false });
    const settings = await agencies.getSettings(AGENCY);
    compare(db, pureScores(data.officials, data.rows, '2026-02', ['approved'], settings, new Map()));
  });

  it('when the cap policy is warn and the profile kh1636, then the database scores still equal the pure engine', async () => {
    await agencies.putSettings(AGENCY, { capPolicy: 'warn', profile: 'kh1636', capMinutes: 300 }, 'admin');
    try {
      const db = await scoring.compute(AGENCY, parsePeriod('2026-Q1'), { provisional: true });
      const settings = await agencies.getSettings(AGENCY);
      compare(db, pureScores(data.officials, data.rows, '2026-Q1', ['approved', 'pending'], settings, general));
    } finally {
      await agencies.putSettings(AGENCY, { capPolicy: 'clip', profile: 'nd335', capMinutes: 480 }, 'admin');
    }
  });

  it('when one official is asked for, then their score equals their line in the whole agency and carries their entries', async () => {
    const all = await scoring.compute(AGENCY, parsePeriod('2026-03'), { provisional: true });
    const leader = data.officials.find((o) => o.isLeader && o.unitId === 'unit-0')!;
    const [one] = await scoring.compute(AGENCY, parsePeriod('2026-03'), { provisional: true, filter: { userId: leader.id }, withEntries: true });
    const same = all.find((s) => s.userId === leader.id)!;
    for (const f of FIELDS) expect(one![f], f).to.deep.equal(same[f]);
    expect(one!.unitMean).to.equal(same.unitMean);
  });

  it('when only the numbers are asked for (a workbook, the ranking), then they equal the explained scores but for the explanation, whole agency and one unit', async () => {
    for (const filter of [{}, { unitId: 'unit-0' }]) {
      const full = await scoring.scores(AGENCY, '2026-Q1', filter);
      const numbers = await scoring.numbers(AGENCY, '2026-Q1', filter);
      expect(numbers.length).to.equal(full.length).and.to.be.greaterThan(0);
      expect(numbers.every((n) => !('explanation' in n))).to.equal(true);
      expect(numbers).to.deep.equal(full.map(({ explanation: _, ...rest }) => rest));
    }
  });
});
