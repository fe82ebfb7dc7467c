/**
 * The one way a value reaches a workbook cell (issue 7, "cells that cannot run").
 *
 * - A value from the database is only ever a plain string or a finite number: never an object,
 *   so exceljs can never turn it into a formula, a hyperlink or rich text.
 * - Text is NFC (whatever form the host sent), loses the characters XML 1.0 forbids (a sheet
 *   with them does not open), has its line ends as LF (as any XML reader would read them back)
 *   and is cut at Excel's 32,767 characters.
 * - Text that a spreadsheet could read as a formula — it begins with `=`, `+`, `-`, `@`, tab, CR
 *   or LF, also after leading spaces, or with their full-width forms — is prefixed with a single
 *   quote, as OWASP's CSV-injection guidance and ASVS 1.2.10 ask for CSV *and* XLSX exports.
 *   In the xlsx the cell is a shared-string cell (`t="s"`, see `WORKBOOK_OPTIONS`), which no
 *   spreadsheet evaluates; the quote also keeps the value inert when someone saves the sheet as
 *   CSV (Excel, `soffice --convert-to csv`) and opens that file again. The text stays visible.
 */

/** Excel's limit on the characters of one cell. */
export const MAX_CELL_CHARS = 32_767;

/** Leading characters that make a spreadsheet read text as a formula (or as the start of one). */
const TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\n', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * Characters XML 1.0 forbids: C0 controls other than tab, LF and CR; U+FFFE and U+FFFF; and
 * unpaired surrogates (a pair is a character above U+FFFF, which XML allows).
 */
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whatever XML_FORBIDDEN or a CR could match: text without any of these needs neither replacement. */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000B-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** NFC, without the characters XML 1.0 forbids, at most MAX_CELL_CHARS characters (a pair is never split). */
export function cleanText(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = (typeof v === 'string' ? v : String(v)).normalize('NFC');
  // XML readers turn CR and CR LF into LF anyway: say so here, so what is written is what is read.
  if (SUSPECT.test(s)) s = s.replace(XML_FORBIDDEN, '').replace(/\r\n?/g, '\n');
  if (s.length > MAX_CELL_CHARS) {
    s = s.slice(0, MAX_CELL_CHARS);
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  }
  return s;
}

/** Whether a spreadsheet could take this (clean) text for a formula. */
export function looksLikeFormula(s: string): boolean {
  let i = 0;
  while (s.charCodeAt(i) === 0x20) i++;
  return i < s.length && TRIGGERS.has(s[i]!);
}

/**
 * A text cell's value: cleaned, and neutralised when it could be read as a formula. Null and
 * undefined are an empty cell (null). Numbers and anything else are written as their text.
 */
export function textCell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = cleanText(v);
  if (s === '') return null;
  if (!looksLikeFormula(s)) return s;
  return `'${s}`.slice(0, MAX_CELL_CHARS);
}

/** A number cell's value: a finite number, else an empty cell (null). Never a string. */
export function numberCell(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One field of a CSV line (RFC 4180 quoting) holding the same safe text as the xlsx cell. */
export function csvField(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = textCell(v) ?? '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A worksheet name Excel accepts: clean text without `[ ] : * ? / \`, no leading or trailing
 * quote, at most 31 characters, not empty, and not one of `taken` (compared case-insensitively;
 * a suffix ` (2)`, ` (3)` … is added). The chosen name is added to `taken`.
 */
export function sheetName(v: unknown, taken: Set<string>, fallback = 'Sheet'): string {
  let base = cleanText(v).replace(/[\t\r\n]/g, ' ').replace(/[[\]:*?/\\]/g, ' ').replace(/\s+/g, ' ').trim().replace(/^'+|'+$/g, '').trim();
  if (base === '' || base.toLowerCase() === 'history') base = fallback;
  const cut = (s: string, n: number): string => {
    const t = [...s].slice(0, n).join('');
    return t.length > n ? t.slice(0, n) : t;
  };
  let name = cut(base, 31);
  for (let k = 2; taken.has(name.toLowerCase()); k++) {
    const suffix = ` (${k})`;
    name = `${cut(base, 31 - suffix.length).trimEnd()}${suffix}`;
  }
  taken.add(name.toLowerCase());
  return name;
}
