/**
 * Scoring profiles: every number of docs/hr.md as versioned DATA.
 *
 * A computed score records `{ id, version }` of the profile that produced it.
 * Changing any number of a shipped profile means shipping a new version, never
 * editing one in place (closed periods must stay reproducible).
 */
import { ValidationError } from '../domain/errors';
import { isPlainObject } from '../domain/objects';

export type AssignedBasis = 'norm' | 'assignments' | 'max';

export const ASSIGNED_BASES: readonly AssignedBasis[] = Object.freeze(['norm', 'assignments', 'max'] as const);

export interface ScoringProfile {
  readonly id: string;
  readonly version: number;
  /** Display name (Vietnamese). */
  readonly name: string;
  /** Points for task results (kết quả thực hiện nhiệm vụ) of a non-leader: 70. */
  readonly taskMax: number;
  /** Points for general criteria (tiêu chí chung) of a non-leader: 30. */
  readonly generalMax: number;
  /** The same two maxima for a leader (nd335: 70/30; kh1636: 50/50). */
  readonly leader: { readonly taskMax: number; readonly generalMax: number };
  /** Shares of quantity%, quality%, progress% in R_own; they sum to 1 (1/3 each by default). */
  readonly weights: { readonly quantity: number; readonly quality: number; readonly progress: number };
  /** Share of a product's quality lost per non-excused failed assessment: 0.25. */
  readonly failPenalty: number;
  /** Share of a product's progress lost per non-excused delay: 0.25. */
  readonly delayPenalty: number;
  /** α in R = α R_own + (1 − α) U for a leader: 0.5. */
  readonly leaderAlpha: number;
  /** Classification thresholds on the rounded S: ≥ excellent HTXSNV, ≥ good HTTNV, ≥ complete HTNV, else KHTNV. */
  readonly thresholds: { readonly excellent: number; readonly good: number; readonly complete: number };
  /** HTXSNV may not exceed this share of those rated good or better: 0.2. */
  readonly quotaRatio: number;
  /** How A is found: norm (working days × dailyMinutes × normRatio), assignments (Σ m of assignments due), or the max of both. */
  readonly assignedBasis: AssignedBasis;
  /** normRatio by position code; positions not listed use `defaultNormRatio`. */
  readonly normRatios: Readonly<Record<string, number>>;
  readonly defaultNormRatio: number;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

const THIRD = 1 / 3;

/** Decree 335/2025/NĐ-CP as this project reads it (docs/hr.md). */
export const ND335: ScoringProfile = deepFreeze({
  id: 'nd335',
  version: 1,
  name: 'Nghị định 335/2025/NĐ-CP (70 điểm nhiệm vụ, 30 điểm tiêu chí chung)',
  taskMax: 70,
  generalMax: 30,
  leader: { taskMax: 70, generalMax: 30 },
  weights: { quantity: THIRD, quality: THIRD, progress: THIRD },
  failPenalty: 0.25,
  delayPenalty: 0.25,
  leaderAlpha: 0.5,
  thresholds: { excellent: 90, good: 70, complete: 50 },
  quotaRatio: 0.2,
  assignedBasis: 'norm',
  normRatios: {},
  defaultNormRatio: 1,
});

/** As nd335, but a leader's task results weigh 50 and general criteria 50 (Khánh Hòa, Regulation 1636). */
export const KH1636: ScoringProfile = deepFreeze({
  ...ND335,
  id: 'kh1636',
  version: 1,
  name: 'Quy định 1636 Khánh Hòa (lãnh đạo: 50 điểm nhiệm vụ, 50 điểm tiêu chí chung)',
  leader: { taskMax: 50, generalMax: 50 },
  weights: { ...ND335.weights },
  thresholds: { ...ND335.thresholds },
  normRatios: {},
});

export const BUILTIN_PROFILES: Readonly<Record<string, ScoringProfile>> = Object.freeze({ nd335: ND335, kh1636: KH1636 });

export const DEFAULT_PROFILE_ID = 'nd335';

/**
 * A built-in profile by id, or one of the agency's `custom` profiles (which take precedence).
 * Unknown id → ValidationError on `profile`.
 */
export function getProfile(id: string, custom: readonly ScoringProfile[] = []): ScoringProfile {
  const own = custom.find((p) => p.id === id);
  if (own) return own;
  const builtin = Object.prototype.hasOwnProperty.call(BUILTIN_PROFILES, id) ? BUILTIN_PROFILES[id] : undefined;
  if (builtin) return builtin;
  throw new ValidationError(
    `Không có hồ sơ chấm điểm "${id}"; dùng ${Object.keys(BUILTIN_PROFILES).join(', ')} hoặc một hồ sơ riêng đã khai báo (unknown scoring profile)`,
    'profile',
  );
}

/** normRatio(position) of docs/hr.md. */
export function normRatioFor(profile: ScoringProfile, position: string | null | undefined): number {
  if (position != null && Object.prototype.hasOwnProperty.call(profile.normRatios, position)) return profile.normRatios[position] as number;
  return profile.defaultNormRatio;
}

// ---------------------------------------------------------------------------
// Validation of custom profiles

const KEYS: readonly string[] = [
  'id', 'version', 'name', 'taskMax', 'generalMax', 'leader', 'weights', 'failPenalty', 'delayPenalty',
  'leaderAlpha', 'thresholds', 'quotaRatio', 'assignedBasis', 'normRatios', 'defaultNormRatio',
];

function bad(field: string, rule: string, ruleEn: string): never {
  throw new ValidationError(`Hồ sơ chấm điểm không hợp lệ: ${field} ${rule} (${field} ${ruleEn})`, field);
}

function num(o: Record<string, unknown>, key: string, field: string, min: number, max: number, minExclusive = false): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, 'phải là một số', 'must be a finite number');
  if (minExclusive ? v <= min : v < min) bad(field, minExclusive ? `phải lớn hơn ${min}` : `không được nhỏ hơn ${min}`, minExclusive ? `must be greater than ${min}` : `must be at least ${min}`);
  if (v > max) bad(field, `không được lớn hơn ${max}`, `must be at most ${max}`);
  return v;
}

