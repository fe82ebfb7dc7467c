import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { entryJson, type EntryStatus, type JournalEntryJson } from '../domain/journal';
import type { Principal } from '../domain/principal';
import { isValidDay, today } from '../domain/time';
import type { DirectoryUser, EventStatus, EventSummary, UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import { keptReads, type KeptReadsDeps, type ReadCache } from './read-cache';

export { entryJson, type JournalEntryJson };

export const MAX_RANGE_DAYS = 366;
/** Entries in one page of the journal list: `limit` defaults to the first, may go up to the second. */
export const JOURNAL_PAGE = { default: 1000, max: 20000 } as const;
const STATUSES = ['pending', 'approved', 'rejected'] as const;

export interface JournalListQuery {
  user?: string | undefined;
  unit?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Only entries of this status (the approval queue asks for `pending`). */
  status?: string | undefined;
  /** Entries per page, 1..JOURNAL_PAGE.max (a string as it comes from a query string, or a number). */
  limit?: string | number | undefined;
  /** The `next` of the previous page. */
  after?: string | undefined;
}

export interface JournalPage {
  entries: JournalEntryJson[];
  from: string;
  to: string;
  /** Where the next page starts (pass it as `after`), or null when this page is the last. */
  next: string | null;
}

/** A page's end as `YYYY-MM-DD.id`: the list is ordered by day, then id. */
function parseCursor(after: string): { day: string; id: string } {
  const m = /^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$/.exec(after);
  if (!m || !isValidDay(m[1]!)) throw new ValidationError('after: không phải vị trí trang hợp lệ, hãy dùng giá trị next của trang trước (not a valid page position: use the previous page\'s next)', 'after');
  return { day: m[1]!, id: m[2]! };
}

function parseLimit(v: string | number | undefined): number {
  if (v === undefined) return JOURNAL_PAGE.default;
  const n = typeof v === 'number' ? v : /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > JOURNAL_PAGE.max) {
    throw new ValidationError(`limit: phải là số nguyên từ 1 đến ${JOURNAL_PAGE.max} (must be an integer from 1 to ${JOURNAL_PAGE.max})`, 'limit');
  }
  return n;
}

/** With `generations`, pages of the journal are kept (read-cache.ts). */
export interface JournalServiceDeps extends KeptReadsDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  clock?: () => Date;
}

/**
 * Reading the journal with the access rules of docs/integrators.md (roles): an official sees their own
 * entries; a leader those of their unit's members; HR and admin the whole agency;
 * nobody another agency's (the agency always comes from the verified token).
 */
