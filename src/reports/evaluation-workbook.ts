/**
 * The evaluation workbook of a period (issue 7, item 1): the summary sheet in the administrative
 * layout — officials grouped by unit with each unit's mean, the count and share of each class,
 * the quota line, the signature blocks —, a sheet per unit, a detail sheet with each official's
 * explanation numbers, and on request the period's journal. Written with exceljs's streaming
 * writer, one sheet after another, rows committed as they are written.
 */
import type { Period } from '../domain/period';
import { CLASSIFICATIONS, type Classification, type Score } from '../scoring/types';
import type { DisqualifiedGround } from '../stores';
import {
  addSheet, breathe, filterTable, HEADER_ROW, openWorkbook, periodWords, sheetDone, STYLES, t, writeHeading, writeSignatures,
  type Column, type Letterhead, type SheetWriter, type Text,
} from './layout';

/** The numbers of one official's score, as the API gives them. */
export type ScoreNumbers = Pick<Score,
  'userId' | 'unitId' | 'isLeader' | 'workingDays' | 'assignedMinutes' | 'completedMinutes' | 'qualityMinutes' | 'progressMinutes'
  | 'quantityPct' | 'qualityPct' | 'progressPct' | 'taskScore' | 'generalScore' | 'total' | 'classification' | 'overQuota'
  | 'provisional' | 'disqualified' | 'scored' | 'incomplete'>;

export type { DisqualifiedGround };

/** One official's row: the score and what the directory and the assessment say of them. */
export interface OfficialRow {
  score: ScoreNumbers;
  name: string;
  position: string | null;
  disqualifiedGround: DisqualifiedGround | null;
}

export interface UnitGroup {
  unitId: string | null;
  name: string;
  rows: OfficialRow[];
  /** The unit's mean total as the ranking computes it (docs/hr.md §10), null when nobody is scored. */
  mean: number | null;
}

/** One journal entry of the journal sheet. */
export interface JournalLine {
  day: string;
  userId: string;
  name: string;
  workItemCode: string;
  title: string | null;
  quantity: number;
  minutes: number;
  status: string;
  fails: number;
  delays: number;
}

export interface EvaluationData {
  letterhead: Letterhead;
  period: Pick<Period, 'kind' | 'key' | 'year' | 'month' | 'quarter'>;
  units: UnitGroup[];
  quota: { ratio: number; scope: 'agency' | 'unit' };
  /** Pages of the period's journal, for the journal sheet (absent: no journal sheet). */
  journal?: AsyncIterable<JournalLine[]>;
  onProgress?: (done: number, total: number) => void;
}

/** The decree's grounds of a disqualification, as the note words them. */
const GROUND_TEXT: Record<DisqualifiedGround, (text: Text) => string> = {
  degradation: (text) => t(text, 'xlsx.note.ground.degradation'),
  discipline: (text) => t(text, 'xlsx.note.ground.discipline'),
  'leader-corruption': (text) => t(text, 'xlsx.note.ground.leaderCorruption'),
};

/** A class as the table writes it. */
const CLASS_TEXT: Record<Classification, (text: Text) => string> = {
  HTXSNV: (text) => t(text, 'className.HTXSNV'),
  HTTNV: (text) => t(text, 'className.HTTNV'),
  HTNV: (text) => t(text, 'className.HTNV'),
  KHTNV: (text) => t(text, 'className.KHTNV'),
};

/** An entry's status in the journal sheet. */
const STATUS_TEXT: Record<string, (text: Text) => string> = {
  approved: (text) => t(text, 'xlsx.status.approved'),
  pending: (text) => t(text, 'xlsx.status.pending'),
  rejected: (text) => t(text, 'xlsx.status.rejected'),
};

export function summaryColumns(text: Text): Column[] {
  return [
    { header: t(text, 'xlsx.col.no'), width: 6, kind: 'int' },
    { header: t(text, 'xlsx.col.name'), width: 26, kind: 'text' },
    { header: t(text, 'xlsx.col.position'), width: 18, kind: 'text' },
    { header: t(text, 'xlsx.col.unit'), width: 24, kind: 'text' },
    { header: t(text, 'xlsx.col.quantityPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.qualityPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.progressPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.taskScore'), width: 14, kind: 'dec' },
    { header: t(text, 'xlsx.col.generalScore'), width: 12, kind: 'dec' },
    { header: t(text, 'xlsx.col.total'), width: 10, kind: 'dec' },
    { header: t(text, 'xlsx.col.class'), width: 22, kind: 'text' },
    { header: t(text, 'xlsx.col.note'), width: 30, kind: 'text' },
  ];
}

