/**
 * The scoring engine's types (docs/hr.md): its inputs, the per-day and per-period numbers,
 * the scores and their structured explanations. Numbers and codes only: the sentences that
 * explain a score are written at the edge (src/i18n/explanation-text.ts).
 */
import type { CapPolicy } from '../domain/principal';
import type { Period } from '../domain/period';
import type { AssignedBasis, ScoringProfile } from './profiles';

export type { CapPolicy };

export type Classification = 'HTXSNV' | 'HTTNV' | 'HTNV' | 'KHTNV';

export const CLASSIFICATIONS: readonly Classification[] = Object.freeze(['HTXSNV', 'HTTNV', 'HTNV', 'KHTNV'] as const);

export interface ScoringParams {
  profile: ScoringProfile;
  /** Standard working day in minutes (480). */
  dailyMinutes: number;
  /** Daily cap on counted minutes (480). */
  capMinutes: number;
  capPolicy: CapPolicy;
  /** The pool of the excellence quota (docs/hr.md): `agency` (default) or `unit`. */
  quotaScope?: QuotaScope;
  /** Scope `agency`: groups of officials with similar duties, by position; none = leaders and non-leaders apart. */
  quotaGroups?: readonly QuotaGroupDef[];
}

export type QuotaScope = 'agency' | 'unit';

/** A quota group (settings `quotaGroups`): officials whose position is one of `positions` (trimmed, NFC, case-insensitive). */
export interface QuotaGroupDef {
  id: string;
  name: string;
  positions: readonly string[];
}

/**
 * Which pool an official's quota was counted in:
 * - `group`: the agency's quota group `groupId` (`groupName`), scope agency;
 * - `other`: scope agency with groups, the official's position is in none of them;
 * - `leaders` / `non-leaders`: scope agency without groups;
 * - `unit`: scope unit, the unit `unitId` (null: officials of no unit).
 */
export type QuotaPoolKind = 'group' | 'other' | 'leaders' | 'non-leaders' | 'unit';

export interface QuotaPool {
  scope: QuotaScope;
  kind: QuotaPoolKind;
  groupId: string | null;
  groupName: string | null;
  unitId: string | null;
  /** Officials in the pool for the period, scored or not. */
  members: number;
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
  /** The pool the quota was counted in. */
  pool: QuotaPool;
  /** Officials of the pool rated good or better (rounded S ≥ good, not disqualified, G present). */
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

export interface ScoredOfficial {
  score: Score;
  internals: ScoreInternals;
}

// ---------------------------------------------------------------------------
// Explanations: the engine's full-precision numbers behind a score

export interface PercentExplanation {
  /** min(100, 100 × numerator / denominator); 0 when not scored. */
  value: number;
  numerator: number;
  denominator: number;
  /** The 100 ceiling was hit. */
  capped: boolean;
}

export interface ExplainedEntry {
  id: string | number;
  day: string;
  workItemCode: string | null;
  /** m(e). */
  minutes: number;
  /** m'(e) = m(e) × the day's cap factor. */
  countedMinutes: number;
  factor: number;
  fails: number;
  delays: number;
  late: boolean;
  /** m'(e) × max(0, 1 − failPenalty × fails). */
  qualityMinutes: number;
  /** m'(e) × max(0, 1 − delayPenalty × delays). */
  progressMinutes: number;
  clipped: boolean;
  /** `clipped`, `failed(n)`, `late(n)`. */
  marks: string[];
}

export interface PeriodExplanation {
  kind: 'period';
  period: string;
  from: string;
  to: string;
  userId: string;
  unitId: string | null;
  isLeader: boolean;
  provisional: boolean;
  profile: { id: string; version: number };
  workingDays: number;
  scored: boolean;
  /** A and how it was found; `formula` (e.g. `22 × 480 × 1`) is written at the edge, never by the engine. */
  assigned: AssignedBreakdown & { formula?: string };
  cap: { minutes: number; policy: CapPolicy; warnings: CapWarning[] };
  completed: {
    C: number;
    CL: number;
    CT: number;
    failPenalty: number;
    delayPenalty: number;
    /** The entries behind C, CL, CT when they were given. */
    entries: ExplainedEntry[] | null;
    /** Σ over `entries` (equal to C, CL, CT up to binary noise when the entries are the ones aggregated). */
    entrySums: { C: number; CL: number; CT: number } | null;
  };
  percentages: { quantity: PercentExplanation; quality: PercentExplanation; progress: PercentExplanation };
  task: {
    taskMax: number;
    weights: ScoringProfile['weights'];
    /** R_own. */
    ownTaskScore: number;
    /** α for a leader, else null. */
    alpha: number | null;
    /** U for a leader with scored non-leader members; null otherwise (a leader then has U = R_own). */
    unitMean: UnitMeanInfo | null;
    /** R. */
    value: number;
  };
  general: { value: number | null; max: number };
  /** S = R + G, full precision (R alone while G is missing). */
  S: number;
  /** round2(S): the score's total. */
  total: number;
  thresholds: ScoringProfile['thresholds'];
  classification: Classification | null;
  disqualified: boolean;
  incomplete: boolean;
  overQuota: boolean;
  quota: QuotaInfo | null;
  /** What lifts the official to the next class, or null (unreachable, already top, not scored, G missing, disqualified). */
  nextClass: NextClass | null;
  /** The explanation in sentences: written at the edge for output (explanation-text), never by the engine. */
  lines?: string[];
}

export interface YearQuarterLine {
  period: string;
  total: number;
  scored: boolean;
  /** Counted in the year's mean (= scored). */
  counted: boolean;
  incomplete: boolean;
  disqualified: boolean;
  profile: { id: string; version: number };
}

export interface YearExplanation {
  kind: 'year';
  period: string;
  from: string;
  to: string;
  userId: string;
  unitId: string | null;
  profile: { id: string; version: number };
  quarters: YearQuarterLine[];
  /** Number of quarters counted (scored). */
  counted: number;
  /** Mean of the counted quarter totals, full precision (null when none). */
  mean: number | null;
  total: number;
  thresholds: ScoringProfile['thresholds'];
  classification: Classification | null;
  disqualified: boolean;
  disqualifiedByHr: boolean;
  incomplete: boolean;
  provisional: boolean;
  overQuota: boolean;
  quota: QuotaInfo | null;
  nextClass: null;
  /** The explanation in sentences: written at the edge for output (explanation-text), never by the engine. */
  lines?: string[];
}

export type Explanation = PeriodExplanation | YearExplanation;
