import type { Knex } from 'knex';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { addDays } from '../domain/period';
import { isValidDay, today } from '../domain/time';
import type { Principal } from '../http/auth';
import { deriveEntry, type MarkFact } from '../intake/derive';
import { toBool, toDate, toNum } from '../db/rows';
import type { StoredWorkItem } from '../db/knex-agency-store';
import type { AgencyService } from './agency-service';
import { ENTRY_COLUMNS, entryJson, type JournalEntryJson, type JournalService } from './journal-service';
import { PeriodService } from './period-service';
import { quirksFor, writeTransaction } from '../db/dialects';
import { JournalDays, type DayKey } from '../db/journal-days';

/**
 * The life of a journal entry after the intake: an official adds what no event shows
 * (a manual entry for themself), may change or withdraw it while it waits, and the
 * leader of the official's unit approves it, returns it with a reason, rates a
 * qualitative item, or records a "not met" quality assessment (SCORING.md `fails`).
 *
 * Who may do what:
 * - the owner, and only the owner, creates, changes and deletes their manual entries, and
 *   only while they are pending;
 * - a review is done by a leader of the owner's unit (the token's `unit` claim, else the
 *   directory), never on their own entries; HR and admin read but do not review;
 * - an entry the caller may not read at all is a 404 (no hint that it exists);
 * - nothing changes on a day that lies in a closed month, quarter or year (409).
 * Every change is written to kpi_audit_log in the same transaction as the change.
 */

/** How far back an official may date a manual entry unless the deps say otherwise. */
export const DEFAULT_MAX_BACKDATE_DAYS = 60;
export const MAX_NOTE_LENGTH = 1000;
export const MAX_REASON_LENGTH = 1000;

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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True when `n` has at most `d` decimals (tolerating binary representation: 0.1 × 100). */
export function hasAtMostDecimals(n: number, d: number): boolean {
  const scaled = n * 10 ** d;
  return Math.abs(scaled - Math.round(scaled)) < 1e-7 * Math.max(1, Math.abs(scaled));
}

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
  if (quantity > item.maxQuantityPerEntry) throw new ValidationError(messages.quantityMax(item.maxQuantityPerEntry, item.unit), 'quantity', 'quantity_over_max');
  return item;
}

