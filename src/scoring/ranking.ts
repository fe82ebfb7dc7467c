/** The ranking of units (docs/hr.md) by the mean total of their scored officials. */
import { round2 } from './rounding';
import type { ScoreCore, UnitRank } from './types';
import { groupKey, mean } from './util';
import { fail } from './validate';

/**
 * Units ranked by the mean total of their scored officials (S, or R while G is missing: that is what
 * `total` holds). Highest first by default, lowest first with `{ lowestFirst: true }`; ties by unitId
 * ascending; units without a scored official come last. All scores must be of one period.
 */
export function rankUnits(scores: readonly ScoreCore[], options: { lowestFirst?: boolean } = {}): UnitRank[] {
  const period = scores[0]?.period;
  scores.forEach((s, i) => {
    if (s.period !== period) fail(`scores[${i}].period`, `mọi điểm phải cùng một kỳ (${String(period)})`, 'all scores must be of one period');
  });
  const units = new Map<string, { unitId: string | null; totals: number[]; count: number; incomplete: boolean }>();
  for (const s of scores) {
    const k = groupKey(s.period, s.unitId);
    const u = units.get(k) ?? { unitId: s.unitId, totals: [], count: 0, incomplete: false };
    u.count += 1;
    if (s.scored) {
      u.totals.push(s.total);
      if (s.incomplete) u.incomplete = true;
    }
    units.set(k, u);
  }
  const rows = [...units.values()].map((u) => ({
    unitId: u.unitId,
    period: period as string,
    mean: u.totals.length > 0 ? round2(mean(u.totals)) : null,
    scoredCount: u.totals.length,
    officialCount: u.count,
    incomplete: u.incomplete,
    rank: null as number | null,
  }));
  const dir = options.lowestFirst ? 1 : -1;
  const idOf = (r: { unitId: string | null }): string => r.unitId ?? '';
  rows.sort((a, b) => {
    if (a.mean === null || b.mean === null) {
      if (a.mean !== b.mean) return a.mean === null ? 1 : -1;
    } else if (a.mean !== b.mean) {
      return dir * (a.mean - b.mean);
    }
    return idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0;
  });
  let place = 0;
  for (const r of rows) if (r.mean !== null) r.rank = ++place;
  return rows;
}