export function detailColumns(text: Text): Column[] {
  return [
    { header: t(text, 'xlsx.col.no'), width: 6, kind: 'int' },
    { header: t(text, 'xlsx.col.userId'), width: 14, kind: 'text' },
    { header: t(text, 'xlsx.col.name'), width: 26, kind: 'text' },
    { header: t(text, 'xlsx.col.unit'), width: 24, kind: 'text' },
    { header: t(text, 'xlsx.col.workingDays'), width: 10, kind: 'int' },
    { header: t(text, 'xlsx.col.assigned'), width: 12, kind: 'minutes' },
    { header: t(text, 'xlsx.col.completed'), width: 12, kind: 'minutes' },
    { header: t(text, 'xlsx.col.quality'), width: 12, kind: 'minutes' },
    { header: t(text, 'xlsx.col.progress'), width: 12, kind: 'minutes' },
    { header: t(text, 'xlsx.col.quantityPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.qualityPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.progressPct'), width: 11, kind: 'dec' },
    { header: t(text, 'xlsx.col.R'), width: 10, kind: 'dec' },
    { header: t(text, 'xlsx.col.G'), width: 10, kind: 'dec' },
    { header: t(text, 'xlsx.col.S'), width: 10, kind: 'dec' },
    { header: t(text, 'xlsx.col.class'), width: 22, kind: 'text' },
  ];
}

function journalColumns(text: Text): Column[] {
  return [
    { header: t(text, 'xlsx.col.day'), width: 12, kind: 'center' },
    { header: t(text, 'xlsx.col.userId'), width: 14, kind: 'text' },
    { header: t(text, 'xlsx.col.name'), width: 24, kind: 'text' },
    { header: t(text, 'xlsx.col.workItem'), width: 12, kind: 'text' },
    { header: t(text, 'xlsx.col.subject'), width: 50, kind: 'text' },
    { header: t(text, 'xlsx.col.quantity'), width: 10, kind: 'dec' },
    { header: t(text, 'xlsx.col.minutes'), width: 12, kind: 'minutes' },
    { header: t(text, 'xlsx.col.status'), width: 14, kind: 'text' },
    { header: t(text, 'xlsx.col.fails'), width: 8, kind: 'int' },
    { header: t(text, 'xlsx.col.delays'), width: 8, kind: 'int' },
  ];
}

/** The class as the table writes it ('' when not classified). */
export function classText(text: Text, c: Classification | null): string | null {
  return c === null ? null : CLASS_TEXT[c](text);
}

/** The note of a row: over quota, disqualified (and why), not scored, no general score yet, provisional. */
export function noteText(text: Text, r: OfficialRow): string | null {
  const s = r.score;
  const notes: string[] = [];
  if (s.disqualified) notes.push(r.disqualifiedGround ? t(text, 'xlsx.note.disqualifiedGround', { ground: GROUND_TEXT[r.disqualifiedGround](text) }) : t(text, 'xlsx.note.disqualified'));
  if (s.overQuota) notes.push(t(text, 'xlsx.note.overQuota'));
  if (!s.scored) notes.push(t(text, 'xlsx.note.notScored'));
  else if (s.incomplete && !s.disqualified) notes.push(t(text, 'xlsx.note.noGeneral'));
  if (s.provisional) notes.push(t(text, 'xlsx.note.provisional'));
  return notes.length === 0 ? null : notes.join('; ');
}

function summaryValues(text: Text, no: number, r: OfficialRow, unitName: string): unknown[] {
  const s = r.score;
  return [
    no, r.name, r.position, unitName,
    s.scored ? s.quantityPct : null, s.scored ? s.qualityPct : null, s.scored ? s.progressPct : null,
    s.taskScore, s.generalScore, s.total, classText(text, s.classification), noteText(text, r),
  ];
}

/** Counts of each class among everyone in `units` (and of those not classified). */
export function classCounts(units: readonly UnitGroup[]): { counts: Record<Classification, number>; classified: number; unclassified: number; overQuota: number; eligible: number } {
  const counts = { HTXSNV: 0, HTTNV: 0, HTNV: 0, KHTNV: 0 } as Record<Classification, number>;
  let unclassified = 0;
  let overQuota = 0;
  for (const u of units) {
    for (const r of u.rows) {
      if (r.score.classification === null) unclassified++;
      else counts[r.score.classification]++;
      if (r.score.overQuota) overQuota++;
    }
  }
  const classified = CLASSIFICATIONS.reduce((n, c) => n + counts[c], 0);
  return { counts, classified, unclassified, overQuota, eligible: counts.HTXSNV + counts.HTTNV };
}

/** Writes the table of `units` (grouped, each with its mean row); returns the rows written. */
async function writeTable(s: SheetWriter, text: Text, units: readonly UnitGroup[], out: NodeJS.WritableStream, tick: () => void, grouped: boolean): Promise<void> {
  let no = 0;
  const roman = (k: number): string => ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'][k - 1] ?? String(k);
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    if (grouped) s.merged(`${k < 10 ? roman(k + 1) : String(k + 1)}. ${u.name}`, STYLES.group, 1, s.columns.length);
    for (const r of u.rows) {
      s.tableRow(summaryValues(text, ++no, r, u.name));
      tick();
      if (no % 256 === 0) await breathe(out, s.ws);
    }
    const mean: unknown[] = new Array(s.columns.length).fill(null);
    mean[1] = t(text, 'xlsx.unitMean', { unit: u.name });
    mean[9] = u.mean;
    s.tableRow(mean, true);
  }
}

