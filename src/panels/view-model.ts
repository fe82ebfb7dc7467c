/**
 * Formatting shared by the panels: numbers, days, periods, labels, colours and the pieces of
 * a page (score cards, journal rows, period pickers) built from what the services return.
 */
import { addDays, periodOfDay, type Period } from '../domain/period';
import type { Locale } from '../domain/principal';
import { formatDay, formatNumber, formatPeriod, msgKey, t } from '../i18n/i18n';
import type { CapWarning, Classification, Score } from '../scoring';
import type { JournalEntryJson } from '../domain/journal';
import type { Session } from './session';

/** A work item of the catalogue as the panels name it. */
export interface ItemName {
  name: string;
  unit: string;
  kind: string;
}

const STATUS_KEYS: Readonly<Record<string, string>> = {
  pending: msgKey('status.pending'),
  approved: msgKey('status.approved'),
  rejected: msgKey('status.rejected'),
};

const GROUP_KEYS: Readonly<Record<string, string>> = {
  'van-thu': msgKey('group.van-thu'),
  'chuyen-vien': msgKey('group.chuyen-vien'),
  'lanh-dao': msgKey('group.lanh-dao'),
  chung: msgKey('group.chung'),
};

const CLASS_KEYS: Readonly<Record<Classification, string>> = {
  HTXSNV: msgKey('class.HTXSNV'),
  HTTNV: msgKey('class.HTTNV'),
  HTNV: msgKey('class.HTNV'),
  KHTNV: msgKey('class.KHTNV'),
};

const NOTICE_KEYS: Readonly<Record<string, string>> = {
  saved: msgKey('notice.saved'),
  withdrawn: msgKey('notice.withdrawn'),
  approved: msgKey('notice.approved'),
  returned: msgKey('notice.returned'),
  rated: msgKey('notice.rated'),
  assessed: msgKey('notice.assessed'),
  replayed: msgKey('notice.replayed'),
  'replay-failed': msgKey('notice.replayFailed'),
  closed: msgKey('notice.closed'),
  'rule-saved': msgKey('notice.ruleSaved'),
  'rule-activated': msgKey('notice.ruleActivated'),
  'rule-deactivated': msgKey('notice.ruleDeactivated'),
  'settings-saved': msgKey('notice.settingsSaved'),
  'version-saved': msgKey('catalogue.panel.saved'),
  'version-unchanged': msgKey('catalogue.panel.nothingChanged'),
  duplicate: msgKey('notice.duplicate'),
  requested: msgKey('notice.requested'),
  decided: msgKey('notice.decided'),
  approvedAll: msgKey('notice.approvedAll'),
  approvedSome: msgKey('notice.approvedSome'),
  failed: msgKey('notice.failed'),
};

/** Notices that report a failure: shown as an error (red, an alert), never in the success box. */
const FAILURE_NOTICES: ReadonlySet<string> = new Set(['replay-failed']);

/**
 * The colour class of a score, green (high) to red (low): `sc-0` (red, below the "complete"
 * threshold region) … `sc-10` (green); `sc-none` when there is no score.
 */
export function scoreClass(total: number | null | undefined): string {
  if (total === null || total === undefined || !Number.isFinite(total)) return 'sc-none';
  const f = Math.min(1, Math.max(0, (total - 40) / 55));
  return `sc-${Math.round(f * 10)}`;
}

