/**
 * The administrative layout both of HR's workbooks share (issue 7): Times New Roman; the
 * governing body and the agency top left, the national motto top right; the place-and-date
 * line; the title rows; "TẠM TÍNH" with the time the numbers were computed while the period is
 * open; the table's header row repeated on printed pages, frozen and filtered; the signature
 * blocks; the workbook's properties. Every text goes through cells.ts.
 *
 * Sheets are written with exceljs's streaming writer: rows are committed in order and cannot be
 * touched again, so the layout is written top to bottom and merges are made before a row is
 * committed.
 */
import type { Borders, Cell, Row, stream, Style, Worksheet } from 'exceljs';
import { excel } from './excel';
import type { ReportSettings } from '../contract/events';
import { numberCell, sheetName, textCell } from './cells';
import { EntrySink, streamParts } from './zip-parts';

/** Locale text: `key` with `{name}` replaced from `vars`. The reports are written in one locale. */
export type Text = (key: string, vars?: Readonly<Record<string, string | number | null | undefined>>) => string;

/** `text(key, vars)`: called as the edges call theirs (locale first, then the key literally), so the locale contract test sees every key asked for. */
export function t(text: Text, key: string, vars?: Readonly<Record<string, string | number | null | undefined>>): string {
  return text(key, vars);
}

export const FONT = 'Times New Roman';
/** A4 in the OOXML paper size table. */
const A4 = 9;

export type ColumnKind = 'text' | 'int' | 'dec' | 'minutes' | 'center';

export interface Column { header: string; width: number; kind: ColumnKind }

export const NUMBER_FORMATS: Record<ColumnKind, string | undefined> = { text: undefined, center: undefined, int: '0', dec: '0.00', minutes: '#,##0.##' };

const thin = { style: 'thin' as const };
const BORDER: Partial<Borders> = { top: thin, left: thin, bottom: thin, right: thin };

