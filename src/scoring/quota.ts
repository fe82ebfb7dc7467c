/**
 * The excellence quota (docs/hr.md), as Decree 335 words it: HTXSNV goes to at most
 * floor(quotaRatio × those rated good or better) "within one agency and within each group of
 * officials with similar duties". The pool is a setting: `agency` (the default) counts the whole
 * agency split into quota groups (the agency's groups by position, or leaders and non-leaders
 * apart); `unit` counts each unit on its own. Per period. The others are flagged over the
 * quota, or made HTTNV.
 */
import { type ScoringProfile, validateProfile } from './profiles';
import type { Classification, Explanation, QuotaGroupDef, QuotaInfo, QuotaPool, QuotaScope, ScoreCore, ScoringParams } from './types';
import { groupKey } from './util';
import { fieldsWithoutExplanation, pendingExplanation, withLazyExplanation } from './lazy-explanation';

/** How a position is compared with a quota group's positions: NFC, trimmed, lower case. */
export function positionKey(position: string): string {
  return position.normalize('NFC').trim().toLowerCase();
}

type PoolOf = (s: ScoreCore) => { key: string; pool: Omit<QuotaPool, 'members'> };

/** The function that puts a score in its pool, for the scope and groups of `params`. */
function poolsFor(params: Pick<ScoringParams, 'quotaScope' | 'quotaGroups'>): PoolOf {
  const scope: QuotaScope = params.quotaScope ?? 'agency';
  if (scope === 'unit') {
    return (s) => ({ key: groupKey(s.period, s.unitId), pool: { scope, kind: 'unit', groupId: null, groupName: null, unitId: s.unitId } });
  }
  const groups: readonly QuotaGroupDef[] = params.quotaGroups ?? [];
  if (groups.length === 0) {
    return (s) => {
      const kind = s.isLeader ? 'leaders' : 'non-leaders';
      return { key: `${s.period}\u0000${kind}`, pool: { scope, kind, groupId: null, groupName: null, unitId: null } };
    };
  }
  const byPosition = new Map<string, QuotaGroupDef>();
  for (const g of groups) for (const p of g.positions) if (!byPosition.has(positionKey(p))) byPosition.set(positionKey(p), g);
  return (s) => {
    const g = s.position == null ? undefined : byPosition.get(positionKey(s.position));
    return g === undefined
      ? { key: `${s.period}\u0000\u0001`, pool: { scope, kind: 'other', groupId: null, groupName: null, unitId: null } }
      : { key: `${s.period}\u0000g\u0000${g.id}`, pool: { scope, kind: 'group', groupId: g.id, groupName: g.name, unitId: null } };
  };
}

/** floor(ratio × n), immune to binary noise such as 0.2 × 35 = 7.000000000000001 or 6.999999999999999. */
export function quotaLimit(ratio: number, n: number): number {
  return Math.floor(Number((ratio * n).toPrecision(12)));
}

