/**
 * Every score can print itself (SCORING.md, "Explanation").
 *
 * The structured explanation carries the engine's FULL-PRECISION numbers, so
 * that recomputing S from them (percentages from C, CL, CT and A; R_own from
 * the percentages; the leader's blend with U; plus G) and rounding gives the
 * score's `total` exactly. The Vietnamese `lines` show the same numbers rounded
 * to 2 decimals, Vietnamese style: comma for decimals, a space between
 * thousands (`9 577,50`), integers without decimals (`10 560`).
 */
import type { AssignedBreakdown, CapPolicy, CapWarning, Classification, EntryInput, NextClass, QuotaInfo, ScoreCore, ScoreInternals, UnitMeanInfo } from './engine';
import type { ScoringProfile } from './profiles';
import { roundHalfAway } from './rounding';

export const CLASSIFICATION_NAMES_VI: Readonly<Record<Classification, string>> = Object.freeze({
  HTXSNV: 'Hoàn thành xuất sắc nhiệm vụ',
  HTTNV: 'Hoàn thành tốt nhiệm vụ',
  HTNV: 'Hoàn thành nhiệm vụ',
  KHTNV: 'Không hoàn thành nhiệm vụ',
});

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
  /** A and how it was found; `formula` e.g. `22 × 480 × 1`. */
  assigned: AssignedBreakdown & { formula: string };
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
  lines: string[];
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
  lines: string[];
}

export type Explanation = PeriodExplanation | YearExplanation;

// ---------------------------------------------------------------------------
// Vietnamese number formatting

/**
 * `9577.5` → `9 577,50`; `10560` → `10 560`; `90.909…` → `90,91`. Rounded half away from zero to `decimals`;
 * integers are shown without decimals; with `trim`, trailing zeros of the decimals are dropped (`0,25`, `0,5`).
 */
