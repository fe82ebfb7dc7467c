/**
 * The national public holidays of Việt Nam (Bộ luật Lao động 2019, Điều 112) for one year, as a
 * starting list the admin edits: 1/1, Tết Nguyên đán (5 days), Giỗ Tổ Hùng Vương (10/3 âm
 * lịch), 30/4, 1/5, Quốc khánh (2/9 and the day before). A holiday on a Saturday or Sunday
 * gives the next working day off instead (nghỉ bù). The lunar days are known for the years in
 * LUNAR only; each year the Government's announcement decides, so the list is a suggestion.
 * Pure.
 */
import { addDays, dayOfWeek } from './period';

/** Tết (the last day of the lunar year and the first four of the new one) and Giỗ Tổ, by year. */
const LUNAR: Readonly<Record<number, { tet: string; hungKings: string }>> = {
  2026: { tet: '2026-02-16', hungKings: '2026-04-26' },
};

/** The years for which the lunar holidays are known. */
export const LUNAR_HOLIDAY_YEARS: readonly number[] = Object.keys(LUNAR).map(Number);

const isWeekend = (day: string): boolean => dayOfWeek(day) === 0 || dayOfWeek(day) === 6;

/** The working days off of `year`, sorted; `complete` is false when the lunar ones are not known for that year. */
export function nationalHolidays(year: number): { days: string[]; complete: boolean } {
  const y = String(year).padStart(4, '0');
  const statutory = [`${y}-01-01`, `${y}-04-30`, `${y}-05-01`, `${y}-09-01`, `${y}-09-02`];
  const lunar = LUNAR[year];
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
  return { days: [...off].sort(), complete: lunar !== undefined };
}