export class JournalService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;

  private readonly pages: ReadCache<JournalPage> | null;

  constructor(deps: JournalServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
    this.pages = keptReads(deps, 512);
  }

  /** The unit a leader leads: the token's `unit` claim, else the leader's unit in the directory. */
  async unitOf(p: Principal): Promise<string | null> {
    if (p.unit) return p.unit;
    return this.userUnit(p.agency, p.userId);
  }

  async userUnit(agency: string, userId: string): Promise<string | null> {
    return (await this.uow.read.directory.user(agency, userId))?.unitId ?? null;
  }

  /** Whether `p` may read (or, for leaders, review) the work of `userId`. */
  async canSee(p: Principal, userId: string): Promise<boolean> {
    if (userId === p.userId) return true;
    if (p.roles.includes('hr') || p.roles.includes('admin')) return true;
    if (!p.roles.includes('leader')) return false;
    const [mine, theirs] = await Promise.all([this.unitOf(p), this.userUnit(p.agency, userId)]);
    return mine !== null && mine === theirs;
  }

  async canSeeUnit(p: Principal, unitId: string): Promise<boolean> {
    if (p.roles.includes('hr') || p.roles.includes('admin')) return true;
    return p.roles.includes('leader') && (await this.unitOf(p)) === unitId;
  }

  /**
   * One page of entries, ordered by day then id; `next` says where the following page
   * starts, so a long range is never cut short without saying so.
   */
  async list(p: Principal, q: JournalListQuery): Promise<JournalPage> {
    const settings = await this.agencies.getSettings(p.agency);
    const t = today(settings.timeZone, this.clock());
    const from = q.from ?? `${t.slice(0, 8)}01`;
    const to = q.to ?? t;
    for (const [name, v] of [['from', from], ['to', to]] as const) {
      if (!isValidDay(v)) throw new ValidationError(`${name}: phải là ngày dạng YYYY-MM-DD (must be a YYYY-MM-DD day)`, name);
    }
    if (from > to) throw new ValidationError('from: phải trước hoặc bằng to (from must not be after to)', 'from');
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000;
    if (span >= MAX_RANGE_DAYS) throw new ValidationError(`to: khoảng thời gian tối đa ${MAX_RANGE_DAYS} ngày (range at most ${MAX_RANGE_DAYS} days)`, 'to');
    if (q.status !== undefined && !(STATUSES as readonly string[]).includes(q.status)) {
      throw new ValidationError(`status: phải là một trong ${STATUSES.join(', ')} (must be one of ${STATUSES.join(', ')})`, 'status');
    }
    const limit = parseLimit(q.limit);
    const cursor = q.after === undefined ? null : parseCursor(q.after);
    let who: { userId?: string; unitId?: string };
    if (q.unit !== undefined) {
      if (!(await this.canSeeUnit(p, q.unit))) throw new ForbiddenError();
      who = q.user !== undefined ? { unitId: q.unit, userId: q.user } : { unitId: q.unit };
    } else {
      const user = q.user ?? p.userId;
      if (!(await this.canSee(p, user))) throw new ForbiddenError();
      who = { userId: user };
    }
    // One more than the page tells whether another page follows.
    const page = async (): Promise<JournalPage> => {
      const rows = await this.uow.read.journal.page(p.agency, { from, to, ...who, ...(q.status !== undefined ? { status: q.status as EntryStatus } : {}), after: cursor, limit: limit + 1 });
      const more = rows.length > limit;
      const entries = (more ? rows.slice(0, limit) : rows).map(entryJson);
      const last = entries[entries.length - 1];
      return { entries, from, to, next: more && last ? `${last.date}.${last.id}` : null };
    };
    if (this.pages === null) return page();
    // The access check above runs on every call; only the page read is kept.
    const kept = await this.pages.get(JSON.stringify([p.agency, from, to, who.userId ?? null, who.unitId ?? null, q.status ?? null, cursor, limit]), page);
    return { ...kept, entries: kept.entries.slice() };
  }

  async get(p: Principal, id: string): Promise<JournalEntryJson> {
    const e = await this.uow.read.journal.get(p.agency, id);
    if (!e || !(await this.canSee(p, e.userId))) throw new NotFoundError();
    return entryJson(e);
  }

  /** People of the directory among `ids` (unknown ids are left out), by id: the names panels show. */
  async people(agency: string, ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    if (ids.length === 0) return new Map();
    return new Map((await this.uow.read.directory.users(agency, { userIds: [...ids] })).map((u) => [u.id, u]));
  }

  /** The name of every unit of the agency, by id. */
  async unitNames(agency: string): Promise<Map<string, string>> {
    return new Map((await this.uow.read.directory.units(agency)).map((u) => [u.id, u.name]));
  }

  /**
   * Every entry a document or task produced (all people: the caller filters by role), by day
   * then id, at most `limit`, with the name and unit of whom it counts for (null when the
   * directory does not know them).
   */
  async subjectEntries(agency: string, kind: string, subjectId: string, limit: number): Promise<Array<{ entry: JournalEntryJson; userName: string | null; userUnit: string | null }>> {
    const entries = (await this.uow.read.journal.ofSubjects(agency, [{ kind, id: subjectId }])).slice(0, limit);
    const people = await this.people(agency, entries.map((e) => e.userId));
    return entries.map((e) => ({ entry: entryJson(e), userName: people.get(e.userId)?.name ?? null, userUnit: people.get(e.userId)?.unitId ?? null }));
  }

  async listEvents(agency: string, status: string): Promise<Array<Omit<EventSummary, 'occurredAt' | 'receivedAt'> & { occurredAt: string | null; receivedAt: string | null }>> {
    if (!['failed', 'processed', 'ignored'].includes(status)) throw new ValidationError('status: failed | processed | ignored', 'status');
    const rows = await this.uow.read.events.list(agency, status as EventStatus, 500);
    return rows.map((r) => ({ ...r, occurredAt: r.occurredAt ? r.occurredAt.toISOString() : null, receivedAt: r.receivedAt ? r.receivedAt.toISOString() : null }));
  }
}