export function formatVi(x: number, decimals = 2, trim = false): string {
  const r = roundHalfAway(x, decimals);
  const negative = r < 0;
  const fixed = Math.abs(r).toFixed(decimals);
  const [intPart = '0', fracRaw = ''] = fixed.split('.');
  let frac = fracRaw;
  if (trim || Number.isInteger(r)) frac = frac.replace(/0+$/, '');
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${negative ? '-' : ''}${grouped}${frac ? `,${frac}` : ''}`;
}

function pct(x: number): string {
  return `${formatVi(x)}%`;
}

function viDate(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

// ---------------------------------------------------------------------------
// explain

function assignedFormula(a: AssignedBreakdown): string {
  const norm = `${formatVi(a.workingDays)} × ${formatVi(a.dailyMinutes, 4, true)} × ${formatVi(a.normRatio, 4, true)}`;
  if (a.basis === 'norm') return norm;
  if (a.basis === 'assignments') return `Σ việc được giao đến hạn = ${formatVi(a.assignmentMinutes)}`;
  return `max(${norm}, ${formatVi(a.assignmentMinutes)})`;
}

function percent(numerator: number, denominator: number): PercentExplanation {
  const raw = denominator > 0 ? (100 * numerator) / denominator : 0;
  return { value: Math.min(100, raw), numerator, denominator, capped: raw > 100 };
}

function explainEntries(entries: readonly EntryInput[], internals: ScoreInternals): { list: ExplainedEntry[]; sums: { C: number; CL: number; CT: number } } {
  const factorOf = new Map(internals.own.days.map((d) => [d.day, d.factor] as const));
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
 * The structured explanation of one period score (with `lines` in Vietnamese). `entries`, when given,
 * are the counted entries behind the score's day totals; each is shown with its counted minutes and marks.
 */
export function explain(score: ScoreCore, internals: ScoreInternals, entries?: readonly EntryInput[]): PeriodExplanation {
  const { own, params, period } = internals;
  const profile = params.profile;
  const A = own.assigned.minutes;
  const ex = entries ? explainEntries(entries, internals) : null;
  const e: PeriodExplanation = {
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
    assigned: { ...own.assigned, formula: assignedFormula(own.assigned) },
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
    lines: [],
  };
  return withLazyLines(e);
}

/**
 * Makes `lines` render from the explanation's own numbers when read (or serialised), instead
 * of keeping the text of every official in memory while a whole agency is scored. Assigning
 * `lines` replaces the accessor with plain data.
 */
export function withLazyLines<T extends Explanation>(e: T): T {
  Object.defineProperty(e, 'lines', {
    enumerable: true,
    configurable: true,
    get: () => renderLines(e),
    set: (v: string[]) => Object.defineProperty(e, 'lines', { value: v, writable: true, enumerable: true, configurable: true }),
  });
  return e;
}

// ---------------------------------------------------------------------------
// Lines (Vietnamese)

function classLine(cls: Classification | null, disqualified: boolean, incomplete: boolean, scored: boolean, th: ScoringProfile['thresholds']): string {
  if (disqualified) return `Xếp loại: KHTNV — ${CLASSIFICATION_NAMES_VI.KHTNV} (bị xử lý kỷ luật trong kỳ, không phụ thuộc điểm)`;
  if (!scored) return 'Xếp loại: chưa xếp loại (không có khối lượng được giao để chấm)';
  if (cls === null || incomplete) return 'Xếp loại: chưa xếp loại (chưa có điểm tiêu chí chung)';
  const rule =
    cls === 'HTXSNV' ? `S ≥ ${formatVi(th.excellent)}` : cls === 'HTTNV' ? `${formatVi(th.good)} ≤ S < ${formatVi(th.excellent)}` : cls === 'HTNV' ? `${formatVi(th.complete)} ≤ S < ${formatVi(th.good)}` : `S < ${formatVi(th.complete)}`;
  return `Xếp loại: ${cls} — ${CLASSIFICATION_NAMES_VI[cls]} (${rule})`;
}

function quotaLines(e: Explanation): string[] {
  const q = e.quota;
  if (!q) return [];
  const head = `Tỷ lệ HTXSNV của đơn vị: ${q.candidates} người đạt S ≥ ${formatVi(e.thresholds.excellent)}, chỉ tiêu ${q.limit} (${q.eligible} người từ HTTNV trở lên); xếp thứ ${q.rank}`;
  if (!q.overQuota) return [`${head}: trong chỉ tiêu.`];
  return [q.applied ? `${head}: vượt chỉ tiêu, chuyển xếp loại HTTNV.` : `${head}: vượt chỉ tiêu — lãnh đạo quyết định khi khóa kỳ.`];
}

function periodLines(e: PeriodExplanation): string[] {
  const L: string[] = [];
  const a = e.assigned;
  L.push(`Kỳ ${e.period} (${viDate(e.from)} – ${viDate(e.to)}); hồ sơ chấm điểm ${e.profile.id}, phiên bản ${e.profile.version}`);
  if (e.provisional) L.push('Điểm tạm tính: kỳ chưa khóa, có tính cả mục nhật ký đang chờ duyệt.');
  L.push(`Số ngày làm việc: ${formatVi(e.workingDays)}`);
  L.push(`Khối lượng được giao A = ${a.formula} = ${formatVi(a.minutes)} phút`);
  if (!e.scored) L.push('A = 0: kỳ này chưa được chấm điểm (không chia cho 0).');
  for (const w of e.cap.warnings) {
    L.push(
      w.clipped
        ? `Cảnh báo ngày ${w.day}: ${formatVi(w.minutes)} phút, vượt trần ${formatVi(w.capMinutes)} phút/ngày; các mục của ngày được quy đổi × ${formatVi(w.capMinutes)}/${formatVi(w.minutes)}`
        : `Cảnh báo ngày ${w.day}: ${formatVi(w.minutes)} phút, vượt trần ${formatVi(w.capMinutes)} phút/ngày (chỉ cảnh báo, không quy đổi)`,
    );
  }
  const c = e.completed;
  L.push(`Khối lượng hoàn thành C = Σ m'(e) = ${formatVi(c.C)} phút`);
  L.push(`Chất lượng CL = Σ m'(e) × max(0, 1 − ${formatVi(c.failPenalty, 4, true)} × số lần không đạt) = ${formatVi(c.CL)} phút`);
  L.push(`Tiến độ CT = Σ m'(e) × max(0, 1 − ${formatVi(c.delayPenalty, 4, true)} × số lần trễ hạn) = ${formatVi(c.CT)} phút`);
  if (c.entries) {
    for (const en of c.entries) {
      const notes: string[] = [];
      if (en.clipped) notes.push(`quy đổi theo trần ngày × ${formatVi(en.factor, 4, true)}`);
      if (en.fails > 0) notes.push(`không đạt chất lượng ${en.fails} lần`);
      if (en.delays > 0) notes.push(`trễ hạn ${en.delays} lần`);
      const code = en.workItemCode ? ` ${en.workItemCode}` : '';
      L.push(
        `  • ${en.day}${code} (#${String(en.id)}): ${formatVi(en.minutes)} phút → C ${formatVi(en.countedMinutes)}, CL ${formatVi(en.qualityMinutes)}, CT ${formatVi(en.progressMinutes)}${notes.length ? ` [${notes.join('; ')}]` : ''}`,
      );
    }
  }
  const p = e.percentages;
  const den = formatVi(a.minutes);
  L.push(`Số lượng = min(100, 100 × ${formatVi(c.C)} / ${den}) = ${pct(p.quantity.value)}`);
  L.push(`Chất lượng = min(100, 100 × ${formatVi(c.CL)} / ${den}) = ${pct(p.quality.value)}`);
  L.push(`Tiến độ = min(100, 100 × ${formatVi(c.CT)} / ${den}) = ${pct(p.progress.value)}`);

  const t = e.task;
  const w = t.weights;
  const q = formatVi(p.quantity.value);
  const l = formatVi(p.quality.value);
  const pr = formatVi(p.progress.value);
  const rForm =
    w.quantity === w.quality && w.quality === w.progress
      ? `${formatVi(t.taskMax)} × (${q} + ${l} + ${pr}) / 300`
      : `${formatVi(t.taskMax)} × (${formatVi(w.quantity, 4, true)} × ${q} + ${formatVi(w.quality, 4, true)} × ${l} + ${formatVi(w.progress, 4, true)} × ${pr}) / 100`;
  if (!e.isLeader || !e.scored) {
    L.push(`Điểm kết quả nhiệm vụ R = ${rForm} = ${formatVi(t.value)} (tối đa ${formatVi(t.taskMax)})`);
  } else {
    L.push(`Điểm nhiệm vụ của bản thân R_own = ${rForm} = ${formatVi(t.ownTaskScore)} (tối đa ${formatVi(t.taskMax)})`);
    if (t.unitMean && t.alpha !== null) {
      const u = t.unitMean;
      L.push(
        u.scale === 1
          ? `Kết quả đơn vị U = trung bình R của ${u.members} cán bộ không giữ chức vụ lãnh đạo đã được chấm = ${formatVi(u.value)}`
          : `Kết quả đơn vị U = trung bình R của ${u.members} cán bộ không giữ chức vụ lãnh đạo đã được chấm × ${formatVi(t.taskMax)}/${formatVi(t.taskMax / u.scale)} = ${formatVi(u.raw)} × ${formatVi(t.taskMax)}/${formatVi(t.taskMax / u.scale)} = ${formatVi(u.value)}`,
      );
      L.push(`Điểm kết quả nhiệm vụ R = ${formatVi(t.alpha, 4, true)} × ${formatVi(t.ownTaskScore)} + ${formatVi(1 - t.alpha, 4, true)} × ${formatVi(u.value)} = ${formatVi(t.value)}`);
    } else {
      L.push(`Đơn vị chưa có cán bộ không giữ chức vụ lãnh đạo được chấm: U = R_own, nên R = ${formatVi(t.value)}`);
    }
  }
  if (e.general.value === null) {
    L.push(`Tiêu chí chung G: chưa có đánh giá (tối đa ${formatVi(e.general.max)}) — kết quả chưa đầy đủ`);
    L.push(`Tổng điểm (tạm, chỉ gồm R) = ${formatVi(e.total)}`);
  } else {
    L.push(`Tiêu chí chung G = ${formatVi(e.general.value)} (tối đa ${formatVi(e.general.max)})`);
    L.push(`Tổng điểm S = R + G = ${formatVi(t.value)} + ${formatVi(e.general.value)} = ${formatVi(e.total)}`);
  }
  L.push(classLine(e.classification === 'HTTNV' && e.overQuota && e.quota?.applied ? 'HTXSNV' : e.classification, e.disqualified, e.incomplete, e.scored, e.thresholds));
  L.push(...quotaLines(e));
  if (e.nextClass) {
    L.push(
      `Để đạt ${e.nextClass.target} (S ≥ ${formatVi(e.nextClass.threshold)}) cần thêm ${formatVi(e.nextClass.minutes)} phút chuẩn công việc được duyệt, đúng hạn, không lỗi (tổng khi đó ${formatVi(e.nextClass.totalAfter)}).`,
    );
  }
  return L;
}

