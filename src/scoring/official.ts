/**
 * One official's numbers (docs/hr.md): A, C, CL, CT after the cap, the three percentages, R_own,
 * the leader's blend with U, the class of a rounded total, and what lifts the official to the
 * next class. Full precision inside; `round2` only where a shown number is compared.
 */
import { normRatioFor, type ScoringProfile, validateProfile } from './profiles';
import { round2 } from './rounding';
import { applyDailyCap } from './day-totals';
import type { CappedDay, Classification, NextClass, OfficialInput, OwnScore, ScoringParams, UnitMeanInfo } from './types';
import { checkNumber, checkOfficial, fail } from './validate';

/** Checks the scoring parameters (and the profile); returns them with a validated profile. */
export function checkParams(params: ScoringParams): ScoringParams {
  if (typeof params !== 'object' || params === null) fail('params', 'thiếu tham số chấm điểm', 'scoring parameters are missing');
  const profile = validateProfile(params.profile);
  checkNumber(params.dailyMinutes, 'dailyMinutes', { positive: true });
  checkNumber(params.capMinutes, 'capMinutes', { positive: true });
  if (params.capPolicy !== 'clip' && params.capPolicy !== 'warn') fail('capPolicy', 'phải là clip hoặc warn', 'must be clip or warn');
  return { profile, dailyMinutes: params.dailyMinutes, capMinutes: params.capMinutes, capPolicy: params.capPolicy };
}

/** min(100, 100 × x / A); 0 when A = 0 (not scored, never divided by). */
export function percentOf(x: number, A: number): number {
  return A > 0 ? Math.min(100, (100 * x) / A) : 0;
}

/** R_own = taskMax × (w_q·quantity% + w_l·quality% + w_t·progress%) / 100 (= taskMax × Σ% / 300 with 1/3 each). */
export function ownTaskScoreOf(pcts: { quantity: number; quality: number; progress: number }, taskMax: number, w: ScoringProfile['weights']): number {
  return (taskMax * (w.quantity * pcts.quantity + w.quality * pcts.quality + w.progress * pcts.progress)) / 100;
}

/** R: R_own for a non-leader; α R_own + (1 − α) U for a leader (U = R_own, hence R = R_own, without scored non-leaders). */
export function blend(rOwn: number, alpha: number | null, unitMean: UnitMeanInfo | null): number {
  if (alpha === null || unitMean === null) return rOwn;
  return alpha * rOwn + (1 - alpha) * unitMean.value;
}

/** Classification of a rounded total by the profile's thresholds. */
export function classify(roundedTotal: number, thresholds: ScoringProfile['thresholds']): Classification {
  if (roundedTotal >= thresholds.excellent) return 'HTXSNV';
  if (roundedTotal >= thresholds.good) return 'HTTNV';
  if (roundedTotal >= thresholds.complete) return 'HTNV';
  return 'KHTNV';
}

// ---------------------------------------------------------------------------
// scoreOwn

/** The official's own numbers: A, the cap, C, CL, CT, the three percentages and R_own. */
export function scoreOwn(input: OfficialInput, params: ScoringParams): OwnScore {
  const prm = checkParams(params);
  checkOfficial(input, '');
  return ownOf(input, prm);
}

