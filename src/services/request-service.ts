import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { entryMinutes, type JournalEntry } from '../domain/journal';
import { hasAtMostDecimals, isPlainObject } from '../domain/objects';
import { addDays, parsePeriod } from '../domain/period';
import type { Principal } from '../domain/principal';
import { isValidDay, today } from '../domain/time';
import type { Score } from '../scoring';
import { CORRECTION_TYPES, type KpiRequest, type RequestStatus, type RequestType, type Stores, type UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { assertDayOpen } from './period-service';
import { rederive } from './rederive';
import { checkEntryDay, checkItem, MAX_REASON_LENGTH, parseQuantity } from './review-service';
import type { ScoringService } from './scoring-service';

/**
 * Corrections and appeals (docs/hr.md), the official's way to put a wrong score right:
 *
 * - a correction is asked from a document's or task's KPI tab: an entry of the official's own
 *   names the wrong person (`wrong-person`, the work was a colleague's) or the wrong work item
 *   (`wrong-item`), or the work made no entry at all (`missing`). It lands in the queue of the
 *   leader of the official's unit, who accepts it (the journal changes, audited: the entry is
 *   handed to the colleague, changed to the right item, or the missing entry is made, approved)
 *   or refuses it with a reason. Nothing changes on a day of a closed period.
 * - an appeal of a closed month's or quarter's score is filed within `appealDays` days of the
 *   close (an agency setting). HR decides it: refused with a reason, or accepted, optionally
 *   with a corrected general score G; an accepted appeal scores that official again from the
 *   journal as it is now and replaces their frozen score alone (the others stay as frozen), with
 *   the score before and after in the audit trail and on the request. The workbook then shows it.
 *
 * Scope: an official sees their own requests; a leader their unit's corrections; HR every
 * appeal of the agency. A request the caller may not see is a 404.
 */

export const REQUEST_PAGE = 200;

const messages = {
  body: 'Dữ liệu gửi lên phải là một đối tượng JSON (body must be a JSON object)',
  type: 'type: phải là wrong-person, wrong-item hoặc missing (must be wrong-person, wrong-item or missing)',
  reason: `reason: bắt buộc nêu lý do, tối đa ${MAX_REASON_LENGTH} ký tự (a reason of at most ${MAX_REASON_LENGTH} characters is required)`,
  entry: 'entryId: bắt buộc với loại đề nghị này (required for this kind of correction)',
  notYours: 'Chỉ đề nghị sửa mục nhật ký của chính mình (you may only ask to correct your own entry)',
  notOfSubject: 'entryId: mục nhật ký không thuộc văn bản/công việc này (the entry is not of this document or task)',
  rejected: 'Mục nhật ký đã bị trả lại, không cần sửa (the entry was returned already)',
  proposedUser: 'proposedUserId: phải là một cán bộ khác của cơ quan (must be another official of the agency)',
  proposedItem: 'proposedItemCode: bắt buộc (required)',
  sameItem: 'proposedItemCode: trùng đầu công việc hiện tại (same as the entry\'s work item)',
  date: 'date: phải là ngày có thật dạng YYYY-MM-DD (must be a real YYYY-MM-DD day)',
  pending: 'Đã có một đề nghị đang chờ xử lý cho nội dung này (a request for this is already pending)',
  decision: 'decision: phải là accept hoặc refuse (must be accept or refuse)',
  refuseReason: `note: cần nêu lý do khi từ chối, tối đa ${MAX_REASON_LENGTH} ký tự (a reason of at most ${MAX_REASON_LENGTH} characters is required to refuse)`,
  decided: (s: string) => `Đề nghị đã được xử lý (${s}) (the request was decided already)`,
  notLeader: 'Chỉ lãnh đạo phòng/ban của cán bộ mới được xử lý đề nghị này (only the leader of the official\'s unit may decide)',
  own: 'Không được tự xử lý đề nghị của chính mình (you cannot decide your own request)',
  notHr: 'Chỉ bộ phận tổ chức cán bộ (HR) mới được xử lý kiến nghị (only HR decides appeals)',
  period: 'period: chỉ kiến nghị điểm tháng hoặc quý (only a month or a quarter may be appealed)',
  notClosed: (p: string) => `Kỳ ${p} chưa khóa sổ: điểm còn đang được tính, chưa cần kiến nghị (period ${p} is not closed)`,
  appealsOff: 'Cơ quan không nhận kiến nghị điểm (appealDays = 0) (the agency takes no appeals)',
  windowOver: (p: string, days: number, last: string) => `Đã hết hạn kiến nghị điểm kỳ ${p}: ${days} ngày sau khi khóa sổ, đến hết ${last} (the appeal window of ${days} days ended on ${last})`,
  noScore: (p: string) => `Không có điểm của bạn trong kỳ ${p} (you have no score in ${p})`,
  general: (max: number) => `general: phải là số từ 0 đến ${max}, tối đa 2 chữ số thập phân (must be a number from 0 to ${max}, at most 2 decimals)`,
  changed: 'Đề nghị vừa được người khác xử lý, hãy tải lại (decided meanwhile, reload)',
  colleagueHasEntry: 'Đồng nghiệp đã có mục nhật ký từ cùng sự kiện này (the colleague already has an entry from this event)',
};

/** A request as the panels and the API show it. */
export type RequestJson = Omit<KpiRequest, 'agency' | 'decidedAt' | 'createdAt' | 'updatedAt'> & { decidedAt: string | null; createdAt: string };

export interface RequestServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  scoring: ScoringService;
  clock?: () => Date;
}

