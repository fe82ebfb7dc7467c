import type { AgencySettings } from '../contract/events';
import { NotFoundError } from '../domain/errors';
import { parsePeriod, type Period } from '../domain/period';
import { today } from '../domain/time';
import { writeEvaluationWorkbook, type JournalLine, type OfficialRow, type UnitGroup } from './evaluation-workbook';
import { writeForm01Workbook, type Form01Official } from './form01-workbook';
import { t, type Letterhead, type Text } from './layout';
import { rankUnits, type ScoreCore } from '../scoring';
import type { DirectoryUser, UnitOfWork } from '../stores';
import type { AgencyService } from '../services/agency-service';
import type { JournalService } from '../services/journal-service';
import type { ScoringService } from '../services/scoring-service';

export interface ReportServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  journal: JournalService;
  scoring: ScoringService;
  clock?: () => Date;
  /** The workbooks' words (locale text, Vietnamese): given by the wiring, which owns the locales. */
  text: Text;
}

export interface EvaluationOptions {
  unitIds?: string[];
  withJournal?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Entries read per page for the journal sheet. */
const JOURNAL_PAGE = 5000;
/** Officials without a unit are grouped under this key. */
const NO_UNIT = '\u0000';

/**
 * HR's workbooks (issue 7): the evaluation workbook of a period and the per-official form
 * no. 01, from the same scores the API answers (ScoringService.scores: a closed period's
 * snapshot, else the provisional live scores), streamed to `out`. Who may ask for what is
 * checked at the doors.
 */
export class ReportService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly scoring: ScoringService;
  private readonly clock: () => Date;
  private readonly text: Text;

  constructor(deps: ReportServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.scoring = deps.scoring;
    this.clock = deps.clock ?? (() => new Date());
    this.text = deps.text;
  }

