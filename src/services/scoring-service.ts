import type { AgencySettings } from '../contract/events';
import { workingDays } from '../domain/calendar';
import { ConflictError, ForbiddenError, ValidationError } from '../domain/errors';
import { parsePeriod, quartersOfYear, type Period } from '../domain/period';
import { today } from '../domain/time';
import type { Principal } from '../domain/principal';
import type { DirectoryUser, UnitOfWork } from '../stores';
import { applyQuota, quotaPools, scoreUnitDetailed, scoreUnitNumbers, scoreYear, rankUnits, type Explanation, type OfficialInput, type PoolSummary, type Score, type ScoreCore, type ScoringParams, type UnitRank } from '../scoring';
import type { ScoringProfile } from '../scoring/profiles';
import type { AgencyService } from './agency-service';
import type { JournalService } from './journal-service';
import { KEPT_READ_TTL_MS, keptReads, type KeptReadsDeps, type ReadCache, type WriteGenerations } from './read-cache';

/**
 * With `generations`, computed scores are kept until the next write transaction of the process
 * (any change that can move them: entries, reviews, assessments, settings, catalogue, periods,
 * directory) or `cacheTtlMs` (default 2 s: the writes of other instances), so that My KPI does
 * not score the official's unit — or, under quotaScope `agency`, the whole pool — each time.
 */
export interface ScoringServiceDeps extends KeptReadsDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  clock?: () => Date;
}

export interface ScopeFilter { unitId?: string; userId?: string }

/** Whether a score is one the filter asks for (its unit, its official). */
function inScope(filter: ScopeFilter): (s: Pick<ScoreCore, 'unitId' | 'userId'>) => boolean {
  return (s) => (filter.unitId === undefined || s.unitId === filter.unitId) && (filter.userId === undefined || s.userId === filter.userId);
}

interface ComputeOptions {
  provisional: boolean;
  filter?: ScopeFilter;
  applyQuota?: boolean;
  withEntries?: boolean;
  wholeAgency?: boolean;
  /** The agency's whole directory when the caller has just read it (it is then not read again). */
  directory?: readonly DirectoryUser[];
  /** A general score in place of the recorded one for one official (HR's decision on an appeal, before it is stored). */
  general?: { userId: string; value: number };
  /** Count every working day of the period, today's and after too (a projection to the period's end). */
  wholePeriod?: boolean;
  /** Scores that only rank others (the quota pool, never shown): the days over the cap are not read, so their capWarnings are empty. */
  rankOnly?: boolean;
  /** Score these officials, as they are in the directory (whole units: a leader's score needs the unit's). */
  only?: readonly DirectoryUser[];
}

/** A kept quota pool: up to date with write count `gen`; `whole.at` is when it was last read whole (ms; +∞ while being read). */
interface KeptPool { gen: number; whole: { at: number }; value: Promise<ScoreCore[]> }

