/**
 * A score's explanation in sentences, Vietnamese and English from the same locale keys
 * (`explain.*`, `className.*`). The engine (src/scoring) gives numbers and codes only; this
 * edge writes them out, so both languages say the same things with the same numbers, rounded
 * to 2 decimals in the locale's style (vi `9 577,50`, en `9,577.50`; integers without decimals;
 * penalties, ratios and cap factors with up to 4 trimmed decimals: `0,25`, `0.9`).
 *
 * - `explanationLines`: the lines of a period or year explanation. The per-entry lines behind
 *   C, CL and CT are left out unless `{ entries: true }` (then they follow CT, bulleted `  • `,
 *   as the score JSON has them); `explanationEntryLines` gives them apart, unbulleted, for a
 *   panel that folds them.
 * - `withExplanationText`: a score whose explanation carries `lines` (entries included) and
 *   `assigned.formula`, for JSON output (API, CLI). Lines stored in an old snapshot are replaced
 *   by lines rendered from its numbers.
 */
import type { Locale } from '../domain/principal';
import type { ScoringProfile } from '../scoring/profiles';
import type { AssignedBreakdown, CapWarning, Classification, ExplainedEntry, Explanation, PeriodExplanation, QuotaInfo, QuotaPool, QuotaPoolKind, Score, YearExplanation } from '../scoring/types';
import { formatDay, formatNumber, msgKey, t } from './i18n';

const CLASS_NAME_KEYS: Readonly<Record<Classification, string>> = Object.freeze({
  HTXSNV: msgKey('className.HTXSNV'),
  HTTNV: msgKey('className.HTTNV'),
  HTNV: msgKey('className.HTNV'),
  KHTNV: msgKey('className.KHTNV'),
});

const BULLET = '  • ';

/** The name of a class in words, without its code: "Hoàn thành xuất sắc nhiệm vụ" / "Excellent completion of duties". */
export function classificationName(locale: Locale, c: Classification): string {
  return t(locale, CLASS_NAME_KEYS[c]);
}

/** Numbers as the explanation shows them: 2 decimals, and up to 4 trimmed for factors. */
function numbers(l: Locale): { n: (x: number) => string; f: (x: number) => string } {
  return { n: (x) => formatNumber(l, x), f: (x) => formatNumber(l, x, 4, true) };
}

/** How A was found: `22 × 480 × 1`, `Σ assignments due = …` or `max(22 × 480 × 0,9, 12 000)`. */
export function assignedFormula(a: AssignedBreakdown, locale: Locale): string {
  const { n, f } = numbers(locale);
  const norm = `${n(a.workingDays)} × ${f(a.dailyMinutes)} × ${f(a.normRatio)}`;
  if (a.basis === 'norm') return norm;
  if (a.basis === 'assignments') return t(locale, 'explain.assignmentsBasis', { minutes: n(a.assignmentMinutes) });
  return `max(${norm}, ${n(a.assignmentMinutes)})`;
}

function capLine(l: Locale, w: CapWarning): string {
  const { n } = numbers(l);
  const vars = { day: w.day, minutes: n(w.minutes), cap: n(w.capMinutes) };
  return w.clipped ? t(l, 'explain.capClipped', vars) : t(l, 'explain.capWarn', vars);
}

function entryLine(l: Locale, en: ExplainedEntry): string {
  const { n, f } = numbers(l);
  const notes: string[] = [];
  if (en.clipped) notes.push(t(l, 'explain.noteClipped', { factor: f(en.factor) }));
  if (en.fails > 0) notes.push(t(l, 'explain.noteFailed', { n: en.fails }));
  if (en.delays > 0) notes.push(t(l, 'explain.noteLate', { n: en.delays }));
  const vars = { day: en.day, code: en.workItemCode ?? '', id: String(en.id), minutes: n(en.minutes), C: n(en.countedMinutes), CL: n(en.qualityMinutes), CT: n(en.progressMinutes) };
  const line = en.workItemCode ? t(l, 'explain.entry', vars) : t(l, 'explain.entryNoCode', vars);
  return notes.length ? `${line} [${notes.join('; ')}]` : line;
}

