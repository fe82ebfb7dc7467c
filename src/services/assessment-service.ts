import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { hasAtMostDecimals, isPlainObject } from '../domain/objects';
import { parsePeriod, periodOfDay, type Period } from '../domain/period';
import type { Principal } from '../domain/principal';
import { today } from '../domain/time';
import type { ScoringProfile } from '../scoring/profiles';
import type { Assessment, UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { assertPeriodOpen } from './period-service';

/**
 * The general criteria (tiêu chí chung, docs/hr.md `G`): 0..generalMax points per official
 * and period, recorded by the leader of the official's unit — by HR for a leader — and the
 * `disqualified` mark (discipline: KHTNV whatever S is), which only HR sets.
 * HR may assess anyone of the agency; nobody assesses themself; a closed period (or one
 * containing it) takes no change.
 */

export interface AssessmentJson {
  userId: string;
  name: string | null;
  unitId: string | null;
  isLeader: boolean;
  period: string;
  /** null = not recorded (the score then shows as incomplete). */
  general: number | null;
  generalMax: number;
  disqualified: boolean;
  assessedBy: string | null;
  updatedAt: string | null;
  /** Whether the caller may record this one. */
  canAssess: boolean;
}

const FIELDS = ['userId', 'period', 'general', 'disqualified'] as const;

const messages = {
  body: 'Dữ liệu gửi lên phải là một đối tượng JSON (body must be a JSON object)',
  unknownField: (k: string) => `${k}: trường không được hỗ trợ (unknown field)`,
  userId: 'userId: bắt buộc, là mã cán bộ (required user id)',
  period: 'period: bắt buộc, dạng YYYY-MM, YYYY-Qn hoặc YYYY (required period key)',
  nothing: 'general: cần general hoặc disqualified (general or disqualified required)',
  general: (max: number) => `general: phải là số từ 0 đến ${max}, tối đa 2 chữ số thập phân, hoặc null để xóa (must be 0..${max}, at most 2 decimals, or null)`,
  generalType: 'general: phải là một số, hoặc null để xóa (must be a number or null)',
  disqualified: 'disqualified: phải là true hoặc false (must be a boolean)',
  unit: 'unit: phải là mã phòng/ban (must be a unit id)',
  userNotFound: (u: string) => `Không có cán bộ "${u}" trong danh bạ của cơ quan (user not in the directory)`,
  self: 'Không được tự đánh giá tiêu chí chung của chính mình (you cannot assess yourself)',
  leaderByHr: 'Tiêu chí chung của lãnh đạo do bộ phận tổ chức cán bộ (HR) đánh giá (a leader is assessed by HR)',
  notUnitLeader: 'Chỉ lãnh đạo phòng/ban của cán bộ mới được đánh giá (only the leader of the official\'s unit may assess)',
  hrOnly: 'Chỉ bộ phận tổ chức cán bộ (HR) được đánh dấu kỷ luật (only HR may set disqualified)',
  changed: 'Đánh giá vừa được người khác ghi, hãy thử lại (assessment written meanwhile, retry)',
};

export interface AssessmentInput { userId: string; period: Period; general?: number | null; disqualified?: boolean }

/** The body of POST /assessments: shapes only (the maximum depends on the profile and the person). */
export function parseAssessmentInput(raw: unknown): AssessmentInput {
  if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
  for (const k of Object.keys(raw)) if (!(FIELDS as readonly string[]).includes(k)) throw new ValidationError(messages.unknownField(k), k, 'unknown_field');
  if (typeof raw.userId !== 'string' || raw.userId === '' || raw.userId.length > 200) throw new ValidationError(messages.userId, 'userId', 'required');
  if (typeof raw.period !== 'string') throw new ValidationError(messages.period, 'period', 'required');
  const out: AssessmentInput = { userId: raw.userId, period: parsePeriod(raw.period) };
  if (raw.general === undefined && raw.disqualified === undefined) throw new ValidationError(messages.nothing, 'general', 'required');
  if (raw.general !== undefined) {
    if (raw.general !== null && (typeof raw.general !== 'number' || !Number.isFinite(raw.general))) throw new ValidationError(messages.generalType, 'general', 'invalid_general');
    out.general = raw.general as number | null;
  }
  if (raw.disqualified !== undefined) {
    if (typeof raw.disqualified !== 'boolean') throw new ValidationError(messages.disqualified, 'disqualified', 'invalid_disqualified');
    out.disqualified = raw.disqualified;
  }
  return out;
}

/** A general score within 0..max with at most 2 decimals (or null). */
export function checkGeneral(general: number | null, max: number): void {
  if (general === null) return;
  if (general < 0 || general > max || !hasAtMostDecimals(general, 2)) throw new ValidationError(messages.general(max), 'general', 'invalid_general');
}

export interface AssessmentServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
  /** Whether an error is a unique-key violation (a concurrent first assessment of the same key). */
  isDuplicate: (e: unknown) => boolean;
}

interface Target { id: string; name: string; unitId: string | null; isLeader: boolean }