/** How many quota pools are kept (agency, period, day and kind): the newest. */
const POOLS_KEPT = 16;

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
  private readonly cache: ReadCache<readonly ScoreCore[]> | null;
  private readonly states: ReadCache<{ status: 'open' | 'closed'; applyQuota: boolean }> | null;
  private readonly generations: WriteGenerations | null;
  private readonly ttlMs: number;
  private readonly pools = new Map<string, KeptPool>();

  constructor(deps: ScoringServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.journal = deps.journal;
    this.clock = deps.clock ?? (() => new Date());
    this.cache = keptReads(deps, 256);
    this.states = keptReads(deps, 256);
    this.generations = deps.generations ?? null;
    this.ttlMs = deps.cacheTtlMs ?? KEPT_READ_TTL_MS;
  }

  /**
   * `make`'s scores, kept (see ScoringServiceDeps.generations) under a key of everything they
   * depend on besides the stored data: the agency, the period, the options and the agency's day.
   * A computation given a directory or an appeal's general score is not kept. Callers get their
   * own array.
   */
  private async cached<T extends ScoreCore>(kind: string, agency: string, period: Period, opts: ComputeOptions, make: () => Promise<T[]>): Promise<T[]> {
    // Whole-agency scores with their explanations are not kept (tens of MB at province scale); their numbers are (the pool: keptPool).
    const whole = kind === 'scores' && opts.filter?.userId === undefined && opts.filter?.unitId === undefined;
    if (this.cache === null || whole || opts.directory !== undefined || opts.general !== undefined) return make();
    const day = today((await this.agencies.context(agency)).settings.timeZone, this.clock());
    const f = opts.filter ?? {};
    const key = JSON.stringify([kind, agency, period.key, day, f.unitId ?? null, f.userId ?? null, opts.provisional, opts.applyQuota ?? false, opts.withEntries ?? false, opts.wholeAgency ?? false, opts.wholePeriod ?? false]);
    return (await this.cache.get(key, make) as T[]).slice();
  }

  params(settings: AgencySettings, profile: ScoringProfile): ScoringParams {
    return { profile, dailyMinutes: settings.dailyMinutes, capMinutes: settings.capMinutes, capPolicy: settings.capPolicy, quotaScope: settings.quotaScope, quotaGroups: settings.quotaGroups };
  }

  /**
   * The quota pools that these officials were counted in, with each pool's numbers (a unit
   * board shows them). Under scope `agency` a pool spans the agency, so this scores the whole
   * agency for the period — the kept pool of an open period (keptPool), a closed period's
   * snapshot; a year has no quota.
   */
  async poolsOf(agency: string, periodKey: string, userIds: readonly string[]): Promise<PoolSummary[]> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year' || userIds.length === 0) return [];
    const open = this.cache !== null && (await this.periodStatus(agency, period.key)).status === 'open';
    const numbers = open ? this.keptPool(agency, period, { provisional: true, wholePeriod: false }) : this.numbers(agency, period.key);
    const [settings, profile, all] = await Promise.all([this.agencies.getSettings(agency), this.agencies.profile(agency), numbers]);
    const { pools, poolOf } = quotaPools(all, this.params(settings, profile));
    const keys = new Set(userIds.map((u) => poolOf.get(u)).filter((k): k is string => k !== undefined));
    return [...keys].map((k) => pools.get(k)!);
  }

  async periodStatus(agency: string, period: string): Promise<{ status: 'open' | 'closed'; applyQuota: boolean }> {
    if (this.states === null) return this.uow.read.periods.state(agency, period);
    return { ...(await this.states.get(`${agency}\u0000${period}`, () => this.uow.read.periods.state(agency, period))) };
  }

  /** Scores of every official (or one unit, one official) of the agency for a period. */
  async scores(agency: string, periodKey: string, filter: ScopeFilter = {}, opts: { withEntries?: boolean } = {}): Promise<Score[]> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') return this.yearScores(agency, period, filter);
    const { status } = await this.periodStatus(agency, period.key);
    if (status === 'closed') {
      const snap = await this.uow.read.periods.snapshots<Score>(agency, period.key);
      return snap.filter(inScope(filter));
    }
    const all = await this.computeKept(agency, period, { provisional: true, filter, withEntries: opts.withEntries ?? false });
    return all;
  }

  /**
   * Computes a month or quarter. A unit is always scored whole (a leader's R needs the mean
   * of the unit's non-leaders); the filter is applied after. The quota's pool is the unit
   * (quotaScope `unit`) or the whole agency (`agency`): with `agency`, when an official asked
   * for reaches the excellent mark, the whole agency is scored (`wholeAgency`) and then
   * filtered — an agency-wide aggregate for that request, paid only when the quota can
   * change the answer (nobody else's score depends on it otherwise). `general` puts a general
   * score in place of the recorded one for one official (HR's decision on an appeal, before it is stored).
   */
  async compute(agency: string, period: Period, opts: ComputeOptions): Promise<Score[]> {
    return this.computeWith(agency, period, opts, (inputs, params) => scoreUnitDetailed(inputs, params, period.key).map((s) => s.score));
  }

  /** `compute`, kept (see ScoringServiceDeps.generations): what the panels, the API and the lift read. `compute` itself always computes. */
  private computeKept(agency: string, period: Period, opts: ComputeOptions): Promise<Score[]> {
    return this.cached('scores', agency, period, opts, () => this.compute(agency, period, opts));
  }

  /**
   * The scores' numbers without explanations (a closed period's from its snapshot): for tables of
   * the whole agency — HR's workbook, the ranking, the quota pools — where 50,000 explanations
   * would only cost memory. Equal, field by field, to `scores` but for the explanation.
   */
  async numbers(agency: string, periodKey: string, filter: ScopeFilter = {}, known: { directory?: readonly DirectoryUser[] } = {}): Promise<ScoreCore[]> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') return this.scores(agency, period.key, filter);
    if ((await this.periodStatus(agency, period.key)).status === 'closed') {
      const snap = await this.uow.read.periods.snapshotNumbers<ScoreCore>(agency, period.key);
      return snap.filter(inScope(filter));
    }
    const opts: ComputeOptions = { provisional: true, filter, ...known };
    return this.cached('numbers', agency, period, opts, () => this.computeWith(agency, period, opts, (inputs, params) => scoreUnitNumbers(inputs, params, period.key)));
  }

  private async computeWith<T extends ScoreCore & { explanation?: Explanation }>(agency: string, period: Period, opts: ComputeOptions, engine: (inputs: OfficialInput[], params: ScoringParams) => T[]): Promise<T[]> {
    const [settings, profile] = await Promise.all([this.agencies.getSettings(agency), this.agencies.profile(agency)]);
    const params = this.params(settings, profile);
    const t = today(settings.timeZone, this.clock());
    if (period.from > t) return [];
    const filter = opts.filter ?? {};
    const read = this.uow.read;
    let users: readonly DirectoryUser[];
    if (opts.only !== undefined) {
      users = opts.only;
    } else if (opts.wholeAgency === true) {
      users = opts.directory ?? await read.directory.users(agency);
    } else if (filter.userId !== undefined) {
      const me = await read.directory.user(agency, filter.userId);
      if (!me) return [];
      // A member's score is their own work's; only a leader's blends in the unit's mean, and only a
      // unit-wide quota ranks them among the unit (an agency-wide one is settled against the kept
      // pool below). So the unit is read only when it counts.
      const unitCounts = me.isLeader || params.quotaScope === 'unit';
      users = me.unitId === null || !unitCounts ? [me] : await read.directory.users(agency, { unitId: me.unitId });
    } else if (filter.unitId !== undefined) {
      users = await read.directory.users(agency, { unitId: filter.unitId });
    } else {
      users = opts.directory ?? await read.directory.users(agency);
    }
    // An open period counts the working days up to today; `wholePeriod` (a projection to the period's end) all of them.
    const to = period.to < t || opts.wholePeriod === true ? period.to : t;
    users = users.filter((u) => (u.activeFrom === null || u.activeFrom <= period.to) && (u.activeTo === null || u.activeTo >= period.from));
    if (users.length === 0) return [];
    const ids = opts.only === undefined && (opts.wholeAgency === true || (filter.userId === undefined && filter.unitId === undefined)) ? undefined : users.map((u) => u.id);
    const statuses: Array<'approved' | 'pending'> = opts.provisional ? ['approved', 'pending'] : ['approved'];
    const agg = { agency, from: period.from, to: period.to, statuses, capMinutes: params.capMinutes, clip: params.capPolicy === 'clip', failPenalty: params.profile.failPenalty, delayPenalty: params.profile.delayPenalty, ...(ids ? { userIds: ids } : {}), ...(opts.rankOnly ? { overDays: false } : {}) };
    const [{ totals, overDays }, assessments, assignments] = await Promise.all([
      read.journal.periodTotals(agg),
      read.assessments.ofPeriod(agency, period.key, ids),
      params.profile.assignedBasis === 'norm' ? Promise.resolve(new Map<string, number>()) : read.assignments.minutesDue(agency, period.from, period.to, ids),
    ]);
    const cal = { holidays: settings.holidays, makeUpDays: settings.makeUpDays };
    const baseDays = workingDays(period.from, to, cal);
    const mine = opts.withEntries && filter.userId !== undefined
      ? (await read.journal.ofUser(agency, filter.userId, period.from, period.to, statuses)).map((e) => ({ id: e.id, day: e.day, minutes: e.minutes, fails: e.fails, delays: e.delays, late: e.late, workItemCode: e.workItemCode }))
      : null;
    const inputOf = (u: DirectoryUser): OfficialInput => {
      const wd = u.activeFrom === null && u.activeTo === null ? baseDays : baseDays.filter((d) => (u.activeFrom === null || d >= u.activeFrom) && (u.activeTo === null || d <= u.activeTo));
      const tot = totals.get(u.id);
      const a = assessments.get(u.id);
      const input: OfficialInput = {
        userId: u.id, unitId: u.unitId, isLeader: u.isLeader, position: u.position, workingDays: wd.length, workingDayList: wd, days: [],
        totals: {
          C: tot?.C ?? 0, CL: tot?.CL ?? 0, CT: tot?.CT ?? 0, daysLogged: tot?.daysLogged ?? 0,
          capWarnings: (overDays.get(u.id) ?? []).map((d) => ({ day: d.day, minutes: d.minutes, capMinutes: params.capMinutes, clipped: params.capPolicy === 'clip', factor: params.capPolicy === 'clip' ? params.capMinutes / d.minutes : 1 })),
        },
        assignmentMinutes: assignments.get(u.id) ?? 0,
        general: opts.general?.userId === u.id ? opts.general.value : a?.general ?? null,
        disqualified: a?.disqualified ?? false,
        provisional: opts.provisional,
      };
      if (mine && u.id === filter.userId) input.entries = mine;
      return input;
    };
    // Unit by unit (a unit is the engine's whole world: a leader's U is its members' mean), so that
    // the inputs of 50,000 officials never live at once; the scores keep the directory's order.
    const byUnit = new Map<string | null, number[]>();
    users.forEach((u, i) => {
      const list = byUnit.get(u.unitId);
      if (list) list.push(i);
      else byUnit.set(u.unitId, [i]);
    });
    const scored = new Array<T>(users.length);
    for (const idx of byUnit.values()) {
      const out = engine(idx.map((i) => inputOf(users[i]!)), params);
      idx.forEach((i, k) => { scored[i] = out[k]!; });
    }
    const asked = inScope(filter);
    if (ids !== undefined && opts.rankOnly !== true && params.quotaScope !== 'unit' && scored.some((s) => s.classification === 'HTXSNV' && asked(s))) {
      if (this.cache === null || opts.general !== undefined) return this.computeWith(agency, period, { ...opts, wholeAgency: true }, engine);
      // The pool's scores, kept: the asked unit's, just computed, in place of theirs (the same numbers), and the quota over all.
      const pool = await this.keptPool(agency, period, { provisional: opts.provisional, wholePeriod: opts.wholePeriod === true });
      const fresh = new Map(scored.map((s) => [s.userId, s]));
      const merged = pool.map((s) => fresh.get(s.userId) ?? (s as T));
      const inPool = new Set(pool.map((s) => s.userId));
      for (const s of scored) if (!inPool.has(s.userId)) merged.push(s);
      return applyQuota(merged, params, { applyQuota: opts.applyQuota ?? false, keep: asked });
    }
    return applyQuota(scored, params, { applyQuota: opts.applyQuota ?? false, keep: asked });
  }

  /**
   * The numbers of the agency's quota pool (every official of the agency), kept. Only their
   * numbers rank the asked ones: the days over the cap are left out of the read. Kept until
   * `cacheTtlMs` (other processes' writes) after it was read whole; a write of this process that
   * said whose scores it moved (WriteGenerations.movedSince: an event taken) re-scores only
   * those officials' units, and any other write ends it.
   */
  private async keptPool(agency: string, period: Period, o: { provisional: boolean; wholePeriod: boolean }): Promise<ScoreCore[]> {
    const gens = this.generations!;
    const day = today((await this.agencies.context(agency)).settings.timeZone, this.clock());
    const key = JSON.stringify([agency, period.key, day, o.provisional, o.wholePeriod]);
    const gen = gens.current;
    const now = Date.now();
    // Pools past their time are let go (a province's is tens of MB).
    for (const [k, v] of this.pools) if (now - v.whole.at >= this.ttlMs) this.pools.delete(k);
    const kept = this.pools.get(key);
    let entry: KeptPool;
    if (kept !== undefined && kept.gen === gen) {
      entry = kept;
    } else {
      const moved = kept !== undefined ? gens.movedSince(kept.gen) : null;
      if (kept !== undefined && moved !== null) {
        const users = moved.get(agency);
        entry = { gen, whole: kept.whole, value: users === undefined ? kept.value : kept.value.then((old) => this.repool(agency, period, o, old, users)) };
      } else {
        const whole = { at: Number.POSITIVE_INFINITY };
        entry = { gen, whole, value: this.poolNumbers(agency, period, o) };
        // Its age counts from when it was read (a slow read is not born old).
        entry.value.then(() => { whole.at = Date.now(); }, () => undefined);
      }
      this.pools.delete(key);
      this.pools.set(key, entry);
      while (this.pools.size > POOLS_KEPT) this.pools.delete(this.pools.keys().next().value as string);
      entry.value.catch(() => { if (this.pools.get(key) === entry) this.pools.delete(key); });
    }
    return (await entry.value).slice();
  }

  /**
   * A kept pool with these officials' units scored again (a leader's score is their unit's mean);
   * read whole instead when they span more than 32 units or a quarter of the pool, or one of them
   * has no unit (those without one are scored together, as one unit).
   */
  private async repool(agency: string, period: Period, o: { provisional: boolean; wholePeriod: boolean }, old: readonly ScoreCore[], moved: ReadonlySet<string>): Promise<ScoreCore[]> {
    const units = new Set<string>();
    const directory = this.uow.read.directory;
    for (const s of old) if (moved.has(s.userId)) units.add(s.unitId ?? '');
    for (const u of await directory.users(agency, { userIds: [...moved] })) units.add(u.unitId ?? '');
    if (units.has('') || units.size > 32) return this.poolNumbers(agency, period, o);
    const members = (await Promise.all([...units].map((unitId) => directory.users(agency, { unitId })))).flat();
    if (members.length * 4 > old.length) return this.poolNumbers(agency, period, o);
    const fresh = await this.poolNumbers(agency, period, o, members);
    const out = old.filter((s) => !moved.has(s.userId) && !units.has(s.unitId ?? ''));
    out.push(...fresh);
    return out;
  }

  /** The pool's numbers (rank only: no days over the cap) of the whole agency, or of these officials. */
  private poolNumbers(agency: string, period: Period, o: { provisional: boolean; wholePeriod: boolean }, only?: readonly DirectoryUser[]): Promise<ScoreCore[]> {
    const who = only === undefined ? { wholeAgency: true } : { only };
    return this.computeWith(agency, period, { provisional: o.provisional, rankOnly: true, ...who, ...(o.wholePeriod ? { wholePeriod: true } : {}) }, (inputs, p) => scoreUnitNumbers(inputs, p, period.key));
  }

  private async yearScores(agency: string, year: Period, filter: ScopeFilter): Promise<Score[]> {
    const quarters: Score[] = [];
    for (const q of quartersOfYear(year.year)) quarters.push(...(await this.scores(agency, q.key, filter)));
    const years = scoreYear(quarters, { profile: await this.agencies.profile(agency) });
    return years.filter(inScope(filter));
  }

  /**
   * Scores visible to a principal: their own; a leader's unit; HR and admin the agency. One
   * official's explanation lists their entries unless `entries` is false (a score card that shows
   * no entries spares reading them: a quarter's are a few hundred rows spread over the table).
   */
  async scoresFor(p: Principal, q: { period?: string | undefined; unit?: string | undefined; user?: string | undefined; entries?: boolean }): Promise<{ period: string; status: 'open' | 'closed'; scores: Score[] }> {
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
    const withEntries = filter.userId !== undefined && q.entries !== false;
    const scores = await this.scores(p.agency, period.key, filter, { withEntries });
    const status = period.kind === 'year' ? 'open' : (await this.periodStatus(p.agency, period.key)).status;
    return { period: period.key, status, scores };
  }

  /**
   * What lifts an official's score in an open month or quarter, by the engine itself (docs/hr.md):
   * `atEnd`, the score as it would stand at the period's end with only the work logged so far
   * (every working day counted in A) — its `nextClass` says how many minutes of clean work in the
   * days left reach the next class; and `approvedOnly`, the score without the entries still
   * pending, beside the provisional one that counts them. Null for a closed period.
   */
  async lift(agency: string, periodKey: string, userId: string): Promise<{ atEnd: Score | null; approvedOnly: Score | null } | null> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year' || (await this.periodStatus(agency, period.key)).status === 'closed') return null;
    const [atEnd, approvedOnly] = await Promise.all([
      this.computeKept(agency, period, { provisional: true, filter: { userId }, wholePeriod: true }),
      this.computeKept(agency, period, { provisional: false, filter: { userId } }),
    ]);
    return { atEnd: atEnd[0] ?? null, approvedOnly: approvedOnly[0] ?? null };
  }

  /** This month (`YYYY-MM`) in the agency's time zone: the period shown when none is asked for. */
  async currentMonth(agency: string): Promise<string> {
    const settings = await this.agencies.getSettings(agency);
    return today(settings.timeZone, this.clock()).slice(0, 7);
  }

  async ranking(agency: string, periodKey: string, lowestFirst = false): Promise<UnitRank[]> {
    const scores = await this.numbers(agency, parsePeriod(periodKey).key);
    return rankUnits(scores, { lowestFirst });
  }

  /**
   * Closes a month or quarter: scores it from approved entries only, applies the quota
   * flag (or the quota itself with applyQuota), and freezes the result as a snapshot.
   * Returns the count of entries still pending, which the close leaves out (a warning).
   * A period whose last day has not passed in the agency's time zone is refused
   * (`period_running`) unless forced with a reason, which the audit record keeps.
   */
  async close(agency: string, periodKey: string, opts: { applyQuota: boolean; actor: string; force?: boolean; reason?: string }): Promise<{ period: string; scored: number; pendingEntries: number; warnings: string[]; forced: boolean }> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') throw new ValidationError(messages.yearClose, 'period');
    const force = opts.force === true;
    const reason = typeof opts.reason === 'string' ? opts.reason.normalize('NFC').trim() : '';
    if (force && !reason) throw new ValidationError(closeMessages.forceReason, 'reason', 'reason_required');
    if (reason.length > 1000) throw new ValidationError(closeMessages.reasonTooLong, 'reason', 'reason_too_long');
    if (!force && reason) throw new ValidationError(closeMessages.reasonWithoutForce, 'reason');
    const settings = await this.agencies.getSettings(agency);
    const t = today(settings.timeZone, this.clock());
    if (period.from > t) throw new ConflictError(messages.future(period.key), 'period_not_started');
    if ((await this.periodStatus(agency, period.key)).status === 'closed') throw new ConflictError(messages.closed(period.key), 'period_closed');
    const running = t <= period.to;
    if (running && !force) throw new ConflictError(closeMessages.running(period.key, period.to), 'period_running');
    const forced = running && force;
    const pending = await this.uow.read.journal.countPending(agency, period.from, period.to);
    const scores = await this.compute(agency, period, { provisional: false, applyQuota: opts.applyQuota });
    const now = this.clock();
    await this.uow.write(async (tx) => {
      // Checked again in the transaction: two closes at once freeze the period once.
      if ((await tx.periods.state(agency, period.key)).status === 'closed') throw new ConflictError(messages.closed(period.key), 'period_closed');
      await tx.periods.close(agency, period.key, { applyQuota: opts.applyQuota, actor: opts.actor, now });
      await tx.periods.writeSnapshots(agency, period.key, scores, now);
      const details = { applyQuota: opts.applyQuota, scored: scores.length, pendingEntries: pending, ...(forced ? { forced: true, reason, lastDay: period.to } : {}) };
      await tx.audit.record({ agency, actor: opts.actor, action: 'period.close', target: period.key, details, at: now });
    });
    const warnings = pending > 0 ? [`Còn ${pending} mục nhật ký chờ duyệt không được tính vào kỳ ${period.key} (${pending} pending entries were left out)`] : [];
    if (forced) warnings.push(closeMessages.forcedWarning(period.key, period.to));
    return { period: period.key, scored: scores.length, pendingEntries: pending, warnings, forced };
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

  /**
   * What HR confirms before closing (docs/hr.md): the period's last day, whether it is still
   * running, the entries still pending (the close leaves them out) and the officials scored
   * in the period who have no general score yet (the close freezes them unclassified).
   */
  async closePreview(agency: string, periodKey: string): Promise<ClosePreview> {
    const period = parsePeriod(periodKey);
    if (period.kind === 'year') throw new ValidationError(messages.yearClose, 'period');
    const settings = await this.agencies.getSettings(agency);
    const t = today(settings.timeZone, this.clock());
    const { status } = await this.periodStatus(agency, period.key);
    const read = this.uow.read;
    const [pendingEntries, scores] = await Promise.all([
      period.from > t ? Promise.resolve(0) : read.journal.countPending(agency, period.from, period.to),
      status === 'closed' ? read.periods.snapshots<Score>(agency, period.key) : this.compute(agency, period, { provisional: false }),
    ]);
    const missing = scores.filter((s) => s.scored && s.generalScore === null && !s.disqualified);
    const people = missing.length === 0 ? [] : await read.directory.users(agency, { userIds: missing.map((s) => s.userId) });
    const names = new Map(people.map((u) => [u.id, u.name]));
    const missingGeneral = missing
      .map((s) => ({ userId: s.userId, name: names.get(s.userId) ?? s.userId, unitId: s.unitId }))
      .sort((a, b) => (a.unitId ?? '').localeCompare(b.unitId ?? '') || a.name.localeCompare(b.name, 'vi') || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { period: period.key, lastDay: period.to, running: t <= period.to, pendingEntries, missingGeneral, status };
  }
}

