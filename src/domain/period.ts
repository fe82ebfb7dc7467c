/**
 * Periods of scoring (kỳ đánh giá): a month `2026-03`, a quarter `2026-Q1`,
 * a year `2026`. Days are plain local calendar days `YYYY-MM-DD` (already
 * taken in the agency's time zone by the caller), so all arithmetic here is on
 * calendar days and never on instants: no time zone can shift a day.
 */
import { getDaysInMonth } from 'date-fns';
import { ValidationError } from './errors';
import { isValidDay } from './time';

export type PeriodKind = 'month' | 'quarter' | 'year';

export const PERIOD_KINDS: readonly PeriodKind[] = Object.freeze(['month', 'quarter', 'year'] as const);

export interface Period {
  kind: PeriodKind;
  /** Canonical key: `2026-03`, `2026-Q1` or `2026`. */
  key: string;
  year: number;
  /** 1..12, months only. */
  month?: number;
  /** 1..4, quarters only. */
  quarter?: number;
  /** First day, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
}

const MIN_YEAR = 1900;
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER_RE = /^(\d{4})-Q([1-4])$/;
const YEAR_RE = /^(\d{4})$/;

const MS_PER_DAY = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function periodError(key: unknown): ValidationError {
  const shown = typeof key === 'string' ? `"${key}"` : String(key);
  return new ValidationError(
    `Kỳ đánh giá không hợp lệ: ${shown}; dùng tháng YYYY-MM (2026-03), quý YYYY-Qn (2026-Q1) hoặc năm YYYY (2026) (invalid period: use YYYY-MM, YYYY-Qn or YYYY)`,
    'period',
  );
}

function dayError(day: unknown, field: string): ValidationError {
  return new ValidationError(`Ngày không hợp lệ: ${JSON.stringify(day)}; dùng dạng YYYY-MM-DD (invalid day, use YYYY-MM-DD)`, field);
}

/** Throws a ValidationError naming `field` unless `day` is a real `YYYY-MM-DD` calendar day. */
export function assertDay(day: unknown, field = 'day'): asserts day is string {
  if (typeof day !== 'string' || !isValidDay(day)) throw dayError(day, field);
}

function lastDayOfMonth(year: number, month: number): string {
  // date-fns works on local Dates; a local date built from (year, month, 1) and read back the same way is time-zone safe.
  return `${year}-${pad2(month)}-${pad2(getDaysInMonth(new Date(year, month - 1, 1)))}`;
}

function checkYear(year: number, key: unknown): void {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > 9999) throw periodError(key);
}

export function monthPeriod(year: number, month: number): Period {
  checkYear(year, `${year}-${month}`);
  if (!Number.isInteger(month) || month < 1 || month > 12) throw periodError(`${year}-${month}`);
  return { kind: 'month', key: `${year}-${pad2(month)}`, year, month, from: `${year}-${pad2(month)}-01`, to: lastDayOfMonth(year, month) };
}

export function quarterPeriod(year: number, quarter: number): Period {
  checkYear(year, `${year}-Q${quarter}`);
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) throw periodError(`${year}-Q${quarter}`);
  const first = quarter * 3 - 2;
  return { kind: 'quarter', key: `${year}-Q${quarter}`, year, quarter, from: `${year}-${pad2(first)}-01`, to: lastDayOfMonth(year, first + 2) };
}

export function yearPeriod(year: number): Period {
  checkYear(year, String(year));
  return { kind: 'year', key: String(year), year, from: `${year}-01-01`, to: `${year}-12-31` };
}

/**
 * Parses a period key. Strict: `2026-03`, `2026-Q1`, `2026` (year 1900..9999);
 * anything else (`2026-13`, `2026-Q5`, `26`, `2026-3`, `2026-q1`, '') is a ValidationError on `period`.
 */
export function parsePeriod(key: string): Period {
  if (typeof key !== 'string') throw periodError(key);
  let m = MONTH_RE.exec(key);
  if (m) {
    const year = Number(m[1]);
    checkYear(year, key);
    return monthPeriod(year, Number(m[2]));
  }
  m = QUARTER_RE.exec(key);
  if (m) {
    const year = Number(m[1]);
    checkYear(year, key);
    return quarterPeriod(year, Number(m[2]));
  }
  m = YEAR_RE.exec(key);
  if (m) {
    const year = Number(m[1]);
    checkYear(year, key);
    return yearPeriod(year);
  }
  throw periodError(key);
}

/** True when `key` is a valid period key. */
export function isPeriodKey(key: unknown): key is string {
  if (typeof key !== 'string') return false;
  try {
    parsePeriod(key);
    return true;
  } catch {
    return false;
  }
}

/** The period of the given kind that contains `day`. */
export function periodOfDay(day: string, kind: PeriodKind): Period {
  assertDay(day);
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  switch (kind) {
    case 'month':
      return monthPeriod(year, month);
    case 'quarter':
      return quarterPeriod(year, Math.ceil(month / 3));
    case 'year':
      return yearPeriod(year);
    default:
      throw new ValidationError(`Loại kỳ không hợp lệ: ${JSON.stringify(kind)}; dùng month, quarter hoặc year (invalid period kind)`, 'kind');
  }
}

export function quartersOfYear(year: number): Period[] {
  return [1, 2, 3, 4].map((q) => quarterPeriod(year, q));
}

/** The months of a period, in order: a month gives itself, a quarter 3, a year 12. */
export function monthsOfPeriod(p: Period): Period[] {
  const first = p.kind === 'month' ? (p.month as number) : p.kind === 'quarter' ? (p.quarter as number) * 3 - 2 : 1;
  const count = p.kind === 'month' ? 1 : p.kind === 'quarter' ? 3 : 12;
  const out: Period[] = [];
  for (let i = 0; i < count; i++) out.push(monthPeriod(p.year, first + i));
  return out;
}

/** Whether `day` lies in the period (inclusive at both ends). */
export function containsDay(p: Period, day: string): boolean {
  assertDay(day);
  // `YYYY-MM-DD` strings order like the days they name.
  return p.from <= day && day <= p.to;
}

/** Day number since 1970-01-01 (a pure calendar count, UTC based, no DST). */
export function epochDay(day: string): number {
  assertDay(day);
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / MS_PER_DAY;
}

export function dayFromEpochDay(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `day` plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  return dayFromEpochDay(epochDay(day) + n);
}

/** 0 = Sunday .. 6 = Saturday. */
export function dayOfWeek(day: string): number {
  // 1970-01-01 was a Thursday (4).
  return (((epochDay(day) + 4) % 7) + 7) % 7;
}

/** Every day from `from` to `to`, both inclusive; empty when `from` is after `to`. */
export function eachDay(from: string, to: string): string[] {
  const a = epochDay(from);
  const b = epochDay(to);
  const out: string[] = [];
  for (let n = a; n <= b; n++) out.push(dayFromEpochDay(n));
  return out;
}

/** All days of the period, in order. */
export function daysOf(p: Period): string[] {
  return eachDay(p.from, p.to);
}
