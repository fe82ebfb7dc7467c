/**
 * What the panels read from a request: the forms' targets, the fields as typed, the period
 * asked for, and the sentence shown when a service refuses what a form sent.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { isKpiError, ValidationError, type KpiError } from '../domain/errors';
import { parsePeriod, type Period } from '../domain/period';
import type { Locale } from '../domain/principal';
import { httpStatus } from '../http/errors';
import { isValidDay } from '../domain/time';
import { formatDay, formatNumber, msgKey, t } from '../i18n/i18n';
import type { FormService, FormTarget } from '../services/form-service';
import { link, redirect, sessionOf } from './session';

/** Form targets, the `action` each anti-forgery token is bound to. */
export const ACTION = {
  createEntry: 'me.entries.create',
  withdraw: (id: string) => `me.entries.withdraw:${id}`,
  approve: (unit: string, id: string) => `unit.approve:${unit}:${id}`,
  returnEntry: (unit: string, id: string) => `unit.return:${unit}:${id}`,
  rate: (unit: string, id: string) => `unit.rate:${unit}:${id}`,
  assess: (unit: string, user: string, period: string) => `unit.assess:${unit}:${user}:${period}`,
  replay: (id: string) => `admin.replay:${id}`,
  replayType: 'admin.replay-type',
  ruleCreate: 'admin.rules.create',
  ruleEdit: (id: string) => `admin.rules.edit:${id}`,
  ruleActive: (id: string) => `admin.rules.active:${id}`,
  ruleTry: 'admin.rules.try',
  settings: 'admin.settings',
  correct: (kind: string, subjectId: string) => `subject.correct:${kind}:${subjectId}`,
  decideCorrection: (unit: string, id: string) => `unit.request:${unit}:${id}`,
  bulkApprove: (unit: string) => `unit.approveAll:${unit}`,
  appeal: (period: string) => `me.appeal:${period}`,
  repeat: (day: string) => `me.entries.repeat:${day}`,
  decideAppeal: (id: string) => `reports.appeal:${id}`,
};

/** Service error codes shown with a message of their own; any other 4xx shows `error.invalid` with its field. */
const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  invalid_quantity: msgKey('error.code.invalid_quantity'),
  quantity_over_max: msgKey('error.code.quantity_over_max'),
  invalid_date: msgKey('error.code.invalid_date'),
  date_in_future: msgKey('error.code.date_in_future'),
  date_too_old: msgKey('error.code.date_too_old'),
  invalid_work_item: msgKey('error.code.unknown_work_item'),
  unknown_work_item: msgKey('error.code.unknown_work_item'),
  inactive_work_item: msgKey('error.code.inactive_work_item'),
  note_too_long: msgKey('error.code.note_too_long'),
  required: msgKey('error.code.required'),
  period_closed: msgKey('error.code.period_closed'),
  reason_required: msgKey('error.code.reason_required'),
  reason_too_long: msgKey('error.code.reason_too_long'),
  invalid_rating: msgKey('error.code.invalid_rating'),
  invalid_general: msgKey('error.code.invalid_general'),
  not_pending: msgKey('error.code.not_pending'),
  entry_changed: msgKey('error.code.entry_changed'),
  assessment_changed: msgKey('error.code.entry_changed'),
  event_has_entry: msgKey('error.code.event_has_entry'),
  unknown_event: msgKey('error.code.unknown_event'),
  rating_required: msgKey('error.code.rating_required'),
  not_rated_item: msgKey('error.code.not_rated_item'),
  already_rejected: msgKey('error.code.already_rejected'),
  request_pending: msgKey('error.code.request_pending'),
  request_decided: msgKey('error.code.request_decided'),
  appeal_window_over: msgKey('error.code.appeal_window_over'),
  appeals_off: msgKey('error.code.appeals_off'),
  period_not_closed: msgKey('error.code.period_not_closed'),
  invalid_user: msgKey('error.code.invalid_user'),
  same_item: msgKey('error.code.same_item'),
  not_of_subject: msgKey('error.code.not_of_subject'),
  invalid_type: msgKey('error.code.invalid_type'),
  no_score: msgKey('error.code.no_score'),
};

