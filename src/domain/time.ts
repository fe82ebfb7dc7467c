import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** `YYYY-MM-DD` strictly (a real calendar day). */
export const DAY_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** ISO 8601 instant with an explicit offset or Z, e.g. 2026-03-12T09:15:00+07:00. */
export const INSTANT_WITH_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const zoneValidity = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  let ok = zoneValidity.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (zoneValidity.size < 1000) zoneValidity.set(tz, ok);
  }
  return ok;
}

const validDays = new Set<string>();

/** A real calendar day (no 30 February). Days seen valid are remembered: intake checks the same few days again and again. */
export function isValidDay(day: string): boolean {
  if (validDays.has(day)) return true;
  if (!DAY_RE.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  const ok = !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
  if (ok && validDays.size < 100000) validDays.add(day);
  return ok;
}

/** The local calendar day (`YYYY-MM-DD`) of an instant in a time zone: 2026-03-12T23:30:00Z is 2026-03-13 in Asia/Ho_Chi_Minh. */
/**
 * Every zone's offset is a whole number of quarter hours, so local midnight falls on a UTC
 * quarter hour: all instants of one UTC quarter hour share a local day. Memoised per zone
 * by quarter hour, because intake computes the day of every entry.
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const dayMemo = new Map<string, Map<number, string>>();

export function localDay(instant: Date | string | number, timeZone: string = DEFAULT_TIME_ZONE): string {
  const ms = instant instanceof Date ? instant.getTime() : typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  const bucket = Math.floor(ms / QUARTER_HOUR_MS);
  let memo = dayMemo.get(timeZone);
  if (!memo) dayMemo.set(timeZone, (memo = new Map()));
  let day = memo.get(bucket);
  if (day === undefined) {
    day = format(new TZDate(bucket * QUARTER_HOUR_MS, timeZone), 'yyyy-MM-dd');
    if (memo.size > 200000) memo.clear();
    memo.set(bucket, day);
  }
  return day;
}

/** Today in the agency's time zone. */
export function today(timeZone: string = DEFAULT_TIME_ZONE, now: Date = new Date()): string {
  return localDay(now, timeZone);
}