export class RequestService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly scoring: ScoringService;
  private readonly clock: () => Date;

  constructor(deps: RequestServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.scoring = deps.scoring;
    this.clock = deps.clock ?? (() => new Date());
  }

  // ------------------------------------------------------------------ corrections

  /** An official asks their leader to correct the journal of a document or task (`subject`). */
  async askCorrection(p: Principal, subject: { kind: string; id: string }, raw: unknown): Promise<RequestJson> {
    if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
    const type = raw.type;
    if (typeof type !== 'string' || !(CORRECTION_TYPES as readonly string[]).includes(type)) throw new ValidationError(messages.type, 'type', 'invalid_type');
    const reason = parseText(raw.reason, messages.reason, 'reason');
    const unitId = (await this.journal.userUnit(p.agency, p.userId)) ?? p.unit;
    const base = {
      agency: p.agency, kind: 'correction' as const, type: type as RequestType, userId: p.userId, unitId, subjectKind: subject.kind, subjectId: subject.id,
      proposedUserId: null as string | null, proposedItemCode: null as string | null, proposedQuantity: null as number | null, reason, createdAt: this.clock(),
    };
    let entry: JournalEntry | null = null;
    let day: string;
    if (type === 'missing') {
      if (typeof raw.date !== 'string' || !isValidDay(raw.date)) throw new ValidationError(messages.date, 'date', 'invalid_date');
      const settings = await this.agencies.getSettings(p.agency);
      checkEntryDay(raw.date, today(settings.timeZone, this.clock()), settings.manualBackdateDays);
      const code = requiredCode(raw.proposedItemCode);
      const quantity = parseQuantity(raw.proposedQuantity);
      checkItem(await this.agencies.catalogueOn(p.agency, raw.date), code, quantity);
      day = raw.date;
      Object.assign(base, { proposedItemCode: code, proposedQuantity: quantity });
    } else {
      entry = await this.ownEntryOf(p, subject, raw.entryId);
      day = entry.day;
      if (type === 'wrong-person') {
        const to = typeof raw.proposedUserId === 'string' ? raw.proposedUserId.trim() : '';
        const colleague = to && to !== p.userId ? await this.uow.read.directory.user(p.agency, to) : null;
        if (!colleague) throw new ValidationError(messages.proposedUser, 'proposedUserId', 'invalid_user');
        base.proposedUserId = colleague.id;
      } else {
        const code = requiredCode(raw.proposedItemCode);
        const quantity = raw.proposedQuantity === undefined || raw.proposedQuantity === '' ? entry.quantity : parseQuantity(raw.proposedQuantity);
        if (code === entry.workItemCode && quantity === entry.quantity) throw new ValidationError(messages.sameItem, 'proposedItemCode', 'same_item');
        checkItem(await this.agencies.catalogueOn(p.agency, entry.day), code, quantity);
        Object.assign(base, { proposedItemCode: code, proposedQuantity: quantity });
      }
    }
    const now = base.createdAt;
    const id = await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, p.agency, day);
      const open = await tx.requests.list(p.agency, { kind: 'correction', userId: p.userId, status: 'pending', limit: REQUEST_PAGE });
      if (open.some((r) => (entry ? r.entryId === entry.id : r.type === 'missing' && r.subjectKind === subject.kind && r.subjectId === subject.id))) throw new ConflictError(messages.pending, 'request_pending');
      const newId = await tx.requests.insert({ ...base, entryId: entry?.id ?? null, period: day.slice(0, 7), day });
      await tx.audit.record({ agency: p.agency, actor: p.userId, action: 'request.correction', target: `request:${newId}`, details: { type, entryId: entry?.id ?? null, subjectKind: subject.kind, subjectId: subject.id, day }, at: now });
      return newId;
    });
    return this.json(p.agency, id);
  }

  /** The officials of the caller's unit but the caller: to whom an entry may be handed. */
  async colleagues(p: Principal): Promise<Array<{ id: string; name: string }>> {
    const unitId = (await this.journal.userUnit(p.agency, p.userId)) ?? p.unit;
    if (unitId === null) return [];
    const users = await this.uow.read.directory.users(p.agency, { unitId });
    return users.filter((u) => u.id !== p.userId).map((u) => ({ id: u.id, name: u.name })).sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  }

  /** The corrections of a unit, for its leader (and HR, to read); newest first. */
  async unitCorrections(p: Principal, unitId: string, status?: RequestStatus): Promise<RequestJson[]> {
    if (!(await this.journal.canSeeUnit(p, unitId))) throw new ForbiddenError();
    const rows = await this.uow.read.requests.list(p.agency, { kind: 'correction', unitId, limit: REQUEST_PAGE, ...(status ? { status } : {}) });
    return rows.map(requestJson);
  }

  /** The caller's own requests (corrections or appeals); newest first. */
  async mine(p: Principal, kind: 'correction' | 'appeal'): Promise<RequestJson[]> {
    return (await this.uow.read.requests.list(p.agency, { kind, userId: p.userId, limit: REQUEST_PAGE })).map(requestJson);
  }

  /** The leader of the asker's unit accepts (the journal changes) or refuses (with a reason) a correction. */
  async decideCorrection(p: Principal, id: string, raw: unknown): Promise<RequestJson> {
    const r = await this.visible(p, id, 'correction');
    if (r.userId === p.userId) throw new ForbiddenError(messages.own, 'own_request');
    const mine = p.roles.includes('leader') ? await this.journal.unitOf(p) : null;
    if (mine === null || mine !== r.unitId) throw new ForbiddenError(messages.notLeader, 'not_unit_leader');
    const { accept, note } = parseDecision(raw);
    if (r.status !== 'pending') throw new ConflictError(messages.decided(r.status), 'request_decided');
    const now = this.clock();
    const agency = p.agency;
    // The catalogue as it stood on the entry's day: a changed standard applies from its date.
    const catalogue = accept && r.proposedItemCode && r.day ? await this.agencies.catalogueOn(agency, r.day) : [];
    await this.uow.write(async (tx) => {
      if (!accept) return this.record(tx, p, r, { status: 'refused', note, outcome: null }, now);
      await assertDayOpen(tx.periods, agency, r.day!);
      let outcome: Record<string, unknown>;
      if (r.type === 'missing') {
        const item = checkItem(catalogue, r.proposedItemCode!, r.proposedQuantity!);
        const entryId = await tx.journal.insert(agency, {
          userId: r.userId, unitId: r.unitId, day: r.day!, workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes,
          quantity: r.proposedQuantity!, coefficient: 1, rating: 1, minutes: entryMinutes(r.proposedQuantity!, item.standardMinutes, 1), status: item.kind === 'rated' ? 'pending' : 'approved',
          source: 'manual', eventId: null, ruleId: null, subjectKind: r.subjectKind, subjectId: r.subjectId, subjectTitle: null, fails: 0, delays: 0, late: false, completes: false,
          note: r.reason, reviewReason: null, reviewedBy: p.userId, reviewedAt: now, occurredAt: now, createdAt: now, updatedAt: now,
        });
        const changed = r.subjectKind && r.subjectId ? await rederive(tx, agency, [{ kind: r.subjectKind, id: r.subjectId }], now) : [];
        await tx.journal.refreshDays(agency, [{ userId: r.userId, day: r.day! }, ...changed]);
        outcome = { created: entryId };
      } else {
        const before = await tx.journal.get(agency, r.entryId!);
        if (!before || before.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
        outcome = r.type === 'wrong-person' ? await this.handOver(tx, p, r, before, now) : await this.changeItem(tx, agency, before, checkItem(catalogue, r.proposedItemCode!, r.proposedQuantity!), r.proposedQuantity!, now);
      }
      await this.record(tx, p, r, { status: 'accepted', note, outcome }, now);
      await tx.audit.record({ agency, actor: p.userId, action: 'journal.correct', target: r.entryId ? `journal:${r.entryId}` : `request:${r.id}`, details: { request: r.id, type: r.type, ...outcome }, at: now });
    });
    return this.json(agency, r.id);
  }

  /** The entry goes to the colleague who did the work: the official's is returned, a copy is made for the colleague (approved). */
  private async handOver(tx: Stores, p: Principal, r: KpiRequest, before: JournalEntry, now: Date): Promise<Record<string, unknown>> {
    const agency = p.agency;
    const to = await tx.directory.user(agency, r.proposedUserId!);
    if (!to) throw new ValidationError(messages.proposedUser, 'proposedUserId', 'invalid_user');
    if (before.eventId !== null && (await tx.journal.entryOfEvent(agency, before.eventId, to.id)) !== null) throw new ConflictError(messages.colleagueHasEntry, 'event_has_entry');
    const { id: _id, ...copy } = before;
    if (!(await tx.journal.updateIfStatus(agency, before.id, ['pending', 'approved'], { status: 'rejected', reviewReason: `#${r.id}: ${r.reason}`.slice(0, MAX_REASON_LENGTH), reviewedBy: p.userId, reviewedAt: now, updatedAt: now }))) {
      throw new ConflictError(messages.changed, 'entry_changed');
    }
    const created = await tx.journal.insert(agency, { ...copy, userId: to.id, unitId: to.unitId, status: 'approved', fails: 0, delays: 0, reviewReason: null, reviewedBy: p.userId, reviewedAt: now, createdAt: now, updatedAt: now });
    const changed = before.subjectKind && before.subjectId ? await rederive(tx, agency, [{ kind: before.subjectKind, id: before.subjectId }], now) : [];
    await tx.journal.refreshDays(agency, [{ userId: before.userId, day: before.day }, { userId: to.id, day: before.day }, ...changed]);
    return { returned: before.id, created, from: before.userId, to: to.id };
  }

  private async changeItem(tx: Stores, agency: string, before: JournalEntry, item: ReturnType<typeof checkItem>, quantity: number, now: Date): Promise<Record<string, unknown>> {
    const rated = item.kind === 'rated';
    const patch = {
      workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes, quantity, rating: 1,
      minutes: entryMinutes(quantity, item.standardMinutes, before.coefficient), updatedAt: now, ...(rated ? { status: 'pending' as const } : {}),
    };
    if (!(await tx.journal.updateIfStatus(agency, before.id, ['pending', 'approved'], patch))) throw new ConflictError(messages.changed, 'entry_changed');
    await tx.journal.refreshDays(agency, [{ userId: before.userId, day: before.day }]);
    return { entry: before.id, before: { workItemCode: before.workItemCode, quantity: before.quantity, minutes: before.minutes }, after: { workItemCode: item.code, quantity, minutes: patch.minutes } };
  }

  // ------------------------------------------------------------------ appeals

  /** The last day (agency time) on which the close of `period` may still be appealed, or null when it is not closed. */
  async appealWindow(agency: string, period: string): Promise<{ closed: boolean; lastDay: string | null; open: boolean; days: number }> {
    const [settings, state, closedAt] = await Promise.all([this.agencies.getSettings(agency), this.uow.read.periods.state(agency, period), this.uow.read.periods.closedAt(agency, period)]);
    const days = settings.appealDays ?? 0;
    if (state.status !== 'closed') return { closed: false, lastDay: null, open: false, days };
    const closedDay = today(settings.timeZone, closedAt ?? this.clock());
    const lastDay = addDays(closedDay, days);
    return { closed: true, lastDay, open: days > 0 && today(settings.timeZone, this.clock()) <= lastDay, days };
  }

  /** An official appeals their score of a closed month or quarter, within the agency's window. */
  async appeal(p: Principal, raw: unknown): Promise<RequestJson> {
    if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
    if (typeof raw.period !== 'string') throw new ValidationError(messages.period, 'period', 'invalid_period');
    const period = parsePeriod(raw.period);
    if (period.kind === 'year') throw new ValidationError(messages.period, 'period', 'invalid_period');
    const reason = parseText(raw.reason, messages.reason, 'reason');
    const w = await this.appealWindow(p.agency, period.key);
    if (!w.closed) throw new ConflictError(messages.notClosed(period.key), 'period_not_closed');
    if (w.days <= 0) throw new ConflictError(messages.appealsOff, 'appeals_off');
    if (!w.open) throw new ConflictError(messages.windowOver(period.key, w.days, w.lastDay!), 'appeal_window_over');
    const mine = (await this.scoring.scores(p.agency, period.key, { userId: p.userId }))[0];
    if (!mine) throw new ConflictError(messages.noScore(period.key), 'no_score');
    const now = this.clock();
    const id = await this.uow.write(async (tx) => {
      const open = await tx.requests.list(p.agency, { kind: 'appeal', userId: p.userId, period: period.key, status: 'pending', limit: REQUEST_PAGE });
      if (open.length > 0) throw new ConflictError(messages.pending, 'request_pending');
      const newId = await tx.requests.insert({
        agency: p.agency, kind: 'appeal', type: 'score', userId: p.userId, unitId: mine.unitId, entryId: null, subjectKind: null, subjectId: null, period: period.key, day: null,
        proposedUserId: null, proposedItemCode: null, proposedQuantity: null, reason, createdAt: now,
      });
      await tx.audit.record({ agency: p.agency, actor: p.userId, action: 'request.appeal', target: `request:${newId}`, details: { period: period.key, total: mine.total }, at: now });
      return newId;
    });
    return this.json(p.agency, id);
  }

  /** The agency's appeals, for HR; newest first. */
  async appeals(p: Principal, status?: RequestStatus): Promise<RequestJson[]> {
    if (!p.roles.includes('hr')) throw new ForbiddenError(messages.notHr, 'not_hr');
    return (await this.uow.read.requests.list(p.agency, { kind: 'appeal', limit: REQUEST_PAGE, ...(status ? { status } : {}) })).map(requestJson);
  }

  /**
   * HR decides an appeal. Accepted: the official alone is scored again (approved entries, the
   * general score `general` when HR gives one) and their frozen score is replaced; the request and
   * the audit trail keep the total and class before and after.
   */
  async decideAppeal(p: Principal, id: string, raw: unknown): Promise<RequestJson> {
    if (!p.roles.includes('hr')) throw new ForbiddenError(messages.notHr, 'not_hr');
    const r = await this.visible(p, id, 'appeal');
    if (r.userId === p.userId) throw new ForbiddenError(messages.own, 'own_request');
    const { accept, note } = parseDecision(raw);
    if (r.status !== 'pending') throw new ConflictError(messages.decided(r.status), 'request_decided');
    const agency = p.agency;
    const period = parsePeriod(r.period!);
    const now = this.clock();
    if (!accept) {
      await this.uow.write((tx) => this.record(tx, p, r, { status: 'refused', note, outcome: null }, now));
      return this.json(agency, r.id);
    }
    const state = await this.uow.read.periods.state(agency, period.key);
    if (state.status !== 'closed') throw new ConflictError(messages.notClosed(period.key), 'period_not_closed');
    const before = (await this.scoring.scores(agency, period.key, { userId: r.userId }))[0] ?? null;
    const general = isPlainObject(raw) && raw.general !== undefined && raw.general !== null && raw.general !== '' ? this.parseGeneral(raw.general, before) : null;
    const after = (await this.scoring.compute(agency, period, { provisional: false, applyQuota: state.applyQuota, filter: { userId: r.userId }, ...(general !== null ? { general: { userId: r.userId, value: general } } : {}) }))[0];
    if (!after) throw new ConflictError(messages.noScore(period.key), 'no_score');
    const final: Score = { ...after, appeal: { id: r.id, previousTotal: before?.total ?? null, previousClassification: before?.classification ?? null } } as Score;
    const outcome = { before: before ? { total: before.total, classification: before.classification } : null, after: { total: final.total, classification: final.classification }, ...(general !== null ? { general } : {}) };
    await this.uow.write(async (tx) => {
      if ((await tx.periods.state(agency, period.key)).status !== 'closed') throw new ConflictError(messages.notClosed(period.key), 'period_not_closed');
      await this.record(tx, p, r, { status: 'accepted', note, outcome }, now);
      if (general !== null) {
        const old = await tx.assessments.get(agency, r.userId, period.key);
        await tx.assessments.put(agency, r.userId, period.key, { general, disqualified: old?.disqualified ?? false, disqualifiedGround: old?.disqualifiedGround ?? null, selfGroups: old?.selfGroups ?? null, groups: null, assessedBy: p.userId, updatedAt: now }, old !== null);
      }
      await tx.periods.replaceSnapshot(agency, period.key, final, now);
      await tx.audit.record({ agency, actor: p.userId, action: 'score.appeal', target: `${period.key}:${r.userId}`, details: { request: r.id, ...outcome }, at: now });
    });
    return this.json(agency, r.id);
  }

  /** Decides a request of either kind: a correction as its unit's leader, an appeal as HR. */
  async decide(p: Principal, id: string, raw: unknown): Promise<RequestJson> {
    const r = await this.uow.read.requests.get(p.agency, id);
    if (!r) throw new NotFoundError();
    return r.kind === 'appeal' ? this.decideAppeal(p, id, raw) : this.decideCorrection(p, id, raw);
  }

  // ------------------------------------------------------------------ internals

  private parseGeneral(v: unknown, score: Score | null): number {
    const max = score?.generalMax ?? 30;
    const n = typeof v === 'string' ? Number(v.trim().replace(',', '.')) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > max || !hasAtMostDecimals(n, 2)) throw new ValidationError(messages.general(max), 'general', 'invalid_general', { max });
    return n;
  }

  private async record(tx: Stores, p: Principal, r: KpiRequest, d: { status: 'accepted' | 'refused'; note: string | null; outcome: unknown }, now: Date): Promise<void> {
    if (!(await tx.requests.decide(p.agency, r.id, { status: d.status, decidedBy: p.userId, decidedAt: now, decisionNote: d.note, outcome: d.outcome }))) {
      throw new ConflictError(messages.changed, 'request_decided');
    }
    await tx.audit.record({ agency: p.agency, actor: p.userId, action: `request.${d.status === 'accepted' ? 'accept' : 'refuse'}`, target: `request:${r.id}`, details: { kind: r.kind, type: r.type, userId: r.userId, note: d.note }, at: now });
  }

  /** The request when the caller may see it (their own, their unit's as its leader, any as HR); else 404. */
  private async visible(p: Principal, id: string, kind: 'correction' | 'appeal'): Promise<KpiRequest> {
    const r = await this.uow.read.requests.get(p.agency, id);
    if (!r || r.kind !== kind) throw new NotFoundError();
    if (r.userId === p.userId || p.roles.includes('hr')) return r;
    if (kind === 'correction' && p.roles.includes('leader') && r.unitId !== null && (await this.journal.unitOf(p)) === r.unitId) return r;
    throw new NotFoundError();
  }

  /** The caller's own entry of this subject, still counted. */
  private async ownEntryOf(p: Principal, subject: { kind: string; id: string }, entryId: unknown): Promise<JournalEntry> {
    if (typeof entryId !== 'string' || !/^\d{1,18}$/.test(entryId)) throw new ValidationError(messages.entry, 'entryId', 'required');
    const e = await this.uow.read.journal.get(p.agency, entryId);
    if (!e || e.userId !== p.userId) throw new ForbiddenError(messages.notYours, 'not_owner');
    if (e.subjectKind !== subject.kind || e.subjectId !== subject.id) throw new ValidationError(messages.notOfSubject, 'entryId', 'not_of_subject');
    if (e.status === 'rejected') throw new ConflictError(messages.rejected, 'already_rejected');
    return e;
  }

  private async json(agency: string, id: string): Promise<RequestJson> {
    return requestJson((await this.uow.read.requests.get(agency, id))!);
  }
}

