/**
 * The scoring engine: the formulas of SCORING.md, pure (no I/O).
 *
 * It works from PER-DAY TOTALS (the database aggregates counted entries by
 * (user, day)); `dayTotalsFromEntries` builds the same totals from plain
 * entries. Full precision is kept inside; `round2` is applied only when the
 * output `Score` is built, and classification is decided on the rounded S.
 */
import { ValidationError } from '../domain/errors';
import { type Period, containsDay, parsePeriod } from '../domain/period';
import { isValidDay } from '../domain/time';
import { explain, withLazyLines, type Explanation, type PeriodExplanation, type YearExplanation, type YearQuarterLine } from './explain';
import { type AssignedBasis, type ScoringProfile, getProfile, normRatioFor, validateProfile } from './profiles';
import { round2 } from './rounding';

// ---------------------------------------------------------------------------
// Types

export type Classification = 'HTXSNV' | 'HTTNV' | 'HTNV' | 'KHTNV';
import type { CapPolicy } from '../domain/principal';

export type { CapPolicy };

export const CLASSIFICATIONS: readonly Classification[] = Object.freeze(['HTXSNV', 'HTTNV', 'HTNV', 'KHTNV'] as const);

export interface ScoringParams {
  profile: ScoringProfile;
  /** Standard working day in minutes (480). */
  dailyMinutes: number;
  /** Daily cap on counted minutes (480). */
  capMinutes: number;
  capPolicy: CapPolicy;
}

export interface EntryInput {
  id: string | number;
  /** Local day `YYYY-MM-DD`. */
  day: string;
  /** m(e) = quantity × standardMinutes × coefficient × rating, already computed. */
  minutes: number;
  /** Non-excused failed quality assessments of the entry's work. */
  fails: number;
  /**
   * Non-excused delays: `task.extended` events not excused, PLUS 1 when the work was completed after its
   * final due time. The caller puts that +1 here; `late` below is for display only and changes nothing.
   */
  delays: number;
  workItemCode?: string;
  /** Display only: the work was completed after its final due time (already counted in `delays`). */
  late?: boolean;
}

/** Σ over one day's counted entries: m = Σ m(e); ml = Σ m(e)·max(0, 1 − failPenalty·fails(e)); mt = Σ m(e)·max(0, 1 − delayPenalty·delays(e)). */
export interface DayTotal {
  day: string;
  m: number;
  ml: number;
  mt: number;
  count: number;
}

export interface OfficialInput {
  userId: string;
  unitId: string | null;
  isLeader: boolean;
  position?: string | null;
  /** |W(P)|: working days in the period while the official was active. */
  workingDays: number;
  days: DayTotal[];
  /** Σ m over assignments due in P (used by assignedBasis `assignments` and `max`). */
  assignmentMinutes: number;
  /** General criteria G (0..generalMax), null while not recorded. */
  general: number | null;
  disqualified: boolean;
  provisional: boolean;
  /** Optional: the working days themselves; makes the "room left under the cap" of `nextClass` exact. */
  workingDayList?: readonly string[];
  /** Optional: the entries behind `days`, listed in the explanation (clipped / failed / late). */
  entries?: readonly EntryInput[];
  /**
   * Optional: C, CL and CT already summed over the period AFTER the daily cap, as the database
   * computes them in one GROUP BY for a whole agency (then `days` is left empty). Must equal what
   * `days` would give: the cap applied per day, then summed.
   */
  totals?: PeriodTotals;
}

/** The period's sums after the daily cap, computed elsewhere (the database), with the over-cap days. */
export interface PeriodTotals {
  C: number;
  CL: number;
  CT: number;
  /** Days with at least one counted entry. */
  daysLogged: number;
  capWarnings: CapWarning[];
}

export interface CapWarning {
  day: string;
  /** T(d), before any clipping. */
  minutes: number;
  capMinutes: number;
  /** True under the `clip` policy (the day was scaled by `factor`). */
  clipped: boolean;
  /** capMinutes / T(d) when clipped, else 1. */
  factor: number;
}

/** A day after the cap: m, ml, mt are m'(d) sums; `raw` holds the totals before. */
export interface CappedDay extends DayTotal {
  factor: number;
  over: boolean;
  raw: DayTotal;
}

export interface AssignedBreakdown {
  basis: AssignedBasis;
  /** A. */
  minutes: number;
  workingDays: number;
  dailyMinutes: number;
  normRatio: number;
  /** |W| × dailyMinutes × normRatio. */
  normMinutes: number;
  assignmentMinutes: number;
}

