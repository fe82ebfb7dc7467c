/**
 * The Vietnamese lunisolar calendar (âm lịch), as far as the holidays need it: the first day of
 * each lunar month, reckoned at UTC+7 (Việt Nam's time since 1968). The new moons and the sun's
 * longitude come from astronomy-engine; the rules are the calendar's own:
 * - a lunar month begins on the local day of a new moon;
 * - month 11 is the month that holds the winter solstice;
 * - a lunar year with 13 months from one month 11 to the next has a leap month: the first month
 *   after month 11 that holds no major solar term (the sun's longitude crossing a multiple of 30°),
 *   numbered as the month before it.
 * Reckoned at UTC+7, Tết can fall on another day than in China (Tết 1985 was a month earlier).
 * Pure.
 */
import { SearchMoonPhase, SearchSunLongitude, SunPosition } from 'astronomy-engine';

const OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the local (UTC+7) day of an instant. */
const localDay = (at: Date): number => Math.floor((at.getTime() + OFFSET_MS) / DAY_MS);
/** The instant a local day begins. */
const midnight = (day: number): Date => new Date(day * DAY_MS - OFFSET_MS);
const iso = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The local day of the first new moon at or after the beginning of `day`. */
function newMoonFrom(day: number): number {
  const at = SearchMoonPhase(0, midnight(day), 40);
  if (!at) throw new Error(`no new moon found after ${iso(day)}`);
  return localDay(at.date);
}

/** The first day of lunar month 11 of Gregorian `year`: the month that holds the winter solstice. */
function month11(year: number): number {
  const solstice = SearchSunLongitude(270, new Date(Date.UTC(year, 11, 1)), 40);
  if (!solstice) throw new Error(`no winter solstice found in ${year}`);
  const day = localDay(solstice.date);
  let start = newMoonFrom(day - 35);
  for (let next = newMoonFrom(start + 1); next <= day; next = newMoonFrom(start + 1)) start = next;
  return start;
}

/** Which twelfth of the ecliptic the sun is in when a local day begins (a major term ends each). */
const sector = (day: number): number => Math.floor(SunPosition(midnight(day)).elon / 30);

export interface LunarMonth { month: number; leap: boolean; start: string }

/** The lunar months from month 11 of `year - 1` up to (not including) month 11 of `year`, with their numbers. */
export function lunarMonths(year: number): LunarMonth[] {
  const end = month11(year);
  const starts = [month11(year - 1)];
  while (starts[starts.length - 1]! < end) starts.push(newMoonFrom(starts[starts.length - 1]! + 1));
  if (starts[starts.length - 1] !== end) throw new Error(`lunar months of ${year} do not meet month 11`);
  const count = starts.length - 1;
  let leapAt = -1;
  if (count === 13) {
    for (let i = 1; i < count && leapAt < 0; i++) if (sector(starts[i]!) === sector(starts[i + 1]!)) leapAt = i;
  }
  const out: LunarMonth[] = [];
  let month = 11;
  for (let i = 0; i < count; i++) {
    const leap = i === leapAt;
    if (i > 0 && !leap) month = (month % 12) + 1;
    out.push({ month, leap, start: iso(starts[i]!) });
  }
  return out;
}

/**
 * The Gregorian days of lunar dates of the lunar year whose month 1 begins in Gregorian `year`,
 * each `[month, day]`: day 1–30 of month 1–10, the month that is not leap. The year is reckoned
 * once for all of them; Tết is `lunarDays(year, [[1, 1]])`.
 */
export function lunarDays(year: number, dates: ReadonlyArray<readonly [number, number]>): string[] {
  for (const [month, day] of dates) {
    if (!Number.isInteger(month) || month < 1 || month > 10) throw new RangeError(`lunar month 1–10, got ${month}`);
    if (!Number.isInteger(day) || day < 1 || day > 30) throw new RangeError(`lunar day 1–30, got ${day}`);
  }
  const months = lunarMonths(year);
  return dates.map(([month, day]) => {
    const m = months.find((x) => x.month === month && !x.leap)!;
    return iso(Date.parse(`${m.start}T00:00:00Z`) / DAY_MS + day - 1);
  });
}
