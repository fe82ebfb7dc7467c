/**
 * The catalogue's problems and labels in words (docs/catalogue.md), shared by the API, the
 * command line, the admin panel's catalogue page and the workbooks: the inner rings return a
 * field, a problem code and a limit; this says them in the reader's language.
 */
import { isKpiError } from '../domain/errors';
import type { Locale } from '../domain/principal';
import type { WorkItemField, WorkItemProblem } from '../rules/work-item-input';
import { INVALID_WORK_ITEM } from '../services/catalogue-service';
import { msgKey, t } from './i18n';

const PROBLEM_KEYS: Readonly<Record<string, string>> = {
  required: msgKey('catalogue.problem.required'),
  too_long: msgKey('catalogue.problem.too_long'),
  bad_code: msgKey('catalogue.problem.bad_code'),
  duplicate_code: msgKey('catalogue.problem.duplicate_code'),
  formula: msgKey('catalogue.problem.formula'),
  not_number: msgKey('catalogue.problem.not_number'),
  out_of_range: msgKey('catalogue.problem.out_of_range'),
  bad_kind: msgKey('catalogue.problem.bad_kind'),
  bad_group: msgKey('catalogue.problem.bad_group'),
  bad_sector: msgKey('catalogue.problem.bad_sector'),
  bad_active: msgKey('catalogue.problem.bad_active'),
  unknown_field: msgKey('catalogue.problem.unknown_field'),
  unknown_code: msgKey('catalogue.problem.unknown_code'),
  code_exists: msgKey('catalogue.problem.code_exists'),
  code_fixed: msgKey('catalogue.problem.code_fixed'),
  bad_day: msgKey('catalogue.problem.bad_day'),
  too_early: msgKey('catalogue.problem.too_early'),
  bad_header: msgKey('catalogue.problem.bad_header'),
  not_xlsx: msgKey('catalogue.problem.not_xlsx'),
  too_many_rows: msgKey('catalogue.problem.too_many_rows'),
};

/** The column headers of the catalogue sheet (always Vietnamese in the file: the import reads them back). */
export const HEADER_KEYS: Readonly<Record<WorkItemField, string>> = {
  code: msgKey('catalogue.col.code'),
  name: msgKey('catalogue.col.name'),
  nameEn: msgKey('catalogue.col.nameEn'),
  sector: msgKey('catalogue.col.sector'),
  group: msgKey('catalogue.col.group'),
  unit: msgKey('catalogue.col.unit'),
  standardMinutes: msgKey('catalogue.col.standardMinutes'),
  kind: msgKey('catalogue.col.kind'),
  maxQuantityPerEntry: msgKey('catalogue.col.maxQuantity'),
  active: msgKey('catalogue.col.active'),
};

/** A problem, from a sheet's cell (row, column, header) or from a field of JSON or a form. */
export type ProblemAt = WorkItemProblem & { row?: number; column?: string; header?: string };

/** The problems a refused catalogue input carries (`details.problems`), or null for any other error. */
export function catalogueProblems(e: unknown): ProblemAt[] | null {
  if (!isKpiError(e) || e.code !== INVALID_WORK_ITEM) return null;
  const problems = e.details?.problems;
  return Array.isArray(problems) ? (problems as ProblemAt[]) : null;
}

/** Each problem as a sentence, in order. */
export function problemLines(l: Locale, problems: readonly ProblemAt[]): string[] {
  return problems.map((p) => (p.row !== undefined && p.column !== undefined && p.header !== undefined
    ? cellProblemText(l, { ...p, row: p.row, column: p.column, header: p.header })
    : problemText(l, p)));
}

/** One problem as a sentence: `{field}` is the JSON name, or the column's header for a sheet. */
export function problemText(l: Locale, p: WorkItemProblem, fieldLabel: string = p.field): string {
  const key = PROBLEM_KEYS[p.problem] ?? PROBLEM_KEYS.required!;
  return t(l, key, { field: fieldLabel, limit: p.limit ?? '' });
}

/** A problem of a sheet's cell: `Dòng 5, cột G (Thời gian chuẩn (phút)): …`. */
export function cellProblemText(l: Locale, p: WorkItemProblem & { row: number; column: string; header: string }): string {
  return t(l, 'catalogue.problem.at', { row: p.row, column: p.column, message: problemText(l, p, p.header) });
}

/** The label of a work item group (`van-thu` → Văn thư); the code itself when unknown. */
export function groupText(l: Locale, group: string): string {
  const key = `group.${group}`;
  const s = t(l, key);
  return s === key ? group : s;
}

/** The kind of a work item in words. */
export function kindText(l: Locale, kind: string): string {
  return kind === 'rated' ? t(l, 'admin.kindRated') : t(l, 'admin.kindCount');
}

/** The label of a sector ('' = the general catalogue). */
export function sectorText(l: Locale, sector: string, names: ReadonlyMap<string, { vi: string; en: string }>): string {
  if (sector === '') return t(l, 'catalogue.sectorGeneral');
  return names.get(sector)?.[l] ?? sector;
}
