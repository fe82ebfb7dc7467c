import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { entryJson, entryMinutes, type EntryPatch, type EntryStatus, type JournalEntry, type JournalEntryJson } from '../domain/journal';
import { hasAtMostDecimals, isPlainObject } from '../domain/objects';
import { addDays } from '../domain/period';
import type { Principal } from '../domain/principal';
import { isValidDay, today } from '../domain/time';
import { namesUser } from '../rules/derive';
import type { StoredWorkItem, Stores, UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { assertDayOpen } from './period-service';
import { reachOf } from './read-cache';
import { rederive, rederiveEntry } from './rederive';

/**
 * The life of a journal entry after the intake: an official adds what no event shows
 * (a manual entry for themself), may change or withdraw it while it waits, and the
 * leader of the official's unit approves it, returns it with a reason, rates a
 * qualitative item, or records a "not met" quality assessment (docs/hr.md `fails`).
 *
 * Who may do what:
 * - the owner, and only the owner, creates, changes and deletes their manual entries, and
 *   only while they are pending;
 * - a review is done by a leader of the owner's unit (the token's `unit` claim, else the
 *   directory), never on their own entries; HR and admin read but do not review;
 * - an entry the caller may not read at all is a 404 (no hint that it exists);
 * - nothing changes on a day that lies in a closed month, quarter or year (409).
 * Every change is written to the audit trail in the same transaction as the change.
 */

export const MAX_NOTE_LENGTH = 1000;
export const MAX_REASON_LENGTH = 1000;
/** At most this many entries are approved by one bulk approval. */
export const MAX_BULK = 1000;

const ENTRY_FIELDS = ['date', 'workItemCode', 'quantity', 'note', 'fromEvent'] as const;

const messages = {
  body: 'Dữ liệu gửi lên phải là một đối tượng JSON (body must be a JSON object)',
  unknownField: (k: string) => `${k}: trường không được hỗ trợ (unknown field)`,
  emptyPatch: 'Cần ít nhất một trường để sửa: date, workItemCode, quantity, note (nothing to change)',
  required: (k: string) => `${k}: bắt buộc (required)`,
  date: 'date: phải là ngày có thật dạng YYYY-MM-DD (must be a real YYYY-MM-DD day)',
  future: (t: string) => `date: không được sau ngày hôm nay ${t} (must not be in the future)`,
  tooOld: (n: number, min: string) => `date: chỉ được kê khai trong vòng ${n} ngày, từ ${min} (at most ${n} days back)`,
  itemCode: 'workItemCode: phải là mã đầu công việc (must be a work item code)',
  unknownItem: (c: string) => `workItemCode: "${c}" không có trong danh mục của cơ quan (not in the agency's catalogue)`,
  inactiveItem: (c: string) => `workItemCode: "${c}" đã ngừng sử dụng (work item is inactive)`,
  quantityType: 'quantity: phải là một số (must be a number)',
  quantityPositive: 'quantity: phải lớn hơn 0 (must be greater than 0)',
  quantityDecimals: 'quantity: tối đa 2 chữ số thập phân (at most 2 decimals)',
  quantityMax: (max: number, unit: string) => `quantity: tối đa ${max} ${unit} cho một mục (at most ${max} per entry)`,
  note: 'note: phải là chuỗi (must be a string)',
  noteLong: `note: tối đa ${MAX_NOTE_LENGTH} ký tự (at most ${MAX_NOTE_LENGTH} characters)`,
  fromEvent: 'fromEvent: phải là mã sự kiện (must be an event id)',
  fromEventUnknown: (id: string) => `fromEvent: không có sự kiện "${id}" liên quan đến bạn (no such event of yours)`,
  eventHasEntry: (e: string, id: string) => `Sự kiện "${e}" đã tạo mục nhật ký ${id} cho bạn (this event already made entry ${id})`,
  reason: 'reason: bắt buộc nêu lý do trả lại (a reason is required)',
  reasonLong: `reason: tối đa ${MAX_REASON_LENGTH} ký tự (at most ${MAX_REASON_LENGTH} characters)`,
  rating: 'rating: phải là số từ 0 đến 1 (must be a number in [0, 1])',
  excused: 'excused: phải là true hoặc false (must be a boolean)',
  notOwner: 'Chỉ người kê khai mới được sửa hoặc xóa mục này (only the owner may change this entry)',
  ownEntry: 'Không được tự duyệt, trả lại hay đánh giá mục nhật ký của chính mình (you cannot review your own entry)',
  notUnitLeader: 'Chỉ lãnh đạo phòng/ban của cán bộ mới được duyệt mục này (only the leader of the official\'s unit may review)',
  notPending: (s: string) => `Mục nhật ký đang ở trạng thái "${s}", chỉ thao tác được khi chờ duyệt (entry is ${s}, not pending)`,
  notManual: 'Chỉ sửa hoặc xóa được mục tự kê khai; mục tạo từ sự kiện do hệ thống quản lý (only manual entries can be changed)',
  rejected: 'Mục nhật ký đã bị trả lại (entry was returned)',
  ratingRequired: (c: string) => `Đầu công việc ${c} là loại định tính: hãy chấm mức độ (rate) thay vì duyệt (rate this qualitative item instead of approving it)`,
  notRated: (c: string) => `Đầu công việc ${c} không phải loại định tính, không chấm mức độ (only rated items take a rating)`,
  changed: 'Mục nhật ký vừa được người khác thay đổi, hãy tải lại (entry changed meanwhile, reload)',
};

export interface ManualInput {
  date?: string;
  workItemCode?: string;
  quantity?: number;
  note?: string | null;
  fromEvent?: string;
}

export { hasAtMostDecimals };

/**
 * The shape of POST/PATCH /journal bodies: types and lengths only (the catalogue and the
 * calendar are checked by the service). Unknown keys are refused by name so that a typo
 * (`workitemCode`) does not silently drop a field. `partial` for PATCH.
 */
export function parseManualInput(raw: unknown, opts: { partial: boolean }): ManualInput {
  if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
  for (const k of Object.keys(raw)) {
    if (!(ENTRY_FIELDS as readonly string[]).includes(k) || (opts.partial && k === 'fromEvent')) throw new ValidationError(messages.unknownField(k), k, 'unknown_field');
  }
  const out: ManualInput = {};
  if (!opts.partial) {
    for (const k of ['date', 'workItemCode', 'quantity'] as const) if (raw[k] === undefined) throw new ValidationError(messages.required(k), k, 'required');
  } else if (Object.keys(raw).length === 0) {
    throw new ValidationError(messages.emptyPatch, undefined, 'invalid_body');
  }
  if (raw.date !== undefined) {
    if (typeof raw.date !== 'string' || !isValidDay(raw.date)) throw new ValidationError(messages.date, 'date', 'invalid_date');
    out.date = raw.date;
  }
  if (raw.workItemCode !== undefined) {
    if (typeof raw.workItemCode !== 'string' || raw.workItemCode.trim() === '' || raw.workItemCode.length > 64) throw new ValidationError(messages.itemCode, 'workItemCode', 'invalid_work_item');
    out.workItemCode = raw.workItemCode.trim();
  }
  if (raw.quantity !== undefined) out.quantity = parseQuantity(raw.quantity);
  if (raw.note !== undefined) {
    if (raw.note !== null && typeof raw.note !== 'string') throw new ValidationError(messages.note, 'note', 'invalid_note');
    const note = raw.note === null ? '' : raw.note.normalize('NFC').trim();
    if (note.length > MAX_NOTE_LENGTH) throw new ValidationError(messages.noteLong, 'note', 'note_too_long');
    out.note = note === '' ? null : note;
  }
  if (raw.fromEvent !== undefined) {
    if (typeof raw.fromEvent !== 'string' || raw.fromEvent.length === 0 || raw.fromEvent.length > 200) throw new ValidationError(messages.fromEvent, 'fromEvent', 'invalid_event_id');
    out.fromEvent = raw.fromEvent;
  }
  return out;
}

/** A quantity as typed: a finite number > 0 with at most 2 decimals (the item's maximum is checked against the catalogue). */
export function parseQuantity(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(messages.quantityType, 'quantity', 'invalid_quantity');
  if (v <= 0) throw new ValidationError(messages.quantityPositive, 'quantity', 'invalid_quantity');
  if (!hasAtMostDecimals(v, 2)) throw new ValidationError(messages.quantityDecimals, 'quantity', 'invalid_quantity');
  return v;
}

/** The item a manual entry may use: in the catalogue, active, of a known kind; the quantity within its maximum. */
export function checkItem(catalogue: readonly StoredWorkItem[], code: string, quantity: number): StoredWorkItem {
  const item = catalogue.find((i) => i.code === code);
  if (!item || (item.kind !== 'count' && item.kind !== 'rated')) throw new ValidationError(messages.unknownItem(code), 'workItemCode', 'unknown_work_item');
  if (!item.active) throw new ValidationError(messages.inactiveItem(code), 'workItemCode', 'inactive_work_item');
  if (quantity > item.maxQuantityPerEntry) throw new ValidationError(messages.quantityMax(item.maxQuantityPerEntry, item.unit), 'quantity', 'quantity_over_max', { max: item.maxQuantityPerEntry, unit: item.unit });
  return item;
}

/** A day an official may log: not after today, not more than `maxBackdateDays` before it. */
export function checkEntryDay(day: string, todayDay: string, maxBackdateDays: number): void {
  if (day > todayDay) throw new ValidationError(messages.future(todayDay), 'date', 'date_in_future', { today: todayDay });
  const min = addDays(todayDay, -maxBackdateDays);
  if (day < min) throw new ValidationError(messages.tooOld(maxBackdateDays, min), 'date', 'date_too_old', { days: maxBackdateDays, min });
}

export function parseReason(raw: unknown): string {
  const v = isPlainObject(raw) ? raw.reason : undefined;
  if (v !== undefined && v !== null && typeof v !== 'string') throw new ValidationError(messages.reason, 'reason', 'reason_required');
  const reason = typeof v === 'string' ? v.normalize('NFC').trim() : '';
  if (reason === '') throw new ValidationError(messages.reason, 'reason', 'reason_required');
  if (reason.length > MAX_REASON_LENGTH) throw new ValidationError(messages.reasonLong, 'reason', 'reason_too_long');
  return reason;
}

export function parseRating(raw: unknown): number {
  const v = isPlainObject(raw) ? raw.rating : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new ValidationError(messages.rating, 'rating', 'invalid_rating');
  return v;
}

export function parseExcused(raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
  const v = raw.excused;
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ValidationError(messages.excused, 'excused', 'invalid_excused');
  return v;
}

/** The catalogue facts an entry keeps (so that a later catalogue edit does not change it). */
type ItemRef = Pick<StoredWorkItem, 'code' | 'version' | 'kind' | 'standardMinutes'>;

export interface ReviewServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
}