/** The SVG path of a half-circle gauge arc filled to `fraction` (0..1), centre (100,100), radius 80. */
export function gaugeArc(fraction: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  if (f === 0) return '';
  const angle = Math.PI * (1 - f);
  const x = 100 + 80 * Math.cos(angle);
  const y = 100 - 80 * Math.sin(angle);
  return `M20 100 A80 80 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}

/** A number in the viewer's locale, `—` when there is none. */
export function num(l: Locale, n: number | null | undefined, d = 2): string {
  return n === null || n === undefined ? '—' : formatNumber(l, n, d);
}

export function classLabel(l: Locale, c: Classification | null): string {
  return c ? t(l, CLASS_KEYS[c]) : t(l, 'class.none');
}

export function statusLabel(l: Locale, s: string): string {
  const key = STATUS_KEYS[s];
  return key ? t(l, key) : s;
}

/** The name of a catalogue group, its code when it has none. */
export function groupLabel(l: Locale, group: string): string {
  const key = GROUP_KEYS[group];
  return key ? t(l, key) : group;
}

/** The name of a catalogue item in the viewer's language (English when it has one). */
export function itemLabel(l: Locale, i: { name: string; nameEn?: string | null }): string {
  return l === 'en' && i.nameEn ? i.nameEn : i.name;
}

/** The line of the page's notice after a form went through (`?notice=`), or null. */
export function noticeText(l: Locale, key: string | undefined): string | null {
  return key !== undefined && Object.hasOwn(NOTICE_KEYS, key) ? t(l, NOTICE_KEYS[key]!) : null;
}

/** Whether the notice `key` says that something failed. */
export function isFailureNotice(key: string | undefined): boolean {
  return key !== undefined && FAILURE_NOTICES.has(key);
}

/** The days over the cap: clipped (scaled down) or only warned about. */
export function capWarnings(l: Locale, ws: readonly CapWarning[]): string[] {
  return ws.map((w) => {
    const vars = { day: formatDay(l, w.day), minutes: num(l, w.minutes), cap: num(l, w.capMinutes) };
    return w.clipped ? t(l, 'me.capClipped', vars) : t(l, 'me.capWarn', vars);
  });
}

/** One journal entry as a table row. */
export function entryRow(l: Locale, e: JournalEntryJson, items: Map<string, { name: string; unit: string }>, who?: string): Record<string, unknown> {
  const item = items.get(e.workItemCode);
  const marks: string[] = [];
  if (e.fails > 0) marks.push(t(l, 'entry.fails', { n: e.fails }));
  if (e.delays > 0) marks.push(t(l, 'entry.delays', { n: e.delays }));
  if (e.late) marks.push(t(l, 'entry.late'));
  return {
    id: e.id, who: who ?? e.userId, userId: e.userId, day: formatDay(l, e.date), code: e.workItemCode, itemName: item?.name ?? e.workItemCode,
    quantity: num(l, e.quantity), itemUnit: item?.unit ?? '', minutes: num(l, e.minutes), status: e.status, statusLabel: statusLabel(l, e.status),
    source: e.source === 'event' ? t(l, 'entry.sourceEvent') : t(l, 'entry.sourceManual'), subjectTitle: e.subjectTitle, subjectId: e.subjectId,
    note: e.note, reviewReason: e.reviewReason, marks, rating: e.rating === null ? null : num(l, e.rating * 100, 0),
  };
}

/** The periods a picker offers: the last three months, two quarters, two years (of `kinds`), and the one selected. */
export function periodOptions(s: Session, selected: string, kinds: ReadonlyArray<'month' | 'quarter' | 'year'> = ['month', 'quarter', 'year']): Array<{ value: string; label: string; selected: boolean }> {
  const keys: string[] = [];
  const month = periodOfDay(s.today, 'month');
  if (kinds.includes('month')) {
    let m = month;
    for (let i = 0; i < 3; i++) {
      keys.push(m.key);
      m = periodOfDay(addDays(m.from, -1), 'month');
    }
  }
  if (kinds.includes('quarter')) {
    const q = periodOfDay(s.today, 'quarter');
    keys.push(q.key, periodOfDay(addDays(q.from, -1), 'quarter').key);
  }
  if (kinds.includes('year')) {
    const y = periodOfDay(s.today, 'year');
    keys.push(y.key, periodOfDay(addDays(y.from, -1), 'year').key);
  }
  if (!keys.includes(selected)) keys.unshift(selected);
  return keys.map((k) => ({ value: k, label: formatPeriod(s.locale, k), selected: k === selected }));
}

/** The highest-first / lowest-first links of a ranked table. */
export function orderLinks(here: (extra: Record<string, string | undefined>) => string, lowest: boolean): { highest: string; lowest: string; lowest_active: boolean } {
  return { highest: here({}), lowest: here({ order: 'lowest' }), lowest_active: lowest };
}

function pctBar(label: string, l: Locale, pct: number): { label: string; value: string; width: number; cls: string } {
  return { label, value: num(l, pct), width: Math.max(0, Math.min(100, pct)), cls: 'pct' };
}

/** The card of one score: gauge, class, the three percentages, R and G. */
export function scoreCard(s: Session, sc: Score | undefined, period: Period, href: string): Record<string, unknown> {
  const l = s.locale;
  if (!sc) return { periodLabel: formatPeriod(l, period.key), href, missing: true, gauge: { arc: '', cls: 'sc-none', text: '—' } };
  return {
    periodLabel: formatPeriod(l, period.key), href, missing: false,
    total: num(l, sc.total), cls: scoreClass(sc.scored ? sc.total : null),
    gauge: { arc: gaugeArc(sc.scored ? sc.total / 100 : 0), cls: scoreClass(sc.scored ? sc.total : null), text: sc.scored ? num(l, sc.total) : '—' },
    classLabel: sc.scored ? classLabel(l, sc.classification) : t(l, 'class.notScored'), classification: sc.classification,
    provisional: sc.provisional, incomplete: sc.incomplete, scored: sc.scored, overQuota: sc.overQuota,
    bars: [
      pctBar(t(l, 'score.quantity'), l, sc.quantityPct),
      pctBar(t(l, 'score.quality'), l, sc.qualityPct),
      pctBar(t(l, 'score.progress'), l, sc.progressPct),
    ],
    taskScore: num(l, sc.taskScore), taskMax: num(l, sc.taskMax), generalScore: sc.generalScore === null ? null : num(l, sc.generalScore), generalMax: num(l, sc.generalMax),
    workingDays: sc.workingDays, assigned: num(l, sc.assignedMinutes), completed: num(l, sc.completedMinutes),
  };
}