function classLine(l: Locale, cls: Classification | null, disqualified: boolean, incomplete: boolean, scored: boolean, th: ScoringProfile['thresholds']): string {
  const { n } = numbers(l);
  if (disqualified) return t(l, 'explain.disqualified', { name: classificationName(l, 'KHTNV') });
  if (!scored) return t(l, 'explain.classNotScored');
  if (cls === null || incomplete) return t(l, 'explain.classIncomplete');
  const rule =
    cls === 'HTXSNV' ? `S ≥ ${n(th.excellent)}` : cls === 'HTTNV' ? `${n(th.good)} ≤ S < ${n(th.excellent)}` : cls === 'HTNV' ? `${n(th.complete)} ≤ S < ${n(th.good)}` : `S < ${n(th.complete)}`;
  return t(l, 'explain.class', { code: cls, name: classificationName(l, cls), rule });
}

const QUOTA_POOL_KEYS: Readonly<Record<QuotaPoolKind, string>> = Object.freeze({
  group: msgKey('explain.quotaPoolGroup'),
  other: msgKey('explain.quotaPoolOther'),
  leaders: msgKey('explain.quotaPoolLeaders'),
  'non-leaders': msgKey('explain.quotaPoolNonLeaders'),
  unit: msgKey('explain.quotaPoolUnit'),
});

/** The pool the quota was counted in: the agency's group, leaders or not, or the unit (none in snapshots older than the pools). */
export function quotaPoolLine(l: Locale, pool: QuotaPool | undefined): string[] {
  if (!pool || !(pool.kind in QUOTA_POOL_KEYS)) return [];
  if (pool.kind === 'unit' && pool.unitId === null) return [t(l, 'explain.quotaPoolNoUnit', { members: pool.members })];
  return [t(l, QUOTA_POOL_KEYS[pool.kind], { members: pool.members, name: pool.groupName ?? pool.groupId ?? '', unit: pool.unitId ?? '' })];
}

function quotaLines(l: Locale, q: QuotaInfo | null | undefined, th: ScoringProfile['thresholds']): string[] {
  if (!q) return [];
  const vars = { candidates: q.candidates, threshold: formatNumber(l, th.excellent), limit: q.limit, eligible: q.eligible, rank: q.rank };
  const pool = quotaPoolLine(l, (q as { pool?: QuotaPool }).pool);
  if (!q.overQuota) return [...pool, t(l, 'explain.quotaWithin', vars)];
  return [...pool, q.applied ? t(l, 'explain.quotaApplied', vars) : t(l, 'explain.overQuota', vars)];
}

/** The class line shows the class before the quota turned it into HTTNV (a line after it says so). */
function shownClass(e: Explanation): Classification | null {
  return e.classification === 'HTTNV' && e.overQuota && e.quota?.applied ? 'HTXSNV' : e.classification;
}

