/**
 * The mapping rules editor of the admin page (GET /admin/rules/new, GET /admin/rules/:id,
 * POST /admin/rules, POST /admin/rules/:id, POST /admin/rules/:id/active, POST /admin/rules-try):
 * a rule is an HTML form — event type, conditions as rows of a path and its values, work item,
 * quantity, coefficient and coefficient tables as rows of "value = factor", priority, active —
 * never JSON. Every form can "try" an event (pasted or stored) with the rule as typed, before
 * anything is saved: the same planning the intake runs (RulesService.tryEvent).
 *
 * Saving a rule and switching it on or off work once per form token (submitOnce): sent twice,
 * the second POST saves nothing and goes where the first went: the rules table, or the rule's own
 * page when it was saved with warnings (a rule's page always shows its warnings, next to their fields). A trial ("Thử", op=try, and the
 * "try it" box of POST /admin/rules-try) is not: it changes nothing — no rule, no event, no
 * audit row — and only shows what would happen, so the same form may be tried again and again
 * (with another pasted event, say) and still be saved afterwards.
 */
import type { Request, Response, Router } from 'express';
import { isKpiError, type KpiError } from '../domain/errors';
import type { Locale } from '../domain/principal';
import { formatDay, formatNumber, msgKey, t } from '../i18n/i18n';
import { ENTRY_EVENT_TYPES, type MappingRule, type RuleProblem, type RuleScalar } from '../rules/mapping';
import type { RuleTrial } from '../services/rules-service';
import { ACTION, errorText, parseFormNumber, rethrow, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { form, h, link, requireCsrf, sessionOf, str, type Session } from './session';
import { enc, itemLabel, num, statusLabel } from './view-model';

const EVENT_TYPE_KEYS: Readonly<Record<string, string>> = {
  'document.received': msgKey('evtype.document.received'),
  'document.processed': msgKey('evtype.document.processed'),
  'document.drafted': msgKey('evtype.document.drafted'),
  'document.signed': msgKey('evtype.document.signed'),
  'document.issued': msgKey('evtype.document.issued'),
  'task.completed': msgKey('evtype.task.completed'),
};

const PROBLEM_KEYS: Readonly<Record<string, string>> = {
  bad_id: msgKey('ruleError.bad_id'),
  duplicate_id: msgKey('ruleError.duplicate_id'),
  unknown_event_type: msgKey('ruleError.unknown_event_type'),
  unknown_work_item: msgKey('ruleError.unknown_work_item'),
  inactive_work_item: msgKey('ruleError.inactive_work_item'),
  bad_path: msgKey('ruleError.bad_path'),
  bad_condition: msgKey('ruleError.bad_condition'),
  bad_quantity: msgKey('ruleError.bad_quantity'),
  bad_coefficient: msgKey('ruleError.bad_coefficient'),
  bad_priority: msgKey('ruleError.bad_priority'),
  bad_active: msgKey('ruleError.bad_active'),
  unreachable: msgKey('ruleError.unreachable'),
};

const NO_ENTRY_KEYS: Readonly<Record<string, string>> = {
  unknown_type: msgKey('trial.reason.unknown_type'),
  no_matching_rule: msgKey('trial.reason.no_matching_rule'),
  inactive_rule: msgKey('trial.reason.inactive_rule'),
  inactive_item: msgKey('trial.reason.inactive_item'),
  unknown_item: msgKey('trial.reason.unknown_item'),
  invalid_quantity: msgKey('trial.reason.invalid_quantity'),
};

/** A coefficient as a person reads it: 1,5 (not 1,5000). */
export function factor(l: Locale, n: number): string {
  return formatNumber(l, n, 6, true);
}

/** The name of an entry-making event type in the viewer's language, with its code. */
export function eventTypeLabel(l: Locale, type: string): string {
  const key = EVENT_TYPE_KEYS[type];
  return key ? `${t(l, key)} (${type})` : type;
}

/** Rows of conditions and coefficient tables a form offers: the rule's own, plus blank ones. */
const MIN_ROWS = 3;
const MAX_CONDITIONS = 8;
const MAX_TABLES = 4;

type Fields = Record<string, unknown>;

/** A condition value as typed: `true`/`false` are booleans, plain numbers numbers, the rest text. */
function scalarOf(s: string): RuleScalar {
  if (s === 'true') return true;
  if (s === 'false') return false;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/** The rule a form describes. What cannot be read is passed on as typed, for the validator to name. */
export function ruleOfForm(b: Fields): Record<string, unknown> {
  const text = (k: string): string => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
  const rule: Record<string, unknown> = { id: text('id'), eventType: text('eventType'), workItemCode: text('workItemCode') };
  const when: Record<string, RuleScalar | RuleScalar[]> = {};
  for (let i = 0; i < MAX_CONDITIONS; i++) {
    const path = text(`cond${i}Path`);
    const values = text(`cond${i}Values`).split(',').map((v) => v.trim()).filter((v) => v !== '').map(scalarOf);
    if (path === '' && values.length === 0) continue;
    when[path] = values.length === 1 ? values[0]! : values;
  }
  if (Object.keys(when).length > 0) rule.when = when;
  const q = text('quantity');
  if (q !== '') rule.quantity = /^[A-Za-z]/.test(q) ? { path: q } : parseFormNumber(q);
  const c = text('coefficient');
  if (c !== '') rule.coefficient = parseFormNumber(c);
  const tables: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < MAX_TABLES; i++) {
    const path = text(`coef${i}Path`);
    const lines = text(`coef${i}Values`).split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '');
    if (path === '' && lines.length === 0) continue;
    const table: Record<string, unknown> = {};
    for (const line of lines) {
      const at = line.indexOf('=');
      const value = at < 0 ? line : line.slice(0, at).trim();
      table[value] = at < 0 ? Number.NaN : parseFormNumber(line.slice(at + 1).trim());
    }
    tables[path] = table;
  }
  if (Object.keys(tables).length > 0) rule.coefficientBy = tables;
  rule.priority = parseFormNumber(text('priority'));
  rule.active = b.active === 'on' || b.active === 'true';
  return rule;
}

