import { validateEvent } from '../contract/event-validator';
import type { KpiEvent } from '../contract/events';
import { ValidationError } from '../domain/errors';
import { entryMinutes, type DayKey, type JournalEntry, type NewEntry } from '../domain/journal';
import { addDays, periodOfDay } from '../domain/period';
import { toNfc } from '../domain/text';
import { isValidDay, localDay } from '../domain/time';
import { buildEntries } from '../intake/apply-effects';
import { live, planItems, type Item } from '../intake/plan-events';
import { ENTRY_EVENT_TYPES } from '../rules/mapping';
import type { Stores, UnitOfWork } from '../stores';
import type { AgencyContext, AgencyService } from './agency-service';

/** What an entry says, as far as the rules decide it. */
export interface RuleShape { workItemCode: string; quantity: number; coefficient: number; minutes: number; ruleId: string | null }

/** One difference between the entries stored for an event and those the current rules make. */
export interface RuleChange {
  eventId: string;
  type: string;
  userId: string;
  day: string;
  change: 'changed' | 'added' | 'removed';
  before: RuleShape | null;
  after: RuleShape | null;
}

export interface RulesReplayResult {
  from: string;
  to: string;
  /** Stored events of the days looked at, in open periods. */
  events: number;
  /** Events left alone because a period holding their day is closed. */
  skippedClosed: number;
  changes: RuleChange[];
  applied: boolean;
}

const PAGE = 500;
/** At most this many days at once (a year and a bit): a replay is a deliberate act, not a sweep of history. */
export const MAX_REPLAY_DAYS = 400;

const shape = (e: { workItemCode: string; quantity: number; coefficient: number; minutes: number; ruleId: string | null }): RuleShape =>
  ({ workItemCode: e.workItemCode, quantity: e.quantity, coefficient: e.coefficient, minutes: e.minutes, ruleId: e.ruleId });

const same = (a: JournalEntry, b: NewEntry): boolean =>
  a.workItemCode === b.workItemCode && a.quantity === b.quantity && a.coefficient === b.coefficient && a.ruleId === b.ruleId;

/**
 * Re-derives, with the agency's current mapping rules, the entries of the events stored for
 * the local days [from, to] whose periods (month, quarter, year) are all open: the same
 * planning as the intake (intake/plan-events.ts, buildEntries). Without `apply` it only
 * reports the differences; with it, it writes them (an entry changed keeps its status, review
 * and rating; one no longer made is removed; a new one is added), page by page, and audits it.
 */
export async function replayRules(deps: { uow: UnitOfWork; agencies: AgencyService; clock: () => Date }, agency: string, opts: { from: string; to: string; apply: boolean; actor: string }): Promise<RulesReplayResult> {
  for (const [name, v] of [['from', opts.from], ['to', opts.to]] as const) {
    if (!isValidDay(v)) throw new ValidationError(`${name}: phải là ngày dạng YYYY-MM-DD (must be a YYYY-MM-DD day)`, name);
  }
  if (opts.from > opts.to) throw new ValidationError('from: phải trước hoặc bằng to (from must not be after to)', 'from');
  if (addDays(opts.from, MAX_REPLAY_DAYS) < opts.to) throw new ValidationError(`to: tối đa ${MAX_REPLAY_DAYS} ngày mỗi lần (at most ${MAX_REPLAY_DAYS} days at once)`, 'to');
  const ctx = await deps.agencies.context(agency);
  const result: RulesReplayResult = { from: opts.from, to: opts.to, events: 0, skippedClosed: 0, changes: [], applied: opts.apply };
  // A window of instants wide enough for any time zone; the local day decides.
  const window = { from: new Date(`${addDays(opts.from, -1)}T00:00:00Z`), to: new Date(`${addDays(opts.to, 2)}T00:00:00Z`) };
  let afterSeq = 0;
  for (;;) {
    const rows = await deps.uow.read.events.between(agency, { ...window, types: ENTRY_EVENT_TYPES, status: 'processed', afterSeq, limit: PAGE });
    if (rows.length === 0) break;
    afterSeq = rows[rows.length - 1]!.seq;
    const items: Item[] = [];
    for (const r of rows) {
      const v = validateEvent(JSON.parse(r.payload) as unknown);
      if (!v.ok) continue;
      const event = toNfc(v.event);
      const day = localDay(new Date(event.occurredAt), ctx.settings.timeZone);
      if (day < opts.from || day > opts.to) continue;
      items.push({ index: items.length, event, known: v.known, payload: r.payload });
    }
    const open = await openItems(deps.uow.read, ctx, items);
    result.skippedClosed += items.length - open.length;
    result.events += open.length;
    if (open.length === 0) continue;
    const page = (tx: Stores) => replayPage(tx, ctx, open, deps.clock(), opts.apply);
    result.changes.push(...(opts.apply ? await deps.uow.write(page) : await page(deps.uow.read)));
  }
  if (opts.apply) {
    await deps.agencies.audit(agency, opts.actor, 'rules.replay', `${opts.from}..${opts.to}`, { events: result.events, changes: result.changes.length, skippedClosed: result.skippedClosed });
  }
  return result;
}

