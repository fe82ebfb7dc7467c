/**
 * Every score can print itself (docs/hr.md, "Explanation").
 *
 * The structured explanation carries the engine's FULL-PRECISION numbers, so that recomputing S
 * from them (percentages from C, CL, CT and A; R_own from the percentages; the leader's blend with
 * U; plus G) and rounding gives the score's `total` exactly. It holds numbers and codes only: the
 * sentences (`lines`, `assigned.formula`), in Vietnamese or English, are written from these numbers
 * at the edge (src/i18n/explanation-text.ts).
 */
import type { EntryInput, ExplainedEntry, PercentExplanation, PeriodExplanation, ScoreCore, ScoreInternals } from './types';

export type { Explanation, ExplainedEntry, PercentExplanation, PeriodExplanation, YearExplanation, YearQuarterLine } from './types';

function percent(numerator: number, denominator: number): PercentExplanation {
  const raw = denominator > 0 ? (100 * numerator) / denominator : 0;
  return { value: Math.min(100, raw), numerator, denominator, capped: raw > 100 };
}

function explainEntries(entries: readonly EntryInput[], internals: ScoreInternals): { list: ExplainedEntry[]; sums: { C: number; CL: number; CT: number } } {
  // The day's cap factor: from the capped days when the engine had them, else (a score from the
  // database's totals carries no days) from the clipped days' warnings — the same factor that
  // scaled that day's sum, so the entries' m'(e) add up to C.
  const factorOf = new Map<string, number>(internals.own.capWarnings.filter((w) => w.clipped).map((w) => [w.day, w.factor] as const));
  for (const d of internals.own.days) factorOf.set(d.day, d.factor);
  const { failPenalty, delayPenalty } = internals.params.profile;
  const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.day < b.e.day ? -1 : a.e.day > b.e.day ? 1 : a.i - b.i));
  const sums = { C: 0, CL: 0, CT: 0 };
  const list = sorted.map(({ e }) => {
    const factor = factorOf.get(e.day) ?? 1;
    const counted = factor === 1 ? e.minutes : e.minutes * factor;
    const quality = counted * Math.max(0, 1 - failPenalty * e.fails);
    const progress = counted * Math.max(0, 1 - delayPenalty * e.delays);
    sums.C += counted;
    sums.CL += quality;
    sums.CT += progress;
    const clipped = factor !== 1;
    const marks: string[] = [];
    if (clipped) marks.push('clipped');
    if (e.fails > 0) marks.push(`failed(${e.fails})`);
    if (e.delays > 0) marks.push(`late(${e.delays})`);
    return {
      id: e.id,
      day: e.day,
      workItemCode: e.workItemCode ?? null,
      minutes: e.minutes,
      countedMinutes: counted,
      factor,
      fails: e.fails,
      delays: e.delays,
      late: e.late === true || e.delays > 0,
      qualityMinutes: quality,
      progressMinutes: progress,
      clipped,
      marks,
    };
  });
  return { list, sums };
}

/**
 * The structured explanation of one period score: numbers and codes, no sentences. `entries`, when
 * given, are the counted entries behind the score's day totals; each is shown with its counted minutes
 * and marks.
 */
export function explain(score: ScoreCore, internals: ScoreInternals, entries?: readonly EntryInput[]): PeriodExplanation {
  const { own, params, period } = internals;
  const profile = params.profile;
  const A = own.assigned.minutes;
  const ex = entries ? explainEntries(entries, internals) : null;
  return {
    kind: 'period',
    period: period.key,
    from: period.from,
    to: period.to,
    userId: score.userId,
    unitId: score.unitId,
    isLeader: internals.isLeader,
    provisional: score.provisional,
    profile: { id: profile.id, version: profile.version },
    workingDays: own.assigned.workingDays,
    scored: own.scored,
    assigned: { ...own.assigned },
    cap: { minutes: params.capMinutes, policy: params.capPolicy, warnings: own.capWarnings.map((w) => ({ ...w })) },
    completed: {
      C: own.C,
      CL: own.CL,
      CT: own.CT,
      failPenalty: profile.failPenalty,
      delayPenalty: profile.delayPenalty,
      entries: ex ? ex.list : null,
      entrySums: ex ? ex.sums : null,
    },
    percentages: { quantity: percent(own.C, A), quality: percent(own.CL, A), progress: percent(own.CT, A) },
    task: {
      taskMax: own.taskMax,
      weights: { ...profile.weights },
      ownTaskScore: own.ownTaskScore,
      alpha: internals.alpha,
      unitMean: internals.unitMean ? { ...internals.unitMean } : null,
      value: internals.R,
    },
    general: { value: internals.G, max: own.generalMax },
    S: internals.S,
    total: score.total,
    thresholds: { ...profile.thresholds },
    classification: score.classification,
    disqualified: score.disqualified,
    incomplete: score.incomplete,
    overQuota: score.overQuota,
    quota: null,
    nextClass: internals.nextClass ? { ...internals.nextClass } : null,
  };
}
