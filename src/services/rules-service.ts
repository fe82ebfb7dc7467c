import { validateEvent } from '../contract/event-validator';
import type { KpiEvent } from '../contract/events';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { NewEntry } from '../domain/journal';
import { isPlainObject } from '../domain/objects';
import { toNfc } from '../domain/text';
import { buildEntries } from '../intake/apply-effects';
import { live, planItems } from '../intake/plan-events';
import { validateRules, type MappingRule, type RuleProblem } from '../rules/mapping';
import type { NoEntryReason } from '../rules/planner';
import type { UnitOfWork } from '../stores';
import type { AgencyContext, AgencyService } from './agency-service';
import { replayRules, type RulesReplayResult } from './rules-replay';

const messages = {
  invalidRule: (p: string) => `Quy tắc ánh xạ không hợp lệ (invalid mapping rule): ${p}`,
  notFound: (id: string) => `Không có quy tắc "${id}" (no such rule)`,
  exists: (id: string) => `Đã có quy tắc "${id}" (rule already exists)`,
  idChanged: 'id: không đổi được mã của quy tắc đã có (a rule id cannot change)',
  notJson: 'event: không phải JSON hợp lệ (not valid JSON)',
  noEvent: 'event: dán một sự kiện hoặc chọn một sự kiện đã lưu (paste an event or choose a stored one)',
  unknownEvent: (id: string) => `eventId: không có sự kiện "${id}" (no such stored event)`,
  agencyMismatch: (a: string) => `agency: cơ quan "${a}" không phải cơ quan của bạn (not your agency)`,
  badId: 'id: 1–100 ký tự gồm chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang (letters, digits, . _ -, at most 100)',
  badPriority: 'priority: phải là số nguyên (must be a whole number)',
};

/** A rule id: ASCII letters, digits, `.`, `_`, `-`, at most 100 characters, not `new` (it is part of the editor's addresses). */
export const RULE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_PRIORITY = 1_000_000_000;

/** The fields a rule is made of; anything else sent is dropped. */
const RULE_KEYS = ['id', 'eventType', 'when', 'workItemCode', 'quantity', 'coefficient', 'coefficientBy', 'priority', 'active'] as const;

/** What "try it" answers: the event, the rule that matched (or why none did) and the entries ingesting the event makes. */
export interface RuleTrial {
  event: KpiEvent;
  /** processed | ignored (unknown type) | failed (the planner refused it: see `error`). */
  status: 'processed' | 'ignored' | 'failed';
  error: string | null;
  rule: MappingRule | null;
  noEntryReason: NoEntryReason | null;
  entries: NewEntry[];
  /** The event is stored already: sent again it is a duplicate and changes nothing. */
  stored: boolean;
}

export interface RulesServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  clock?: () => Date;
}

/**
 * The mapping rules editor's stories: list, add, edit and switch off one rule at a time, each
 * checked against the whole rule set and the catalogue (rules/mapping.ts validateRules) and
 * audited; and "try it", which plans an event with the very code the intake runs
 * (intake/plan-events.ts, intake/apply-effects.ts buildEntries), optionally with a draft rule
 * that is not saved. Changed rules apply to events that arrive after the change.
 */
