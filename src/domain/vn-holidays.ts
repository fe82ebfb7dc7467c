/**
 * The national public holidays of Việt Nam (Bộ luật Lao động 2019, Điều 112) for one year, as a
 * starting list the admin edits: 1/1, Tết Nguyên đán (5 days), Giỗ Tổ Hùng Vương (10/3 âm
 * lịch), 30/4, 1/5, Quốc khánh (2/9 and the day before). A holiday on a Saturday or Sunday
 * gives the next working day off instead (nghỉ bù). The lunar days are reckoned by the
 * Vietnamese calendar (vn-lunar.ts) for the years 1968–2200; each year the Government's
 * announcement decides which days are off (it often moves Tết's), so the list is a suggestion.
 * Pure.
 */
import { addDays, dayOfWeek } from './period';
import { lunarDays } from './vn-lunar';

/** The years whose lunar holidays are reckoned: from 1968, when Việt Nam began to reckon its calendar at UTC+7. */
export const LUNAR_YEARS = { from: 1968, to: 2200 } as const;

/** Tết (the last day of the lunar year and the first four of the new one) and Giỗ Tổ of a Gregorian year. */
function lunarHolidays(year: number): { tet: string; hungKings: string } | null {
  if (!Number.isInteger(year) || year < LUNAR_YEARS.from || year > LUNAR_YEARS.to) return null;
  const [tet, hungKings] = lunarDays(year, [[1, 1], [3, 10]]) as [string, string];
  return { tet: addDays(tet, -1), hungKings };
}

const isWeekend = (day: string): boolean => dayOfWeek(day) === 0 || dayOfWeek(day) === 6;

/** The working days off of `year`, sorted; `complete` is false when the lunar ones are not reckoned for that year (outside LUNAR_YEARS). */
export function nationalHolidays(year: number): { days: string[]; complete: boolean } {
  const y = String(year).padStart(4, '0');
  const statutory = [`${y}-01-01`, `${y}-04-30`, `${y}-05-01`, `${y}-09-01`, `${y}-09-02`];
  const lunar = lunarHolidays(year);
  if (lunar) {
    for (let i = 0; i < 5; i++) statutory.push(addDays(lunar.tet, i));
    statutory.push(lunar.hungKings);
  }
  const off = new Set<string>();
  for (const day of statutory.sort()) {
    let d = day;
    while (isWeekend(d) || off.has(d)) d = addDays(d, 1);
    off.add(d);
  }
  return { days: [...off].sort(), complete: lunar !== null };
}