  async evaluation(agency: string, periodKey: string, opts: EvaluationOptions, out: NodeJS.WritableStream): Promise<{ rows: number; provisional: boolean }> {
    const period = parsePeriod(periodKey);
    const ctx = await this.context(agency, period);
    const wanted = opts.unitIds && opts.unitIds.length > 0 ? new Set(opts.unitIds) : null;
    const { units, names } = await this.tables(agency, period, wanted, opts.withJournal === true);
    const provisional = ctx.letterhead.provisional;
    const { rows } = await writeEvaluationWorkbook({
      letterhead: ctx.letterhead,
      period,
      units,
      quota: { ratio: ctx.quotaRatio, scope: ctx.settings.quotaScope === 'unit' ? 'unit' : 'agency' },
      ...(names ? { journal: this.journalPages(agency, period, wanted, names) } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    }, this.text, out);
    return { rows, provisional };
  }

  /**
   * The evaluation's rows grouped by unit, with each unit's mean (and the officials' names for the
   * journal sheet when asked). The directory is read once — the scores are computed over it and the
   * rows named from it — and is not kept while the workbook is written.
   */
  private async tables(agency: string, period: Period, wanted: Set<string> | null, withNames: boolean): Promise<{ units: UnitGroup[]; names: Map<string, string> | null }> {
    const directory = await this.uow.read.directory.users(agency);
    const scores = await this.scoring.numbers(agency, period.key, {}, { directory });
    const picked = wanted ? scores.filter((s) => s.unitId !== null && wanted.has(s.unitId)) : scores;
    const people = new Map(directory.map((u) => [u.id, u]));
    const [unitNames, grounds] = await Promise.all([
      this.unitNames(agency),
      period.kind === 'year' ? Promise.resolve(new Map<string, { disqualifiedGround?: string | null }>()) : this.uow.read.assessments.ofPeriod(agency, period.key),
    ]);
    const means = new Map(picked.length > 0 ? rankUnits(picked).map((r) => [r.unitId ?? NO_UNIT, r.mean]) : []);
    const units = groupByUnit(picked, people, unitNames, grounds, means, t(this.text, 'xlsx.noUnit'));
    if (wanted) {
      // A chosen unit with nobody active in the period still gets its (empty) sheet.
      for (const id of wanted) if (!units.some((u) => u.unitId === id) && unitNames.has(id)) units.push({ unitId: id, name: unitNames.get(id)!, rows: [], mean: null });
      units.sort(unitOrder);
    }
    return { units, names: withNames ? new Map(directory.map((u) => [u.id, u.name])) : null };
  }

  async form01(agency: string, periodKey: string, who: { userId: string } | { unitId: string }, out: NodeJS.WritableStream): Promise<{ forms: number }> {
    const period = parsePeriod(periodKey);
    const ctx = await this.context(agency, period);
    const read = this.uow.read;
    let scores: ScoreCore[];
    if ('userId' in who) {
      if (!(await read.directory.user(agency, who.userId))) throw new NotFoundError();
      scores = await this.scoring.numbers(agency, period.key, { userId: who.userId });
    } else {
      if (!(await read.directory.unit(agency, who.unitId))) throw new NotFoundError();
      scores = await this.scoring.numbers(agency, period.key, { unitId: who.unitId });
    }
    const [people, unitNames] = await Promise.all([this.people(agency, scores.map((s) => s.userId)), this.unitNames(agency)]);
    const units = groupByUnit(scores, people, unitNames, new Map(), new Map(), t(this.text, 'xlsx.noUnit'));
    const uow = this.uow;
    async function* officials(): AsyncGenerator<Form01Official> {
      for (const u of units) {
        for (const row of u.rows) {
          const a = period.kind === 'year' ? null : await uow.read.assessments.get(agency, row.score.userId, period.key);
          const s = row.score as ScoreCore;
          yield {
            row: { ...row, disqualifiedGround: a?.disqualifiedGround ?? null },
            unitName: u.name, taskMax: s.taskMax, generalMax: s.generalMax,
            selfGroups: a?.selfGroups ?? null, groups: a?.groups ?? null,
          };
        }
      }
    }
    const labels = ctx.settings.report?.form01Labels;
    return writeForm01Workbook({ letterhead: ctx.letterhead, period, officials: officials(), ...(labels ? { labels } : {}) }, this.text, out);
  }

  private async context(agency: string, period: Period): Promise<{ settings: AgencySettings; letterhead: Letterhead; quotaRatio: number }> {
    const [record, settings, profile] = await Promise.all([this.agencies.requireAgency(agency), this.agencies.getSettings(agency), this.agencies.profile(agency)]);
    const now = this.clock();
    // A year is never closed (docs/hr.md §9): it is provisional while one of its quarters is open.
    let provisional: boolean;
    if (period.kind === 'year') {
      const quarters = [1, 2, 3, 4].map((q) => `${period.year}-Q${q}`);
      provisional = (await this.uow.read.periods.closedAmong(agency, quarters)).length < 4;
    } else {
      provisional = (await this.scoring.periodStatus(agency, period.key)).status !== 'closed';
    }
    const r: Partial<AgencySettings['report']> = settings.report ?? {};
    const report = { governingBody: r.governingBody ?? '', place: r.place ?? '', preparedBy: r.preparedBy ?? '', headOfAgency: r.headOfAgency ?? '', headTitle: r.headTitle ?? '' };
    return {
      settings,
      quotaRatio: profile.quotaRatio,
      letterhead: { agencyName: record.name, report, day: today(settings.timeZone, now), timeZone: settings.timeZone, computedAt: now, provisional },
    };
  }

  private async people(agency: string, ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    if (ids.length === 0) return new Map();
    // The whole directory in one read when most of the agency is asked for; else just these ids.
    const all = ids.length > 500 ? await this.uow.read.directory.users(agency) : await this.uow.read.directory.users(agency, { userIds: [...ids] });
    return new Map(all.map((u) => [u.id, u]));
  }

  private async unitNames(agency: string): Promise<Map<string, string>> {
    return new Map((await this.uow.read.directory.units(agency)).map((u) => [u.id, u.name]));
  }

  /** The period's entries (of the chosen units), page by page, by day then id. */
  private async *journalPages(agency: string, period: Period, units: Set<string> | null, names: Map<string, string>): AsyncGenerator<JournalLine[]> {
    const targets: Array<string | undefined> = units ? [...units].sort() : [undefined];
    for (const unitId of targets) {
      let after: { day: string; id: string } | null = null;
      for (;;) {
        const page = await this.uow.read.journal.page(agency, { from: period.from, to: period.to, ...(unitId !== undefined ? { unitId } : {}), after, limit: JOURNAL_PAGE });
        if (page.length === 0) break;
        yield page.map((e) => ({
          day: e.day, userId: e.userId, name: names.get(e.userId) ?? e.userId, workItemCode: e.workItemCode, title: e.subjectTitle ?? e.note,
          quantity: e.quantity, minutes: e.minutes, status: e.status, fails: e.fails, delays: e.delays,
        }));
        if (page.length < JOURNAL_PAGE) break;
        const last = page[page.length - 1]!;
        after = { day: last.day, id: last.id };
      }
    }
  }
}

const collate = new Intl.Collator('vi').compare;

function unitOrder(a: UnitGroup, b: UnitGroup): number {
  if ((a.unitId === null) !== (b.unitId === null)) return a.unitId === null ? 1 : -1;
  return collate(a.name, b.name) || (a.unitId ?? '').localeCompare(b.unitId ?? '');
}

/**
 * The scores grouped by unit — units by name (officials without a unit last), in each unit the
 * leaders first, then by name — with each unit's mean.
 */
function groupByUnit(
  scores: readonly ScoreCore[], people: Map<string, DirectoryUser>, unitNames: Map<string, string>,
  grounds: Map<string, { disqualifiedGround?: string | null }>, means: Map<string, number | null>, noUnit: string,
): UnitGroup[] {
  const groups = new Map<string, UnitGroup>();
  for (const s of scores) {
    const key = s.unitId ?? NO_UNIT;
    let g = groups.get(key);
    if (!g) {
      g = { unitId: s.unitId, name: s.unitId === null ? noUnit : unitNames.get(s.unitId) ?? s.unitId, rows: [], mean: means.get(key) ?? null };
      groups.set(key, g);
    }
    const p = people.get(s.userId);
    const ground = grounds.get(s.userId)?.disqualifiedGround;
    const row: OfficialRow = {
      score: s,
      name: p?.name ?? s.userId,
      position: p?.position ?? s.position ?? null,
      disqualifiedGround: s.disqualified && (ground === 'degradation' || ground === 'discipline' || ground === 'leader-corruption') ? ground : null,
    };
    g.rows.push(row);
  }
  const out = [...groups.values()];
  for (const g of out) {
    g.rows.sort((a, b) => (a.score.isLeader !== b.score.isLeader ? (a.score.isLeader ? -1 : 1) : 0)
      || collate(a.name, b.name) || (a.score.userId < b.score.userId ? -1 : a.score.userId > b.score.userId ? 1 : 0));
  }
  return out.sort(unitOrder);
}
