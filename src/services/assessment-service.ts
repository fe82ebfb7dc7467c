import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { hasAtMostDecimals, isPlainObject } from '../domain/objects';
import { parsePeriod, periodOfDay, type Period } from '../domain/period';
import type { Principal } from '../domain/principal';
import { today } from '../domain/time';
import type { ScoringProfile } from '../scoring/profiles';
import { round2 } from '../scoring/rounding';
import type { Assessment, DisqualifiedGround, GroupScores, UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { assertPeriodOpen } from './period-service';
import { reachOf } from './read-cache';

/**
 * The general criteria (tiêu chí chung, docs/hr.md `G`): 0..generalMax points per official
 * and period, recorded by the leader of the official's unit — by HR for a leader — and the
 * `disqualified` mark (discipline: KHTNV whatever S is) with its ground, which only HR sets.
 * HR may assess anyone of the agency; nobody assesses themself; a closed period (or one
 * containing it) takes no change.
 *
 * Decree 335's form no. 01 splits the 30 points into three groups of 10 (I: 5 + 5, II: 4 × 2.5,
 * III: innovation and creativity): the assessor may send `groups` (then `general` is their sum)
 * or the single `general` as before (which clears groups that no longer add up to it). The
 * official records their own self score (`selfGroups`) on their own assessment, and nothing else.
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
  /** The assessor's scores of form no. 01's three groups (general = their sum); null when only the total was recorded. */
  groups: GroupScores | null;
  /** The official's self score of the three groups; null when not recorded. */
  selfGroups: GroupScores | null;
  disqualified: boolean;
  /** Decree 335's ground of a disqualification; null when not disqualified (or recorded before grounds). */
  disqualifiedGround: DisqualifiedGround | null;
  assessedBy: string | null;
  updatedAt: string | null;
  /** Whether the caller may record this one. */
  canAssess: boolean;
}

const FIELDS = ['userId', 'period', 'general', 'disqualified', 'groups', 'selfGroups', 'disqualifiedGround'] as const;

/** The three groups of form no. 01 and their maximum (I: 5 + 5, II: 4 × 2.5, III: 10). */
export const GROUP_MAX: Readonly<Record<keyof GroupScores, number>> = Object.freeze({ I: 10, II: 10, III: 10 });
const GROUP_KEYS = ['I', 'II', 'III'] as const;

/** Decree 335's grounds of a disqualification; `leader-corruption` only for a leader. */
export const DISQUALIFIED_GROUNDS: readonly DisqualifiedGround[] = Object.freeze(['degradation', 'discipline', 'leader-corruption'] as const);

const messages = {
  body: 'Dữ liệu gửi lên phải là một đối tượng JSON (body must be a JSON object)',
  unknownField: (k: string) => `${k}: trường không được hỗ trợ (unknown field)`,
  userId: 'userId: bắt buộc, là mã cán bộ (required user id)',
  period: 'period: bắt buộc, dạng YYYY-MM, YYYY-Qn hoặc YYYY (required period key)',
  nothing: 'general: cần general, groups, selfGroups, disqualified hoặc disqualifiedGround (general or disqualified required)',
  groups: (f: string) => `${f}: phải là đối tượng { I, II, III }, hoặc null để xóa (must be an object { I, II, III } or null)`,
  group: (f: string, max: number) => `${f}: bắt buộc, là số từ 0 đến ${max}, tối đa 2 chữ số thập phân (required, 0..${max}, at most 2 decimals)`,
  groupsSum: (sum: number, max: number) => `groups: tổng ba nhóm là ${sum}, vượt điểm tối đa ${max} (the groups add up to ${sum}, above the maximum ${max})`,
  mismatch: (general: number | null, sum: number) => `general: ${general} khác tổng ba nhóm groups là ${sum}; gửi một trong hai, hoặc hai số bằng nhau (general differs from the sum of groups)`,
  ground: 'disqualifiedGround: phải là degradation (suy thoái về chính trị, đạo đức), discipline (bị kỷ luật từ khiển trách trở lên trong năm) hoặc leader-corruption (lãnh đạo để xảy ra tham nhũng, lãng phí trong đơn vị phụ trách), hoặc null (must be one of the decree\'s grounds)',
  groundRequired: 'disqualifiedGround: bắt buộc khi đánh dấu kỷ luật (disqualified: true): degradation, discipline hoặc leader-corruption (required when disqualified is set)',
  groundNotDisqualified: 'disqualifiedGround: chỉ ghi khi cán bộ bị đánh dấu kỷ luật (disqualified: true) (only with disqualified true)',
  groundLeaderOnly: 'disqualifiedGround: leader-corruption chỉ áp dụng cho người giữ chức vụ lãnh đạo, quản lý (only for a leader)',
  selfOnly: 'Cán bộ chỉ được tự chấm selfGroups trên phiếu của chính mình (an official may only record their own selfGroups)',
  selfByOwner: 'selfGroups: chỉ chính cán bộ được tự chấm điểm của mình (only the official records their self score)',
  general: (max: number) => `general: phải là số từ 0 đến ${max}, tối đa 2 chữ số thập phân, hoặc null để xóa (must be 0..${max}, at most 2 decimals, or null)`,
  disqualified: 'disqualified: phải là true hoặc false (must be a boolean)',
  unit: 'unit: phải là mã phòng/ban (must be a unit id)',
  userNotFound: (u: string) => `Không có cán bộ "${u}" trong danh bạ của cơ quan (user not in the directory)`,
  self: 'Không được tự đánh giá tiêu chí chung của chính mình (you cannot assess yourself)',
  leaderByHr: 'Tiêu chí chung của lãnh đạo do bộ phận tổ chức cán bộ (HR) đánh giá (a leader is assessed by HR)',
  notUnitLeader: 'Chỉ lãnh đạo phòng/ban của cán bộ mới được đánh giá (only the leader of the official\'s unit may assess)',
  hrOnly: 'Chỉ bộ phận tổ chức cán bộ (HR) được đánh dấu kỷ luật (only HR may set disqualified)',
  changed: 'Đánh giá vừa được người khác ghi, hãy thử lại (assessment written meanwhile, retry)',
};