function periodLines(e: PeriodExplanation, l: Locale, withEntries: boolean): string[] {
  const { n, f } = numbers(l);
  const L: string[] = [];
  const a = e.assigned;
  L.push(t(l, 'explain.period', { period: e.period, from: formatDay(l, e.from), to: formatDay(l, e.to), profile: e.profile.id, version: e.profile.version }));
  if (e.provisional) L.push(t(l, 'explain.provisional'));
  L.push(t(l, 'explain.workingDays', { n: n(e.workingDays) }));
  L.push(t(l, 'explain.assigned', { formula: assignedFormula(a, l), minutes: n(a.minutes) }));
  if (!e.scored) L.push(t(l, 'explain.notScored'));
  for (const w of e.cap.warnings) L.push(capLine(l, w));
  const c = e.completed;
  L.push(t(l, 'explain.C', { C: n(c.C) }));
  L.push(t(l, 'explain.CL', { penalty: f(c.failPenalty), CL: n(c.CL) }));
  L.push(t(l, 'explain.CT', { penalty: f(c.delayPenalty), CT: n(c.CT) }));
  if (withEntries) for (const line of explanationEntryLines(e, l)) L.push(`${BULLET}${line}`);
  const p = e.percentages;
  const A = n(a.minutes);
  L.push(t(l, 'explain.quantity', { C: n(c.C), A, pct: n(p.quantity.value) }));
  L.push(t(l, 'explain.quality', { CL: n(c.CL), A, pct: n(p.quality.value) }));
  L.push(t(l, 'explain.progress', { CT: n(c.CT), A, pct: n(p.progress.value) }));

  const tk = e.task;
  const w = tk.weights;
  const [q, ql, pr] = [n(p.quantity.value), n(p.quality.value), n(p.progress.value)];
  const formula =
    w.quantity === w.quality && w.quality === w.progress
      ? `${n(tk.taskMax)} × (${q} + ${ql} + ${pr}) / 300`
      : `${n(tk.taskMax)} × (${f(w.quantity)} × ${q} + ${f(w.quality)} × ${ql} + ${f(w.progress)} × ${pr}) / 100`;
  if (!e.isLeader || !e.scored) {
    L.push(t(l, 'explain.R', { formula, R: n(tk.value), max: n(tk.taskMax) }));
  } else {
    L.push(t(l, 'explain.Rown', { formula, R: n(tk.ownTaskScore), max: n(tk.taskMax) }));
    if (tk.unitMean && tk.alpha !== null) {
      const u = tk.unitMean;
      L.push(
        u.scale === 1
          ? t(l, 'explain.U', { members: u.members, U: n(u.value) })
          : t(l, 'explain.Uscaled', { members: u.members, max: n(tk.taskMax), memberMax: n(tk.taskMax / u.scale), raw: n(u.raw), U: n(u.value) }),
      );
      L.push(t(l, 'explain.Rleader', { alpha: f(tk.alpha), own: n(tk.ownTaskScore), beta: f(1 - tk.alpha), U: n(u.value), R: n(tk.value) }));
    } else {
      L.push(t(l, 'explain.noU', { R: n(tk.value) }));
    }
  }
  if (e.general.value === null) {
    L.push(t(l, 'explain.Gmissing', { max: n(e.general.max) }));
    L.push(t(l, 'explain.totalPartial', { total: n(e.total) }));
  } else {
    L.push(t(l, 'explain.G', { G: n(e.general.value), max: n(e.general.max) }));
    L.push(t(l, 'explain.S', { R: n(tk.value), G: n(e.general.value), total: n(e.total) }));
  }
  L.push(classLine(l, shownClass(e), e.disqualified, e.incomplete, e.scored, e.thresholds));
  L.push(...quotaLines(l, e.quota, e.thresholds));
  if (e.nextClass) {
    const nc = e.nextClass;
    L.push(t(l, 'explain.nextClass', { target: nc.target, threshold: n(nc.threshold), minutes: n(nc.minutes), totalAfter: n(nc.totalAfter) }));
  }
  return L;
}

function yearLines(e: YearExplanation, l: Locale): string[] {
  const { n } = numbers(l);
  const L: string[] = [];
  L.push(t(l, 'explain.yearPeriod', { period: e.period, from: formatDay(l, e.from), to: formatDay(l, e.to), profile: e.profile.id, version: e.profile.version }));
  if (e.provisional) L.push(t(l, 'explain.yearProvisional'));
  for (const q of e.quarters) {
    const state = !q.scored ? t(l, 'explain.quarterNotScored') : q.incomplete ? t(l, 'explain.quarterIncomplete') : t(l, 'explain.quarterCounted');
    L.push(`${BULLET}${t(l, 'explain.yearQuarter', { period: q.period, total: q.scored ? n(q.total) : '—', state })}`);
  }
  const counted = e.quarters.filter((q) => q.counted);
  if (e.mean === null) L.push(t(l, 'explain.yearNone'));
  else L.push(t(l, 'explain.yearMean', { totals: counted.map((q) => n(q.total)).join(' + '), n: counted.length, total: n(e.total) }));
  if (e.disqualified && e.disqualifiedByHr) L.push(t(l, 'explain.yearDisqualifiedByHr'));
  L.push(classLine(l, shownClass(e), e.disqualified, e.incomplete, e.mean !== null, e.thresholds));
  L.push(...quotaLines(l, e.quota, e.thresholds));
  return L;
}

