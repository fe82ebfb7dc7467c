/**
 * The catalogue as an Excel file, out and back in (docs/catalogue.md): one sheet "Danh mục"
 * whose first row is the Vietnamese header and each further row one work item, and a sheet
 * "Hướng dẫn" that says what each column takes. What is exported imports back unchanged.
 *
 * Reading checks every cell and answers with the row, the column and the problem of each bad
 * one (one problem per cell); a sheet whose header is not the template's is refused before any
 * row is read. Every value written goes through cells.ts.
 */
import type ExcelJS from 'exceljs';
import { excel } from './excel';
import { WORK_ITEM_GROUPS, type WorkItem } from '../rules/catalogue';
import { parseWorkItem, WORK_ITEM_FIELDS, WORK_ITEM_LIMITS, type WorkItemField, type WorkItemProblem } from '../rules/work-item-input';
import { HEADER_KEYS } from '../i18n/catalogue-text';
import { numberCell, sheetName, textCell } from './cells';
import { FONT, t, type Text } from './layout';

/** A problem of one cell of the sheet (row 1 is the header; row 0 = the file itself). */
export interface SheetProblem extends WorkItemProblem {
  row: number;
  /** The column's letter, `A`…`J` ('' for the file). */
  column: string;
  /** The column's header as the template writes it. */
  header: string;
}

const A4 = 9;
/** A file longer than this is refused rather than read (a catalogue of 130 items was the largest seen). */
export const MAX_ROWS = 5000;
const NUMERIC: ReadonlySet<WorkItemField> = new Set(['standardMinutes', 'maxQuantityPerEntry']);
const WIDTHS: Readonly<Record<WorkItemField, number>> = {
  code: 12, name: 60, nameEn: 40, sector: 18, group: 14, unit: 14, standardMinutes: 14, kind: 10, maxQuantityPerEntry: 14, active: 11,
};

const letter = (i: number): string => String.fromCharCode(65 + i);
const norm = (s: string): string => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLocaleLowerCase('vi');

/** The headers of the sheet, in column order, in the words of `text` (Vietnamese for a file to import). */
export function catalogueHeaders(text: Text): string[] {
  return WORK_ITEM_FIELDS.map((f) => text(HEADER_KEYS[f]));
}