export interface AssessmentInput {
  userId: string;
  period: Period;
  general?: number | null;
  disqualified?: boolean;
  groups?: GroupScores | null;
  selfGroups?: GroupScores | null;
  disqualifiedGround?: DisqualifiedGround | null;
}

/** `{ I, II, III }`, each 0..10 with at most 2 decimals, or null (clears). */
function parseGroups(raw: unknown, field: 'groups' | 'selfGroups'): GroupScores | null {
  if (raw === null) return null;
  if (!isPlainObject(raw)) throw new ValidationError(messages.groups(field), field, 'invalid_groups');
  for (const k of Object.keys(raw)) if (!(GROUP_KEYS as readonly string[]).includes(k)) throw new ValidationError(messages.unknownField(`${field}.${k}`), `${field}.${k}`, 'unknown_field');
  const out: GroupScores = { I: null, II: null, III: null };
  for (const k of GROUP_KEYS) {
    const v = raw[k];
    const max = GROUP_MAX[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max || !hasAtMostDecimals(v, 2)) throw new ValidationError(messages.group(`${field}.${k}`, max), `${field}.${k}`, 'invalid_groups');
    out[k] = v;
  }
  return out;
}

/** The 30-point total of the groups, to 2 decimals. */
export function groupsTotal(g: GroupScores): number {
  return round2((g.I ?? 0) + (g.II ?? 0) + (g.III ?? 0));
}

/** The body of POST /assessments: shapes only (the maximum depends on the profile and the person). */
export function parseAssessmentInput(raw: unknown): AssessmentInput {
  if (!isPlainObject(raw)) throw new ValidationError(messages.body, undefined, 'invalid_body');
  for (const k of Object.keys(raw)) if (!(FIELDS as readonly string[]).includes(k)) throw new ValidationError(messages.unknownField(k), k, 'unknown_field');
  if (typeof raw.userId !== 'string' || raw.userId === '' || raw.userId.length > 200) throw new ValidationError(messages.userId, 'userId', 'required');
  if (typeof raw.period !== 'string') throw new ValidationError(messages.period, 'period', 'required');
  const out: AssessmentInput = { userId: raw.userId, period: parsePeriod(raw.period) };
  if (raw.general === undefined && raw.disqualified === undefined && raw.groups === undefined && raw.selfGroups === undefined && raw.disqualifiedGround === undefined) {
    throw new ValidationError(messages.nothing, 'general', 'required');
  }
  if (raw.general !== undefined) {
    // Not a number: NaN, which checkGeneral refuses naming the limit of the official's profile (known only there).
    out.general = raw.general === null ? null : typeof raw.general === 'number' && Number.isFinite(raw.general) ? raw.general : Number.NaN;
  }
  if (raw.disqualified !== undefined) {
    if (typeof raw.disqualified !== 'boolean') throw new ValidationError(messages.disqualified, 'disqualified', 'invalid_disqualified');
    out.disqualified = raw.disqualified;
  }
  if (raw.groups !== undefined) out.groups = parseGroups(raw.groups, 'groups');
  if (raw.selfGroups !== undefined) out.selfGroups = parseGroups(raw.selfGroups, 'selfGroups');
  if (raw.disqualifiedGround !== undefined) {
    if (raw.disqualifiedGround !== null && !(DISQUALIFIED_GROUNDS as readonly unknown[]).includes(raw.disqualifiedGround)) throw new ValidationError(messages.ground, 'disqualifiedGround', 'invalid_ground');
    out.disqualifiedGround = raw.disqualifiedGround as DisqualifiedGround | null;
  }
  if (out.groups != null && out.general !== undefined && out.general !== groupsTotal(out.groups)) {
    throw new ValidationError(messages.mismatch(out.general, groupsTotal(out.groups)), 'general', 'general_mismatch');
  }
  return out;
}