export class ReviewService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly clock: () => Date;

  constructor(deps: ReviewServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
  }

  // ------------------------------------------------------------------ the official's side

  /** A manual entry by the caller for themself. */
  async create(p: Principal, raw: unknown): Promise<JournalEntryJson> {
    const input = parseManualInput(raw, { partial: false });
    const settings = await this.agencies.getSettings(p.agency);
    checkEntryDay(input.date!, today(settings.timeZone, this.clock()), settings.manualBackdateDays);
    const item = checkItem(await this.agencies.catalogueOn(p.agency, input.date!), input.workItemCode!, input.quantity!);
    const subject = input.fromEvent === undefined ? null : await this.eventSubject(p, input.fromEvent);
    const unitId = (await this.journal.userUnit(p.agency, p.userId)) ?? p.unit;
    // A qualitative item waits for the leader's rating whatever the setting: its minutes are not known before.
    const status: EntryStatus = settings.manualEntriesNeedApproval || item.kind === 'rated' ? 'pending' : 'approved';
    const now = this.clock();
    const day = input.date!;
    const reach = reachOf(p.agency);
    const id = await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, day);
      const newId = await tx.journal.insert(p.agency, {
        userId: p.userId, unitId, day, workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes,
        quantity: input.quantity!, coefficient: 1, rating: 1, minutes: entryMinutes(input.quantity!, item.standardMinutes, 1), status, source: 'manual',
        eventId: null, ruleId: null, subjectKind: subject?.kind ?? null, subjectId: subject?.id ?? null, subjectTitle: subject?.title ?? null,
        fails: 0, delays: 0, late: false, completes: false, note: input.note ?? null, reviewReason: null,
        reviewedBy: status === 'approved' ? 'system' : null, reviewedAt: status === 'approved' ? now : null, occurredAt: now, createdAt: now, updatedAt: now,
      });
      await audit(tx, p, 'journal.create', `journal:${newId}`, { userId: p.userId, day, workItemCode: item.code, quantity: input.quantity!, status, fromEvent: input.fromEvent ?? null }, now);
      await tx.journal.refreshDays(p.agency, reach.days([{ userId: p.userId, day }]));
      return newId;
    }, { reach });
    return this.json(p.agency, id);
  }

  /** Changes a pending manual entry of the caller's own. */
  async update(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.ownPending(p, id);
    const input = parseManualInput(raw, { partial: true });
    const settings = await this.agencies.getSettings(p.agency);
    const day = input.date ?? before.day;
    if (input.date !== undefined) checkEntryDay(day, today(settings.timeZone, this.clock()), settings.manualBackdateDays);
    const code = input.workItemCode ?? before.workItemCode;
    const quantity = input.quantity ?? before.quantity;
    // The item is looked up again only when the item or the quantity changes; a note or a date alone keeps the entry's own.
    const item: ItemRef = input.workItemCode !== undefined || input.quantity !== undefined
      ? checkItem(await this.agencies.catalogueOn(p.agency, day), code, quantity)
      : { code, version: before.itemVersion, kind: before.itemKind, standardMinutes: before.standardMinutes };
    const now = this.clock();
    const reach = reachOf(p.agency);
    await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, before.day);
      if (day !== before.day) await assertDayOpen(tx.periods, p.agency, day);
      const patch: EntryPatch = {
        day, workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes,
        quantity, rating: 1, minutes: entryMinutes(quantity, item.standardMinutes, before.coefficient), updatedAt: now,
      };
      if (input.note !== undefined) patch.note = input.note;
      await guardedUpdate(tx, p.agency, id, ['pending'], patch);
      await audit(tx, p, 'journal.update', `journal:${id}`, {
        before: { day: before.day, work_item_code: before.workItemCode, quantity: before.quantity, note: before.note },
        after: { day, work_item_code: item.code, quantity, ...(input.note !== undefined ? { note: input.note } : {}) },
      }, now);
      await tx.journal.refreshDays(p.agency, reach.days([{ userId: p.userId, day: before.day }, { userId: p.userId, day }]));
    }, { reach });
    return this.json(p.agency, id);
  }

  /** Withdraws a pending manual entry of the caller's own. */
  async remove(p: Principal, id: string): Promise<void> {
    const before = await this.ownPending(p, id);
    const now = this.clock();
    const reach = reachOf(p.agency);
    await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, before.day);
      if (!(await tx.journal.deletePendingManual(p.agency, id))) throw new ConflictError(messages.changed, 'entry_changed');
      await audit(tx, p, 'journal.delete', `journal:${id}`, { entry: { user_id: before.userId, day: before.day, work_item_code: before.workItemCode, quantity: before.quantity, note: before.note } }, now);
      await tx.journal.refreshDays(p.agency, reach.days([{ userId: before.userId, day: before.day }]));
    }, { reach });
  }

  // ------------------------------------------------------------------ the leader's side

  async approve(p: Principal, id: string): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    if (before.status !== 'pending') throw new ConflictError(messages.notPending(before.status), 'not_pending');
    if (before.itemKind === 'rated') throw new ConflictError(messages.ratingRequired(before.workItemCode), 'rating_required');
    return this.review(p, before, ['pending'], 'journal.approve', { status: 'approved', reviewReason: null }, {});
  }

  /**
   * Approves several pending entries at once (the unit board's "approve all shown"): each as
   * `approve` does, in a transaction of its own; an entry that cannot be approved (changed
   * meanwhile, a rated item, not the caller's unit) is left as it is and counted as skipped.
   */
  async approveMany(p: Principal, ids: readonly string[]): Promise<{ approved: string[]; skipped: string[] }> {
    const approved: string[] = [];
    const skipped: string[] = [];
    for (const id of [...new Set(ids)].slice(0, MAX_BULK)) {
      try {
        await this.approve(p, id);
        approved.push(id);
      } catch (e) {
        if (!(e instanceof ConflictError || e instanceof ForbiddenError || e instanceof NotFoundError)) throw e;
        skipped.push(id);
      }
    }
    return { approved, skipped };
  }

  /** Returns an entry (pending, or already approved — an event-made entry the leader disputes) with a reason: it never counts. */
  async returnEntry(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const reason = parseReason(raw);
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    return this.review(p, before, ['pending', 'approved'], 'journal.return', { status: 'rejected', reviewReason: reason }, { reason });
  }

  /** Rates a qualitative item (pending, or approved to correct a rating) and approves it. */
  async rate(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const rating = parseRating(raw);
    if (before.itemKind !== 'rated') throw new ConflictError(messages.notRated(before.workItemCode), 'not_rated_item');
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    const minutes = entryMinutes(before.quantity, before.standardMinutes, before.coefficient, rating);
    return this.review(p, before, ['pending', 'approved'], 'journal.rate', { status: 'approved', rating, minutes, reviewReason: null }, { rating, minutes });
  }

  /**
   * A leader's "not met" (không đạt) quality assessment. Recorded as a fail mark, like
   * task.rejected and document.returned: on the entry's subject for its owner when the
   * entry has one (so every entry of that owner for the subject is re-derived, exactly
   * as the intake would), else on the entry itself (subject kind `entry`, id the entry's;
   * the entry's own subject stays empty).
   */
  async fail(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const excused = parseExcused(raw);
    // A reason is optional for the API, but one that is sent must say something (the board always sends one).
    const reason = isPlainObject(raw) && raw.reason !== undefined && raw.reason !== null ? parseReason(raw) : null;
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    const now = this.clock();
    const owner = before.userId;
    const ownSubject = before.subjectKind === null || before.subjectId === null;
    const subject = ownSubject ? { kind: 'entry', id: before.id } : { kind: before.subjectKind!, id: before.subjectId! };
    const reach = reachOf(p.agency);
    await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, before.day);
      await tx.assignments.insertMarks(p.agency, [{ subjectKind: subject.kind, subjectId: subject.id, userId: owner, kind: 'fail', excused, newDueAt: null, at: now, eventId: null }]);
      const changed = ownSubject ? await rederiveEntry(tx, p.agency, before.id, now) : await rederive(tx, p.agency, [subject], now);
      if (reason !== null) await tx.journal.update(p.agency, before.id, { reviewReason: reason, updatedAt: now });
      await audit(tx, p, 'journal.fail', `journal:${before.id}`, { userId: owner, subjectKind: subject.kind, subjectId: subject.id, excused, ...(reason !== null ? { reason } : {}) }, now);
      await tx.journal.refreshDays(p.agency, reach.days(changed));
    }, { reach });
    return this.json(p.agency, id);
  }

  // ------------------------------------------------------------------ internals

  private async json(agency: string, id: string): Promise<JournalEntryJson> {
    return entryJson((await this.uow.read.journal.get(agency, id))!);
  }

  /** The entry, when the caller may read it; else 404 whether or not it exists. */
  private async visible(p: Principal, id: string): Promise<JournalEntry> {
    const e = await this.uow.read.journal.get(p.agency, id);
    if (!e || !(await this.journal.canSee(p, e.userId))) throw new NotFoundError();
    return e;
  }

  private async ownPending(p: Principal, id: string): Promise<JournalEntry> {
    const e = await this.visible(p, id);
    if (e.userId !== p.userId) throw new ForbiddenError(messages.notOwner, 'not_owner');
    if (e.source !== 'manual') throw new ConflictError(messages.notManual, 'not_manual');
    if (e.status !== 'pending') throw new ConflictError(messages.notPending(e.status), 'not_pending');
    return e;
  }

  /** The entry, when the caller is a leader of its owner's unit and not its owner. */
  private async reviewable(p: Principal, id: string): Promise<JournalEntry> {
    const e = await this.visible(p, id);
    if (e.userId === p.userId) throw new ForbiddenError(messages.ownEntry, 'own_entry');
    if (!p.roles.includes('leader')) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
    const [mine, theirs] = await Promise.all([this.journal.unitOf(p), this.journal.userUnit(p.agency, e.userId)]);
    if (mine === null || mine !== theirs) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
    return e;
  }

  private async review(p: Principal, before: JournalEntry, from: EntryStatus[], action: string, patch: Omit<EntryPatch, 'updatedAt'>, details: Record<string, unknown>): Promise<JournalEntryJson> {
    const now = this.clock();
    const reach = reachOf(p.agency);
    await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, before.day);
      await guardedUpdate(tx, p.agency, before.id, from, { ...patch, reviewedBy: p.userId, reviewedAt: now, updatedAt: now });
      await audit(tx, p, action, `journal:${before.id}`, { userId: before.userId, from: before.status, to: patch.status, ...details }, now);
      await tx.journal.refreshDays(p.agency, reach.days([{ userId: before.userId, day: before.day }]));
    }, { reach });
    return this.json(p.agency, before.id);
  }

  /** The subject of an event that touched the caller, for a manual entry made from a suggestion. */
  private async eventSubject(p: Principal, eventId: string): Promise<{ kind: string; id: string; title: string | null }> {
    const payload = await this.uow.read.events.payload(p.agency, eventId);
    let ev: { actor?: { id?: unknown }; subject?: { kind?: unknown; id?: unknown; title?: unknown }; data?: Record<string, unknown> } | null = null;
    try {
      ev = payload === null ? null : JSON.parse(payload);
    } catch {
      ev = null;
    }
    if (!ev || !namesUser(ev, p.userId) || typeof ev.subject?.kind !== 'string' || typeof ev.subject.id !== 'string') {
      throw new ValidationError(messages.fromEventUnknown(eventId), 'fromEvent', 'unknown_event');
    }
    const made = await this.uow.read.journal.entryOfEvent(p.agency, eventId, p.userId);
    if (made) throw new ConflictError(messages.eventHasEntry(eventId, made), 'event_has_entry');
    return { kind: ev.subject.kind, id: ev.subject.id, title: typeof ev.subject.title === 'string' ? ev.subject.title.slice(0, 500) : null };
  }
}

/** Updates only while the entry is still in one of the `from` states: two leaders acting at once cannot both win. */
async function guardedUpdate(tx: Stores, agency: string, id: string, from: EntryStatus[], patch: EntryPatch): Promise<void> {
  if (!(await tx.journal.updateIfStatus(agency, id, from, patch))) throw new ConflictError(messages.changed, 'entry_changed');
}

/** One line of the audit trail by the caller, written with the change it records (same transaction). */
function audit(tx: Stores, p: Principal, action: string, target: string, details: unknown, at: Date): Promise<void> {
  return tx.audit.record({ agency: p.agency, actor: p.userId, action, target, details, at });
}
