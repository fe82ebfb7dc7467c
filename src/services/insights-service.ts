import { TZDate } from '@date-fns/tz';
import { ForbiddenError, ValidationError } from '../domain/errors';
import { workingDays, type AgencyCalendar } from '../domain/calendar';
import { addDays, parsePeriod, periodOfDay, type Period } from '../domain/period';
import { localDay, today } from '../domain/time';
import type { Principal } from '../domain/principal';
import { namesUser } from '../rules/derive';
import { ENTRY_EVENT_TYPES } from '../rules/mapping';
import { getPath, matchRule, type PlannerEvent, type RuleMatch } from '../rules/planner';
import type { UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { keptReads, type KeptReadsDeps, type ReadCache } from './read-cache';

/**
 * What the "My KPI" panel tells an official besides the score (the lessons of the provincial
 * pilots): the days whose logged time passes the daily cap, the working days
 * with nothing logged, and the events that touched them but made no entry — each with
 * the work item a rule would now give it, so that the official adds it in one click
 * (POST /api/v1/journal with `fromEvent`).
 */

export interface OverCapDay { date: string; totalMinutes: number; capMinutes: number; entries: number }
export interface Reminder { date: string }
export interface Suggestion {
  eventId: string;
  type: string;
  status: 'processed' | 'ignored' | 'failed';
  occurredAt: string | null;
  date: string;
  subject: { kind: string | null; id: string | null; title: string | null };
  /** Why no entry: the event's stored error for a failed event, else none. */
  error: string | null;
  /** The work item a rule would give this event now, or null (the official picks one). */
  workItemCode: string | null;
  workItemName: string | null;
  quantity: number;
}

export interface Insights {
  userId: string;
  period: string;
  from: string;
  to: string;
  today: string;
  capMinutes: number;
  overCap: OverCapDay[];
  reminders: Reminder[];
  suggestions: Suggestion[];
}

/** At most this many suggestions are listed (newest first); the rest wait until these are dealt with. */
export const MAX_SUGGESTIONS = 200;
/** Events read per call, at most: a guard against a host flooding one official's period. */
const MAX_EVENTS_SCANNED = 5000;

const messages = {
  user: 'user: phải là mã người dùng (must be a user id)',
  period: 'period: phải là chuỗi dạng YYYY-MM, YYYY-Qn hoặc YYYY (must be a period key)',
};

/** Days of a user whose counted minutes pass the cap, from (day, minutes) rows of counted entries. Pure. */
export function overCapDays(rows: ReadonlyArray<{ day: string; minutes: number }>, capMinutes: number): OverCapDay[] {
  const byDay = new Map<string, { total: number; n: number }>();
  for (const r of rows) {
    const d = byDay.get(r.day) ?? { total: 0, n: 0 };
    d.total += r.minutes;
    d.n += 1;
    byDay.set(r.day, d);
  }
  return [...byDay.entries()]
    .filter(([, v]) => v.total > capMinutes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, v]) => ({ date, totalMinutes: Math.round(v.total * 100) / 100, capMinutes, entries: v.n }));
}

/**
 * Working days of the period before today (today is still being worked) within the
 * user's active days, on which no counted entry lies. Pure.
 */
export function emptyWorkingDays(period: Period, todayDay: string, cal: AgencyCalendar, active: { from: string | null; to: string | null }, loggedDays: ReadonlySet<string>): Reminder[] {
  const last = addDays(todayDay, -1) < period.to ? addDays(todayDay, -1) : period.to;
  if (last < period.from) return [];
  return workingDays(period.from, last, cal, active).filter((d) => !loggedDays.has(d)).map((date) => ({ date }));
}

/** The quantity the matched rule would give (a number, or read from the event), within the item's maximum; 1 when unusable. */
export function suggestedQuantity(ev: PlannerEvent, m: Extract<RuleMatch, { matched: true }>): number {
  const spec = m.rule.quantity;
  let q = 1;
  if (typeof spec === 'number') q = spec;
  else if (spec !== undefined) {
    const v = getPath(ev, spec.path);
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isFinite(n) && n > 0) q = n;
  }
  if (!Number.isFinite(q) || q <= 0) q = 1;
  return Math.min(Math.round(q * 100) / 100 || 1, m.item.maxQuantityPerEntry);
}

/** The first instant of a local day in a time zone. */
function startOfDay(day: string, timeZone: string): Date {
  return new Date(new TZDate(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), 0, 0, 0, 0, timeZone).getTime());
}

/** With `generations`, an official's insights are kept (read-cache.ts). */
export interface InsightsServiceDeps extends KeptReadsDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
}