/** The class a score had before any quota was applied to it. */
function preQuotaClass(s: ScoreCore, th: ScoringProfile['thresholds']): Classification | null {
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
function compareCandidates(a: ScoreCore, b: ScoreCore): number {
  if (a.total !== b.total) return b.total - a.total;
  if (a.taskScore !== b.taskScore) return b.taskScore - a.taskScore;
  if (a.qualityPct !== b.qualityPct) return b.qualityPct - a.qualityPct;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

/** A pool's numbers: who is in it, how many are rated good or better, the limit and the candidates. */
export interface PoolSummary { pool: QuotaPool; eligible: number; limit: number; candidates: number }

/**
 * The pools of these scores (the whole agency's, for scope `agency`) with their numbers, as
 * applyQuota counts them, and the key of each official's pool: what a board shows of the quota.
 */
export function quotaPools(scores: readonly ScoreCore[], params: Pick<ScoringParams, 'profile' | 'quotaScope' | 'quotaGroups'>): { pools: Map<string, PoolSummary>; poolOf: Map<string, string> } {
  const profile = validateProfile(params.profile);
  const poolOf = poolsFor(params);
  const pools = new Map<string, PoolSummary>();
  const ofUser = new Map<string, string>();
  for (const s of scores) {
    const { key, pool } = poolOf(s);
    ofUser.set(s.userId, key);
    let p = pools.get(key);
    if (!p) pools.set(key, (p = { pool: { ...pool, members: 0 }, eligible: 0, limit: 0, candidates: 0 }));
    p.pool.members++;
    const c = preQuotaClass(s, profile.thresholds);
    if (c === 'HTXSNV' || c === 'HTTNV') p.eligible++;
    if (c === 'HTXSNV') p.candidates++;
  }
  for (const p of pools.values()) p.limit = quotaLimit(profile.quotaRatio, p.eligible);
  return { pools, poolOf: ofUser };
}

/** Scores whose unbuilt explanation was given a quota line by applyQuota. */
const withQuotaLine = new WeakSet<object>();

/** A pool's numbers as applyQuota counts them, shared by its candidates' quota lines. */
interface PoolCount { pool: QuotaPool; eligible: number; limit: number; candidates: number }

/**
 * The excellence quota, per pool and period (`params.quotaScope`, `params.quotaGroups`; scope
 * `agency` by default): candidates (rounded S ≥ excellent, class HTXSNV) are ranked; the first
 * floor(quotaRatio × number of the pool rated good or better) keep HTXSNV, the rest get
 * `overQuota: true`; with `{ applyQuota: true }` they become HTTNV. Scope `agency` needs the
 * whole agency's scores of the period (a part would be a smaller pool). Returns new scores in
 * the input order; with `keep`, only those it keeps (the same as filtering the result, without
 * building the others: one official ranked among a province). Idempotent.
 */
export function applyQuota<T extends ScoreCore & { explanation?: Explanation }>(
  scores: readonly T[],
  params: Pick<ScoringParams, 'profile' | 'quotaScope' | 'quotaGroups'>,
  options: { applyQuota?: boolean; keep?: (s: T) => boolean } = {},
): T[] {
  const profile = validateProfile(params.profile);
  const th = profile.thresholds;
  const apply = options.applyQuota === true;
  const poolOf = poolsFor(params);
  const groups = new Map<string, { pool: Omit<QuotaPool, 'members'>; idx: number[] }>();
  scores.forEach((s, i) => {
    const { key, pool } = poolOf(s);
    const g = groups.get(key);
    if (g) g.idx.push(i);
    else groups.set(key, { pool, idx: [i] });
  });
  // Per score (by index): its class before the quota, and, for a candidate, its rank (1 = first) in its pool.
  const cls = new Array<Classification | null>(scores.length);
  const rank = new Int32Array(scores.length);
  const countOf = new Array<PoolCount | undefined>(scores.length);
  for (const { pool: where, idx } of groups.values()) {
    const pool: QuotaPool = { ...where, members: idx.length };
    const base = idx.map((i) => preQuotaClass(scores[i]!, th));
    const eligible = base.filter((c) => c === 'HTXSNV' || c === 'HTTNV').length;
    const limit = quotaLimit(profile.quotaRatio, eligible);
    const candidates = idx.filter((_, j) => base[j] === 'HTXSNV').sort((a, b) => compareCandidates(scores[a]!, scores[b]!));
    const count: PoolCount = { pool, eligible, limit, candidates: candidates.length };
    idx.forEach((i, j) => { cls[i] = base[j] ?? null; });
    candidates.forEach((i, r) => {
      rank[i] = r + 1;
      countOf[i] = count;
      if (r >= limit && apply) cls[i] = 'HTTNV';
    });
  }
  const out: T[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (options.keep !== undefined && !options.keep(s)) continue;
    const c = countOf[i];
    const over = c !== undefined && rank[i]! > c.limit;
    const info: QuotaInfo | null = c === undefined ? null : { pool: c.pool, eligible: c.eligible, limit: c.limit, candidates: c.candidates, rank: rank[i]!, overQuota: over, applied: apply && over };
    out.push(withQuota(s, info, cls[i] ?? null, over));
  }
  return out;
}

/** A score with its quota: the same object when nothing changes, else a copy (an unbuilt explanation stays unbuilt). */
function withQuota<T extends ScoreCore & { explanation?: Explanation }>(s: T, info: QuotaInfo | null, cls: Classification | null, over: boolean): T {
  // Most officials are no quota candidate and stay as they were: keep them (no copy).
  // An explanation not built yet (lazy-explanation.ts) stays unbuilt; it holds a quota only when made here.
  const build = pendingExplanation(s);
  const hadQuota = build ? withQuotaLine.has(s) : (s.explanation as { quota?: QuotaInfo | null } | undefined)?.quota != null;
  if (info === null && !hadQuota && cls === s.classification && over === s.overQuota) return s;
  if (build) {
    const withLine = (): Explanation => ({ ...build(), classification: cls, overQuota: over, quota: info } as Explanation);
    const out = withLazyExplanation({ ...fieldsWithoutExplanation(s), classification: cls, overQuota: over }, withLine);
    if (info !== null) withQuotaLine.add(out);
    return out as unknown as T;
  }
  if (s.explanation === undefined) return { ...s, classification: cls, overQuota: over };
  const explanation = { ...s.explanation, classification: cls, overQuota: over, quota: info } as Explanation;
  return { ...s, classification: cls, overQuota: over, explanation };
}