export class AssessmentService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly clock: () => Date;
  private readonly isDuplicate: (e: unknown) => boolean;

  constructor(deps: AssessmentServiceDeps) {
    this.uow = deps.uow;
    this.isDuplicate = deps.isDuplicate;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The agency's scoring profile (custom or built-in). */
  profile(agency: string): Promise<ScoringProfile> {
    return this.agencies.profile(agency);
  }

  /** Records (upserts) G and/or the disqualified mark of one official for one period. Keys left out keep their stored value. */
  async put(p: Principal, raw: unknown): Promise<{ created: boolean; assessment: AssessmentJson }> {
    const input = parseAssessmentInput(raw);
    const target = await this.target(p.agency, input.userId);
    const isHr = p.roles.includes('hr');
    if (target.id === p.userId) throw new ForbiddenError(messages.self, 'self_assessment');
    if (!isHr) {
      if (target.isLeader) throw new ForbiddenError(messages.leaderByHr, 'leader_assessed_by_hr');
      const mine = p.roles.includes('leader') ? await this.journal.unitOf(p) : null;
      if (mine === null || mine !== target.unitId) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
    }
    const profile = await this.profile(p.agency);
    const max = target.isLeader ? profile.leader.generalMax : profile.generalMax;
    if (input.general !== undefined) checkGeneral(input.general, max);
    const period = input.period.key;
    const now = this.clock();
    const created = await this.uow.write(async (tx) => {
      await assertPeriodOpen(tx.periods, p.agency, period);
      const before = await tx.assessments.get(p.agency, target.id, period);
      const prev = { general: before?.general ?? null, disqualified: before?.disqualified ?? false };
      const next = { general: input.general !== undefined ? input.general : prev.general, disqualified: input.disqualified ?? prev.disqualified };
      if (!isHr && next.disqualified !== prev.disqualified) throw new ForbiddenError(messages.hrOnly, 'hr_only');
      try {
        await tx.assessments.put(p.agency, target.id, period, { ...next, assessedBy: p.userId, updatedAt: now }, before !== null);
      } catch (e) {
        if (!before && this.isDuplicate(e)) throw new ConflictError(messages.changed, 'assessment_changed');
        throw e;
      }
      await tx.audit.record({ agency: p.agency, actor: p.userId, action: 'assessment.put', target: `assessment:${target.id}:${period}`, details: { userId: target.id, period, before: before ? prev : null, after: next, generalMax: max }, at: now });
      return !before;
    });
    const stored = await this.uow.read.assessments.get(p.agency, target.id, period);
    return { created, assessment: this.json(target, period, stored ?? undefined, max, true) };
  }

  /** The officials of a unit (or, for HR, of the agency) active in the period, with their assessment if any. */
  async list(p: Principal, q: { period?: unknown; unit?: unknown }): Promise<{ period: string; unit: string | null; profile: { id: string; version: number }; generalMax: { official: number; leader: number }; assessments: AssessmentJson[] }> {
    if (q.period !== undefined && typeof q.period !== 'string') throw new ValidationError(messages.period, 'period');
    if (q.unit !== undefined && (typeof q.unit !== 'string' || q.unit === '')) throw new ValidationError(messages.unit, 'unit');
    const settings = await this.agencies.getSettings(p.agency);
    const period = q.period === undefined ? periodOfDay(today(settings.timeZone, this.clock()), 'month') : parsePeriod(q.period as string);
    const isHr = p.roles.includes('hr');
    const mine = p.roles.includes('leader') ? await this.journal.unitOf(p) : null;
    let unit = (q.unit as string | undefined) ?? null;
    if (!isHr) {
      if (mine === null || (unit !== null && unit !== mine)) throw new ForbiddenError();
      unit = mine;
    }
    const profile = await this.profile(p.agency);
    const rows = await this.uow.read.assessments.withUsers(p.agency, { period: period.key, from: period.from, to: period.to, unitId: unit, limit: 20000 });
    const assessments = rows.map((r) => {
      const t: Target = { id: r.id, name: r.name, unitId: r.unitId, isLeader: r.isLeader };
      const can = t.id !== p.userId && (isHr || (!t.isLeader && mine !== null && t.unitId === mine));
      return this.json(t, period.key, r.assessment ?? undefined, t.isLeader ? profile.leader.generalMax : profile.generalMax, can);
    });
    return { period: period.key, unit, profile: { id: profile.id, version: profile.version }, generalMax: { official: profile.generalMax, leader: profile.leader.generalMax }, assessments };
  }

  private async target(agency: string, userId: string): Promise<Target> {
    const u = await this.uow.read.directory.user(agency, userId);
    if (!u) throw new NotFoundError(messages.userNotFound(userId), 'user_not_found');
    return { id: u.id, name: u.name, unitId: u.unitId, isLeader: u.isLeader };
  }

  private json(t: Target, period: string, a: Assessment | undefined, generalMax: number, canAssess: boolean): AssessmentJson {
    return {
      userId: t.id, name: t.name, unitId: t.unitId, isLeader: t.isLeader, period,
      general: a?.general ?? null, generalMax,
      disqualified: a?.disqualified ?? false,
      assessedBy: a?.assessedBy ?? null, updatedAt: a?.updatedAt ? a.updatedAt.toISOString() : null, canAssess,
    };
  }
}
