import type { AgencySettings } from '../contract/events';
import { workingDays } from '../domain/calendar';
import { ConflictError, ForbiddenError, ValidationError } from '../domain/errors';
import { parsePeriod, quartersOfYear, type Period } from '../domain/period';
import { today } from '../domain/time';
import type { Principal } from '../domain/principal';
import type { DirectoryUser, UnitOfWork } from '../stores';
import { applyQuota, scoreUnitDetailed, scoreYear, rankUnits, type OfficialInput, type Score, type ScoringParams, type UnitRank } from '../scoring';
import type { ScoringProfile } from '../scoring/profiles';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';

export interface ScoringServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
}

export interface ScopeFilter { unitId?: string; userId?: string }

const messages = {
  future: (p: string) => `Kỳ ${p} chưa bắt đầu (period has not started)`,
  closed: (p: string) => `Kỳ ${p} đã khóa sổ (period already closed)`,
  notClosed: (p: string) => `Kỳ ${p} chưa khóa sổ (period is not closed)`,
  reason: 'reason: cần nêu lý do mở lại kỳ (a reason is required to reopen a period)',
  yearClose: 'period: chỉ khóa sổ theo tháng hoặc quý; điểm năm là trung bình các quý (close months or quarters; the year is the mean of its quarters)',
};

/**
 * Scores of a period, from aggregates computed in the database (docs/hr.md). An open
 * period is scored live and marked provisional (pending entries counted); a closed one is
 * read from its snapshot and never recomputed silently.
 */
