/**
 * The planner: one validated event in, the effects it has out — journal
 * entries, task assignments, marks (fails, extensions, completions) and
 * directory updates. Pure: no database, clock or I/O; the same input always
 * gives the same output, and the inputs are never modified.
 *
 * The store turns marks into per-entry `fails`/`delays` (docs/hr.md); the
 * planner only describes them, so events may arrive in any order.
 */
import { type WorkItem } from './catalogue';
import { FORBIDDEN_SEGMENTS, isEntryEventType, isKnownEventType, type MappingRule, type RuleScalar } from './mapping';

/** The structural shape of a validated event (docs/integrators.md (events)) that the planner reads. */
export interface PlannerEvent {
  id: string;
  type: string;
  /** ISO 8601 with an offset. */
  occurredAt: string;
  agency: string;
  actor: { id: string };
  subject: { kind: string; id: string; title?: string; docType?: string; urgency?: string; dueAt?: string };
  data: Record<string, unknown>;
}

export interface PlannerContext {
  rules: readonly MappingRule[];
  catalogue: readonly WorkItem[];
  /** The stored task assignment for (subject, actor), if any: task.completed uses its work item and quantity. */
  assignment?: { workItemCode: string | null; quantity: number | null };
}

export interface EntryEffect {
  userId: string;
  workItemCode: string;
  quantity: number;
  coefficient: number;
  ruleId: string;
}

export type AssignmentEffect =
  | { op: 'upsert'; userId: string; role: string; dueAt: string | null; workItemCode: string | null; quantity: number | null }
  | { op: 'cancel'; /** null = all assignees of the subject */ userId: string | null };

export interface MarkEffect {
  kind: 'fail' | 'extension' | 'completion';
  /** null = every assignee of the subject */
  userId: string | null;
  excused: boolean;
  newDueAt?: string;
  /** When it happened: the event's occurredAt. */
  at: string;
}

export type DirectoryEffect =
  | { kind: 'user'; id: string; name: string; unitId: string | null; position: string | null; isLeader: boolean; active: boolean }
  | { kind: 'unit'; id: string; name: string; parentId: string | null };

/**
 * Why an event of an entry-making (or unknown) type made no entry; shown to the
 * official as a one-click suggestion. Event types that by contract make no
 * entry (document.assigned, task.extended, user.upserted, ...) carry none.
 */
export type NoEntryReason = 'unknown_type' | 'no_matching_rule' | 'inactive_rule' | 'inactive_item' | 'unknown_item' | 'invalid_quantity';

export interface EventEffects {
  entries: EntryEffect[];
  assignments: AssignmentEffect[];
  marks: MarkEffect[];
  directory: DirectoryEffect[];
  noEntryReason?: NoEntryReason;
}

export type RuleMatch =
  | { matched: true; rule: MappingRule; item: WorkItem }
  | { matched: false; reason: Exclude<NoEntryReason, 'invalid_quantity'> };

export interface MatchOptions {
  /**
   * Use this work item instead of each rule's own (task.completed with an
   * assigned item): the rule then only supplies the quantity, coefficient and id.
   */
  workItemCode?: string | null;
}

/** Dotted paths split once: a chunk of events reads the same few paths of the rules (`when`, `coefficientBy`) for every event. */
const segmentCache = new Map<string, readonly string[]>();
function segmentsOf(dottedPath: string): readonly string[] {
  let segments = segmentCache.get(dottedPath);
  if (segments === undefined) {
    if (segmentCache.size > 10000) segmentCache.clear();
    segmentCache.set(dottedPath, (segments = dottedPath.split('.')));
  }
  return segments;
}

/**
 * The value at a dotted path (`subject.urgency`, `data.assignees.0.userId`),
 * or undefined when any step is missing. Follows own properties only.
 */