function obj(o: Record<string, unknown>, key: string, field: string, keys: readonly string[]): Record<string, unknown> {
  const v = o[key];
  if (!isPlainObject(v)) bad(field, 'phải là một đối tượng', 'must be an object');
  for (const k of Object.keys(v)) if (!keys.includes(k)) bad(`${field}.${k}`, 'không phải là tham số đã biết', 'is not a known parameter');
  return v;
}

/**
 * Checks a profile (typically a custom one from the agency's settings) and returns a frozen copy.
 * Throws a ValidationError whose `field` names the first bad parameter (e.g. `profile.weights.quality`).
 */
export function validateProfile(p: unknown): ScoringProfile {
  const F = 'profile';
  if (!isPlainObject(p)) bad(F, 'phải là một đối tượng', 'must be an object');
  for (const k of Object.keys(p)) if (!KEYS.includes(k)) bad(`${F}.${k}`, 'không phải là tham số đã biết', 'is not a known parameter');

  const id = p['id'];
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id)) bad(`${F}.id`, 'phải gồm chữ thường, số, - hoặc _ (tối đa 64 ký tự)', 'must be lowercase letters, digits, - or _ (at most 64)');
  const version = p['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) bad(`${F}.version`, 'phải là số nguyên dương', 'must be a positive integer');
  const name = p['name'] ?? id;
  if (typeof name !== 'string' || name.trim() === '') bad(`${F}.name`, 'phải là chuỗi khác rỗng', 'must be a non-empty string');

  const taskMax = num(p, 'taskMax', `${F}.taskMax`, 0, 1000, true);
  const generalMax = num(p, 'generalMax', `${F}.generalMax`, 0, 1000);
  const leaderO = obj(p, 'leader', `${F}.leader`, ['taskMax', 'generalMax']);
  const leader = {
    taskMax: num(leaderO, 'taskMax', `${F}.leader.taskMax`, 0, 1000, true),
    generalMax: num(leaderO, 'generalMax', `${F}.leader.generalMax`, 0, 1000),
  };

  const w = obj(p, 'weights', `${F}.weights`, ['quantity', 'quality', 'progress']);
  const weights = {
    quantity: num(w, 'quantity', `${F}.weights.quantity`, 0, 1),
    quality: num(w, 'quality', `${F}.weights.quality`, 0, 1),
    progress: num(w, 'progress', `${F}.weights.progress`, 0, 1),
  };
  if (Math.abs(weights.quantity + weights.quality + weights.progress - 1) > 1e-9) bad(`${F}.weights`, 'phải có tổng bằng 1', 'must sum to 1');

  const failPenalty = num(p, 'failPenalty', `${F}.failPenalty`, 0, 1);
  const delayPenalty = num(p, 'delayPenalty', `${F}.delayPenalty`, 0, 1);
  const leaderAlpha = num(p, 'leaderAlpha', `${F}.leaderAlpha`, 0, 1);

  const t = obj(p, 'thresholds', `${F}.thresholds`, ['excellent', 'good', 'complete']);
  const thresholds = {
    excellent: num(t, 'excellent', `${F}.thresholds.excellent`, 0, 1000),
    good: num(t, 'good', `${F}.thresholds.good`, 0, 1000),
    complete: num(t, 'complete', `${F}.thresholds.complete`, 0, 1000),
  };
  if (!(thresholds.good < thresholds.excellent)) bad(`${F}.thresholds.good`, 'phải nhỏ hơn ngưỡng excellent', 'must be below excellent');
  if (!(thresholds.complete < thresholds.good)) bad(`${F}.thresholds.complete`, 'phải nhỏ hơn ngưỡng good', 'must be below good');

  const quotaRatio = num(p, 'quotaRatio', `${F}.quotaRatio`, 0, 1);
  const assignedBasis = p['assignedBasis'] ?? 'norm';
  if (typeof assignedBasis !== 'string' || !(ASSIGNED_BASES as readonly string[]).includes(assignedBasis)) bad(`${F}.assignedBasis`, 'phải là norm, assignments hoặc max', 'must be norm, assignments or max');

  const nrRaw = p['normRatios'] ?? {};
  if (!isPlainObject(nrRaw)) bad(`${F}.normRatios`, 'phải là một đối tượng {chức vụ: hệ số}', 'must be an object {position: ratio}');
  const normRatios: Record<string, number> = {};
  for (const [pos, v] of Object.entries(nrRaw)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 10) bad(`${F}.normRatios.${pos}`, 'phải là số dương không quá 10', 'must be a positive number up to 10');
    normRatios[pos] = v;
  }
  const defaultNormRatio = p['defaultNormRatio'] === undefined ? 1 : num(p, 'defaultNormRatio', `${F}.defaultNormRatio`, 0, 10, true);

  return deepFreeze({
    id,
    version,
    name,
    taskMax,
    generalMax,
    leader,
    weights,
    failPenalty,
    delayPenalty,
    leaderAlpha,
    thresholds,
    quotaRatio,
    assignedBasis: assignedBasis as AssignedBasis,
    normRatios,
    defaultNormRatio,
  });
}