function requestJson(r: KpiRequest): RequestJson {
  const { agency: _a, decidedAt, createdAt, updatedAt: _u, ...rest } = r;
  return { ...rest, decidedAt: decidedAt ? decidedAt.toISOString() : null, createdAt: createdAt.toISOString() };
}

function parseText(v: unknown, message: string, field: string): string {
  const s = typeof v === 'string' ? v.normalize('NFC').trim() : '';
  if (s === '' || s.length > MAX_REASON_LENGTH) throw new ValidationError(message, field, s === '' ? 'reason_required' : 'reason_too_long');
  return s;
}

function requiredCode(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 64) throw new ValidationError(messages.proposedItem, 'proposedItemCode', 'required');
  return v.trim();
}

function parseDecision(raw: unknown): { accept: boolean; note: string | null } {
  if (!isPlainObject(raw) || (raw.decision !== 'accept' && raw.decision !== 'refuse')) throw new ValidationError(messages.decision, 'decision', 'invalid_decision');
  const accept = raw.decision === 'accept';
  const note = typeof raw.note === 'string' ? raw.note.normalize('NFC').trim() : '';
  if (note.length > MAX_REASON_LENGTH) throw new ValidationError(messages.refuseReason, 'note', 'reason_too_long');
  if (!accept && note === '') throw new ValidationError(messages.refuseReason, 'note', 'reason_required');
  return { accept, note: note === '' ? null : note };
}
