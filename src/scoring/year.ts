/** Year scores (docs/hr.md): the mean of the quarter totals in which the official was scored. */
import { parsePeriod } from '../domain/period';
import { classify } from './official';
import { getProfile, validateProfile } from './profiles';
import { round2 } from './rounding';
import type { Classification, Score, ScoreCore, ScoringParams, YearExplanation, YearQuarterLine } from './types';
import { mean } from './util';
import { fail } from './validate';

/**
 * Year scores: per official, the mean of the quarter totals (as stored, rounded) of the quarters in which
 * the official was scored (A > 0), classified with the same thresholds. The year is incomplete (no class)
 * while a counted quarter lacks G, and KHTNV when the official was disqualified in any quarter of the year
 * or is listed in `options.disqualifiedUserIds` (HR's decision for the year).
 * The thresholds are those of `params.profile` when given, else of the built-in profile the latest quarter names.
 * The minutes are sums and the percentages and R, G means over the counted quarters (shown, not recomputed).
 */
export function scoreYear(
  quarterScores: readonly Score[],
  params?: Pick<ScoringParams, 'profile'>,
  options: { disqualifiedUserIds?: readonly string[] } = {},
): Score[] {
  const byUser = new Map<string, Score[]>();
  let year: number | null = null;
  quarterScores.forEach((s, i) => {
    const p = parsePeriod(s.period);
    if (p.kind !== 'quarter') fail(`quarterScores[${i}].period`, `phải là một quý (YYYY-Qn), không phải ${s.period}`, 'must be a quarter');
    if (year !== null && p.year !== year) fail(`quarterScores[${i}].period`, `các quý phải cùng một năm (${year})`, 'all quarters must be of one year');
    year = p.year;
    const list = byUser.get(s.userId) ?? [];
    if (list.some((x) => x.period === s.period)) fail(`quarterScores[${i}]`, `trùng điểm quý ${s.period} của ${s.userId}`, 'duplicate quarter score');
    list.push(s);
    byUser.set(s.userId, list);
  });
  if (year === null) return [];
  const yp = parsePeriod(String(year));
  const hrDisqualified = new Set(options.disqualifiedUserIds ?? []);
  const fixedProfile = params ? validateProfile(params.profile) : null;

  const out: Score[] = [];
  for (const [userId, list] of byUser) {
    const quarters = [...list].sort((a, b) => (a.period < b.period ? -1 : 1));
    const latest = quarters[quarters.length - 1] as Score;
    const profile = fixedProfile ?? getProfile(latest.profile.id);
    const counted = quarters.filter((q) => q.scored);
    const n = counted.length;
    const disqualified = hrDisqualified.has(userId) || quarters.some((q) => q.disqualified);
    const incomplete = counted.some((q) => q.generalScore === null);
    const meanTotal = n > 0 ? mean(counted.map((q) => q.total)) : null;
    const total = meanTotal === null ? 0 : round2(meanTotal);
    const classification: Classification | null = disqualified ? 'KHTNV' : meanTotal === null || incomplete ? null : classify(total, profile.thresholds);
    const sum = (f: (q: Score) => number): number => round2(counted.reduce((a, q) => a + f(q), 0));
    const avg = (f: (q: Score) => number): number => (n > 0 ? round2(mean(counted.map(f))) : 0);
    const gAll = n > 0 && !incomplete ? round2(mean(counted.map((q) => q.generalScore as number))) : null;
    const core: ScoreCore = {
      userId,
      unitId: latest.unitId,
      period: yp.key,
      profile: { id: profile.id, version: profile.version },
      isLeader: latest.isLeader,
      position: latest.position,
      workingDays: counted.reduce((a, q) => a + q.workingDays, 0),
      assignedMinutes: sum((q) => q.assignedMinutes),
      completedMinutes: sum((q) => q.completedMinutes),
      qualityMinutes: sum((q) => q.qualityMinutes),
      progressMinutes: sum((q) => q.progressMinutes),
      quantityPct: avg((q) => q.quantityPct),
      qualityPct: avg((q) => q.qualityPct),
      progressPct: avg((q) => q.progressPct),
      taskMax: latest.taskMax,
      generalMax: latest.generalMax,
      ownTaskScore: avg((q) => q.ownTaskScore),
      unitMean: null,
      taskScore: avg((q) => q.taskScore),
      generalScore: gAll,
      total,
      classification,
      overQuota: false,
      provisional: counted.some((q) => q.provisional),
      disqualified,
      scored: n > 0,
      incomplete,
      capWarnings: counted.flatMap((q) => q.capWarnings),
    };
    const quarterLines: YearQuarterLine[] = quarters.map((q) => ({
      period: q.period,
      total: q.total,
      scored: q.scored,
      counted: q.scored,
      incomplete: q.incomplete,
      disqualified: q.disqualified,
      profile: q.profile,
    }));
    const explanation: YearExplanation = {
      kind: 'year',
      period: yp.key,
      from: yp.from,
      to: yp.to,
      userId,
      unitId: latest.unitId,
      profile: core.profile,
      quarters: quarterLines,
      counted: n,
      mean: meanTotal,
      total,
      thresholds: { ...profile.thresholds },
      classification,
      disqualified,
      disqualifiedByHr: hrDisqualified.has(userId),
      incomplete,
      provisional: core.provisional,
      overQuota: false,
      quota: null,
      nextClass: null,
    };
    out.push({ ...core, explanation });
  }
  return out;
}