interface RuleFormRow { i: number; path: string; values: string }

/** The form's field values for a rule (as stored, or as the user typed it). */
function formValues(l: Locale, rule: Partial<MappingRule> | Record<string, unknown>): Record<string, unknown> {
  const r = rule as Partial<MappingRule>;
  const show = (v: unknown): string => (typeof v === 'number' ? (l === 'vi' ? String(v).replace('.', ',') : String(v)) : v === undefined || v === null ? '' : String(v));
  const conds: RuleFormRow[] = Object.entries(r.when ?? {}).map(([path, v], i) => ({ i, path, values: (Array.isArray(v) ? v : [v]).map(String).join(', ') }));
  const tables: RuleFormRow[] = Object.entries(r.coefficientBy ?? {}).map(([path, table], i) => ({
    i, path, values: Object.entries(table ?? {}).map(([k, f]) => `${k} = ${show(f)}`).join('\n'),
  }));
  // The rule's own rows and one blank (at least MIN_ROWS conditions and two tables), within the form's limits.
  const condRows = Math.min(MAX_CONDITIONS, Math.max(MIN_ROWS, conds.length + 1));
  const tableRows = Math.min(MAX_TABLES, Math.max(2, tables.length + 1));
  for (let i = conds.length; i < condRows; i++) conds.push({ i, path: '', values: '' });
  for (let i = tables.length; i < tableRows; i++) tables.push({ i, path: '', values: '' });
  const q = r.quantity;
  return {
    id: r.id ?? '', eventType: r.eventType ?? '', workItemCode: r.workItemCode ?? '',
    quantity: q === undefined ? '' : typeof q === 'object' && q !== null ? String((q as { path: unknown }).path ?? '') : show(q),
    coefficient: r.coefficient === undefined ? '' : show(r.coefficient), priority: r.priority === undefined ? '' : show(r.priority),
    active: r.active !== false, conds, tables,
  };
}

/** Which input a problem belongs to: `when.subject.docType` → the condition row of that path, and so on. */
function problemField(p: RuleProblem, values: Record<string, unknown>): string {
  const rows = (k: string): RuleFormRow[] => values[k] as RuleFormRow[];
  const under = (prefix: string, list: RuleFormRow[], name: string): string | null => {
    if (!p.field.startsWith(`${prefix}.`)) return null;
    const rest = p.field.slice(prefix.length + 1);
    const row = list.find((x) => x.path !== '' && (rest === x.path || rest.startsWith(`${x.path}.`)));
    return row ? `${name}${row.i}` : name + '0';
  };
  return under('when', rows('conds'), 'cond') ?? under('coefficientBy', rows('tables'), 'coef') ?? p.field.split('.')[0]!;
}

/** The trial as rows a person reads. */
function trialView(l: Locale, trial: RuleTrial, items: Map<string, string>): Record<string, unknown> {
  return {
    eventId: trial.event.id,
    eventType: eventTypeLabel(l, trial.event.type),
    stored: trial.stored,
    failed: trial.status === 'failed' ? (trial.error ?? '') : null,
    rule: trial.rule ? { id: trial.rule.id, item: `${trial.rule.workItemCode} — ${items.get(trial.rule.workItemCode) ?? ''}` } : null,
    reason: trial.noEntryReason && NO_ENTRY_KEYS[trial.noEntryReason] ? t(l, NO_ENTRY_KEYS[trial.noEntryReason]!) : null,
    entries: trial.entries.map((e) => ({
      userId: e.userId, day: formatDay(l, e.day), item: `${e.workItemCode} — ${items.get(e.workItemCode) ?? ''}`, quantity: num(l, e.quantity),
      coefficient: factor(l, e.coefficient), minutes: num(l, e.minutes), status: statusLabel(l, e.status), fails: e.fails, delays: e.delays,
    })),
  };
}