/** The catalogue workbook (export, and with no items, the blank template). */
export async function writeCatalogueWorkbook(items: readonly WorkItem[], text: Text, meta: { agencyName: string; created: Date }): Promise<Buffer> {
  const wb = new (excel().Workbook)();
  Object.assign(wb, { creator: textCell(meta.agencyName) ?? '', created: meta.created, modified: meta.created, title: textCell(t(text, 'catalogue.xlsx.title')) ?? '' });
  const taken = new Set<string>();
  const ws = wb.addWorksheet(sheetName(t(text, 'catalogue.xlsx.sheet'), taken), {
    pageSetup: { paperSize: A4, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
    views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }],
  });
  ws.columns = WORK_ITEM_FIELDS.map((f) => ({ width: WIDTHS[f] }));
  const header = ws.getRow(1);
  catalogueHeaders(text).forEach((h, i) => {
    const c = header.getCell(i + 1);
    c.value = textCell(h);
    c.style = { font: { name: FONT, bold: true, size: 11 }, alignment: { wrapText: true, vertical: 'middle', horizontal: 'center' }, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7EEF7' } } };
  });
  header.height = 32;
  const yes = t(text, 'catalogue.yes');
  const no = t(text, 'catalogue.no');
  items.forEach((item, k) => {
    const row = ws.getRow(k + 2);
    WORK_ITEM_FIELDS.forEach((f, i) => {
      const c = row.getCell(i + 1);
      const v = f === 'active' ? (item.active ? yes : no) : f === 'sector' ? item.sector ?? '' : item[f];
      c.value = NUMERIC.has(f) ? numberCell(v) : textCell(v);
      c.style = { font: { name: FONT, size: 11 }, alignment: { vertical: 'middle', wrapText: f === 'name' || f === 'nameEn' } };
    });
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(2, items.length + 1), column: WORK_ITEM_FIELDS.length } };
  writeHelp(wb.addWorksheet(sheetName(t(text, 'catalogue.xlsx.helpSheet'), taken), { pageSetup: { paperSize: A4, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } }), text);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The instructions sheet: what each column takes, its limits, and what an import does. */
function writeHelp(ws: ExcelJS.Worksheet, text: Text): void {
  ws.columns = [{ width: 28 }, { width: 90 }];
  const lines: Array<[unknown, unknown, boolean?]> = [
    [t(text, 'catalogue.xlsx.helpTitle'), null, true],
    [t(text, 'catalogue.xlsx.helpIntro'), null],
    [null, null],
    [text(HEADER_KEYS.code), t(text, 'catalogue.xlsx.help.code', { max: WORK_ITEM_LIMITS.codeMax })],
    [text(HEADER_KEYS.name), t(text, 'catalogue.xlsx.help.name', { max: WORK_ITEM_LIMITS.nameMax })],
    [text(HEADER_KEYS.nameEn), t(text, 'catalogue.xlsx.help.nameEn', { max: WORK_ITEM_LIMITS.nameMax })],
    [text(HEADER_KEYS.sector), t(text, 'catalogue.xlsx.help.sector')],
    [text(HEADER_KEYS.group), t(text, 'catalogue.xlsx.help.group', { groups: WORK_ITEM_GROUPS.join(', ') })],
    [text(HEADER_KEYS.unit), t(text, 'catalogue.xlsx.help.unit', { max: WORK_ITEM_LIMITS.unitMax })],
    [text(HEADER_KEYS.standardMinutes), t(text, 'catalogue.xlsx.help.standardMinutes', { max: WORK_ITEM_LIMITS.standardMinutesMax })],
    [text(HEADER_KEYS.kind), t(text, 'catalogue.xlsx.help.kind')],
    [text(HEADER_KEYS.maxQuantityPerEntry), t(text, 'catalogue.xlsx.help.maxQuantity', { max: WORK_ITEM_LIMITS.maxQuantityMax })],
    [text(HEADER_KEYS.active), t(text, 'catalogue.xlsx.help.active')],
    [null, null],
    [t(text, 'catalogue.xlsx.helpImportTitle'), t(text, 'catalogue.xlsx.helpImport'), true],
    [t(text, 'catalogue.xlsx.helpVersionsTitle'), t(text, 'catalogue.xlsx.helpVersions'), true],
  ];
  lines.forEach(([a, b, bold], i) => {
    const row = ws.getRow(i + 1);
    row.getCell(1).value = textCell(a);
    row.getCell(2).value = textCell(b);
    row.getCell(1).style = { font: { name: FONT, size: 11, bold: true }, alignment: { vertical: 'top', wrapText: true } };
    row.getCell(2).style = { font: { name: FONT, size: 11, bold: bold === true && b === null }, alignment: { vertical: 'top', wrapText: true } };
  });
}

type Raw = string | number | boolean | null | { formula: true };

/** What a cell holds: a formula (never evaluated), else its text, number or boolean. */
function cellValue(c: ExcelJS.Cell): Raw {
  const v = c.value as unknown;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  const o = v as Record<string, unknown>;
  if ('formula' in o || 'sharedFormula' in o) return { formula: true };
  if (Array.isArray(o.richText)) return (o.richText as Array<{ text?: unknown }>).map((r) => String(r.text ?? '')).join('');
  if (typeof o.text === 'string') return o.text;
  return String(c.text ?? '');
}

/** A cell's value as the field wants it: numbers from `1 440` or `1,5`, booleans from có/không. */
function fieldValue(f: WorkItemField, v: Exclude<Raw, { formula: true }>, text: Text): unknown {
  if (v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  if (NUMERIC.has(f)) {
    if (typeof v !== 'string') return v;
    const s = v.replace(/\s+/g, '').replace(',', '.');
    return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : v;
  }
  if (f === 'active') {
    const s = norm(String(v));
    if (v === true || v === 1 || [norm(t(text, 'catalogue.yes')), 'yes', 'true', 'x', '1'].includes(s)) return true;
    if (v === false || v === 0 || [norm(t(text, 'catalogue.no')), 'no', 'false', '0'].includes(s)) return false;
    return String(v);
  }
  const s = String(v);
  if (f === 'group' || f === 'kind' || f === 'sector') return s.trim();
  return s;
}

/**
 * Reads a catalogue file. Returns the items when every cell is right, else the problems
 * (never both): the header first, then each row's cells, then codes that repeat.
 */
export async function readCatalogueWorkbook(data: Buffer, text: Text): Promise<{ items: WorkItem[]; problems: SheetProblem[] }> {
  const sheet = t(text, 'catalogue.xlsx.sheet');
  const fileProblem = (): { items: WorkItem[]; problems: SheetProblem[] } => ({ items: [], problems: [{ row: 0, column: '', header: '', field: 'file', problem: 'not_xlsx', limit: sheet }] });
  const wb = new (excel().Workbook)();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    return fileProblem();
  }
  const ws = wb.worksheets.find((w) => norm(w.name) === norm(sheet)) ?? wb.worksheets[0];
  if (!ws) return fileProblem();
  if (ws.rowCount > MAX_ROWS + 1) return { items: [], problems: [{ row: 0, column: '', header: '', field: 'file', problem: 'too_many_rows', limit: MAX_ROWS }] };
  const headers = catalogueHeaders(text);
  const problems: SheetProblem[] = [];
  headers.forEach((h, i) => {
    const got = cellValue(ws.getRow(1).getCell(i + 1));
    if (typeof got !== 'string' || norm(got) !== norm(h)) problems.push({ row: 1, column: letter(i), header: h, field: WORK_ITEM_FIELDS[i]!, problem: 'bad_header', limit: h });
  });
  if (problems.length > 0) return { items: [], problems };
  const items: WorkItem[] = [];
  const firstRowOf = new Map<string, number>();
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const raw: Record<string, unknown> = {};
    const formulas: WorkItemField[] = [];
    let empty = true;
    WORK_ITEM_FIELDS.forEach((f, i) => {
      const v = cellValue(row.getCell(i + 1));
      if (v !== null && !(typeof v === 'string' && v.trim() === '')) empty = false;
      if (v !== null && typeof v === 'object') formulas.push(f);
      else {
        const x = fieldValue(f, v, text);
        if (x !== undefined) raw[f] = x;
      }
    });
    if (empty) continue;
    const { fields, problems: rowProblems } = parseWorkItem(raw, { partial: false });
    const at = (p: WorkItemProblem): SheetProblem => {
      const i = WORK_ITEM_FIELDS.indexOf(p.field as WorkItemField);
      return { ...p, row: r, column: letter(i), header: headers[i]! };
    };
    const seen = new Set<string>();
    for (const f of formulas) {
      seen.add(f);
      problems.push(at({ field: f, problem: 'formula' }));
    }
    for (const p of rowProblems) {
      if (seen.has(p.field)) continue;
      seen.add(p.field);
      problems.push(at(p));
    }
    if (fields.code !== undefined && !seen.has('code')) {
      const first = firstRowOf.get(fields.code);
      if (first !== undefined) problems.push(at({ field: 'code', problem: 'duplicate_code', limit: first }));
      else firstRowOf.set(fields.code, r);
    }
    if (seen.size === 0) items.push(fields as WorkItem);
  }
  return problems.length > 0 ? { items: [], problems } : { items, problems };
}