/** The fields a form sends, named as the user reads them (never `workItemCode`). */
const FIELD_KEYS: Readonly<Record<string, string>> = {
  date: msgKey('field.date'),
  workItemCode: msgKey('field.workItemCode'),
  quantity: msgKey('field.quantity'),
  note: msgKey('field.note'),
  reason: msgKey('field.reason'),
  rating: msgKey('field.rating'),
  general: msgKey('field.general'),
  period: msgKey('field.period'),
  userId: msgKey('field.userId'),
  fromEvent: msgKey('field.fromEvent'),
  entryId: msgKey('field.entryId'),
  proposedUserId: msgKey('field.proposedUserId'),
  proposedItemCode: msgKey('field.proposedItemCode'),
  proposedQuantity: msgKey('field.quantity'),
  type: msgKey('field.type'),
  decision: msgKey('field.decision'),
};

/** A field's name in the viewer's language; null for one no form of the panels sends. */
export function fieldLabel(l: Locale, field: string | undefined): string | null {
  const key = field === undefined ? undefined : FIELD_KEYS[field];
  return key ? t(l, key) : null;
}

/** The limits an error carries (`max`, `unit`, `days`, `min`, `today`), written for the viewer. */
function detailVars(l: Locale, d: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d ?? {})) {
    if (typeof v === 'number') out[k] = formatNumber(l, v, 2, true);
    else if (typeof v === 'string') out[k] = isValidDay(v) ? formatDay(l, v) : v;
  }
  return out;
}

/** The message of a service's refusal, in the viewer's language, with the limit it broke and the field by its name. */
export function errorText(l: Locale, e: KpiError): string {
  const key = ERROR_MESSAGES[e.code];
  const field = fieldLabel(l, e.field);
  if (key) return t(l, key, { field: field ?? t(l, 'field.unknown'), ...detailVars(l, e.details) });
  return field ? t(l, 'error.invalid', { field }) : t(l, 'error.invalidNoField');
}

/**
 * What a form does with a refusal the user can fix: show its page again with the status, the
 * message, and the refusal itself (for a page that words some refusals its own way).
 */
export type Again = (status: number, error: string, refusal: KpiError) => Promise<void>;

/** For a form with no page of its own to show again: its refusal goes to the panels' error page, as any error does. */
export const rethrow: Again = (_status, _error, refusal) => Promise.reject(refusal);

/** Runs a form's action; a refusal the user can fix (400, 409) shows the panel again with the message. */
export async function attempt(req: Request, run: () => Promise<void>, again: Again): Promise<void> {
  try {
    await run();
  } catch (e) {
    const status = isKpiError(e) ? httpStatus(e) : 500;
    if (isKpiError(e) && (status === 400 || status === 409)) return again(status, errorText(sessionOf(req).locale, e), e);
    throw e;
  }
}

/**
 * Runs a form's action once per form token (services/form-service.ts) and sends the browser
 * where it leads: a second POST of the same form changes nothing and goes where the first went
 * (to `fallback` with the notice `duplicate` while the first still runs). A refusal the user can
 * fix shows the panel again, as `attempt` does. Call it after `requireCsrf`.
 */
export async function submitOnce(
  req: Request, res: Response, forms: FormService | undefined, fallback: string,
  run: () => Promise<FormTarget>, again: Again,
): Promise<void> {
  const s = sessionOf(req);
  const given = ((req.body ?? {}) as Record<string, unknown>)._csrf;
  const key = crypto.createHash('sha256').update(`${s.incoming?.jti ?? ''}\u0000${typeof given === 'string' ? given : ''}`).digest('hex');
  await attempt(req, async () => {
    const out = forms ? await forms.once(s.principal.agency, key, run) : { first: true, target: await run() };
    const target = out.target ?? { path: fallback, params: { notice: 'duplicate' } };
    redirect(res, link(s, target.path, target.params));
  }, again);
}

/** A quantity as typed in a form: `1,5` and `1.5` alike; anything else goes to the service as is, which names it. */
export function parseFormNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().replace(',', '.');
  if (s === '') return undefined;
  const n = Number(s);
  return /^-?\d+(\.\d+)?$/.test(s) && Number.isFinite(n) ? n : v;
}

/** The period of the query parameter `name`, `fallback` when there is none. */
export function periodParam(req: Request, fallback: Period, name = 'period'): Period {
  const v = req.query[name];
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string') throw new ValidationError(`${name}: YYYY-MM | YYYY-Qn | YYYY`, name);
  return parsePeriod(v);
}
