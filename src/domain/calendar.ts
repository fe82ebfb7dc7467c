/**
 * The agency's working calendar: Monday to Friday, minus its holidays, plus its
 * make-up working days (ngày làm bù: a Saturday or Sunday that is worked).
 * A day listed both as a holiday and as a make-up day is worked: docs/hr.md
 * defines W(P) as "(Mon–Fri minus holidays) plus make-up days".
 */
import { ValidationError } from './errors';
import { assertDay, dayOfWeek, eachDay } from './period';

export interface AgencyCalendar {
  holidays: readonly string[];
  makeUpDays: readonly string[];
}

/** The days an official was active; either end may be open (null/undefined). */
export interface ActiveRange {
  from?: string | null;
  to?: string | null;
}

function daySet(days: readonly string[] | undefined, field: string): Set<string> {
  if (days === undefined) return new Set();
  if (!Array.isArray(days)) throw new ValidationError(`${field} phải là một mảng ngày YYYY-MM-DD (${field} must be an array of days)`, field);
  days.forEach((d, i) => assertDay(d, `${field}[${i}]`));
  return new Set(days);
}

function isWeekday(day: string): boolean {
  const w = dayOfWeek(day);
  return w >= 1 && w <= 5;
}

function decide(day: string, holidays: Set<string>, makeUp: Set<string>): boolean {
  if (makeUp.has(day)) return true;
  return isWeekday(day) && !holidays.has(day);
}

export function isWorkingDay(day: string, cal: AgencyCalendar): boolean {
  assertDay(day);
  return decide(day, daySet(cal.holidays, 'holidays'), daySet(cal.makeUpDays, 'makeUpDays'));
}

/**
 * The sorted working days in [from, to] (inclusive), limited to [active.from, active.to]
 * when given. Empty when the range is empty.
 */
export function workingDays(from: string, to: string, cal: AgencyCalendar, active?: ActiveRange): string[] {
  assertDay(from, 'from');
  assertDay(to, 'to');
  let start = from;
  let end = to;
  if (active?.from != null) {
    assertDay(active.from, 'active.from');
    if (active.from > start) start = active.from;
  }
  if (active?.to != null) {
    assertDay(active.to, 'active.to');
    if (active.to < end) end = active.to;
  }
  if (start > end) return [];
  const holidays = daySet(cal.holidays, 'holidays');
  const makeUp = daySet(cal.makeUpDays, 'makeUpDays');
  return eachDay(start, end).filter((d) => decide(d, holidays, makeUp));
}