/** A general score within 0..max with at most 2 decimals (or null). */
export function checkGeneral(general: number | null, max: number): void {
  if (general === null) return;
  if (!Number.isFinite(general) || general < 0 || general > max || !hasAtMostDecimals(general, 2)) throw new ValidationError(messages.general(max), 'general', 'invalid_general', { max });
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

  /**
   * Records (upserts) G (or its three groups), the disqualified mark and its ground of one official
   * for one period, or the official's own self score. Keys left out keep their stored value.
   */
  async put(p: Principal, raw: unknown): Promise<{ created: boolean; assessment: AssessmentJson }> {
    const input = parseAssessmentInput(raw);
    const target = await this.target(p.agency, input.userId);
    const isHr = p.roles.includes('hr');
    const self = target.id === p.userId;
    if (self) {
      // One's own form: the self score, nothing else (G is the leader's, the mark HR's).
      if (input.selfGroups === undefined) throw new ForbiddenError(messages.self, 'self_assessment');
      if (input.general !== undefined || input.groups !== undefined || input.disqualified !== undefined || input.disqualifiedGround !== undefined) throw new ForbiddenError(messages.selfOnly, 'self_assessment');
    } else {
      if (!isHr && !p.roles.includes('leader')) throw new ForbiddenError();
      if (input.selfGroups !== undefined) throw new ForbiddenError(messages.selfByOwner, 'self_score_own_only');
      if (!isHr && input.disqualifiedGround !== undefined) throw new ForbiddenError(messages.hrOnly, 'hr_only');
      if (!isHr) {
        if (target.isLeader) throw new ForbiddenError(messages.leaderByHr, 'leader_assessed_by_hr');
        const mine = await this.journal.unitOf(p);
        if (mine === null || mine !== target.unitId) throw new ForbiddenError(messages.notUnitLeader, 'not_unit_leader');
      }
    }
    if (input.disqualifiedGround === 'leader-corruption' && !target.isLeader) throw new ValidationError(messages.groundLeaderOnly, 'disqualifiedGround', 'invalid_ground');
    const profile = await this.profile(p.agency);
    const max = target.isLeader ? profile.leader.generalMax : profile.generalMax;
    // Groups given: G is their sum (a differing general was refused by the parser).
    const general = input.groups != null ? groupsTotal(input.groups) : input.general;
    if (input.groups != null && general !== undefined && general !== null && general > max) throw new ValidationError(messages.groupsSum(general, max), 'groups', 'invalid_groups');
    if (general !== undefined) checkGeneral(general, max);
    const period = input.period.key;
    const now = this.clock();
    // An assessment moves its official's score alone (their unit's leader's with it: the kept pool re-scores the unit).
    const reach = reachOf(p.agency);
    reach.users.add(target.id);
    const created = await this.uow.write(async (tx) => {
      await assertPeriodOpen(tx.periods, p.agency, period);
      const before = await tx.assessments.get(p.agency, target.id, period);
      const prev = {
        general: before?.general ?? null, disqualified: before?.disqualified ?? false,
        groups: before?.groups ?? null, selfGroups: before?.selfGroups ?? null, disqualifiedGround: before?.disqualifiedGround ?? null,
      };
      const disqualified = input.disqualified ?? prev.disqualified;
      const next = {
        general: general !== undefined ? general : prev.general,
        disqualified,
        // A single general replaces groups that would no longer add up to it.
        groups: input.groups !== undefined ? input.groups : input.general !== undefined ? null : prev.groups,
        selfGroups: input.selfGroups !== undefined ? input.selfGroups : prev.selfGroups,
        disqualifiedGround: !disqualified ? null : input.disqualifiedGround !== undefined ? input.disqualifiedGround : prev.disqualifiedGround,
      };
      if (!isHr && (next.disqualified !== prev.disqualified || next.disqualifiedGround !== prev.disqualifiedGround)) throw new ForbiddenError(messages.hrOnly, 'hr_only');
      if (input.disqualifiedGround != null && !disqualified) throw new ValidationError(messages.groundNotDisqualified, 'disqualifiedGround', 'invalid_ground');
      if (disqualified && next.disqualifiedGround === null && input.disqualified === true && !prev.disqualified) throw new ValidationError(messages.groundRequired, 'disqualifiedGround', 'required');
      // The self score keeps who assessed G: the official's own row names them only until an assessor writes.
      const assessedBy = self && before ? (before.assessedBy ?? p.userId) : p.userId;
      try {
        await tx.assessments.put(p.agency, target.id, period, { ...next, assessedBy, updatedAt: now }, before !== null);
      } catch (e) {
        if (!before && this.isDuplicate(e)) throw new ConflictError(messages.changed, 'assessment_changed');
        throw e;
      }
      await tx.audit.record({ agency: p.agency, actor: p.userId, action: 'assessment.put', target: `assessment:${target.id}:${period}`, details: { userId: target.id, period, before: before ? prev : null, after: next, generalMax: max }, at: now });
      return !before;
    }, { reach });
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
      groups: a?.groups ?? null, selfGroups: a?.selfGroups ?? null,
      disqualified: a?.disqualified ?? false,
      disqualifiedGround: a?.disqualifiedGround ?? null,
      assessedBy: a?.assessedBy ?? null, updatedAt: a?.updatedAt ? a.updatedAt.toISOString() : null, canAssess,
    };
  }
}
