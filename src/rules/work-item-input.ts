/**
 * Editing the catalogue (docs/catalogue.md): what an integrator or HR sends for one work item,
 * through the API, a panel form or a row of an Excel sheet, checked field by field against
 * the limits below. Pure: it returns problem codes with the field and the limit they break;
 * the edges turn them into sentences (locales `catalogue.problem.*`).
 *
 * Versions: a change makes a new version of the item that applies from a day on
 * (`versionOn`): an entry keeps the version it was made with, and an entry of a day is made
 * with the version in force on that day.
 */
import { isValidDay } from '../domain/time';
import { WORK_ITEM_CODE_RE, WORK_ITEM_GROUPS, WORK_ITEM_KINDS, type WorkItem, type WorkItemGroup, type WorkItemKind } from './catalogue';

/** The limits of a work item's fields, named in every problem that breaks one. */
export const WORK_ITEM_LIMITS = Object.freeze({
  codeMax: 40,
  nameMax: 500,
  unitMax: 100,
  sectorMax: 64,
  /** 20 working days of 480 minutes: no single unit of work is standardised above that. */
  standardMinutesMax: 9600,
  maxQuantityMax: 10000,
});

/** Sector ids: lower-case ASCII, digits and `-` (`noi-vu`, `tai-chinh-ke-hoach`); '' = general. */
export const SECTOR_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The fields an editor may send, in the order the sheet and the forms show them. */
export const WORK_ITEM_FIELDS = ['code', 'name', 'nameEn', 'sector', 'group', 'unit', 'standardMinutes', 'kind', 'maxQuantityPerEntry', 'active'] as const;
export type WorkItemField = (typeof WORK_ITEM_FIELDS)[number];

export type WorkItemProblemCode =
  | 'required'
  | 'too_long'
  | 'bad_code'
  | 'duplicate_code'
  | 'formula'
  | 'not_number'
  | 'out_of_range'
  | 'bad_kind'
  | 'bad_group'
  | 'bad_sector'
  | 'bad_active'
  | 'unknown_field'
  | 'unknown_code'
  | 'code_exists'
  | 'code_fixed'
  | 'bad_day'
  | 'too_early'
  | 'bad_header'
  | 'not_xlsx'
  | 'too_many_rows';

export interface WorkItemProblem {
  field: string;
  problem: WorkItemProblemCode;
  /** The limit the value breaks (a length, a maximum, the allowed values), when there is one. */
  limit?: string | number;
}

/** Whether text could run as a formula in a spreadsheet (an item's words are printed in workbooks). */
export function startsLikeFormula(s: string): boolean {
  return /^[ ]*[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(s);
}

function text(raw: Record<string, unknown>, field: WorkItemField, max: number, problems: WorkItemProblem[], required: boolean): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) problems.push({ field, problem: 'required' });
    return v === undefined ? undefined : '';
  }
  if (typeof v !== 'string') {
    problems.push({ field, problem: 'required' });
    return undefined;
  }
  const s = v.normalize('NFC').trim();
  if (s.length > max) problems.push({ field, problem: 'too_long', limit: max });
  else if (startsLikeFormula(s)) problems.push({ field, problem: 'formula' });
  return s;
}

function number(raw: Record<string, unknown>, field: WorkItemField, max: number, problems: WorkItemProblem[], required: boolean): number | undefined {
  const v = raw[field];
  if (v === undefined || v === null || v === '') {
    if (required) problems.push({ field, problem: 'required' });
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.push({ field, problem: 'not_number' });
    return undefined;
  }
  if (v <= 0 || v > max) {
    problems.push({ field, problem: 'out_of_range', limit: max });
    return undefined;
  }
  return v;
}

/**
 * One work item as sent. Whole (`partial` false: code, name, unit, standard minutes and kind
 * required; group `chuyen-vien`, maximum 100, active true when left out) or a patch of some
 * fields (`partial` true, the code not among them). Returns the fields read and every problem.
 */