export function ownOf(input: OfficialInput, prm: ScoringParams): OwnScore {
  const profile = prm.profile;
  const taskMax = input.isLeader ? profile.leader.taskMax : profile.taskMax;
  const generalMax = input.isLeader ? profile.leader.generalMax : profile.generalMax;
  const normRatio = normRatioFor(profile, input.position);
  const normMinutes = input.workingDays * prm.dailyMinutes * normRatio;
  const A =
    profile.assignedBasis === 'norm' ? normMinutes : profile.assignedBasis === 'assignments' ? input.assignmentMinutes : Math.max(normMinutes, input.assignmentMinutes);
  const { days, warnings } = input.totals ? { days: [] as CappedDay[], warnings: input.totals.capWarnings } : applyDailyCap(input.days, prm.capMinutes, prm.capPolicy);
  let C = input.totals?.C ?? 0;
  let CL = input.totals?.CL ?? 0;
  let CT = input.totals?.CT ?? 0;
  for (const d of days) {
    C += d.m;
    CL += d.ml;
    CT += d.mt;
  }
  const scored = A > 0;
  const pcts = { quantity: percentOf(C, A), quality: percentOf(CL, A), progress: percentOf(CT, A) };
  return {
    scored,
    isLeader: input.isLeader,
    taskMax,
    generalMax,
    assigned: { basis: profile.assignedBasis, minutes: A, workingDays: input.workingDays, dailyMinutes: prm.dailyMinutes, normRatio, normMinutes, assignmentMinutes: input.assignmentMinutes },
    C,
    CL,
    CT,
    quantityPct: pcts.quantity,
    qualityPct: pcts.quality,
    progressPct: pcts.progress,
    ownTaskScore: scored ? ownTaskScoreOf(pcts, taskMax, profile.weights) : 0,
    days,
    capWarnings: warnings,
  };
}

// ---------------------------------------------------------------------------
// nextClass

/** Minutes that can still be added below the cap: on the given working days, or estimated from |W| and the days with entries. */
export function roomOf(own: OwnScore, input: OfficialInput, cap: number): number {
  if (input.totals) {
    // Per-day detail stayed in the database: the room is the cap on every working day less what was counted.
    return Math.max(0, input.workingDays * cap - own.C);
  }
  const byDay = new Map(own.days.map((d) => [d.day, d.m] as const));
  let room = 0;
  if (input.workingDayList) {
    for (const wd of new Set(input.workingDayList)) room += Math.max(0, cap - (byDay.get(wd) ?? 0));
    return room;
  }
  for (const d of own.days) room += Math.max(0, cap - d.m);
  return room + Math.max(0, input.workingDays - own.days.length) * cap;
}

/**
 * What lifts the official to the next class: the smallest whole number x of minutes of approved, on-time,
 * error-free work (it adds x to C, CL and CT alike; placed on days below the cap it is never scaled) such that
 * the rounded S reaches the next threshold. S(x) is non-decreasing, so a binary search over 1..room is exact.
 * Null when not scored, disqualified, G missing, already HTXSNV, or unreachable within the room left.
 */
export function nextClassOf(own: OwnScore, prm: ScoringParams, alpha: number | null, unitMean: UnitMeanInfo | null, G: number | null, disqualified: boolean, room: number): NextClass | null {
  if (!own.scored || disqualified || G === null) return null;
  const th = prm.profile.thresholds;
  const now = round2(totalWith(own, prm, alpha, unitMean, G, 0));
  if (now >= th.excellent) return null;
  const [target, threshold]: [Classification, number] = now >= th.good ? ['HTXSNV', th.excellent] : now >= th.complete ? ['HTTNV', th.good] : ['HTNV', th.complete];
  const maxX = Math.floor(room + 1e-9);
  if (maxX < 1) return null;
  const at = (x: number): number => round2(totalWith(own, prm, alpha, unitMean, G, x));
  if (at(maxX) < threshold) return null;
  let lo = 1;
  let hi = maxX;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= threshold) hi = mid;
    else lo = mid + 1;
  }
  return { target, threshold, minutes: lo, totalAfter: at(lo) };
}

/** S with x extra clean minutes (x = 0: the score itself). */
export function totalWith(own: OwnScore, prm: ScoringParams, alpha: number | null, unitMean: UnitMeanInfo | null, G: number | null, x: number): number {
  const A = own.assigned.minutes;
  const pcts = { quantity: percentOf(own.C + x, A), quality: percentOf(own.CL + x, A), progress: percentOf(own.CT + x, A) };
  const rOwn = A > 0 ? ownTaskScoreOf(pcts, own.taskMax, prm.profile.weights) : 0;
  return blend(rOwn, alpha, unitMean) + (G ?? 0);
}

