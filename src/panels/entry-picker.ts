/**
 * The add-entry form's choice of work item, in plain HTML that works by keyboard alone: a
 * server-side search by name or code (a GET form, `?q=`), the items the official used most
 * recently first, then the catalogue by group; and "repeat yesterday", which adds again, dated
 * today, the manual entries of the last earlier day that has some.
 */
import type { JournalEntryJson } from '../domain/journal';
import type { Locale } from '../domain/principal';
import { formatDay, t } from '../i18n/i18n';
import type { StoredWorkItem } from '../stores';
import { ACTION } from './forms';
import { form, type Session } from './session';
import { groupLabel, itemLabel, num } from './view-model';

/** How many recently used items come first. */
const RECENT = 6;

/** Lower case without diacritics (đ → d): "bao cao" finds "Báo cáo". */
export function searchKey(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().trim();
}

/** The items an add-entry form offers: recently used first, then by group; only those matching `q` (name or code) when given. */
export function itemChoices(l: Locale, catalogue: readonly StoredWorkItem[], o: { q: string; selected?: string; recent: readonly JournalEntryJson[] }): { groups: Array<{ label: string; items: Array<{ code: string; label: string; selected: boolean }> }>; matches: number } {
  const words = searchKey(o.q).split(/\s+/).filter(Boolean);
  const matches = (i: StoredWorkItem): boolean => words.every((w) => searchKey(`${i.code} ${i.name} ${i.nameEn ?? ''}`).includes(w));
  const active = catalogue.filter((i) => i.active && matches(i));
  const only = active.length === 1 ? active[0]!.code : undefined;
  const option = (i: StoredWorkItem) => ({
    code: i.code, label: `${i.code} — ${itemLabel(l, i)} (${t(l, 'me.perUnit', { minutes: num(l, i.standardMinutes), unit: i.unit })})`,
    selected: (o.selected ?? only) === i.code,
  });
  const byDay = [...o.recent].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : Number(b.id) - Number(a.id)));
  const recentCodes = [...new Set(byDay.map((e) => e.workItemCode))].filter((c) => active.some((i) => i.code === c)).slice(0, RECENT);
  const groups = [];
  if (recentCodes.length > 0) groups.push({ label: t(l, 'me.recentItems'), items: recentCodes.map((c) => option(active.find((i) => i.code === c)!)) });
  const rest = active.filter((i) => !recentCodes.includes(i.code));
  for (const g of [...new Set(rest.map((i) => i.group))]) groups.push({ label: groupLabel(l, g), items: rest.filter((i) => i.group === g).map(option) });
  return { groups, matches: active.length };
}

/** The "repeat yesterday" form: the last day before today with manual entries of the official's (not returned), or null. */
export function repeatForm(s: Session, entries: readonly JournalEntryJson[]): { form: ReturnType<typeof form>; day: string; label: string; count: number } | null {
  const manual = entries.filter((e) => e.source === 'manual' && e.status !== 'rejected' && e.date < s.today);
  if (manual.length === 0) return null;
  const day = manual.map((e) => e.date).sort().at(-1)!;
  const count = manual.filter((e) => e.date === day).length;
  return { form: form(s, '/me/entries/repeat', ACTION.repeat(day)), day, label: t(s.locale, 'me.repeat', { day: formatDay(s.locale, day), n: count }), count };
}