export class InsightsService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly clock: () => Date;
  private readonly cache: ReadCache<Insights> | null;

  constructor(deps: InsightsServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
    this.cache = keptReads(deps, 512);
  }

  async forUser(p: Principal, q: { user?: unknown; period?: unknown }): Promise<Insights> {
    if (q.user !== undefined && (typeof q.user !== 'string' || q.user === '' || q.user.length > 200)) throw new ValidationError(messages.user, 'user');
    if (q.period !== undefined && typeof q.period !== 'string') throw new ValidationError(messages.period, 'period');
    const userId = (q.user as string | undefined) ?? p.userId;
    if (!(await this.journal.canSee(p, userId))) throw new ForbiddenError();
    const ctx = await this.agencies.context(p.agency);
    const settings = ctx.settings;
    const todayDay = today(settings.timeZone, this.clock());
    const period = q.period === undefined ? periodOfDay(todayDay, 'month') : parsePeriod(q.period as string);
    if (this.cache === null) return this.build(p.agency, userId, period, todayDay, ctx);
    // Kept per official, period and day (the reminders and suggestions move with the day); the caller gets its own copy.
    const kept = await this.cache.get(JSON.stringify([p.agency, userId, period.key, todayDay]), () => this.build(p.agency, userId, period, todayDay, ctx));
    return { ...kept, overCap: kept.overCap.slice(), reminders: kept.reminders.slice(), suggestions: kept.suggestions.slice() };
  }

  private async build(agency: string, userId: string, period: Period, todayDay: string, ctx: Awaited<ReturnType<AgencyService['context']>>): Promise<Insights> {
    const settings = ctx.settings;
    const p = { agency };
    const read = this.uow.read;
    const rows = (await read.journal.ofUser(p.agency, userId, period.from, period.to, ['approved', 'pending'])).map((e) => ({ day: e.day, minutes: e.minutes }));

    const user = await read.directory.user(p.agency, userId);
    const active = { from: user?.activeFrom ?? null, to: user?.activeTo ?? null };
    const cal = { holidays: settings.holidays, makeUpDays: settings.makeUpDays };

    return {
      userId,
      period: period.key,
      from: period.from,
      to: period.to,
      today: todayDay,
      capMinutes: settings.capMinutes,
      overCap: overCapDays(rows, settings.capMinutes),
      reminders: emptyWorkingDays(period, todayDay, cal, active, new Set(rows.map((r) => r.day))),
      suggestions: await this.suggestions(p.agency, userId, period, settings.timeZone, ctx),
    };
  }

  /**
   * Events of the period that name the user and made no entry for them: entry-making
   * events whose rule matched nothing (or whose item was inactive) at the time, and
   * ignored (unknown type) or failed events. An event drops off the list once it has an
   * entry for the user, or once the user added a manual entry about the same subject.
   */
  private async suggestions(agency: string, userId: string, period: Period, timeZone: string, ctx: Awaited<ReturnType<AgencyService['context']>>): Promise<Suggestion[]> {
    const fromInstant = startOfDay(period.from, timeZone);
    const toInstant = startOfDay(addDays(period.to, 1), timeZone);
    const read = this.uow.read;
    const events = await read.events.mentioning(agency, {
      userId, from: fromInstant, to: toInstant, types: ENTRY_EVENT_TYPES, statuses: ['ignored', 'failed'], limit: MAX_EVENTS_SCANNED,
    });
    if (events.length === 0) return [];

    const withEntry = await read.journal.eventsWithEntry(agency, userId, addDays(period.from, -1), addDays(period.to, 1));
    const manualSubjects = await read.journal.manualSubjects(agency, userId);

    const catalogue = [...ctx.catalogue.values()];
    const out: Suggestion[] = [];
    for (const r of events) {
      if (out.length >= MAX_SUGGESTIONS) break;
      const eventId = r.eventId;
      if (withEntry.has(eventId)) continue;
      let ev: PlannerEvent;
      try {
        ev = JSON.parse(r.payload) as PlannerEvent;
      } catch {
        continue;
      }
      const entryType = (ENTRY_EVENT_TYPES as readonly string[]).includes(ev.type);
      // An entry-making event gives its entry to the actor; other events count when they name the user.
      if (entryType ? ev.actor?.id !== userId : !namesUser(ev, userId)) continue;
      const subject = ev.subject ?? ({} as PlannerEvent['subject']);
      if (typeof subject.kind === 'string' && typeof subject.id === 'string' && manualSubjects.has(`${subject.kind}\u0000${subject.id}`)) continue;
      const occurred = r.occurredAt;
      const m = entryType ? matchRule(ev, ctx.rules, catalogue) : null;
      out.push({
        eventId,
        type: r.type,
        status: r.status,
        occurredAt: occurred ? occurred.toISOString() : null,
        date: occurred ? localDay(occurred, timeZone) : period.from,
        subject: { kind: subject.kind ?? null, id: subject.id ?? null, title: subject.title ?? null },
        error: r.error,
        workItemCode: m?.matched ? m.item.code : null,
        workItemName: m?.matched ? m.item.name : null,
        quantity: m?.matched ? suggestedQuantity(ev, m) : 1,
      });
    }
    return out;
  }
}
