/**
 * The excellence quota (docs/hr.md), per unit and period: at most floor(quotaRatio × those rated
 * good or better) keep HTXSNV; the others are flagged over the quota, or made HTTNV.
 */
import { type ScoringProfile, validateProfile } from './profiles';
import type { Classification, Explanation, QuotaInfo, Score, ScoringParams } from './types';
import { groupKey } from './util';

/** floor(ratio × n), immune to binary noise such as 0.2 × 35 = 7.000000000000001 or 6.999999999999999. */
export function quotaLimit(ratio: number, n: number): number {
  return Math.floor(Number((ratio * n).toPrecision(12)));
}

/** The class a score had before any quota was applied to it. */
function preQuotaClass(s: Score, th: ScoringProfile['thresholds']): Classification | null {
  if (s.disqualified) return 'KHTNV';
  if (s.overQuota && s.classification === 'HTTNV' && s.total >= th.excellent) return 'HTXSNV';
  return s.classification;
}

/*
 * Ranking of the quota candidates, on the SHOWN (rounded) numbers so that anyone can re-derive the cut
 * from the published table:
 *   1. higher total S;
 *   2. then higher taskScore R (task results weigh more than the leader-given general criteria);
 *   3. then higher qualityPct;
 *   4. then userId ascending (plain code-unit order, independent of locale).
 * userIds are unique, so this is a strict total order: exactly min(limit, candidates) keep HTXSNV, never
 * more, and the same scores always give the same cut whatever their input order.
 */
function compareCandidates(a: Score, b: Score): number {
  if (a.total !== b.total) return b.total - a.total;
  if (a.taskScore !== b.taskScore) return b.taskScore - a.taskScore;
  if (a.qualityPct !== b.qualityPct) return b.qualityPct - a.qualityPct;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/**
 * The excellence quota, per unit and period: candidates (rounded S ≥ excellent, class HTXSNV) are ranked;
 * the first floor(quotaRatio × number rated good or better) keep HTXSNV, the rest get `overQuota: true`;
 * with `{ applyQuota: true }` they become HTTNV. Returns new scores in the input order. Idempotent.
 */
export function applyQuota(unitScores: readonly Score[], params: Pick<ScoringParams, 'profile'>, options: { applyQuota?: boolean } = {}): Score[] {
  const profile = validateProfile(params.profile);
  const th = profile.thresholds;
  const apply = options.applyQuota === true;
  const groups = new Map<string, number[]>();
  unitScores.forEach((s, i) => {
    const k = groupKey(s.period, s.unitId);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const quotaOf = new Map<number, { info: QuotaInfo | null; cls: Classification | null; over: boolean }>();
  for (const idx of groups.values()) {
    const base = idx.map((i) => preQuotaClass(unitScores[i] as Score, th));
    const eligible = base.filter((c) => c === 'HTXSNV' || c === 'HTTNV').length;
    const limit = quotaLimit(profile.quotaRatio, eligible);
    const candidates = idx.filter((_, j) => base[j] === 'HTXSNV').sort((a, b) => compareCandidates(unitScores[a] as Score, unitScores[b] as Score));
    idx.forEach((i, j) => quotaOf.set(i, { info: null, cls: base[j] ?? null, over: false }));
    candidates.forEach((i, rank) => {
      const over = rank >= limit;
      quotaOf.set(i, {
        info: { eligible, limit, candidates: candidates.length, rank: rank + 1, overQuota: over, applied: apply && over },
        cls: over && apply ? 'HTTNV' : 'HTXSNV',
        over,
      });
    });
  }
  return unitScores.map((s, i) => {
    const q = quotaOf.get(i) as { info: QuotaInfo | null; cls: Classification | null; over: boolean };
    // Most officials are no quota candidate and stay as they were: keep them (no copy).
    if (q.info === null && (s.explanation as { quota?: QuotaInfo | null }).quota == null && q.cls === s.classification && q.over === s.overQuota) return s;
    const explanation = { ...s.explanation, classification: q.cls, overQuota: q.over, quota: q.info } as Explanation;
    return { ...s, classification: q.cls, overQuota: q.over, explanation };
  });
}

