/**
 * Checks of the engine's inputs. A bad input is a ValidationError naming its field (in Vietnamese,
 * then English), thrown before anything is computed.
 */
import { ValidationError } from '../domain/errors';
import { isValidDay } from '../domain/time';
import type { EntryInput, OfficialInput } from './types';

export function fail(field: string, vi: string, en: string): never {
  throw new ValidationError(`${field}: ${vi} (${en})`, field);
}

export function checkNumber(v: unknown, field: string, opts: { min?: number; positive?: boolean; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'phải là một số hữu hạn', 'must be a finite number');
  if (opts.integer && !Number.isInteger(v)) fail(field, 'phải là số nguyên', 'must be an integer');
  if (opts.positive && !(v > 0)) fail(field, 'phải lớn hơn 0', 'must be greater than 0');
  if (opts.min !== undefined && v < opts.min) fail(field, `không được nhỏ hơn ${opts.min}`, `must be at least ${opts.min}`);
  return v;
}


/** Working-day lists already checked as days, with the periods they were found inside. Lists are never mutated here. */
export const checkedDayLists = new WeakMap<readonly string[], Set<string>>();

export function checkOfficial(o: OfficialInput, f: string): void {
  if (typeof o !== 'object' || o === null) fail(f || 'official', 'phải là một đối tượng', 'must be an object');
  const p = f ? `${f}.` : '';
  if (typeof o.userId !== 'string' || o.userId === '') fail(`${p}userId`, 'phải là chuỗi khác rỗng', 'must be a non-empty string');
  if (o.unitId !== null && typeof o.unitId !== 'string') fail(`${p}unitId`, 'phải là chuỗi hoặc null', 'must be a string or null');
  if (typeof o.isLeader !== 'boolean') fail(`${p}isLeader`, 'phải là true/false', 'must be a boolean');
  checkNumber(o.workingDays, `${p}workingDays`, { min: 0, integer: true });
  checkNumber(o.assignmentMinutes, `${p}assignmentMinutes`, { min: 0 });
  if (typeof o.disqualified !== 'boolean') fail(`${p}disqualified`, 'phải là true/false', 'must be a boolean');
  if (typeof o.provisional !== 'boolean') fail(`${p}provisional`, 'phải là true/false', 'must be a boolean');
  if (o.general !== null) checkNumber(o.general, `${p}general`, { min: 0 });
  if (!Array.isArray(o.days)) fail(`${p}days`, 'phải là một mảng', 'must be an array');
  o.days.forEach((d, j) => {
    const q = `${p}days[${j}]`;
    if (typeof d !== 'object' || d === null || typeof d.day !== 'string' || !isValidDay(d.day)) fail(`${q}.day`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
    checkNumber(d.m, `${q}.m`, { min: 0 });
    checkNumber(d.ml, `${q}.ml`, { min: 0 });
    checkNumber(d.mt, `${q}.mt`, { min: 0 });
    checkNumber(d.count, `${q}.count`, { min: 0, integer: true });
  });
  if (o.totals !== undefined) {
    if (o.days.length > 0) fail(`${p}totals`, 'không dùng cùng lúc với days', 'must not be given together with days');
    checkNumber(o.totals.C, `${p}totals.C`, { min: 0 });
    checkNumber(o.totals.CL, `${p}totals.CL`, { min: 0 });
    checkNumber(o.totals.CT, `${p}totals.CT`, { min: 0 });
    checkNumber(o.totals.daysLogged, `${p}totals.daysLogged`, { min: 0, integer: true });
    if (!Array.isArray(o.totals.capWarnings)) fail(`${p}totals.capWarnings`, 'phải là một mảng', 'must be an array');
  }
  if (o.workingDayList !== undefined) {
    if (!Array.isArray(o.workingDayList)) fail(`${p}workingDayList`, 'phải là một mảng ngày', 'must be an array of days');
    // Officials usually share one list (the agency's working days): each list is checked once.
    if (!checkedDayLists.has(o.workingDayList)) {
      o.workingDayList.forEach((d, j) => {
        if (typeof d !== 'string' || !isValidDay(d)) fail(`${p}workingDayList[${j}]`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
      });
      checkedDayLists.set(o.workingDayList, new Set());
    }
  }
}

export function checkEntry(e: EntryInput, f: string): void {
  if (typeof e !== 'object' || e === null) fail(f, 'phải là một đối tượng', 'must be an object');
  if (typeof e.day !== 'string' || !isValidDay(e.day)) fail(`${f}.day`, 'phải là ngày YYYY-MM-DD', 'must be a YYYY-MM-DD day');
  checkNumber(e.minutes, `${f}.minutes`, { min: 0 });
  checkNumber(e.fails, `${f}.fails`, { min: 0, integer: true });
  checkNumber(e.delays, `${f}.delays`, { min: 0, integer: true });
}