export function mountAdminRules(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  async function catalogueOptions(s: Session, selected: string): Promise<{ options: Array<{ value: string; label: string; selected: boolean }>; names: Map<string, string> }> {
    const items = await deps.agencies.catalogue(s.principal.agency);
    const names = new Map(items.map((i) => [i.code, itemLabel(s.locale, i)]));
    return { names, options: items.map((i) => ({ value: i.code, label: `${i.code} — ${itemLabel(s.locale, i)}${i.active ? '' : ` (${t(s.locale, 'ruleForm.itemInactive')})`}`, selected: i.code === selected })) };
  }

  /** Renders the rule form (`id` null: a new rule) with what was typed, its problems and a trial. */
  async function renderRule(req: Request, res: Response, id: string | null, rule: Partial<MappingRule> | Record<string, unknown>, extra: { problems?: RuleProblem[]; trial?: RuleTrial | null; error?: string | null; status?: number; event?: string; eventId?: string } = {}): Promise<void> {
    const s = sessionOf(req);
    const l = s.locale;
    const values = formValues(l, rule);
    const { options, names } = await catalogueOptions(s, String(values.workItemCode));
    // Each problem next to its field: an error (the rule cannot be saved so) apart from a warning (saved, but probably not as meant).
    const fieldErrors: Record<string, string[]> = {};
    const fieldWarnings: Record<string, string[]> = {};
    for (const p of extra.problems ?? []) {
      const f = problemField(p, values);
      ((p.severity === 'error' ? fieldErrors : fieldWarnings)[f] ??= []).push(t(l, PROBLEM_KEYS[p.problem] ?? 'ruleError.bad_condition'));
    }
    const errs = (name: string): string[] | null => fieldErrors[name] ?? null;
    const warns = (name: string): string[] | null => fieldWarnings[name] ?? null;
    const byField = (of: (name: string) => string[] | null) => ({
      id: of('id'), eventType: of('eventType'), workItemCode: of('workItemCode'), quantity: of('quantity'), coefficient: of('coefficient'), priority: of('priority'), active: of('active'),
    });
    const path = id === null ? '/admin/rules' : `/admin/rules/${enc(id)}`;
    await kit.page(req, res, 'admin', 'admin-rule', {
      isNew: id === null,
      rule: {
        ...values,
        conds: (values.conds as RuleFormRow[]).map((c) => ({ ...c, n: c.i + 1, pathErrors: errs(`cond${c.i}`), pathWarnings: warns(`cond${c.i}`) })),
        tables: (values.tables as RuleFormRow[]).map((c) => ({ ...c, n: c.i + 1, pathErrors: errs(`coef${c.i}`), pathWarnings: warns(`coef${c.i}`) })),
      },
      errors: byField(errs),
      warnings: byField(warns),
      // The summary above the form, when warnings are all there is (with errors, the page's error says to fix the fields).
      warned: Object.keys(fieldWarnings).length > 0 && Object.keys(fieldErrors).length === 0,
      eventTypes: ENTRY_EVENT_TYPES.map((type) => ({ value: type, label: eventTypeLabel(l, type), selected: type === values.eventType })),
      items: options,
      save: form(s, path, id === null ? ACTION.ruleCreate : ACTION.ruleEdit(id)),
      toggle: id === null ? null : form(s, `/admin/rules/${enc(id)}/active`, ACTION.ruleActive(id)),
      back: link(s, '/admin'),
      event: extra.event ?? '',
      eventId: extra.eventId ?? '',
      trial: extra.trial ? trialView(l, extra.trial, names) : null,
    }, { status: extra.status ?? 200, error: extra.error ?? null, title: id === null ? t(l, 'ruleForm.newTitle') : t(l, 'ruleForm.editTitle', { id }) });
  }

  const rulesService = () => {
    if (!deps.rules) throw new Error('rules service not wired');
    return deps.rules;
  };

  router.get('/admin/rules/new', h(async (req, res) => {
    kit.requirePanelRole(req, 'admin');
    await renderRule(req, res, null, { priority: 100, active: true });
  }));

  /** A saved rule, with what is wrong with it now among the agency's rules and catalogue (another rule may shadow it since, its item be retired). */
  router.get('/admin/rules/:id', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    const id = String(req.params.id);
    const rules = rulesService();
    const rule = await rules.get(s.principal.agency, id);
    await renderRule(req, res, id, rule, { problems: await rules.check(s.principal.agency, rule, id) });
  }));

  /** Save (once per form token), or (op=try) try the rule as typed on the event given, without saving (as often as asked). */
  async function submitRule(req: Request, res: Response, id: string | null): Promise<void> {
    const s = kit.requirePanelRole(req, 'admin');
    requireCsrf(req, id === null ? ACTION.ruleCreate : ACTION.ruleEdit(id));
    const b = (req.body ?? {}) as Fields;
    const raw = ruleOfForm(b);
    if (id !== null) raw.id = id;
    const rules = rulesService();
    const rule = rules.normalise(raw);
    const agency = s.principal.agency;
    const event = str(b.event) ?? '';
    const eventId = str(b.eventId) ?? '';
    if (b.op === 'try') {
      const problems = await rules.check(agency, rule, id);
      const hasErrors = problems.some((p) => p.severity === 'error');
      let trial: RuleTrial | null = null;
      let error: string | null = null;
      if (!hasErrors) {
        try {
          trial = await rules.tryEvent(agency, { event, eventId, draft: rule });
        } catch (e) {
          if (!isKpiError(e)) throw e;
          error = trialError(s.locale, e);
        }
      }
      return renderRule(req, res, id, raw, { problems, trial, error, status: hasErrors || error ? 400 : 200, event, eventId });
    }
    // The rule is checked inside the once-only part (save refuses a rule with errors): a used
    // token goes where its first use went, even though the rule it saved now takes its own id.
    // Saved with warnings, the admin lands on the rule's own page, which shows them next to their
    // fields (as it does on every visit); saved without, on the rules table.
    await submitOnce(req, res, deps.forms, '/admin', async () => {
      const saved = await rules.save(agency, id, rule, s.principal.userId);
      return saved.warnings.length > 0
        ? { path: `/admin/rules/${enc(String(saved.rule.id))}`, params: { notice: 'rule-saved' } }
        : { path: '/admin', params: { notice: 'rule-saved' } };
    }, async (status, error) => {
      // Refused: nothing saved, the token free again; the form as typed, each problem next to its field.
      const problems = await rules.check(agency, rule, id);
      const invalid = problems.some((p) => p.severity === 'error');
      return renderRule(req, res, id, raw, { problems, status: invalid ? 400 : status, error: invalid ? t(s.locale, 'ruleForm.fix') : error, event, eventId });
    });
  }

  router.post('/admin/rules', h((req, res) => submitRule(req, res, null)));
  router.post('/admin/rules/:id', h((req, res) => submitRule(req, res, String(req.params.id))));

  router.post('/admin/rules/:id/active', h(async (req, res) => {
    const id = String(req.params.id);
    const s = kit.requirePanelRole(req, 'admin');
    requireCsrf(req, ACTION.ruleActive(id));
    const active = ((req.body ?? {}) as Fields).active === 'true';
    const rules = rulesService();
    await submitOnce(req, res, deps.forms, '/admin', async () => {
      await rules.setActive(s.principal.agency, id, active, s.principal.userId);
      return { path: '/admin', params: { notice: active ? 'rule-activated' : 'rule-deactivated' } };
    }, rethrow);
  }));

  /** The "try it" box of the rules list: the agency's rules as saved. Not once-only: a trial changes nothing (see above). */
  router.post('/admin/rules-try', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    requireCsrf(req, ACTION.ruleTry);
    const b = (req.body ?? {}) as Fields;
    const event = str(b.event) ?? '';
    const eventId = str(b.eventId) ?? '';
    const items = await deps.agencies.catalogue(s.principal.agency);
    const names = new Map(items.map((i) => [i.code, itemLabel(s.locale, i)]));
    let trial: RuleTrial | null = null;
    let error: string | null = null;
    try {
      trial = await rulesService().tryEvent(s.principal.agency, { event, eventId });
    } catch (e) {
      if (!isKpiError(e)) throw e;
      error = trialError(s.locale, e);
    }
    await kit.page(req, res, 'admin', 'admin-try', {
      tryForm: form(s, '/admin/rules-try', ACTION.ruleTry), event, eventId, back: link(s, '/admin'),
      trial: trial ? trialView(s.locale, trial, names) : null,
    }, { status: error ? 400 : 200, error, title: t(s.locale, 'trial.title') });
  }));
}

/** Why an event could not be tried, in the viewer's language. */
function trialError(l: Locale, e: KpiError): string {
  switch (e.code) {
    case 'invalid_json': return t(l, 'trial.error.json');
    case 'required': return t(l, 'trial.error.none');
    case 'unknown_event': return t(l, 'trial.error.unknownEvent');
    case 'agency_mismatch': return t(l, 'trial.error.agency');
    case 'invalid_event': return t(l, 'trial.error.invalid', { field: e.field ?? '' });
    default: return errorText(l, e);
  }
}