/** scoreOwn's result: the official's own numbers, full precision. */
export interface OwnScore {
  /** false when A = 0: shown, never divided by. */
  scored: boolean;
  isLeader: boolean;
  taskMax: number;
  generalMax: number;
  assigned: AssignedBreakdown;
  C: number;
  CL: number;
  CT: number;
  quantityPct: number;
  qualityPct: number;
  progressPct: number;
  /** R_own. */
  ownTaskScore: number;
  days: CappedDay[];
  capWarnings: CapWarning[];
}

/** U as used in a leader's blend. */
export interface UnitMeanInfo {
  /** Scored non-leaders of the unit whose R makes U. */
  members: number;
  /** Mean R of those members (out of the profile's non-leader taskMax). */
  raw: number;
  /** leader.taskMax / taskMax (1 under nd335; 50/70 under kh1636). */
  scale: number;
  /** raw × scale: U on the leader's own scale. */
  value: number;
}

export interface NextClass {
  target: Classification;
  threshold: number;
  /** Smallest whole number of standard minutes of approved, on-time, error-free work that reaches `threshold`. */
  minutes: number;
  /** The rounded total after adding them. */
  totalAfter: number;
}

/** Everything behind one period score, full precision; `explain` renders it. */
export interface ScoreInternals {
  period: Period;
  params: ScoringParams;
  own: OwnScore;
  isLeader: boolean;
  /** α, for a leader. */
  alpha: number | null;
  /** U for a leader with scored non-leader members; null otherwise (a leader without them uses U = R_own). */
  unitMean: UnitMeanInfo | null;
  /** R. */
  R: number;
  /** G (null when missing). */
  G: number | null;
  /** S = R + G (R alone while G is missing). */
  S: number;
  /** Minutes that can still be added on working days below the cap. */
  roomMinutes: number;
  nextClass: NextClass | null;
}

export interface QuotaInfo {
  /** Officials of the unit rated good or better (rounded S ≥ good, not disqualified, G present). */
  eligible: number;
  /** floor(quotaRatio × eligible). */
  limit: number;
  /** Candidates (rounded S ≥ excellent, not disqualified, G present). */
  candidates: number;
  /** 1-based place among the candidates. */
  rank: number;
  overQuota: boolean;
  /** True when over-quota officials were turned into HTTNV. */
  applied: boolean;
}

export interface Score {
  userId: string;
  unitId: string | null;
  period: string;
  profile: { id: string; version: number };
  isLeader: boolean;
  position: string | null;
  workingDays: number;
  /** A. */
  assignedMinutes: number;
  /** C. */
  completedMinutes: number;
  /** CL. */
  qualityMinutes: number;
  /** CT. */
  progressMinutes: number;
  quantityPct: number;
  qualityPct: number;
  progressPct: number;
  taskMax: number;
  generalMax: number;
  /** R_own. */
  ownTaskScore: number;
  /** U as used in a leader's blend (null for non-leaders and for leaders without scored non-leader members). */
  unitMean: number | null;
  /** R. */
  taskScore: number;
  /** G, null when missing. */
  generalScore: number | null;
  /** S rounded (R rounded while G is missing). */
  total: number;
  classification: Classification | null;
  overQuota: boolean;
  provisional: boolean;
  disqualified: boolean;
  scored: boolean;
  incomplete: boolean;
  capWarnings: CapWarning[];
  explanation: Explanation;
}

export type ScoreCore = Omit<Score, 'explanation'>;

export interface UnitRank {
  unitId: string | null;
  period: string;
  /** Mean total of the unit's scored officials (rounded), null when none is scored. */
  mean: number | null;
  scoredCount: number;
  officialCount: number;
  /** Some scored official still lacks G (the mean then uses R for them). */
  incomplete: boolean;
  /** 1-based place in the returned order; null when the unit has no scored official. */
  rank: number | null;
}

// ---------------------------------------------------------------------------
// Validation

function fail(field: string, vi: string, en: string): never {
  throw new ValidationError(`${field}: ${vi} (${en})`, field);
}

function checkNumber(v: unknown, field: string, opts: { min?: number; positive?: boolean; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'phải là một số hữu hạn', 'must be a finite number');
  if (opts.integer && !Number.isInteger(v)) fail(field, 'phải là số nguyên', 'must be an integer');
  if (opts.positive && !(v > 0)) fail(field, 'phải lớn hơn 0', 'must be greater than 0');
  if (opts.min !== undefined && v < opts.min) fail(field, `không được nhỏ hơn ${opts.min}`, `must be at least ${opts.min}`);
  return v;
}