/** A day an official may log: not after today, not more than `maxBackdateDays` before it. */
export function checkEntryDay(day: string, todayDay: string, maxBackdateDays: number): void {
  if (day > todayDay) throw new ValidationError(messages.future(todayDay), 'date', 'date_in_future');
  const min = addDays(todayDay, -maxBackdateDays);
  if (day < min) throw new ValidationError(messages.tooOld(maxBackdateDays, min), 'date', 'date_too_old');
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

type Row = Record<string, unknown>;
/** The catalogue facts an entry keeps (so that a later catalogue edit does not change it). */
type ItemRef = Pick<StoredWorkItem, 'code' | 'version' | 'kind' | 'standardMinutes'>;

export interface ReviewServiceDeps {
  knex: Knex;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
  /** How many days back a manual entry may be dated (default 60). */
  maxBackdateDays?: number;
  /** The daily roll-ups to keep in step with every change (default: for `knex`'s dialect). */
  days?: JournalDays;
}

export class ReviewService {
  private readonly knex: Knex;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly clock: () => Date;
  private readonly days: JournalDays;
  readonly maxBackdateDays: number;

  constructor(deps: ReviewServiceDeps) {
    this.knex = deps.knex;
    this.days = deps.days ?? new JournalDays(quirksFor(deps.knex));
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
    this.maxBackdateDays = deps.maxBackdateDays ?? DEFAULT_MAX_BACKDATE_DAYS;
  }

  // ------------------------------------------------------------------ the official's side

  /** A manual entry by the caller for themself. */
  async create(p: Principal, raw: unknown): Promise<JournalEntryJson> {
    const input = parseManualInput(raw, { partial: false });
    const settings = await this.agencies.getSettings(p.agency);
    checkEntryDay(input.date!, today(settings.timeZone, this.clock()), this.maxBackdateDays);
    const item = checkItem(await this.agencies.catalogue(p.agency), input.workItemCode!, input.quantity!);
    const subject = input.fromEvent === undefined ? null : await this.eventSubject(p, input.fromEvent);
    const unitId = (await this.journal.userUnit(p.agency, p.userId)) ?? p.unit;
    // A qualitative item waits for the leader's rating whatever the setting: its minutes are not known before.
    const status = settings.manualEntriesNeedApproval || item.kind === 'rated' ? 'pending' : 'approved';
    const now = this.clock();
    const id = await writeTransaction(this.knex, async (trx) => {
      await new PeriodService({ knex: trx }).assertDayOpen(p.agency, input.date!);
      const row = {
        agency_code: p.agency, user_id: p.userId, unit_id: unitId, day: input.date!, work_item_code: item.code, item_version: item.version,
        item_kind: item.kind, standard_minutes: item.standardMinutes, quantity: input.quantity!, coefficient: 1, rating: 1,
        minutes: input.quantity! * item.standardMinutes, status, source: 'manual', event_id: null, rule_id: null,
        subject_kind: subject?.kind ?? null, subject_id: subject?.id ?? null, subject_title: subject?.title ?? null,
        fails: 0, delays: 0, late: false, completes: false, note: input.note ?? null, review_reason: null,
        reviewed_by: status === 'approved' ? 'system' : null, reviewed_at: status === 'approved' ? now : null,
        occurred_at: now, created_at: now, updated_at: now,
      };
      const [ins] = (await trx('kpi_journal_entries').insert(row).returning(['id'])) as Array<{ id: number | string } | number>;
      const newId = String(typeof ins === 'object' ? ins.id : ins);
      await audit(trx, p, 'journal.create', `journal:${newId}`, { userId: p.userId, day: row.day, workItemCode: item.code, quantity: row.quantity, status, fromEvent: input.fromEvent ?? null }, now);
      await this.days.refresh(trx, p.agency, [{ userId: p.userId, day: row.day }]);
      return newId;
    });
    return entryJson((await this.load(this.knex, p.agency, id))!);
  }

  /** Changes a pending manual entry of the caller's own. */
  async update(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.ownPending(p, id);
    const input = parseManualInput(raw, { partial: true });
    const settings = await this.agencies.getSettings(p.agency);
    const day = input.date ?? String(before.day);
    if (input.date !== undefined) checkEntryDay(day, today(settings.timeZone, this.clock()), this.maxBackdateDays);
    const code = input.workItemCode ?? String(before.work_item_code);
    const quantity = input.quantity ?? toNum(before.quantity);
    // The item is looked up again only when the item or the quantity changes; a note or a date alone keeps the entry's own.
    const item: ItemRef = input.workItemCode !== undefined || input.quantity !== undefined
      ? checkItem(await this.agencies.catalogue(p.agency), code, quantity)
      : { code, version: toNum(before.item_version), kind: before.item_kind as StoredWorkItem['kind'], standardMinutes: toNum(before.standard_minutes) };
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      const periods = new PeriodService({ knex: trx });
      await periods.assertDayOpen(p.agency, String(before.day));
      if (day !== before.day) await periods.assertDayOpen(p.agency, day);
      const patch: Row = {
        day, work_item_code: item.code, item_version: item.version, item_kind: item.kind, standard_minutes: item.standardMinutes,
        quantity, rating: 1, minutes: quantity * item.standardMinutes * toNum(before.coefficient), updated_at: now,
      };
      if (input.note !== undefined) patch.note = input.note;
      await this.guardedUpdate(trx, p.agency, id, ['pending'], patch);
      await audit(trx, p, 'journal.update', `journal:${id}`, { before: pick(before, ['day', 'work_item_code', 'quantity', 'note']), after: { day, work_item_code: item.code, quantity, ...(input.note !== undefined ? { note: input.note } : {}) } }, now);
      await this.days.refresh(trx, p.agency, [{ userId: p.userId, day: String(before.day) }, { userId: p.userId, day }]);
    });
    return entryJson((await this.load(this.knex, p.agency, id))!);
  }

  /** Withdraws a pending manual entry of the caller's own. */
  async remove(p: Principal, id: string): Promise<void> {
    const before = await this.ownPending(p, id);
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      await new PeriodService({ knex: trx }).assertDayOpen(p.agency, String(before.day));
      const n = await trx('kpi_journal_entries').where({ agency_code: p.agency, id, status: 'pending', source: 'manual' }).delete();
      if (n === 0) throw new ConflictError(messages.changed, 'entry_changed');
      await audit(trx, p, 'journal.delete', `journal:${id}`, { entry: pick(before, ['user_id', 'day', 'work_item_code', 'quantity', 'note']) }, now);
      await this.days.refresh(trx, p.agency, [{ userId: String(before.user_id), day: String(before.day) }]);
    });
  }

  // ------------------------------------------------------------------ the leader's side

  async approve(p: Principal, id: string): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    if (before.status !== 'pending') throw new ConflictError(messages.notPending(String(before.status)), 'not_pending');
    if (before.item_kind === 'rated') throw new ConflictError(messages.ratingRequired(String(before.work_item_code)), 'rating_required');
    return this.review(p, id, before, ['pending'], 'journal.approve', { status: 'approved', review_reason: null }, {});
  }

  /** Returns an entry (pending, or already approved — an event-made entry the leader disputes) with a reason: it never counts. */
  async returnEntry(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const reason = parseReason(raw);
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    return this.review(p, id, before, ['pending', 'approved'], 'journal.return', { status: 'rejected', review_reason: reason }, { reason });
  }

  /** Rates a qualitative item (pending, or approved to correct a rating) and approves it. */
  async rate(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const rating = parseRating(raw);
    if (before.item_kind !== 'rated') throw new ConflictError(messages.notRated(String(before.work_item_code)), 'not_rated_item');
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    const minutes = toNum(before.quantity) * toNum(before.standard_minutes) * toNum(before.coefficient) * rating;
    return this.review(p, id, before, ['pending', 'approved'], 'journal.rate', { status: 'approved', rating, minutes, review_reason: null }, { rating, minutes });
  }

  /**
   * A leader's "not met" (không đạt) quality assessment. Recorded as a fail mark, like
   * task.rejected and document.returned: on the entry's subject for its owner when the
   * entry has one (so every entry of that owner for the subject is re-derived, exactly
   * as the intake would), else on the entry itself (`subject_kind` 'entry', `subject_id`
   * the entry id; the entry's own subject columns stay empty).
   */
  async fail(p: Principal, id: string, raw: unknown): Promise<JournalEntryJson> {
    const before = await this.reviewable(p, id);
    const excused = parseExcused(raw);
    if (before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    const now = this.clock();
    const owner = String(before.user_id);
    const subjectKind = before.subject_kind == null ? 'entry' : String(before.subject_kind);
    const subjectId = before.subject_kind == null ? String(before.id) : String(before.subject_id);
    await writeTransaction(this.knex, async (trx) => {
      await new PeriodService({ knex: trx }).assertDayOpen(p.agency, String(before.day));
      await trx('kpi_marks').insert({
        agency_code: p.agency, subject_kind: subjectKind, subject_id: subjectId, user_id: owner, kind: 'fail', excused, new_due_at: null, at: now, event_id: null,
      });
      const changed = await this.rederive(trx, p.agency, subjectKind, subjectId, subjectKind === 'entry' ? String(before.id) : null, now);
      await audit(trx, p, 'journal.fail', `journal:${String(before.id)}`, { userId: owner, subjectKind, subjectId, excused }, now);
      await this.days.refresh(trx, p.agency, changed);
    });
    return entryJson((await this.load(this.knex, p.agency, id))!);
  }

  // ------------------------------------------------------------------ internals

  private async load(db: Knex, agency: string, id: string): Promise<Row | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    return db('kpi_journal_entries').where({ agency_code: agency, id }).first(...ENTRY_COLUMNS) as Promise<Row | undefined>;
  }

  /** The entry, when the caller may read it; else 404 whether or not it exists. */
  private async visible(p: Principal, id: string): Promise<Row> {
    const r = await this.load(this.knex, p.agency, id);
    if (!r || !(await this.journal.canSee(p, String(r.user_id)))) throw new NotFoundError();
    return r;
  }

  private async ownPending(p: Principal, id: string): Promise<Row> {
    const r = await this.visible(p, id);
    if (String(r.user_id) !== p.userId) throw new ForbiddenError(messages.notOwner, 'not_owner');
    if (r.source !== 'manual') throw new ConflictError(messages.notManual, 'not_manual');
    if (r.status !== 'pending') throw new ConflictError(messages.notPending(String(r.status)), 'not_pending');
    return r;
  }

  /** The entry, when the caller is a leader of its owner's unit and not its owner. */
  private async reviewable(p: Principal, id: string): Promise<Row> {
    const r = await this.visible(p, id);
    const owner = String(r.user_id);
    if (owner === p.userId) throw new ForbiddenError(messages.ownEntry, 'own_entry');
    if (!p.roles.includes('leader')) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
    const [mine, theirs] = await Promise.all([this.journal.unitOf(p), this.journal.userUnit(p.agency, owner)]);
    if (mine === null || mine !== theirs) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
    return r;
  }

  private async review(p: Principal, id: string, before: Row, from: string[], action: string, patch: Row, details: Record<string, unknown>): Promise<JournalEntryJson> {
    const now = this.clock();
    await writeTransaction(this.knex, async (trx) => {
      await new PeriodService({ knex: trx }).assertDayOpen(p.agency, String(before.day));
      await this.guardedUpdate(trx, p.agency, id, from, { ...patch, reviewed_by: p.userId, reviewed_at: now, updated_at: now });
      await audit(trx, p, action, `journal:${id}`, { userId: before.user_id, from: before.status, to: patch.status, ...details }, now);
      await this.days.refresh(trx, p.agency, [{ userId: String(before.user_id), day: String(before.day) }]);
    });
    return entryJson((await this.load(this.knex, p.agency, id))!);
  }

  /** Updates only while the entry is still in one of the `from` states: two leaders acting at once cannot both win. */
  private async guardedUpdate(trx: Knex.Transaction, agency: string, id: string, from: string[], patch: Row): Promise<void> {
    const n = await trx('kpi_journal_entries').where({ agency_code: agency, id }).whereIn('status', from).update(patch);
    if (n === 0) throw new ConflictError(messages.changed, 'entry_changed');
  }

  /** The subject of an event that touched the caller, for a manual entry made from a suggestion. */
  private async eventSubject(p: Principal, eventId: string): Promise<{ kind: string; id: string; title: string | null }> {
    const r = await this.knex('kpi_events').where({ agency_code: p.agency, event_id: eventId }).first('payload');
    let ev: { actor?: { id?: unknown }; subject?: { kind?: unknown; id?: unknown; title?: unknown }; data?: Record<string, unknown> } | null = null;
    try {
      ev = r ? JSON.parse(String(r.payload)) : null;
    } catch {
      ev = null;
    }
    if (!ev || !namesUser(ev, p.userId) || typeof ev.subject?.kind !== 'string' || typeof ev.subject.id !== 'string') {
      throw new ValidationError(messages.fromEventUnknown(eventId), 'fromEvent', 'unknown_event');
    }
    const made = await this.knex('kpi_journal_entries').where({ agency_code: p.agency, event_id: eventId, user_id: p.userId }).first('id');
    if (made) throw new ConflictError(messages.eventHasEntry(eventId, String(made.id)), 'event_has_entry');
    return { kind: ev.subject.kind, id: ev.subject.id, title: typeof ev.subject.title === 'string' ? ev.subject.title.slice(0, 500) : null };
  }

  /**
   * Re-derives fails/delays/late (intake/derive.ts) of the entries a subject's marks bear on.
   * For an entry-subject (`onlyEntry`) that is the one entry, which completes nothing.
   */
  private async rederive(trx: Knex.Transaction, agency: string, subjectKind: string, subjectId: string, onlyEntry: string | null, now: Date): Promise<DayKey[]> {
    const marks: MarkFact[] = (await trx('kpi_marks').where({ agency_code: agency, subject_kind: subjectKind, subject_id: subjectId })
      .select('user_id', 'kind', 'excused', 'new_due_at', 'at'))
      .map((m) => ({ kind: m.kind, userId: m.user_id ?? null, excused: toBool(m.excused), newDueAt: toDate(m.new_due_at), at: toDate(m.at)! }));
    const due = new Map<string, Date | null>();
    if (onlyEntry === null) {
      for (const a of await trx('kpi_assignments').where({ agency_code: agency, subject_kind: subjectKind, subject_id: subjectId }).select('user_id', 'due_at')) {
        due.set(String(a.user_id), toDate(a.due_at));
      }
    }
    const entries = onlyEntry === null
      ? await trx('kpi_journal_entries').where({ agency_code: agency, subject_kind: subjectKind, subject_id: subjectId }).select('id', 'user_id', 'day', 'completes', 'occurred_at', 'fails', 'delays', 'late')
      : await trx('kpi_journal_entries').where({ agency_code: agency, id: onlyEntry }).select('id', 'user_id', 'day', 'completes', 'occurred_at', 'fails', 'delays', 'late');
    const changed: DayKey[] = [];
    for (const e of entries) {
      const completes = onlyEntry === null && toBool(e.completes);
      const d = deriveEntry({ userId: String(e.user_id), completes, occurredAt: toDate(e.occurred_at)! }, marks, due.get(String(e.user_id)) ?? null);
      if (d.fails !== toNum(e.fails) || d.delays !== toNum(e.delays) || d.late !== toBool(e.late)) {
        await trx('kpi_journal_entries').where({ id: e.id }).update({ fails: d.fails, delays: d.delays, late: d.late, updated_at: now });
        changed.push({ userId: String(e.user_id), day: String(e.day) });
      }
    }
    return changed;
  }
}

/** Whether an event names a user: as its actor, or as the user its data is about. */
export function namesUser(ev: { actor?: { id?: unknown }; data?: Record<string, unknown> | undefined }, userId: string): boolean {
  if (ev.actor?.id === userId) return true;
  const d = ev.data;
  if (!d || typeof d !== 'object') return false;
  if (d.userId === userId || d.assigneeId === userId) return true;
  return Array.isArray(d.assignees) && d.assignees.some((a) => isPlainObject(a) && a.userId === userId);
}

function pick(r: Row, keys: string[]): Row {
  const out: Row = {};
  for (const k of keys) out[k] = r[k] ?? null;
  return out;
}

/** One row of kpi_audit_log, written with the change it records (same transaction). */
export async function audit(db: Knex, p: Principal, action: string, target: string, details: unknown, at: Date): Promise<void> {
  await db('kpi_audit_log').insert({ agency_code: p.agency, actor: p.userId, action, target, details: JSON.stringify(details), at });
}
