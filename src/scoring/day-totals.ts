/**
 * Per-day totals and the daily cap (docs/hr.md): the engine works from PER-DAY TOTALS (the
 * database aggregates counted entries by (user, day)); `dayTotalsFromEntries` builds the same
 * totals from plain entries.
 */
import type { CapPolicy, CappedDay, CapWarning, DayTotal, EntryInput, ScoringParams } from './types';
import { checkEntry } from './validate';

/** max(0, 1 − penalty × n): 4 fails at 0.25 give 0, 5 give 0 too, never negative. */
export function penaltyFactor(penalty: number, n: number): number {
  return Math.max(0, 1 - penalty * n);
}

/**
 * Per-day totals from plain entries (the same numbers the database aggregates):
 * m = Σ m(e), ml = Σ m(e)·max(0, 1 − failPenalty·fails), mt = Σ m(e)·max(0, 1 − delayPenalty·delays). Sorted by day.
 */
export function dayTotalsFromEntries(entries: readonly EntryInput[], params: Pick<ScoringParams, 'profile'>): DayTotal[] {
  const { failPenalty, delayPenalty } = params.profile;
  const byDay = new Map<string, DayTotal>();
  entries.forEach((e, i) => {
    checkEntry(e, `entries[${i}]`);
    let t = byDay.get(e.day);
    if (!t) {
      t = { day: e.day, m: 0, ml: 0, mt: 0, count: 0 };
      byDay.set(e.day, t);
    }
    t.m += e.minutes;
    t.ml += e.minutes * penaltyFactor(failPenalty, e.fails);
    t.mt += e.minutes * penaltyFactor(delayPenalty, e.delays);
    t.count += 1;
  });
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Merges rows of the same day (the cap is per day) and sorts by day. */
function mergeDays(days: readonly DayTotal[]): DayTotal[] {
  const byDay = new Map<string, DayTotal>();
  for (const d of days) {
    const t = byDay.get(d.day);
    if (t) {
      t.m += d.m;
      t.ml += d.ml;
      t.mt += d.mt;
      t.count += d.count;
    } else {
      byDay.set(d.day, { day: d.day, m: d.m, ml: d.ml, mt: d.mt, count: d.count });
    }
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** The daily cap: under `clip` a day with T(d) > cap has m, ml and mt scaled by cap / T(d); under `warn` nothing changes. Both warn. */
export function applyDailyCap(days: readonly DayTotal[], capMinutes: number, capPolicy: CapPolicy): { days: CappedDay[]; warnings: CapWarning[] } {
  const out: CappedDay[] = [];
  const warnings: CapWarning[] = [];
  for (const d of mergeDays(days)) {
    const over = d.m > capMinutes;
    if (over && capPolicy === 'clip') {
      const factor = capMinutes / d.m;
      // m' is the cap itself (exact); ml', mt' keep their share of the day: x × cap / T(d).
      out.push({ day: d.day, m: capMinutes, ml: (d.ml * capMinutes) / d.m, mt: (d.mt * capMinutes) / d.m, count: d.count, factor, over, raw: d });
      warnings.push({ day: d.day, minutes: d.m, capMinutes, clipped: true, factor });
    } else {
      out.push({ day: d.day, m: d.m, ml: d.ml, mt: d.mt, count: d.count, factor: 1, over, raw: d });
      if (over) warnings.push({ day: d.day, minutes: d.m, capMinutes, clipped: false, factor: 1 });
    }
  }
  return { days: out, warnings };
}