/** The styles, built once and shared by every cell (exceljs dedupes them; one object keeps it cheap). */
export const STYLES = (() => {
  const font = (o: Partial<Style['font']> = {}): Partial<Style['font']> => ({ name: FONT, size: 12, ...o });
  const base = (s: Partial<Style>): Partial<Style> => ({ font: font(), ...s });
  const cell = (kind: ColumnKind, bold = false): Partial<Style> => ({
    font: font({ size: 11, bold }),
    border: BORDER,
    alignment: kind === 'text' ? { vertical: 'middle', wrapText: true } : { vertical: 'middle', horizontal: kind === 'center' ? 'center' : 'right' },
    ...(NUMBER_FORMATS[kind] ? { numFmt: NUMBER_FORMATS[kind] } : {}),
  });
  return {
    plain: base({}),
    left: base({ alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } }),
    leftBold: base({ font: font({ bold: true }), alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } }),
    motto: base({ font: font({ bold: true }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    mottoSub: base({ font: font({ bold: true, underline: true }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    dateLine: base({ font: font({ italic: true }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    title: base({ font: font({ bold: true, size: 14 }), alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } }),
    subtitle: base({ font: font({ italic: true }), alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } }),
    provisional: base({ font: font({ bold: true, color: { argb: 'FFC00000' } }), alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } }),
    header: base({ font: font({ size: 11, bold: true }), border: BORDER, alignment: { horizontal: 'center', vertical: 'middle', wrapText: true }, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7EEF7' } } }),
    group: base({ font: font({ size: 11, bold: true }), border: BORDER, alignment: { vertical: 'middle' } }),
    signTitle: base({ font: font({ bold: true }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    signHint: base({ font: font({ italic: true, size: 11 }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    signName: base({ font: font({ bold: true }), alignment: { horizontal: 'center', vertical: 'middle' } }),
    note: base({ font: font({ size: 11 }), alignment: { vertical: 'middle', wrapText: true } }),
    noteBold: base({ font: font({ size: 11, bold: true }), alignment: { vertical: 'middle', wrapText: true } }),
    cells: {
      text: cell('text'), center: cell('center'), int: cell('int'), dec: cell('dec'), minutes: cell('minutes'),
    } as Record<ColumnKind, Partial<Style>>,
    bold: {
      text: cell('text', true), center: cell('center', true), int: cell('int', true), dec: cell('dec', true), minutes: cell('minutes', true),
    } as Record<ColumnKind, Partial<Style>>,
  };
})();

/** The row of the table's header in every sheet this layout writes (rows above it: the heading). */
export const HEADER_ROW = 9;

/** What the heading and the signature blocks print. */
export interface Letterhead {
  agencyName: string;
  report: ReportSettings;
  /** The day the workbook is dated, `YYYY-MM-DD` in the agency's time zone. */
  day: string;
  timeZone: string;
  /** When the numbers were computed; printed with "TẠM TÍNH" when `provisional`. */
  computedAt: Date;
  provisional: boolean;
}

/** `Hà Nội, ngày 05 tháng 4 năm 2026` (Decree 30/2020: a day below 10 and months 1 and 2 take a leading zero). */
export function placeAndDate(text: Text, place: string, day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const dd = d < 10 ? `0${d}` : String(d);
  const mm = m < 3 ? `0${m}` : String(m);
  const where = place.trim() === '' ? '……………' : place.trim();
  return t(text, 'xlsx.placeDate', { place: where, day: dd, month: mm, year: y });
}

/** `HH:mm dd/MM/yyyy` in the agency's time zone. */
export function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const p = (type: string): string => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('hour')}:${p('minute')} ${p('day')}/${p('month')}/${p('year')}`;
}

/** The streaming workbook over `out`, with shared strings (every text is a `t="s"` cell) and styles. */
export function openWorkbook(out: NodeJS.WritableStream, props: { title: string; agencyName: string; created: Date }): stream.xlsx.WorkbookWriter {
  const wb = new (excel().stream.xlsx.WorkbookWriter)({ stream: out as unknown as import('stream').Stream, useStyles: true, useSharedStrings: true });
  // Sheets and shared strings through parts that keep less in memory (zip-parts.ts); the XML is the same.
  streamParts(wb);
  const author = textCell(props.agencyName) ?? '';
  Object.assign(wb, { title: textCell(props.title) ?? '', creator: author, lastModifiedBy: author, created: props.created, modified: props.created });
  // The streaming writer leaves the company of docProps/app.xml empty: write the agency there.
  const w = wb as unknown as { addApp(): Promise<void>; zip: { append(xml: string, o: { name: string }): void }; _worksheets: unknown[] };
  w.addApp = () => new Promise<void>((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AppXform = require('exceljs/lib/xlsx/xform/core/app-xform') as new () => { toXml(m: unknown): string };
    w.zip.append(new AppXform().toXml({ worksheets: w._worksheets.filter(Boolean), company: author }), { name: 'docProps/app.xml' });
    resolve();
  });
  return wb;
}

interface ZipQueue { length(): number }
interface Zip { _queue?: ZipQueue; once(event: 'entry' | 'error', f: () => void): unknown; removeListener(event: 'entry' | 'error', f: () => void): unknown }

/**
 * Waits, after a sheet is committed, until the zip has taken every sheet committed before it:
 * exceljs hands each sheet to the zip as a stream of its own and moves on, and the zip deflates
 * one entry at a time, so 500 unit sheets written faster than they are compressed would wait in
 * memory (about 25 MB on a province's workbook). The sheet just committed may still be
 * compressing while the next one is written. Reads the archiver's queue (exceljs 4's zip); when
 * it is not there, only yields like `breathe`.
 */
export async function sheetDone(wb: stream.xlsx.WorkbookWriter, out: NodeJS.WritableStream): Promise<void> {
  const zip = (wb as unknown as { zip?: Zip }).zip;
  const queue = zip?._queue;
  if (!zip || !queue || typeof queue.length !== 'function') return breathe(out);
  while (queue.length() > 0) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        zip.removeListener('entry', done);
        zip.removeListener('error', done);
        resolve();
      };
      zip.once('entry', done);
      zip.once('error', done);
    });
  }
  return breathe(out);
}

/** A sheet may hold this much of its XML ahead of the zip. */
const SHEET_AHEAD_BYTES = 1 << 20;

/**
 * Yields to the event loop so the zip stream can drain; waits for `out` when it asks to, and,
 * given the sheet being written, for the zip to take what the sheet has written beyond
 * SHEET_AHEAD_BYTES (exceljs passes a sheet's XML on without waiting, so a sheet of 50,000 rows
 * written faster than it is deflated would otherwise wait in memory).
 */
export async function breathe(out: NodeJS.WritableStream, ws?: Worksheet): Promise<void> {
  const stream = ws ? (ws as unknown as { stream: unknown }).stream : null;
  const sheet = stream instanceof EntrySink ? stream : null;
  for (let turns = 0; sheet && sheet.pendingBytes > SHEET_AHEAD_BYTES && turns < 200; turns++) {
    // 'drain' when the zip has read most of it; a short timer in case the zip has not started the entry yet.
    await new Promise<void>((resolve) => {
      const s = sheet;
      const timer = setTimeout(done, 20);
      function done(): void {
        clearTimeout(timer);
        s.removeListener('drain', done);
        resolve();
      }
      s.once('drain', done);
    });
  }
  const w = out as NodeJS.WritableStream & { writableNeedDrain?: boolean };
  if (w.writableNeedDrain) await new Promise<void>((resolve) => w.once('drain', resolve));
  else await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A sheet written top to bottom: `next` is the row about to be written. Every value goes through
 * textCell / numberCell; rows are committed as they are finished.
 */
export class SheetWriter {
  next = 1;
  constructor(readonly ws: Worksheet, readonly columns: readonly Column[]) {}

  /** A row of `values` (by column, from `from`), each styled; committed unless `keep`. */
  row(values: ReadonlyArray<unknown>, style: Partial<Style> | ReadonlyArray<Partial<Style>>, opts: { from?: number; height?: number; keep?: boolean; numeric?: ReadonlyArray<boolean> } = {}): Row {
    const r = this.ws.getRow(this.next++);
    const from = opts.from ?? 1;
    values.forEach((v, i) => {
      const c: Cell = r.getCell(from + i);
      c.value = opts.numeric?.[i] || typeof v === 'number' ? numberCell(v) : textCell(v);
      c.style = Array.isArray(style) ? (style as ReadonlyArray<Partial<Style>>)[i] ?? {} : (style as Partial<Style>);
    });
    if (opts.height) r.height = opts.height;
    if (!opts.keep) r.commit();
    return r;
  }

  /** One text across columns `from`..`to` (merged), styled; committed unless `keep`. */
  merged(value: unknown, style: Partial<Style>, from = 1, to = this.columns.length, opts: { height?: number; keep?: boolean } = {}): Row {
    const n = this.next;
    const r = this.row([value], style, { from, keep: true, ...(opts.height ? { height: opts.height } : {}) });
    if (to > from) this.ws.mergeCells(n, from, n, to);
    if (!opts.keep) r.commit();
    return r;
  }

  blank(): void {
    this.next++;
  }

  /** One table row: each value by its column's kind; `bold` for totals. */
  tableRow(values: ReadonlyArray<unknown>, bold = false): void {
    const styles = bold ? STYLES.bold : STYLES.cells;
    const r = this.ws.getRow(this.next++);
    for (let i = 0; i < this.columns.length; i++) {
      const kind = this.columns[i]!.kind;
      const c = r.getCell(i + 1);
      const v = values[i];
      c.value = kind === 'text' || kind === 'center' ? (typeof v === 'number' ? numberCell(v) : textCell(v)) : numberCell(v);
      c.style = styles[kind];
    }
    r.commit();
  }

  /** The table's header row (at HEADER_ROW when the heading was written). */
  header(): void {
    this.row(this.columns.map((c) => c.header), STYLES.header, { height: 48 });
  }
}

/** A worksheet in the layout: A4 (landscape unless said), header row repeated when printed, frozen below it. */
export function addSheet(wb: stream.xlsx.WorkbookWriter, name: string, taken: Set<string>, columns: readonly Column[], opts: { portrait?: boolean; freezeColumns?: number; headerRow?: number | null } = {}): SheetWriter {
  const headerRow = opts.headerRow === undefined ? HEADER_ROW : opts.headerRow;
  const ws = wb.addWorksheet(sheetName(name, taken), {
    pageSetup: {
      paperSize: A4, orientation: opts.portrait ? 'portrait' : 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0,
      margins: { left: 0.5, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
      ...(headerRow !== null ? { printTitlesRow: `${headerRow}:${headerRow}` } : {}),
    },
    views: headerRow !== null ? [{ state: 'frozen', xSplit: opts.freezeColumns ?? 0, ySplit: headerRow, showGridLines: false }] : [{ state: 'normal', showGridLines: false }],
  });
  ws.columns = columns.map((c) => ({ width: c.width }));
  return new SheetWriter(ws, columns);
}

/** Sets the filter over the table (header row to the last written row). */
export function filterTable(s: SheetWriter, headerRow = HEADER_ROW, lastRow = s.next - 1): void {
  if (lastRow > headerRow) s.ws.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: lastRow, column: s.columns.length } };
}

interface HeadingWords { text: Text; governingBody: string | null; agency: string; motto: string; mottoSub: string; dateLine: string; provisional: string | null }

/** The letterhead's words, made once per letterhead: a workbook writes them on each of its (up to hundreds of) sheets. */
const headingWords = new WeakMap<Letterhead, HeadingWords>();

function wordsOf(text: Text, h: Letterhead): HeadingWords {
  const known = headingWords.get(h);
  if (known && known.text === text) return known;
  const w: HeadingWords = {
    text,
    governingBody: h.report.governingBody.trim() === '' ? null : h.report.governingBody.toLocaleUpperCase('vi'),
    agency: h.agencyName.toLocaleUpperCase('vi'),
    motto: t(text, 'xlsx.motto'),
    mottoSub: t(text, 'xlsx.mottoSub'),
    dateLine: placeAndDate(text, h.report.place, h.day),
    provisional: h.provisional ? t(text, 'xlsx.provisional', { at: localTime(h.computedAt, h.timeZone) }) : null,
  };
  headingWords.set(h, w);
  return w;
}

/** Rows 1..HEADER_ROW-1: the letterhead, the title, a subtitle, the provisional line (or blank). */
export function writeHeading(s: SheetWriter, text: Text, h: Letterhead, title: string, subtitle: string | null): void {
  const w = wordsOf(text, h);
  const n = s.columns.length;
  const split = Math.max(2, Math.min(n - 2, Math.round(n * 0.42)));
  const left = (v: unknown, st: Partial<Style>): void => {
    const r = s.next;
    s.row([v], st, { keep: true });
    s.ws.mergeCells(r, 1, r, split);
  };
  const right = (v: unknown, st: Partial<Style>): void => {
    const r = s.next - 1;
    const row = s.ws.getRow(r);
    const c = row.getCell(split + 1);
    c.value = textCell(v);
    c.style = st;
    s.ws.mergeCells(r, split + 1, r, n);
    row.commit();
  };
  left(w.governingBody, STYLES.left);
  right(w.motto, STYLES.motto);
  left(w.agency, STYLES.leftBold);
  right(w.mottoSub, STYLES.mottoSub);
  left(null, STYLES.plain);
  right(w.dateLine, STYLES.dateLine);
  s.blank();
  s.merged(title, STYLES.title, 1, n, { height: 40 });
  s.merged(subtitle, STYLES.subtitle, 1, n);
  s.merged(w.provisional, STYLES.provisional, 1, n, { height: 30 });
  s.blank();
}

/** The two signature blocks under the table: the preparer (left) and the head of the agency (right). */
export function writeSignatures(s: SheetWriter, text: Text, report: ReportSettings, who: { left?: [string, string, string]; right?: [string, string, string] } = {}): void {
  const n = s.columns.length;
  const split = Math.max(2, Math.min(n - 2, Math.round(n * 0.42)));
  const pair = (a: unknown, b: unknown, st: Partial<Style>): void => {
    const r = s.next;
    const row = s.row([a], st, { keep: true });
    s.ws.mergeCells(r, 1, r, split);
    const c = row.getCell(split + 1);
    c.value = textCell(b);
    c.style = st;
    s.ws.mergeCells(r, split + 1, r, n);
    row.commit();
  };
  const [lTitle, lHint, lName] = who.left ?? [t(text, 'xlsx.sign.preparer'), t(text, 'xlsx.sign.hint'), report.preparedBy];
  const [rTitle, rHint, rName] = who.right ?? [t(text, 'xlsx.sign.head'), t(text, 'xlsx.sign.hintSeal'), report.headOfAgency];
  s.blank();
  pair(lTitle, rTitle, STYLES.signTitle);
  if (!who.right && report.headTitle.trim() !== '') pair(null, report.headTitle.toLocaleUpperCase('vi'), STYLES.signTitle);
  pair(lHint, rHint, STYLES.signHint);
  s.blank(); s.blank(); s.blank();
  const blankLine = '……………………………';
  pair(lName.trim() === '' ? blankLine : lName, rName.trim() === '' ? blankLine : rName, STYLES.signName);
}

/** `QUÝ I NĂM 2026`, `THÁNG 3 NĂM 2026`, `NĂM 2026` (roman quarters, as administrative titles write them). */
export function periodWords(text: Text, p: { kind: 'month' | 'quarter' | 'year'; year: number; month?: number; quarter?: number }): string {
  if (p.kind === 'month') return t(text, 'xlsx.period.month', { month: p.month, year: p.year });
  if (p.kind === 'quarter') return t(text, 'xlsx.period.quarter', { quarter: ['I', 'II', 'III', 'IV'][(p.quarter ?? 1) - 1], year: p.year });
  return t(text, 'xlsx.period.year', { year: p.year });
}