/** Checks the scoring parameters (and the profile); returns them with a validated profile. */
export function checkParams(params: ScoringParams): ScoringParams {
  if (typeof params !== 'object' || params === null) fail('params', 'thiếu tham số chấm điểm', 'scoring parameters are missing');
  const profile = validateProfile(params.profile);
  checkNumber(params.dailyMinutes, 'dailyMinutes', { positive: true });
  checkNumber(params.capMinutes, 'capMinutes', { positive: true });
  if (params.capPolicy !== 'clip' && params.capPolicy !== 'warn') fail('capPolicy', 'phải là clip hoặc warn', 'must be clip or warn');
  return { profile, dailyMinutes: params.dailyMinutes, capMinutes: params.capMinutes, capPolicy: params.capPolicy };
}

/** Working-day lists already checked as days, with the periods they were found inside. Lists are never mutated here. */
const checkedDayLists = new WeakMap<readonly string[], Set<string>>();

function checkOfficial(o: OfficialInput, f: string): void {
  if (typeof o !== 'object' || o === null) fail(f || 'official', 'phải là một đối tượng', 'must be an object');
  const p = f ? `${f}.` : '';
  if (typeof o.userId !== 'string' || o.userId === '') fail(`${p}userId`, 'phải là chuỗi khác rỗng', 'must be a non-empty string');
  if (o.unitId !== null && typeof o.unitId !== 'string') fail(`${p}unitId`, 'phải là chuỗi hoặc null', 'must be a string or null');
  if (typeof o.isLeader !== 'boolean') fail(`${p}isLeader`, 'phải là true/false', 'must be a boolean');
  checkNumber(o.workingDays, `${p}workingDays`, { min: 0, integer: true });
  checkNumber(o.assignmentMinutes, `${p}assignmentMinutes`, { min: 0 });
  if (typeof o.disqualified !== 'boolean') fail(`${p}disqualified`, 'phải là true/false', 'must be a boolean');
  if (typeof o.provisional !== 'boolean') fail(`${p}provisional`, 'phải là true/false', 'must be a boolean');
  if (o.general !== null) checkNumber(o.general, `${p}general`, { min: 0 });
  if (!Array.isArray(o.days)) fail(`${p}days`, 'phải là một mảng', 'must be an array');
  o.days.forEach((d, j) => {
    const q = `${p}days[${j}]`;
    if (typeof d !== 'object' || d === null || typeof d.day !== 'string' || !isValidDay(d.day)) fail(`${q}.day`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
    checkNumber(d.m, `${q}.m`, { min: 0 });
    checkNumber(d.ml, `${q}.ml`, { min: 0 });
    checkNumber(d.mt, `${q}.mt`, { min: 0 });
    checkNumber(d.count, `${q}.count`, { min: 0, integer: true });
  });
  if (o.totals !== undefined) {
    if (o.days.length > 0) fail(`${p}totals`, 'không dùng cùng lúc với days', 'must not be given together with days');
    checkNumber(o.totals.C, `${p}totals.C`, { min: 0 });
    checkNumber(o.totals.CL, `${p}totals.CL`, { min: 0 });
    checkNumber(o.totals.CT, `${p}totals.CT`, { min: 0 });
    checkNumber(o.totals.daysLogged, `${p}totals.daysLogged`, { min: 0, integer: true });
    if (!Array.isArray(o.totals.capWarnings)) fail(`${p}totals.capWarnings`, 'phải là một mảng', 'must be an array');
  }
  if (o.workingDayList !== undefined) {
    if (!Array.isArray(o.workingDayList)) fail(`${p}workingDayList`, 'phải là một mảng ngày', 'must be an array of days');
    // Officials usually share one list (the agency's working days): each list is checked once.
    if (!checkedDayLists.has(o.workingDayList)) {
      o.workingDayList.forEach((d, j) => {
        if (typeof d !== 'string' || !isValidDay(d)) fail(`${p}workingDayList[${j}]`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
      });
      checkedDayLists.set(o.workingDayList, new Set());
    }
  }
}

function checkEntry(e: EntryInput, f: string): void {
  if (typeof e !== 'object' || e === null) fail(f, 'phải là một đối tượng', 'must be an object');
  if (typeof e.day !== 'string' || !isValidDay(e.day)) fail(`${f}.day`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
  checkNumber(e.minutes, `${f}.minutes`, { min: 0 });
  checkNumber(e.fails, `${f}.fails`, { min: 0, integer: true });
  checkNumber(e.delays, `${f}.delays`, { min: 0, integer: true });
}

// ---------------------------------------------------------------------------
// Building blocks (shared with nextClass so both always compute the same way)

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

/** min(100, 100 × x / A); 0 when A = 0 (not scored, never divided by). */
export function percentOf(x: number, A: number): number {
  return A > 0 ? Math.min(100, (100 * x) / A) : 0;
}

/** R_own = taskMax × (w_q·quantity% + w_l·quality% + w_t·progress%) / 100 (= taskMax × Σ% / 300 with 1/3 each). */
export function ownTaskScoreOf(pcts: { quantity: number; quality: number; progress: number }, taskMax: number, w: ScoringProfile['weights']): number {
  return (taskMax * (w.quantity * pcts.quantity + w.quality * pcts.quality + w.progress * pcts.progress)) / 100;
}

/** R: R_own for a non-leader; α R_own + (1 − α) U for a leader (U = R_own, hence R = R_own, without scored non-leaders). */
function blend(rOwn: number, alpha: number | null, unitMean: UnitMeanInfo | null): number {
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

function ownOf(input: OfficialInput, prm: ScoringParams): OwnScore {
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
function roomOf(own: OwnScore, input: OfficialInput, cap: number): number {
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
function nextClassOf(own: OwnScore, prm: ScoringParams, alpha: number | null, unitMean: UnitMeanInfo | null, G: number | null, disqualified: boolean, room: number): NextClass | null {
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
function totalWith(own: OwnScore, prm: ScoringParams, alpha: number | null, unitMean: UnitMeanInfo | null, G: number | null, x: number): number {
  const A = own.assigned.minutes;
  const pcts = { quantity: percentOf(own.C + x, A), quality: percentOf(own.CL + x, A), progress: percentOf(own.CT + x, A) };
  const rOwn = A > 0 ? ownTaskScoreOf(pcts, own.taskMax, prm.profile.weights) : 0;
  return blend(rOwn, alpha, unitMean) + (G ?? 0);
}

// ---------------------------------------------------------------------------
// scoreUnit

export interface ScoredOfficial {
  score: Score;
  internals: ScoreInternals;
}

function groupKey(period: string, unitId: string | null): string {
  return `${period}\u0000${unitId === null ? '\u0001' : unitId}`;
}

/**
 * Full scores (with internals) for the officials of one or more units. Officials are grouped by unitId
 * (null is a unit of its own); U for a leader is the mean R of the SCORED non-leaders of the same unit,
 * disqualified ones included (disqualification decides a class, not the work done).
 */
export function scoreUnitDetailed(officials: readonly OfficialInput[], params: ScoringParams, period: string): ScoredOfficial[] {
  const p = parsePeriod(period);
  const prm = checkParams(params);
  if (!Array.isArray(officials as unknown)) fail('officials', 'phải là một mảng', 'must be an array');
  const seen = new Set<string>();
  officials.forEach((o, i) => {
    const f = `officials[${i}]`;
    checkOfficial(o, f);
    if (seen.has(o.userId)) fail(`${f}.userId`, `trùng cán bộ "${o.userId}"`, 'duplicate official');
    seen.add(o.userId);
    o.days.forEach((d, j) => {
      if (!containsDay(p, d.day)) fail(`${f}.days[${j}].day`, `ngày ${d.day} không thuộc kỳ ${p.key}`, `day is outside period ${p.key}`);
    });
    const inside = o.workingDayList ? checkedDayLists.get(o.workingDayList) : undefined;
    if (o.workingDayList && !inside?.has(p.key)) {
      o.workingDayList.forEach((d, j) => {
        if (!containsDay(p, d)) fail(`${f}.workingDayList[${j}]`, `ngày ${d} không thuộc kỳ ${p.key}`, `day is outside period ${p.key}`);
      });
      inside?.add(p.key);
    }
    o.entries?.forEach((e, j) => checkEntry(e, `${f}.entries[${j}]`));
  });

  const owns = officials.map((o) => ownOf(o, prm));

  // U per unit: mean R of scored non-leaders (their R is R_own).
  const unitStats = new Map<string, { sum: number; n: number }>();
  officials.forEach((o, i) => {
    const own = owns[i] as OwnScore;
    if (o.isLeader || !own.scored) return;
    const k = groupKey(p.key, o.unitId);
    const s = unitStats.get(k) ?? { sum: 0, n: 0 };
    s.sum += own.ownTaskScore;
    s.n += 1;
    unitStats.set(k, s);
  });

  const profile = prm.profile;
  return officials.map((o, i) => {
    const own = owns[i] as OwnScore;
    let alpha: number | null = null;
    let unitMean: UnitMeanInfo | null = null;
    if (o.isLeader && own.scored) {
      alpha = profile.leaderAlpha;
      const s = unitStats.get(groupKey(p.key, o.unitId));
      if (s && s.n > 0) {
        const raw = s.sum / s.n;
        // U is put on the leader's own scale (kh1636: a leader's task results are out of 50, members' out of 70).
        const scale = profile.leader.taskMax / profile.taskMax;
        unitMean = { members: s.n, raw, scale, value: scale === 1 ? raw : raw * scale };
      }
    }
    const G = o.general;
    if (G !== null && G > own.generalMax) fail(`officials[${i}].general`, `không được lớn hơn ${own.generalMax}`, `must be at most ${own.generalMax}`);
    const R = own.scored ? blend(own.ownTaskScore, alpha, unitMean) : 0;
    const S = totalWith(own, prm, alpha, unitMean, G, 0);
    const total = round2(S);
    const incomplete = G === null;
    const classification: Classification | null = o.disqualified ? 'KHTNV' : !own.scored || incomplete ? null : classify(total, profile.thresholds);
    const roomMinutes = roomOf(own, o, prm.capMinutes);
    const internals: ScoreInternals = {
      period: p,
      params: prm,
      own,
      isLeader: o.isLeader,
      alpha,
      unitMean,
      R,
      G,
      S,
      roomMinutes,
      nextClass: nextClassOf(own, prm, alpha, unitMean, G, o.disqualified, roomMinutes),
    };
    const core: ScoreCore = {
      userId: o.userId,
      unitId: o.unitId,
      period: p.key,
      profile: { id: profile.id, version: profile.version },
      isLeader: o.isLeader,
      position: o.position ?? null,
      workingDays: o.workingDays,
      assignedMinutes: round2(own.assigned.minutes),
      completedMinutes: round2(own.C),
      qualityMinutes: round2(own.CL),
      progressMinutes: round2(own.CT),
      quantityPct: round2(own.quantityPct),
      qualityPct: round2(own.qualityPct),
      progressPct: round2(own.progressPct),
      taskMax: own.taskMax,
      generalMax: own.generalMax,
      ownTaskScore: round2(own.ownTaskScore),
      unitMean: unitMean ? round2(unitMean.value) : null,
      taskScore: round2(R),
      generalScore: G === null ? null : round2(G),
      total,
      classification,
      overQuota: false,
      provisional: o.provisional,
      disqualified: o.disqualified,
      scored: own.scored,
      incomplete,
      capWarnings: own.capWarnings.map((w) => ({ ...w, minutes: round2(w.minutes) })),
    };
    const score: Score = { ...core, explanation: explain(core, internals, o.entries) };
    return { score, internals };
  });
}

/** Full scores for a unit (or several): R, the leaders' blend with U, G, S, class. Apply `applyQuota` afterwards. */
export function scoreUnit(officials: readonly OfficialInput[], params: ScoringParams, period: string): Score[] {
  return scoreUnitDetailed(officials, params, period).map((x) => x.score);
}

// ---------------------------------------------------------------------------
// Quota

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
    // Most officials are no quota candidate and stay as they were: keep them (no copy, no second rendering).
    if (q.info === null && (s.explanation as { quota?: QuotaInfo | null }).quota == null && q.cls === s.classification && q.over === s.overQuota) return s;
    const explanation = { ...s.explanation, classification: q.cls, overQuota: q.over, quota: q.info } as Explanation;
    withLazyLines(explanation);
    return { ...s, classification: q.cls, overQuota: q.over, explanation };
  });
}

// ---------------------------------------------------------------------------
// Year

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

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
      lines: [],
    };
    withLazyLines(explanation);
    out.push({ ...core, explanation });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Ranking of units

/**
 * Units ranked by the mean total of their scored officials (S, or R while G is missing: that is what
 * `total` holds). Highest first by default, lowest first with `{ lowestFirst: true }`; ties by unitId
 * ascending; units without a scored official come last. All scores must be of one period.
 */
export function rankUnits(scores: readonly Score[], options: { lowestFirst?: boolean } = {}): UnitRank[] {
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

export type { PeriodExplanation };
