import type { Knex } from 'knex';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { isValidDay, today } from '../domain/time';
import type { Principal } from '../http/auth';
import { toBool, toIso, toNum } from '../db/rows';
import type { AgencyService } from './agency-service';

/** A journal entry as CONTRACT §3 shows it. */
export interface JournalEntryJson {
  id: string;
  userId: string;
  unitId: string | null;
  date: string;
  workItemCode: string;
  itemVersion: number;
  quantity: number;
  coefficient: number;
  rating: number | null;
  standardMinutes: number;
  minutes: number;
  status: 'pending' | 'approved' | 'rejected';
  source: 'event' | 'manual';
  eventId: string | null;
  subjectKind: string | null;
  subjectId: string | null;
  subjectTitle: string | null;
  fails: number;
  delays: number;
  late: boolean;
  note: string | null;
  reviewReason: string | null;
  reviewedBy: string | null;
  occurredAt: string | null;
}

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

export const ENTRY_COLUMNS = [
  'id', 'user_id', 'unit_id', 'day', 'work_item_code', 'item_version', 'item_kind', 'quantity', 'coefficient', 'rating', 'standard_minutes', 'minutes',
  'status', 'source', 'event_id', 'subject_kind', 'subject_id', 'subject_title', 'fails', 'delays', 'late', 'note', 'review_reason', 'reviewed_by', 'occurred_at',
] as const;

export function entryJson(r: Record<string, unknown>): JournalEntryJson {
  return {
    id: String(r.id), userId: String(r.user_id), unitId: (r.unit_id as string | null) ?? null, date: String(r.day), workItemCode: String(r.work_item_code),
    itemVersion: toNum(r.item_version), quantity: toNum(r.quantity), coefficient: toNum(r.coefficient),
    // A rated item has its rating once the leader rated it, which also approves it; until then it shows none.
    rating: r.item_kind === 'rated' && r.status !== 'approved' ? null : toNum(r.rating),
    standardMinutes: toNum(r.standard_minutes), minutes: toNum(r.minutes), status: r.status as JournalEntryJson['status'], source: r.source as JournalEntryJson['source'],
    eventId: (r.event_id as string | null) ?? null, subjectKind: (r.subject_kind as string | null) ?? null, subjectId: (r.subject_id as string | null) ?? null,
    subjectTitle: (r.subject_title as string | null) ?? null, fails: toNum(r.fails), delays: toNum(r.delays), late: toBool(r.late),
    note: (r.note as string | null) ?? null, reviewReason: (r.review_reason as string | null) ?? null, reviewedBy: (r.reviewed_by as string | null) ?? null,
    occurredAt: toIso(r.occurred_at),
  };
}

export interface JournalServiceDeps { knex: Knex; agencies: AgencyService; clock?: () => Date }

/**
 * Reading the journal with the access rules of PRODUCT.md: an official sees their own
 * entries; a leader those of their unit's members; HR and admin the whole agency;
 * nobody another agency's (the agency always comes from the verified token).
 */
export class JournalService {
  private readonly knex: Knex;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;

  constructor(deps: JournalServiceDeps) {
    this.knex = deps.knex;
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The unit a leader leads: the token's `unit` claim, else the leader's unit in the directory. */
  async unitOf(p: Principal): Promise<string | null> {
    if (p.unit) return p.unit;
    const r = await this.knex('kpi_users').where({ agency_code: p.agency, id: p.userId }).first('unit_id');
    return (r?.unit_id as string | null) ?? null;
  }

  async userUnit(agency: string, userId: string): Promise<string | null> {
    const r = await this.knex('kpi_users').where({ agency_code: agency, id: userId }).first('unit_id');
    return (r?.unit_id as string | null) ?? null;
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
    let query = this.knex('kpi_journal_entries').where({ agency_code: p.agency }).andWhere('day', '>=', from).andWhere('day', '<=', to);
    if (q.unit !== undefined) {
      if (!(await this.canSeeUnit(p, q.unit))) throw new ForbiddenError();
      query = query.whereIn('user_id', this.knex('kpi_users').select('id').where({ agency_code: p.agency, unit_id: q.unit }));
      if (q.user !== undefined) query = query.andWhere('user_id', q.user);
    } else {
      const user = q.user ?? p.userId;
      if (!(await this.canSee(p, user))) throw new ForbiddenError();
      query = query.andWhere('user_id', user);
    }
    if (q.status !== undefined) query = query.andWhere('status', q.status);
    if (cursor) query = query.andWhere((w) => w.where('day', '>', cursor.day).orWhere((x) => x.where('day', cursor.day).andWhere('id', '>', cursor.id)));
    // One more than the page tells whether another page follows.
    const rows = await query.select(...ENTRY_COLUMNS).orderBy([{ column: 'day' }, { column: 'id' }]).limit(limit + 1);
    const more = rows.length > limit;
    const entries = (more ? rows.slice(0, limit) : rows).map(entryJson);
    const last = entries[entries.length - 1];
    return { entries, from, to, next: more && last ? `${last.date}.${last.id}` : null };
  }

  async get(p: Principal, id: string): Promise<JournalEntryJson> {
    if (!/^\d{1,18}$/.test(id)) throw new NotFoundError();
    const r = await this.knex('kpi_journal_entries').where({ agency_code: p.agency, id }).first(...ENTRY_COLUMNS);
    if (!r || !(await this.canSee(p, String(r.user_id)))) throw new NotFoundError();
    return entryJson(r);
  }

  async listEvents(agency: string, status: string): Promise<Array<{ id: string; type: string; status: string; error: string | null; attempts: number; occurredAt: string | null; receivedAt: string | null }>> {
    if (!['failed', 'processed', 'ignored'].includes(status)) throw new ValidationError('status: failed | processed | ignored', 'status');
    const rows = await this.knex('kpi_events').where({ agency_code: agency, status }).orderBy('seq', 'desc').limit(500)
      .select('event_id', 'type', 'status', 'error', 'attempts', 'occurred_at', 'received_at');
    return rows.map((r) => ({ id: String(r.event_id), type: String(r.type), status: String(r.status), error: (r.error as string | null) ?? null, attempts: toNum(r.attempts), occurredAt: toIso(r.occurred_at), receivedAt: toIso(r.received_at) }));
  }
}