function yearLines(e: YearExplanation): string[] {
  const L: string[] = [];
  L.push(`Năm ${e.period} (${viDate(e.from)} – ${viDate(e.to)}); hồ sơ chấm điểm ${e.profile.id}, phiên bản ${e.profile.version}`);
  if (e.provisional) L.push('Điểm tạm tính: có quý chưa khóa.');
  for (const q of e.quarters) {
    const state = !q.scored ? 'không được chấm, không tính' : q.incomplete ? 'chưa có tiêu chí chung' : 'được tính';
    L.push(`  • Quý ${q.period}: ${q.scored ? formatVi(q.total) : '—'} (${state})`);
  }
  const counted = e.quarters.filter((q) => q.counted);
  if (e.mean === null) {
    L.push('Không có quý nào được chấm: năm chưa có điểm.');
  } else {
    L.push(`Điểm năm = trung bình các quý được chấm = (${counted.map((q) => formatVi(q.total)).join(' + ')}) / ${counted.length} = ${formatVi(e.total)}`);
  }
  if (e.disqualified && e.disqualifiedByHr) L.push('Bị xử lý kỷ luật trong năm (theo quyết định của bộ phận tổ chức cán bộ).');
  L.push(classLine(e.classification === 'HTTNV' && e.overQuota && e.quota?.applied ? 'HTXSNV' : e.classification, e.disqualified, e.incomplete, e.mean !== null, e.thresholds));
  L.push(...quotaLines(e));
  return L;
}

/** The Vietnamese lines of an explanation, from its own structured numbers only. */
export function renderLines(e: Explanation): string[] {
  const lines = e.kind === 'year' ? yearLines(e) : periodLines(e);
  if (e.overQuota && e.quota?.applied) lines.push(`Xếp loại sau khi áp dụng tỷ lệ: HTTNV — ${CLASSIFICATION_NAMES_VI.HTTNV}`);
  return lines;
}