/** The items whose local day lies in no closed month, quarter or year. */
async function openItems(tx: Stores, ctx: AgencyContext, items: Item[]): Promise<Item[]> {
  const tz = ctx.settings.timeZone;
  const periodsOf = (it: Item): string[] => {
    const day = localDay(new Date(it.event.occurredAt), tz);
    return (['month', 'quarter', 'year'] as const).map((k) => periodOfDay(day, k).key);
  };
  const keys = [...new Set(items.flatMap(periodsOf))];
  const closed = new Set(keys.length ? await tx.periods.closedAmong(ctx.agency.code, keys) : []);
  return items.filter((it) => !periodsOf(it).some((k) => closed.has(k)));
}

/** One page: plan the events again, compare with what is stored, and (when applying) write the difference. */
async function replayPage(tx: Stores, ctx: AgencyContext, items: Item[], now: Date, apply: boolean): Promise<RuleChange[]> {
  const agency = ctx.agency.code;
  const planned = await planItems(tx, ctx, items);
  const subjects = [...new Map(items.map((i) => [`${i.event.subject.kind}\u0000${i.event.subject.id}`, { kind: i.event.subject.kind, id: i.event.subject.id }])).values()];
  const facts = await tx.assignments.facts(agency, subjects);
  const after = await buildEntries(tx, ctx, live(planned), facts, now);
  const ids = new Set(items.map((i) => i.event.id));
  const stored = (await tx.journal.ofSubjects(agency, subjects)).filter((e) => e.source === 'event' && e.eventId !== null && ids.has(e.eventId));
  const key = (eventId: string | null, userId: string) => `${eventId}\u0000${userId}`;
  const before = new Map(stored.map((e) => [key(e.eventId, e.userId), e]));
  const types = new Map<string, KpiEvent>(items.map((i) => [i.event.id, i.event]));
  const changes: RuleChange[] = [];
  const added: NewEntry[] = [];
  const days: DayKey[] = [];
  for (const n of after) {
    const k = key(n.eventId, n.userId);
    const old = before.get(k);
    before.delete(k);
    const base = { eventId: n.eventId!, type: types.get(n.eventId!)?.type ?? '', userId: n.userId, day: n.day };
    if (!old) {
      changes.push({ ...base, change: 'added', before: null, after: shape(n) });
      added.push(n);
      continue;
    }
    if (same(old, n)) continue;
    // The work item's version stays the one the entry was made with unless the item itself changes.
    const keep = old.workItemCode === n.workItemCode;
    const standardMinutes = keep ? old.standardMinutes : n.standardMinutes;
    const minutes = entryMinutes(n.quantity, standardMinutes, n.coefficient, old.rating);
    changes.push({ ...base, change: 'changed', before: shape(old), after: { ...shape(n), minutes } });
    if (apply) {
      await tx.journal.update(agency, old.id, {
        workItemCode: n.workItemCode, itemVersion: keep ? old.itemVersion : n.itemVersion, itemKind: n.itemKind, standardMinutes,
        quantity: n.quantity, coefficient: n.coefficient, ruleId: n.ruleId, minutes, updatedAt: now,
      });
      days.push({ userId: old.userId, day: old.day });
    }
  }
  for (const old of before.values()) {
    changes.push({ eventId: old.eventId!, type: types.get(old.eventId!)?.type ?? '', userId: old.userId, day: old.day, change: 'removed', before: shape(old), after: null });
    if (apply && (await tx.journal.deleteEventEntry(agency, old.id))) days.push({ userId: old.userId, day: old.day });
  }
  if (apply) {
    await tx.journal.insertMany(agency, added);
    await tx.journal.applyDays(agency, added, days);
  }
  return changes;
}