/** What closePreview answers. */
export interface ClosePreview {
  period: string;
  /** The period's last day (ISO); the period may be closed once it has passed in the agency's time zone. */
  lastDay: string;
  running: boolean;
  pendingEntries: number;
  missingGeneral: Array<{ userId: string; name: string; unitId: string | null }>;
  status: 'open' | 'closed';
}

const dmy = (iso: string): string => iso.split('-').reverse().join('/');

const closeMessages = {
  running: (p: string, lastDay: string) =>
    `Kỳ ${p} chưa kết thúc: ngày cuối của kỳ là ${dmy(lastDay)} (${lastDay}); chỉ khóa sổ sau ngày này, hoặc khóa sớm kèm lý do (period ${p} is still running until ${lastDay}; close it after that day, or force it with a reason)`,
  forceReason: 'reason: cần nêu lý do khi khóa sổ kỳ chưa kết thúc (a reason is required to force the close of a running period)',
  reasonTooLong: 'reason: lý do tối đa 1000 ký tự (at most 1000 characters)',
  reasonWithoutForce: 'reason: chỉ dùng cùng force (reason goes with force)',
  forcedWarning: (p: string, lastDay: string) => `Kỳ ${p} được khóa sớm, trước khi kết thúc ngày ${dmy(lastDay)} (${lastDay}) (closed before its last day had passed)`,
};
