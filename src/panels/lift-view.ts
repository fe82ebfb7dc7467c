/**
 * "What lifts me, in numbers" on My KPI (docs/hr.md), from the engine's own scores
 * (ScoringService.lift): how many minutes of clean work in the working days left reach the next
 * class — also as a number of the official's usual work items — and what the entries still
 * pending change once approved (the provisional score counts them; without them it is another).
 */
import { workingDays } from '../domain/calendar';
import type { JournalEntryJson } from '../domain/journal';
import type { Period } from '../domain/period';
import type { PeriodExplanation } from '../scoring/explain';
import type { Score } from '../scoring';
import type { StoredWorkItem } from '../stores';
import { t } from '../i18n/i18n';
import type { Session } from './session';
import { classLabel, itemLabel, num } from './view-model';

/** How many of the official's usual items are shown as a way to the next class. */
const KINDS = 3;

export function liftLines(
  s: Session, period: Period, lift: { atEnd: Score | null; approvedOnly: Score | null }, now: Score | undefined,
  entries: readonly JournalEntryJson[], catalogue: readonly StoredWorkItem[],
): string[] {
  const l = s.locale;
  const lines: string[] = [];
  const left = workingDays(s.today > period.from ? s.today : period.from, period.to, { holidays: s.settings.holidays, makeUpDays: s.settings.makeUpDays }).length;
  const end = lift.atEnd;
  const nc = end && end.explanation.kind === 'period' ? (end.explanation as PeriodExplanation).nextClass : null;
  if (!end || !end.scored) {
    lines.push(t(l, 'lift.notScored'));
  } else if (end.generalScore === null && !end.disqualified) {
    lines.push(t(l, 'lift.needsGeneral', { total: num(l, end.total) }));
  } else if (nc) {
    lines.push(t(l, 'lift.next', { days: left, minutes: num(l, nc.minutes, 0), target: classLabel(l, nc.target), threshold: num(l, nc.threshold), totalAfter: num(l, nc.totalAfter) }));
    if (left > 0) lines.push(t(l, 'lift.perDay', { perDay: num(l, nc.minutes / left, 0), days: left }));
    // The same minutes as a number of the work items the official logged most this period.
    const used = new Map<string, number>();
    for (const e of entries) if (e.status !== 'rejected') used.set(e.workItemCode, (used.get(e.workItemCode) ?? 0) + e.minutes);
    const kinds = [...used].sort((a, b) => b[1] - a[1]).map(([code]) => catalogue.find((i) => i.code === code && i.active && i.kind === 'count' && i.standardMinutes > 0)).filter((i): i is StoredWorkItem => i !== undefined).slice(0, KINDS);
    for (const i of kinds) lines.push(t(l, 'lift.asItem', { n: Math.ceil(nc.minutes / i.standardMinutes), unit: i.unit, name: itemLabel(l, i), minutes: num(l, i.standardMinutes, 0) }));
  } else if (end.classification === 'HTXSNV') {
    lines.push(t(l, 'lift.top', { total: num(l, end.total) }));
  } else {
    lines.push(t(l, 'lift.unreachable', { days: left }));
  }
  const pending = entries.filter((e) => e.status === 'pending');
  if (pending.length > 0 && now && lift.approvedOnly) {
    lines.push(t(l, 'lift.pending', {
      n: pending.length, minutes: num(l, pending.reduce((a, e) => a + e.minutes, 0), 0), with: num(l, now.total), withClass: now.classification ? classLabel(l, now.classification) : t(l, 'class.notScored'),
      without: num(l, lift.approvedOnly.total), withoutClass: lift.approvedOnly.classification ? classLabel(l, lift.approvedOnly.classification) : t(l, 'class.notScored'),
    }));
  } else {
    lines.push(t(l, 'lift.noPending'));
  }
  return lines;
}