export class ScoringService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly journal: JournalService;
  private readonly clock: () => Date;

  constructor(deps: ScoringServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
  }

  params(settings: AgencySettings, profile: ScoringProfile): ScoringParams {
    return { profile, dailyMinutes: settings.dailyMinutes, capMinutes: settings.capMinutes, capPolicy: settings.capPolicy };
  }

  async periodStatus(agency: string, period: string): Promise<{ status: 'open' | 'closed'; applyQuota: boolean }> {
    return this.uow.read.periods.state(agency, period);
  }

  /** Scores of every official (or one unit, one official) of the agency for a period. */
  async scores(agency: string, periodKey: string, filter: ScopeFilter = {}, opts: { withEntries?: boolean } = {}): Promise<Score[]> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') return this.yearScores(agency, period, filter);
    const { status } = await this.periodStatus(agency, period.key);
    if (status === 'closed') {
      const snap = await this.uow.read.periods.snapshots<Score>(agency, period.key);
      return snap.filter((s) => (filter.unitId === undefined || s.unitId === filter.unitId) && (filter.userId === undefined || s.userId === filter.userId));
    }
    const all = await this.compute(agency, period, { provisional: true, filter, withEntries: opts.withEntries ?? false });
    return all;
  }

  /**
   * Computes a month or quarter. A unit is always scored whole (a leader's R needs the mean
   * of the unit's non-leaders, and the quota is per unit); the filter is applied after.
   */
  async compute(agency: string, period: Period, opts: { provisional: boolean; filter?: ScopeFilter; applyQuota?: boolean; withEntries?: boolean }): Promise<Score[]> {
    const [settings, profile] = await Promise.all([this.agencies.getSettings(agency), this.agencies.profile(agency)]);
    const params = this.params(settings, profile);
    const t = today(settings.timeZone, this.clock());
    if (period.from > t) return [];
    const filter = opts.filter ?? {};
    const read = this.uow.read;
    let users: DirectoryUser[];
    if (filter.userId !== undefined) {
      const me = await read.directory.user(agency, filter.userId);
      if (!me) return [];
      users = me.unitId === null ? [me] : await read.directory.users(agency, { unitId: me.unitId });
    } else if (filter.unitId !== undefined) {
      users = await read.directory.users(agency, { unitId: filter.unitId });
    } else {
      users = await read.directory.users(agency);
    }
    const to = period.to < t ? period.to : t; // an open period counts the working days up to today
    users = users.filter((u) => (u.activeFrom === null || u.activeFrom <= period.to) && (u.activeTo === null || u.activeTo >= period.from));
    if (users.length === 0) return [];
    const ids = filter.userId === undefined && filter.unitId === undefined ? undefined : users.map((u) => u.id);
    const statuses: Array<'approved' | 'pending'> = opts.provisional ? ['approved', 'pending'] : ['approved'];
    const agg = { agency, from: period.from, to: period.to, statuses, capMinutes: params.capMinutes, clip: params.capPolicy === 'clip', failPenalty: params.profile.failPenalty, delayPenalty: params.profile.delayPenalty, ...(ids ? { userIds: ids } : {}) };
    const [{ totals, overDays }, assessments, assignments] = await Promise.all([
      read.journal.periodTotals(agg),
      read.assessments.ofPeriod(agency, period.key),
      params.profile.assignedBasis === 'norm' ? Promise.resolve(new Map<string, number>()) : read.assignments.minutesDue(agency, period.from, period.to, ids),
    ]);
    const cal = { holidays: settings.holidays, makeUpDays: settings.makeUpDays };
    const baseDays = workingDays(period.from, to, cal);
    const inputs: OfficialInput[] = users.map((u) => {
      const wd = u.activeFrom === null && u.activeTo === null ? baseDays : baseDays.filter((d) => (u.activeFrom === null || d >= u.activeFrom) && (u.activeTo === null || d <= u.activeTo));
      const tot = totals.get(u.id);
      const a = assessments.get(u.id);
      return {
        userId: u.id, unitId: u.unitId, isLeader: u.isLeader, position: u.position, workingDays: wd.length, workingDayList: wd, days: [],
        totals: {
          C: tot?.C ?? 0, CL: tot?.CL ?? 0, CT: tot?.CT ?? 0, daysLogged: tot?.daysLogged ?? 0,
          capWarnings: (overDays.get(u.id) ?? []).map((d) => ({ day: d.day, minutes: d.minutes, capMinutes: params.capMinutes, clipped: params.capPolicy === 'clip', factor: params.capPolicy === 'clip' ? params.capMinutes / d.minutes : 1 })),
        },
        assignmentMinutes: assignments.get(u.id) ?? 0,
        general: a?.general ?? null,
        disqualified: a?.disqualified ?? false,
        provisional: opts.provisional,
      };
    });
    if (opts.withEntries && filter.userId !== undefined) {
      const me = inputs.find((i) => i.userId === filter.userId);
      if (me) me.entries = (await read.journal.ofUser(agency, me.userId, period.from, period.to, statuses)).map((e) => ({ id: e.id, day: e.day, minutes: e.minutes, fails: e.fails, delays: e.delays, late: e.late, workItemCode: e.workItemCode }));
    }
    const scored = scoreUnitDetailed(inputs, params, period.key).map((s) => s.score);
    const withQuota = applyQuota(scored, params, { applyQuota: opts.applyQuota ?? false });
    return withQuota.filter((s) => (filter.unitId === undefined || s.unitId === filter.unitId) && (filter.userId === undefined || s.userId === filter.userId));
  }

  private async yearScores(agency: string, year: Period, filter: ScopeFilter): Promise<Score[]> {
    const quarters: Score[] = [];
    for (const q of quartersOfYear(year.year)) quarters.push(...(await this.scores(agency, q.key, filter)));
    const years = scoreYear(quarters, { profile: await this.agencies.profile(agency) });
    return years.filter((s) => (filter.unitId === undefined || s.unitId === filter.unitId) && (filter.userId === undefined || s.userId === filter.userId));
  }

  /** Scores visible to a principal: their own; a leader's unit; HR and admin the agency. */
  async scoresFor(p: Principal, q: { period?: string | undefined; unit?: string | undefined; user?: string | undefined }): Promise<{ period: string; status: 'open' | 'closed'; scores: Score[] }> {
    const period = parsePeriod(q.period ?? (await this.currentMonth(p.agency)));
    let filter: ScopeFilter;
    if (q.user !== undefined) {
      if (!(await this.journal.canSee(p, q.user))) throw new ForbiddenError();
      filter = { userId: q.user, ...(q.unit !== undefined ? { unitId: q.unit } : {}) };
    } else if (q.unit !== undefined) {
      if (!(await this.journal.canSeeUnit(p, q.unit))) throw new ForbiddenError();
      filter = { unitId: q.unit };
    } else if (p.roles.includes('hr') || p.roles.includes('admin')) {
      filter = {};
    } else if (p.roles.includes('leader')) {
      const unit = await this.journal.unitOf(p);
      filter = unit ? { unitId: unit } : { userId: p.userId };
    } else {
      filter = { userId: p.userId };
    }
    const withEntries = filter.userId !== undefined;
    const scores = await this.scores(p.agency, period.key, filter, { withEntries });
    const status = period.kind === 'year' ? 'open' : (await this.periodStatus(p.agency, period.key)).status;
    return { period: period.key, status, scores };
  }

  /** This month (`YYYY-MM`) in the agency's time zone: the period shown when none is asked for. */
  async currentMonth(agency: string): Promise<string> {
    const settings = await this.agencies.getSettings(agency);
    return today(settings.timeZone, this.clock()).slice(0, 7);
  }

  async ranking(agency: string, periodKey: string, lowestFirst = false): Promise<UnitRank[]> {
    const scores = await this.scores(agency, parsePeriod(periodKey).key);
    return rankUnits(scores, { lowestFirst });
  }

  /**
   * Closes a month or quarter: scores it from approved entries only, applies the quota
   * flag (or the quota itself with applyQuota), and freezes the result as a snapshot.
   * Returns the count of entries still pending, which the close leaves out (a warning).
   */
  async close(agency: string, periodKey: string, opts: { applyQuota: boolean; actor: string }): Promise<{ period: string; scored: number; pendingEntries: number; warnings: string[] }> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') throw new ValidationError(messages.yearClose, 'period');
    const settings = await this.agencies.getSettings(agency);
    if (period.from > today(settings.timeZone, this.clock())) throw new ConflictError(messages.future(period.key), 'period_not_started');
    if ((await this.periodStatus(agency, period.key)).status === 'closed') throw new ConflictError(messages.closed(period.key), 'period_closed');
    const pending = await this.uow.read.journal.countPending(agency, period.from, period.to);
    const scores = await this.compute(agency, period, { provisional: false, applyQuota: opts.applyQuota });
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await tx.periods.close(agency, period.key, { applyQuota: opts.applyQuota, actor: opts.actor, now });
      await tx.periods.writeSnapshots(agency, period.key, scores, now);
      await tx.audit.record({ agency, actor: opts.actor, action: 'period.close', target: period.key, details: { applyQuota: opts.applyQuota, scored: scores.length, pendingEntries: pending }, at: now });
    });
    const warnings = pending > 0 ? [`Còn ${pending} mục nhật ký chờ duyệt không được tính vào kỳ ${period.key} (${pending} pending entries were left out)`] : [];
    return { period: period.key, scored: scores.length, pendingEntries: pending, warnings };
  }

  /** Reopens a closed period (admin only, with a reason, audited); its scores become live again. */
  async reopen(agency: string, periodKey: string, opts: { reason: string; actor: string }): Promise<{ period: string; status: 'open' }> {
    const period = parsePeriod(periodKey);
    const reason = typeof opts.reason === 'string' ? opts.reason.normalize('NFC').trim() : '';
    if (!reason || reason.length > 1000) throw new ValidationError(messages.reason, 'reason');
    if ((await this.periodStatus(agency, period.key)).status !== 'closed') throw new ConflictError(messages.notClosed(period.key), 'period_not_closed');
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await tx.periods.reopen(agency, period.key, reason, now);
      await tx.audit.record({ agency, actor: opts.actor, action: 'period.reopen', target: period.key, details: { reason }, at: now });
    });
    return { period: period.key, status: 'open' };
  }
}