export class RulesService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;

  constructor(deps: RulesServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
  }

  list(agency: string): Promise<MappingRule[]> {
    return this.agencies.rules(agency);
  }

  async get(agency: string, id: string): Promise<MappingRule> {
    const rule = (await this.agencies.rules(agency)).find((r) => r.id === id);
    if (!rule) throw new NotFoundError(messages.notFound(id), 'rule_not_found');
    return rule;
  }

  /** The rule as sent, reduced to a rule's own fields, `active` true unless said otherwise. */
  normalise(raw: unknown): MappingRule {
    const src = isPlainObject(raw) ? raw : {};
    const rule: Record<string, unknown> = {};
    for (const k of RULE_KEYS) if (src[k] !== undefined) rule[k] = src[k];
    if (rule.active === undefined) rule.active = true;
    return rule as unknown as MappingRule;
  }

  /** The problems of `rule` placed in the agency's rule set (in place of `replacing`, else added). Errors first. */
  async check(agency: string, rule: MappingRule, replacing: string | null): Promise<RuleProblem[]> {
    const [rules, catalogue] = await Promise.all([this.agencies.rules(agency), this.agencies.catalogue(agency)]);
    const { set, index } = withDraft(rules, rule, replacing);
    const problems = validateRules(set, catalogue).filter((p) => p.index === index);
    // What the rule set may hold and the table can store: a short id fit for an address, a whole priority.
    const ruleId = typeof rule.id === 'string' ? rule.id : null;
    if (ruleId !== null && ruleId.trim() !== '' && (!RULE_ID_RE.test(ruleId) || ruleId === 'new')) problems.push({ index, ruleId, field: 'id', problem: 'bad_id', severity: 'error', message: messages.badId });
    if (typeof rule.priority === 'number' && Number.isFinite(rule.priority) && (!Number.isInteger(rule.priority) || Math.abs(rule.priority) > MAX_PRIORITY)) {
      problems.push({ index, ruleId, field: 'priority', problem: 'bad_priority', severity: 'error', message: messages.badPriority });
    }
    return problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  }

  /** Adds a rule (`id` null) or replaces rule `id`; refuses a rule with errors, naming the first field. */
  async save(agency: string, id: string | null, raw: unknown, actor: string): Promise<{ rule: MappingRule; warnings: RuleProblem[] }> {
    const rule = this.normalise(raw);
    const rules = await this.agencies.rules(agency);
    if (id !== null) {
      if (!rules.some((r) => r.id === id)) throw new NotFoundError(messages.notFound(id), 'rule_not_found');
      if (rule.id === undefined) rule.id = id;
      if (rule.id !== id) throw new ValidationError(messages.idChanged, 'id', 'rule_id_changed');
    } else if (typeof rule.id === 'string' && rules.some((r) => r.id === rule.id)) {
      throw new ConflictError(messages.exists(rule.id), 'rule_exists');
    }
    const problems = await this.check(agency, rule, id);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ValidationError(messages.invalidRule(errors.map((p) => p.message).join('; ')), errors[0]!.field, 'invalid_rule', { problems: errors });
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await tx.catalogue.putRule(agency, rule, now);
      await tx.audit.record({ agency, actor, action: id === null ? 'rules.add' : 'rules.edit', target: rule.id, details: { rule }, at: now });
    });
    this.agencies.invalidate(agency);
    return { rule, warnings: problems };
  }

  /** Switches a rule off (or on again): it stays listed, and matches nothing while off. */
  async setActive(agency: string, id: string, active: boolean, actor: string): Promise<MappingRule> {
    const now = this.clock();
    const found = await this.uow.write(async (tx) => {
      const ok = await tx.catalogue.setRuleActive(agency, id, active, now);
      if (ok) await tx.audit.record({ agency, actor, action: active ? 'rules.activate' : 'rules.deactivate', target: id, details: null, at: now });
      return ok;
    });
    if (!found) throw new NotFoundError(messages.notFound(id), 'rule_not_found');
    this.agencies.invalidate(agency);
    return this.get(agency, id);
  }

  /**
   * "Try it": plans one event — pasted (`event`, JSON text or an object) or stored (`eventId`)
   * — with the agency's rules, or with them and a `draft` rule in place of the one of its id,
   * and says which rule matches and the entries ingesting it makes. Nothing is saved.
   */
  async tryEvent(agency: string, input: { event?: unknown; eventId?: string; draft?: MappingRule | null }): Promise<RuleTrial> {
    const base = await this.agencies.context(agency);
    const event = await this.eventOf(agency, input);
    const v = validateEvent(event);
    if (!v.ok) throw new ValidationError(v.error, v.field ? `event.${v.field}` : 'event', 'invalid_event');
    const ev = toNfc(v.event);
    if (ev.agency !== agency) throw new ValidationError(messages.agencyMismatch(ev.agency), 'event.agency', 'agency_mismatch');
    let ctx: AgencyContext = base;
    if (input.draft) {
      const errors = (await this.check(agency, input.draft, input.draft.id)).filter((p) => p.severity === 'error');
      if (errors.length > 0) throw new ValidationError(messages.invalidRule(errors.map((p) => p.message).join('; ')), errors[0]!.field, 'invalid_rule', { problems: errors });
      ctx = { ...base, rules: withDraft(base.rules, input.draft, input.draft.id).set };
    }
    const tx = this.uow.read;
    const [planned] = await planItems(tx, ctx, [{ index: 0, event: ev, known: v.known, payload: JSON.stringify(ev) }]);
    const stored = (await tx.events.payload(agency, ev.id)) !== null;
    const effects = planned!.effects;
    const subjects = [{ kind: ev.subject.kind, id: ev.subject.id }];
    const facts = await tx.assignments.facts(agency, subjects);
    const entries = await buildEntries(tx, ctx, live([planned!]), facts, this.clock());
    const ruleId = entries[0]?.ruleId ?? effects?.entries[0]?.ruleId ?? null;
    return {
      event: ev,
      status: planned!.status,
      error: planned!.error,
      rule: ruleId === null ? null : (ctx.rules.find((r) => r.id === ruleId) ?? null),
      noEntryReason: effects?.noEntryReason ?? (planned!.status === 'ignored' ? 'unknown_type' : null),
      entries,
      stored,
    };
  }

  /**
   * Re-derives the entries of the events stored for the local days [from, to] in open periods
   * with the current rules: the difference, and with `apply` the difference written.
   */
  replay(agency: string, opts: { from: string; to: string; apply: boolean; actor: string }): Promise<RulesReplayResult> {
    return replayRules({ uow: this.uow, agencies: this.agencies, clock: this.clock }, agency, opts);
  }

  private async eventOf(agency: string, input: { event?: unknown; eventId?: string }): Promise<unknown> {
    if (typeof input.eventId === 'string' && input.eventId.trim() !== '') {
      const payload = await this.uow.read.events.payload(agency, input.eventId.trim());
      if (payload === null) throw new ValidationError(messages.unknownEvent(input.eventId), 'eventId', 'unknown_event');
      return JSON.parse(payload) as unknown;
    }
    if (typeof input.event === 'string') {
      if (input.event.trim() === '') throw new ValidationError(messages.noEvent, 'event', 'required');
      try {
        return JSON.parse(input.event) as unknown;
      } catch {
        throw new ValidationError(messages.notJson, 'event', 'invalid_json');
      }
    }
    if (input.event === undefined || input.event === null) throw new ValidationError(messages.noEvent, 'event', 'required');
    return input.event;
  }
}

/** The rule set with `rule` in place of rule `replacing` (or added at the end), and the rule's index in it. */
function withDraft(rules: readonly MappingRule[], rule: MappingRule, replacing: string | null): { set: MappingRule[]; index: number } {
  const at = replacing === null ? -1 : rules.findIndex((r) => r.id === replacing);
  if (at < 0) return { set: [...rules, rule], index: rules.length };
  const set = [...rules];
  set[at] = rule;
  return { set, index: at };
}