export function getPath(obj: unknown, dottedPath: string): unknown {
  if (dottedPath === '') return undefined;
  let current: unknown = obj;
  for (const segment of segmentsOf(dottedPath)) {
    if (current === null || typeof current !== 'object' || FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** One value against the allowed one(s), as `includes` compares (SameValueZero). */
function isAllowed(c: unknown, expected: RuleScalar | RuleScalar[]): boolean {
  if (c === undefined || c === null) return false;
  if (Array.isArray(expected)) return expected.includes(c as RuleScalar);
  return c === expected || (c !== c && expected !== expected);
}

/**
 * Whether the value (or any element of an array value) is allowed. Written without the
 * one-element arrays and callbacks it used to wrap both sides in: it runs for every rule of an
 * event's type, for every event of a chunk.
 */
function conditionHolds(actual: unknown, expected: RuleScalar | RuleScalar[]): boolean {
  if (!Array.isArray(actual)) return isAllowed(actual, expected);
  for (const c of actual) if (isAllowed(c, expected)) return true;
  return false;
}

function ruleApplies(event: PlannerEvent, rule: MappingRule): boolean {
  if (rule.eventType !== event.type) return false;
  const when = rule.when;
  if (when === undefined) return true;
  // Own keys in Object.entries' order, without building its arrays.
  for (const path in when) {
    if (Object.prototype.hasOwnProperty.call(when, path) && !conditionHolds(getPath(event, path), when[path]!)) return false;
  }
  return true;
}

/** Sorted rule lists and catalogue maps, per input array: a chunk of events plans against the same arrays. */
const sortedRules = new WeakMap<readonly MappingRule[], MappingRule[]>();
const catalogueMaps = new WeakMap<readonly WorkItem[], Map<string, WorkItem>>();

/** Rules sorted by priority (lower first), ties by their position in the list. */
function byPriority(rules: readonly MappingRule[]): MappingRule[] {
  let sorted = sortedRules.get(rules);
  if (!sorted) {
    sorted = rules
      .map((rule, index) => ({ rule, index }))
      .sort((a, b) => a.rule.priority - b.rule.priority || a.index - b.index)
      .map((x) => x.rule);
    sortedRules.set(rules, sorted);
  }
  return sorted;
}

function catalogueMap(catalogue: readonly WorkItem[]): Map<string, WorkItem> {
  let map = catalogueMaps.get(catalogue);
  if (!map) catalogueMaps.set(catalogue, (map = new Map(catalogue.map((i) => [i.code, i]))));
  return map;
}

/**
 * The first active rule, by priority, that applies to the event and whose work
 * item is in the catalogue and active. When none is, the reason comes from the
 * first applicable rule that was skipped (inactive rule, unknown or inactive
 * item), else `no_matching_rule`; an unknown event type is `unknown_type`.
 */
export function matchRule(
  event: PlannerEvent,
  rules: readonly MappingRule[],
  catalogue: readonly WorkItem[],
  options: MatchOptions = {},
): RuleMatch {
  if (!isEntryEventType(event.type)) return { matched: false, reason: isKnownEventType(event.type) ? 'no_matching_rule' : 'unknown_type' };
  const items = catalogueMap(catalogue);
  let skipped: RuleMatch | null = null;
  for (const rule of byPriority(rules)) {
    if (!ruleApplies(event, rule)) continue;
    if (!rule.active) {
      skipped ??= { matched: false, reason: 'inactive_rule' };
      continue;
    }
    const code = options.workItemCode ?? rule.workItemCode;
    const item = items.get(code);
    if (item === undefined) {
      skipped ??= { matched: false, reason: 'unknown_item' };
      continue;
    }
    if (!item.active) {
      skipped ??= { matched: false, reason: 'inactive_item' };
      continue;
    }
    return { matched: true, rule, item };
  }
  return skipped ?? { matched: false, reason: 'no_matching_rule' };
}

/** The rule's coefficient times every `coefficientBy` factor, rounded to 6 decimals (so 1.2 × 1.5 is 1.8). */
export function ruleCoefficient(event: PlannerEvent, rule: MappingRule): number {
  let c = rule.coefficient ?? 1;
  for (const [path, table] of Object.entries(rule.coefficientBy ?? {})) {
    const value = getPath(event, path);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const key = String(value);
    if (Object.prototype.hasOwnProperty.call(table, key)) {
      const factor = table[key];
      if (typeof factor === 'number' && Number.isFinite(factor)) c *= factor;
    }
  }
  return Math.round(c * 1e6) / 1e6;
}

/** A positive finite quantity from a number or a numeric string; null if absent; NaN if present but unusable. */
function readQuantity(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : Number.NaN;
}

function ruleQuantity(event: PlannerEvent, rule: MappingRule): number {
  if (rule.quantity === undefined) return 1;
  if (typeof rule.quantity === 'number') return rule.quantity;
  return readQuantity(getPath(event, rule.quantity.path)) ?? 1;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The id and name of a directory effect: the name from data, else the subject's title, else the id. */
function directoryName(event: PlannerEvent, data: Record<string, unknown>): { id: string; name: string } {
  return { id: event.subject.id, name: str(data.name) ?? str(event.subject.title) ?? event.subject.id };
}

function emptyEffects(): EventEffects {
  return { entries: [], assignments: [], marks: [], directory: [] };
}

/**
 * The entry an entry-making event gives its actor. For task.completed, the
 * work item and quantity of the assignment (or of the event's own
 * `data.workItemCode`/`data.quantity`) replace the rule's when that item is
 * in the catalogue and active; otherwise the rule's own item is used.
 */
function planEntry(event: PlannerEvent, ctx: PlannerContext, effects: EventEffects): void {
  let match: RuleMatch | null = null;
  let quantityOverride: number | null = null;

  if (event.type === 'task.completed') {
    const preferred = ctx.assignment?.workItemCode ?? str(event.data.workItemCode);
    const item = preferred === null ? undefined : ctx.catalogue.find((i) => i.code === preferred);
    if (item !== undefined && item.active) {
      const m = matchRule(event, ctx.rules, ctx.catalogue, { workItemCode: item.code });
      if (m.matched) match = m;
    }
    const fromAssignment = ctx.assignment?.quantity ?? null;
    const fromEvent = readQuantity(event.data.quantity);
    // A quantity only belongs with the item it was given for, or with the
    // default item when the task named none.
    if (match !== null || preferred === null) quantityOverride = fromAssignment ?? fromEvent;
  }

  match ??= matchRule(event, ctx.rules, ctx.catalogue);
  if (!match.matched) {
    effects.noEntryReason = match.reason;
    return;
  }

  const quantity = quantityOverride ?? ruleQuantity(event, match.rule);
  if (!Number.isFinite(quantity) || quantity <= 0) {
    effects.noEntryReason = 'invalid_quantity';
    return;
  }
  effects.entries.push({
    userId: event.actor.id,
    workItemCode: match.item.code,
    quantity: Math.min(quantity, match.item.maxQuantityPerEntry),
    coefficient: ruleCoefficient(event, match.rule),
    ruleId: match.rule.id,
  });
}

/** Turns one validated event into its effects. Pure. */
export function planEvent(event: PlannerEvent, ctx: PlannerContext): EventEffects {
  const effects = emptyEffects();
  const data = event.data ?? {};
  const at = event.occurredAt;
  const excused = data.excused === true;

  if (!isKnownEventType(event.type)) {
    effects.noEntryReason = 'unknown_type';
    return effects;
  }

  if (isEntryEventType(event.type)) {
    planEntry(event, ctx, effects);
    if (event.type === 'task.completed') {
      effects.marks.push({ kind: 'completion', userId: event.actor.id, excused: false, at });
    }
    return effects;
  }

  switch (event.type) {
    case 'document.assigned': {
      const assignees = Array.isArray(data.assignees) ? (data.assignees as unknown[]) : [];
      const dueAt = str(event.subject.dueAt);
      for (const a of assignees) {
        const userId = str(getPath(a, 'userId'));
        if (userId === null) continue;
        effects.assignments.push({ op: 'upsert', userId, role: str(getPath(a, 'role')) ?? 'main', dueAt, workItemCode: null, quantity: null });
      }
      break;
    }
    case 'task.assigned': {
      const userId = str(data.assigneeId);
      if (userId !== null) {
        const q = readQuantity(data.quantity);
        effects.assignments.push({
          op: 'upsert',
          userId,
          role: str(data.role) ?? 'main',
          dueAt: str(event.subject.dueAt) ?? str(data.dueAt),
          workItemCode: str(data.workItemCode),
          quantity: q !== null && Number.isFinite(q) ? q : null,
        });
      }
      break;
    }
    case 'task.cancelled':
      effects.assignments.push({ op: 'cancel', userId: str(data.userId) });
      break;
    case 'task.extended': {
      const newDueAt = str(data.newDueAt);
      effects.marks.push({ kind: 'extension', userId: str(data.userId), excused, ...(newDueAt === null ? {} : { newDueAt }), at });
      break;
    }
    case 'task.rejected':
    case 'document.returned':
      effects.marks.push({ kind: 'fail', userId: str(data.userId), excused, at });
      break;
    case 'user.upserted':
      effects.directory.push({
        kind: 'user',
        ...directoryName(event, data),
        unitId: str(data.unitId),
        position: str(data.position),
        isLeader: data.isLeader === true,
        active: data.active !== false,
      });
      break;
    case 'unit.upserted':
      effects.directory.push({
        kind: 'unit',
        ...directoryName(event, data),
        parentId: str(data.parentId),
      });
      break;
  }
  return effects;
}