function writeClassSummary(s: SheetWriter, text: Text, data: EvaluationData): void {
  const c = classCounts(data.units);
  const total = c.classified + c.unclassified;
  const share = (n: number): number => (total === 0 ? 0 : Math.round((10000 * n) / total) / 100);
  s.blank();
  s.merged(t(text, 'xlsx.classes.title'), STYLES.noteBold, 1, s.columns.length);
  for (const k of CLASSIFICATIONS) {
    s.row([CLASS_TEXT[k](text), c.counts[k], share(c.counts[k])], [STYLES.cells.text, STYLES.cells.int, STYLES.cells.dec], { from: 2 });
  }
  s.row([t(text, 'xlsx.classes.none'), c.unclassified, share(c.unclassified)], [STYLES.cells.text, STYLES.cells.int, STYLES.cells.dec], { from: 2 });
  s.row([t(text, 'xlsx.classes.total'), total, total === 0 ? 0 : 100], [STYLES.bold.text, STYLES.bold.int, STYLES.bold.dec], { from: 2 });
  const vars = { ratio: Math.round(data.quota.ratio * 10000) / 100, eligible: c.eligible, excellent: c.counts.HTXSNV, over: c.overQuota };
  s.merged(data.quota.scope === 'unit' ? t(text, 'xlsx.quota.unit', vars) : t(text, 'xlsx.quota.agency', vars), STYLES.note, 1, s.columns.length, { height: 32 });
}

/**
 * Streams the workbook to `out`. Sheets: the summary, one per unit, the detail, the journal when
 * given. Progress counts official rows over the summary, the unit sheets and the detail.
 */
export async function writeEvaluationWorkbook(data: EvaluationData, text: Text, out: NodeJS.WritableStream): Promise<{ rows: number }> {
  const h = data.letterhead;
  const words = periodWords(text, data.period);
  const title = t(text, 'xlsx.eval.title', { period: words });
  const wb = openWorkbook(out, { title, agencyName: h.agencyName, created: h.computedAt });
  const taken = new Set<string>();
  const officials = data.units.reduce((n, u) => n + u.rows.length, 0);
  const total = 3 * officials;
  let done = 0;
  const tick = (): void => {
    done++;
    if (data.onProgress && (done % 500 === 0 || done === total)) data.onProgress(done, total);
  };
  data.onProgress?.(0, total);

  // 1. The summary sheet.
  const cols = summaryColumns(text);
  const summary = addSheet(wb, t(text, 'xlsx.sheet.summary'), taken, cols, { freezeColumns: 2 });
  writeHeading(summary, text, h, title, t(text, 'xlsx.eval.subtitle', { agency: h.agencyName }));
  summary.header();
  await writeTable(summary, text, data.units, out, tick, true);
  filterTable(summary, HEADER_ROW);
  writeClassSummary(summary, text, data);
  writeSignatures(summary, text, h.report);
  summary.ws.commit();
  await sheetDone(wb, out);

  // 2. A sheet per unit.
  for (const u of data.units) {
    const s = addSheet(wb, u.name, taken, cols, { freezeColumns: 2 });
    writeHeading(s, text, h, title, u.name);
    s.header();
    await writeTable(s, text, [u], out, tick, false);
    filterTable(s, HEADER_ROW);
    writeClassSummary(s, text, { ...data, units: [u] });
    writeSignatures(s, text, h.report);
    s.ws.commit();
    await sheetDone(wb, out);
  }

  // 3. The detail sheet: the explanation's numbers.
  const d = addSheet(wb, t(text, 'xlsx.sheet.detail'), taken, detailColumns(text), { freezeColumns: 3 });
  writeHeading(d, text, h, t(text, 'xlsx.detail.title', { period: words }), t(text, 'xlsx.detail.subtitle'));
  d.header();
  let no = 0;
  for (const u of data.units) {
    for (const r of u.rows) {
      const sc = r.score;
      d.tableRow([
        ++no, sc.userId, r.name, u.name, sc.workingDays, sc.assignedMinutes, sc.completedMinutes, sc.qualityMinutes, sc.progressMinutes,
        sc.quantityPct, sc.qualityPct, sc.progressPct, sc.taskScore, sc.generalScore, sc.total, classText(text, sc.classification),
      ]);
      tick();
      if (no % 256 === 0) await breathe(out, d.ws);
    }
  }
  filterTable(d, HEADER_ROW);
  d.ws.commit();
  await sheetDone(wb, out);

  // 4. The journal, on request.
  if (data.journal) {
    const j = addSheet(wb, t(text, 'xlsx.sheet.journal'), taken, journalColumns(text), { freezeColumns: 3 });
    writeHeading(j, text, h, t(text, 'xlsx.journal.title', { period: words }), null);
    j.header();
    let n = 0;
    for await (const page of data.journal) {
      for (const e of page) {
        j.tableRow([e.day.split('-').reverse().join('/'), e.userId, e.name, e.workItemCode, e.title, e.quantity, e.minutes, STATUS_TEXT[e.status]?.(text) ?? e.status, e.fails, e.delays]);
        if (++n % 256 === 0) await breathe(out, j.ws);
      }
    }
    filterTable(j, HEADER_ROW);
    j.ws.commit();
  }
  await wb.commit();
  return { rows: officials };
}