export function parseWorkItem(raw: Record<string, unknown>, opts: { partial: boolean }): { fields: Partial<WorkItem>; problems: WorkItemProblem[] } {
  const problems: WorkItemProblem[] = [];
  const fields: Partial<WorkItem> = {};
  for (const k of Object.keys(raw)) if (!(WORK_ITEM_FIELDS as readonly string[]).includes(k)) problems.push({ field: k, problem: 'unknown_field' });
  const whole = !opts.partial;
  if (whole || raw.code !== undefined) {
    const code = text(raw, 'code', WORK_ITEM_LIMITS.codeMax, problems, true);
    if (code && !problems.some((p) => p.field === 'code')) {
      if (!WORK_ITEM_CODE_RE.test(code)) problems.push({ field: 'code', problem: 'bad_code', limit: WORK_ITEM_LIMITS.codeMax });
      else fields.code = code;
    }
  }
  const name = text(raw, 'name', WORK_ITEM_LIMITS.nameMax, problems, whole || raw.name !== undefined);
  if (name) fields.name = name;
  const nameEn = text(raw, 'nameEn', WORK_ITEM_LIMITS.nameMax, problems, false);
  if (nameEn !== undefined) fields.nameEn = nameEn;
  else if (whole) fields.nameEn = '';
  const unit = text(raw, 'unit', WORK_ITEM_LIMITS.unitMax, problems, whole || raw.unit !== undefined);
  if (unit) fields.unit = unit;
  const sector = text(raw, 'sector', WORK_ITEM_LIMITS.sectorMax, problems, false);
  if (sector !== undefined && sector !== '' && !SECTOR_RE.test(sector)) problems.push({ field: 'sector', problem: 'bad_sector' });
  else if (sector !== undefined) fields.sector = sector;
  else if (whole) fields.sector = '';
  const minutes = number(raw, 'standardMinutes', WORK_ITEM_LIMITS.standardMinutesMax, problems, whole || raw.standardMinutes !== undefined);
  if (minutes !== undefined) fields.standardMinutes = minutes;
  const max = number(raw, 'maxQuantityPerEntry', WORK_ITEM_LIMITS.maxQuantityMax, problems, raw.maxQuantityPerEntry !== undefined);
  if (max !== undefined) fields.maxQuantityPerEntry = max;
  else if (whole && raw.maxQuantityPerEntry === undefined) fields.maxQuantityPerEntry = 100;
  if (whole || raw.kind !== undefined) {
    if (!WORK_ITEM_KINDS.includes(raw.kind as WorkItemKind)) problems.push({ field: 'kind', problem: raw.kind === undefined || raw.kind === '' ? 'required' : 'bad_kind', limit: WORK_ITEM_KINDS.join('|') });
    else fields.kind = raw.kind as WorkItemKind;
  }
  if (raw.group !== undefined) {
    if (!WORK_ITEM_GROUPS.includes(raw.group as WorkItemGroup)) problems.push({ field: 'group', problem: 'bad_group', limit: WORK_ITEM_GROUPS.join('|') });
    else fields.group = raw.group as WorkItemGroup;
  } else if (whole) fields.group = 'chuyen-vien';
  if (raw.active !== undefined) {
    if (typeof raw.active !== 'boolean') problems.push({ field: 'active', problem: 'bad_active' });
    else fields.active = raw.active;
  } else if (whole) fields.active = true;
  return { fields, problems };
}

/** The version of one item in force on `day`: the highest version whose first day is not after it (null = from the beginning). */
export function versionOn<T extends { version: number; validFrom: string | null }>(versions: readonly T[], day: string): T | undefined {
  let best: T | undefined;
  for (const v of versions) {
    if (v.validFrom !== null && v.validFrom > day) continue;
    if (!best || v.version > best.version) best = v;
  }
  return best;
}

/** Whether `day` can start a new version after the latest one (never before it: versions follow each other). */
export function checkValidFrom(day: unknown, latestFrom: string | null): WorkItemProblem | null {
  if (typeof day !== 'string' || !isValidDay(day)) return { field: 'validFrom', problem: 'bad_day', limit: 'YYYY-MM-DD' };
  if (latestFrom !== null && day < latestFrom) return { field: 'validFrom', problem: 'too_early', limit: latestFrom };
  return null;
}

/** The same item, field by field (what decides whether a save makes a new version). */
export function sameWorkItem(a: WorkItem, b: WorkItem): boolean {
  return a.name === b.name && (a.nameEn ?? '') === (b.nameEn ?? '') && a.unit === b.unit && a.standardMinutes === b.standardMinutes && a.kind === b.kind
    && a.group === b.group && a.active === b.active && a.maxQuantityPerEntry === b.maxQuantityPerEntry && (a.sector ?? '') === (b.sector ?? '');
}
