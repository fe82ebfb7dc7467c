/**
 * Corrections and appeals as the panels show them (docs/hr.md): the correction form of a
 * document's or task's KPI tab, the leader's queue of corrections, an official's appeals and
 * the appeal form of a closed period, and HR's list of appeals. Words from the locales only.
 */
import type { JournalEntryJson } from '../domain/journal';
import type { Locale } from '../domain/principal';
import { formatDay, formatNumber, formatPeriod, msgKey, t } from '../i18n/i18n';
import type { RequestJson, RequestService } from '../services/request-service';
import type { StoredWorkItem } from '../stores';
import { ACTION } from './forms';
import { form, type Session } from './session';
import { enc, itemLabel } from './view-model';

const TYPE_KEYS: Readonly<Record<string, string>> = {
  'wrong-person': msgKey('request.type.wrong-person'),
  'wrong-item': msgKey('request.type.wrong-item'),
  missing: msgKey('request.type.missing'),
  score: msgKey('request.type.score'),
};

const STATUS_KEYS: Readonly<Record<string, string>> = {
  pending: msgKey('request.status.pending'),
  accepted: msgKey('request.status.accepted'),
  refused: msgKey('request.status.refused'),
};

/** The tag class of a request's status (the journal's own colours). */
const STATUS_TAG: Readonly<Record<string, string>> = { pending: 'pending', accepted: 'approved', refused: 'rejected' };

/** What a request asks, in a sentence. */
export function requestWhat(l: Locale, r: RequestJson, names: Map<string, string>): string {
  const qty = r.proposedQuantity === null ? '' : formatNumber(l, r.proposedQuantity, 2, true);
  if (r.type === 'wrong-person') return t(l, 'request.what.wrong-person', { entry: r.entryId ?? '', to: names.get(r.proposedUserId ?? '') ?? r.proposedUserId ?? '' });
  if (r.type === 'wrong-item') return t(l, 'request.what.wrong-item', { entry: r.entryId ?? '', code: r.proposedItemCode ?? '', quantity: qty });
  if (r.type === 'missing') return t(l, 'request.what.missing', { code: r.proposedItemCode ?? '', quantity: qty, day: r.day ? formatDay(l, r.day) : '' });
  return t(l, 'request.what.score', { period: r.period ? formatPeriod(l, r.period) : '' });
}

/** One request as a row: who, what, why, its state and the decision. */
export function requestRow(l: Locale, r: RequestJson, names: Map<string, string>): Record<string, unknown> {
  const outcome = (r.outcome ?? null) as { before?: { total: number } | null; after?: { total: number } } | null;
  return {
    id: r.id, who: names.get(r.userId) ?? r.userId, userId: r.userId, type: t(l, TYPE_KEYS[r.type] ?? msgKey('request.type.score')), what: requestWhat(l, r, names),
    reason: r.reason, status: STATUS_TAG[r.status] ?? 'pending', statusLabel: t(l, STATUS_KEYS[r.status] ?? msgKey('request.status.pending')),
    note: r.decisionNote, period: r.period ? formatPeriod(l, r.period) : null,
    change: outcome?.after ? t(l, 'request.scoreChange', { before: outcome.before ? formatNumber(l, outcome.before.total) : '—', after: formatNumber(l, outcome.after.total) }) : null,
  };
}

/** The correction form of a KPI tab: the viewer's own entries of the subject, the unit's colleagues, the catalogue. */
export function correctionForm(
  s: Session, kind: 'document' | 'task', subjectId: string, own: readonly JournalEntryJson[], colleagues: ReadonlyArray<{ id: string; name: string }>,
  catalogue: readonly StoredWorkItem[], mine: readonly RequestJson[], values: Record<string, string> = {},
): Record<string, unknown> {
  const l = s.locale;
  const names = new Map(colleagues.map((c) => [c.id, c.name]));
  return {
    form: form(s, `/${kind}/${enc(subjectId)}/corrections`, ACTION.correct(kind, subjectId)),
    types: ['wrong-person', 'wrong-item', 'missing'].map((v) => ({ value: v, label: t(l, TYPE_KEYS[v]!), selected: values.type === v })),
    entries: own.filter((e) => e.status !== 'rejected').map((e) => ({ id: e.id, label: `#${e.id} · ${formatDay(l, e.date)} · ${e.workItemCode}`, selected: values.entryId === e.id })),
    colleagues: colleagues.map((c) => ({ ...c, selected: values.proposedUserId === c.id })),
    items: catalogue.filter((i) => i.active).map((i) => ({ code: i.code, label: `${i.code} — ${itemLabel(l, i)}`, selected: values.proposedItemCode === i.code })),
    quantity: values.proposedQuantity ?? '', reason: values.reason ?? '', date: values.date ?? s.today, max: s.today,
    mine: mine.filter((r) => r.subjectId === subjectId).map((r) => requestRow(l, r, names)),
  };
}

/** The leader's queue of corrections, each with its accept and refuse forms when the viewer leads the unit. */
export function correctionQueue(s: Session, unitId: string, list: readonly RequestJson[], names: Map<string, string>, canDecide: boolean): Record<string, unknown>[] {
  return list.map((r) => ({
    ...requestRow(s.locale, r, names),
    decide: canDecide && r.status === 'pending' && r.userId !== s.principal.userId ? form(s, `/unit/${enc(unitId)}/requests/${enc(r.id)}`, ACTION.decideCorrection(unitId, r.id)) : null,
  }));
}

/**
 * My KPI's appeals: the official's own, and a form for each closed period shown (the month, its
 * quarter) whose appeal window is still open and that has no appeal waiting.
 */
export async function appealsModel(s: Session, requests: RequestService, periods: readonly string[], values: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const l = s.locale;
  const mine = await requests.mine(s.principal, 'appeal');
  const forms: Record<string, unknown>[] = [];
  for (const period of periods) {
    const w = await requests.appealWindow(s.principal.agency, period);
    if (!w.closed) continue;
    const waiting = mine.some((r) => r.period === period && r.status === 'pending');
    forms.push({
      period, label: formatPeriod(l, period), lastDay: w.lastDay ? formatDay(l, w.lastDay) : '', open: w.open && !waiting, waiting,
      form: w.open && !waiting ? form(s, '/me/appeals', ACTION.appeal(period)) : null, reason: values.appealReason ?? '',
    });
  }
  return { forms, mine: mine.slice(0, 20).map((r) => requestRow(l, r, new Map())), show: forms.length > 0 || mine.length > 0 };
}