/**
 * The lines of an explanation (a period's or a year's), from its own numbers only. A period's
 * per-entry lines are left out unless `options.entries` (see `explanationEntryLines`).
 */
export function explanationLines(e: Explanation, locale: Locale, options: { entries?: boolean } = {}): string[] {
  const lines = e.kind === 'year' ? yearLines(e, locale) : periodLines(e, locale, options.entries === true);
  if (e.overQuota && e.quota?.applied) lines.push(t(locale, 'explain.afterQuota', { name: classificationName(locale, 'HTTNV') }));
  return lines;
}

/** One line per entry behind C, CL and CT (none when the entries were not given), unbulleted. */
export function explanationEntryLines(e: PeriodExplanation, locale: Locale): string[] {
  return (e.completed.entries ?? []).map((en) => entryLine(locale, en));
}

/** The explanation with its sentences: `lines` (entries included) and, for a period, `assigned.formula`. */
export function explanationWithText<E extends Explanation>(e: E, locale: Locale): E {
  if (e.kind === 'period') {
    const p = e as PeriodExplanation;
    return { ...p, assigned: { ...p.assigned, formula: assignedFormula(p.assigned, locale) }, lines: explanationLines(p, locale, { entries: true }) } as E;
  }
  return { ...e, lines: explanationLines(e, locale) };
}

/**
 * A copy of the score whose explanation carries its sentences, for JSON output. An explanation
 * that is not the engine's structure (not an object of kind period or year) is left as it is, and
 * so are the stored lines of an old snapshot whose numbers cannot be rendered.
 */
export function withExplanationText<T extends Score>(score: T, locale: Locale): T {
  const e: unknown = score.explanation;
  if (e === null || typeof e !== 'object' || ((e as Explanation).kind !== 'period' && (e as Explanation).kind !== 'year')) return score;
  try {
    return { ...score, explanation: explanationWithText(e as Explanation, locale) };
  } catch {
    return score;
  }
}

/** One entry behind C, CL and CT as a table row: minutes before and after the daily cap. */
export interface ExplanationEntryRow {
  day: string;
  code: string;
  id: string;
  /** m(e), before the cap. */
  before: string;
  /** The day's cap factor, or '' when the day was not scaled. */
  factor: string;
  /** m'(e), after the cap: what C adds up. */
  after: string;
  CL: string;
  CT: string;
  notes: string[];
}

/**
 * The entries behind C, CL and CT as a table whose last row adds them up: Σ m(e) before the cap,
 * and C, CL, CT — the sums of the rows above it (the engine's own sums, equal to C, CL and CT).
 * Null when the explanation carries no entries (a closed period's snapshot).
 */
export function explanationEntryTable(e: PeriodExplanation, l: Locale): { rows: ExplanationEntryRow[]; totals: { before: string; C: string; CL: string; CT: string } } | null {
  const list = e.completed.entries;
  if (!list || !e.completed.entrySums) return null;
  const { n, f } = numbers(l);
  const rows = list.map((en) => {
    const notes: string[] = [];
    if (en.fails > 0) notes.push(t(l, 'explain.noteFailed', { n: en.fails }));
    if (en.delays > 0) notes.push(t(l, 'explain.noteLate', { n: en.delays }));
    return {
      day: en.day, code: en.workItemCode ?? '', id: String(en.id), before: n(en.minutes), factor: en.clipped ? f(en.factor) : '',
      after: n(en.countedMinutes), CL: n(en.qualityMinutes), CT: n(en.progressMinutes), notes,
    };
  });
  const sums = e.completed.entrySums;
  return { rows, totals: { before: n(list.reduce((a, x) => a + x.minutes, 0)), C: n(sums.C), CL: n(sums.CL), CT: n(sums.CT) } };
}
