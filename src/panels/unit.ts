/**
 * The unit board (GET /unit/:unitId, POST …/entries/:id/approve, /return, /rate,
 * POST …/assessments), for the leader of the unit and HR: members' scores, the approval
 * queue, the general criteria and the excellence quota.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import { periodOfDay } from '../domain/period';
import { formatPeriod, t } from '../i18n/i18n';
import { quotaPoolLine } from '../i18n/explanation-text';
import type { AssessmentJson } from '../services/assessment-service';
import type { JournalEntryJson } from '../domain/journal';
import { JOURNAL_PAGE } from '../services/journal-service';
import { ACTION, parseFormNumber, periodParam, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { form01Link, workbookLink } from './report-links';
import { form, h, has, link, redirect, requireCsrf, str, type Session } from './session';
import { correctionQueue } from './requests-view';
import { classLabel, enc, entryRow, num, periodOptions, scoreClass } from './view-model';

type ReviewKind = 'approve' | 'return' | 'rate' | 'fail';

const REVIEW: Readonly<Record<ReviewKind, { action: (unit: string, id: string) => string; notice: string }>> = {
  approve: { action: ACTION.approve, notice: 'approved' },
  return: { action: ACTION.returnEntry, notice: 'returned' },
  rate: { action: ACTION.rate, notice: 'rated' },
  fail: { action: (unit, id) => `unit.fail:${unit}:${id}`, notice: 'failed' },
};

export function mountUnitPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  async function unitAccess(req: Request): Promise<{ s: Session; unitId: string; isLeaderOfUnit: boolean }> {
    const s = kit.requirePanelRole(req, 'unit');
    const unitId = String(req.params.unitId);
    const isHr = has(s, 'hr');
    const mine = await kit.leaderUnit(s);
    const isLeaderOfUnit = mine !== null && mine === unitId;
    if (!isHr && !isLeaderOfUnit) throw new ForbiddenError();
    return { s, unitId, isLeaderOfUnit };
  }

  async function unitPanel(req: Request, res: Response, opts: { status?: number; error?: string } = {}): Promise<void> {
    const { s, unitId, isLeaderOfUnit } = await unitAccess(req);
    const p = s.principal;
    const l = s.locale;
    const period = periodParam(req, periodOfDay(s.today, 'month'));
    // Lowest first unless asked otherwise: the warning view (docs/hr.md).
    const lowest = req.query.order !== 'highest';
    const to = period.to < s.today ? period.to : s.today;
    const [scored, units, items, assessments, profile] = await Promise.all([
      deps.scoring.scoresFor(p, { period: period.key, unit: unitId }),
      kit.unitNames(p.agency),
      kit.itemNames(p.agency, l),
      deps.assessments && period.kind !== 'year' ? deps.assessments.list(p, { period: period.key, unit: unitId }) : Promise.resolve(null),
      deps.assessments ? deps.assessments.profile(p.agency) : Promise.resolve(null),
    ]);
    // The approval queue: only the pending entries, not the whole period's journal.
    const pending = period.from <= to ? await deps.journal.list(p, { unit: unitId, from: period.from, to, status: 'pending', limit: JOURNAL_PAGE.max }) : { entries: [] as JournalEntryJson[], next: null };
    const pendingEntries = pending.entries;
    const people = await kit.userNames(p.agency, [...scored.scores.map((x) => x.userId), ...pendingEntries.map((e) => e.userId)]);
    const byUser = new Map<string, AssessmentJson>((assessments?.assessments ?? []).map((a) => [a.userId, a]));
    const nameOf = (userId: string): string => people.get(userId)?.name ?? userId;

    const sorted = [...scored.scores].sort((a, b) => {
      const x = a.scored ? a.total : Number.NEGATIVE_INFINITY;
      const y = b.scored ? b.total : Number.NEGATIVE_INFINITY;
      if (x !== y) return lowest ? x - y : y - x;
      return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
    });
    const members = sorted.map((sc) => {
      const who = people.get(sc.userId);
      const a = byUser.get(sc.userId);
      return {
        userId: sc.userId, name: who?.name ?? sc.userId, position: who?.position ?? null, isLeader: sc.isLeader,
        total: sc.scored ? num(l, sc.total) : '—', cls: scoreClass(sc.scored ? sc.total : null),
        classLabel: sc.scored ? classLabel(l, sc.classification) : t(l, 'class.notScored'),
        taskScore: num(l, sc.taskScore), generalScore: sc.generalScore === null ? null : num(l, sc.generalScore),
        quantityPct: num(l, sc.quantityPct), qualityPct: num(l, sc.qualityPct), progressPct: num(l, sc.progressPct),
        overQuota: sc.overQuota, incomplete: sc.incomplete, provisional: sc.provisional,
        form01: form01Link(s, period.key, { userId: sc.userId }),
        assess: a && a.canAssess && deps.assessments ? {
          form: form(s, `/unit/${enc(unitId)}/assessments`, ACTION.assess(unitId, sc.userId, period.key)),
          value: a.general === null ? '' : String(a.general), max: a.generalMax, period: period.key,
        } : null,
      };
    });

    // The excellence quota (docs/hr.md): each pool the members were counted in, with the pool's
    // numbers. Under scope `agency` a pool spans the agency (leaders apart, or the agency's
    // groups), so they are the pool's, not this unit's.
    const ratio = profile?.quotaRatio ?? 0.2;
    const pools = await deps.scoring.poolsOf(p.agency, period.key, scored.scores.map((x) => x.userId));
    const quota = {
      ratio: num(l, ratio * 100, 0),
      pools: pools.map((x) => ({ pool: quotaPoolLine(l, x.pool), eligible: x.eligible, limit: x.limit, candidates: x.candidates })),
      over: scored.scores.filter((x) => x.overQuota).map((x) => nameOf(x.userId)),
    };

    const entryPath = (e: JournalEntryJson, kind: ReviewKind): string => `/unit/${enc(unitId)}/entries/${enc(e.id)}/${kind}`;
    const queue = pendingEntries.map((e) => {
      const row = entryRow(l, e, items, nameOf(e.userId));
      const canReview = Boolean(deps.review) && isLeaderOfUnit && e.userId !== p.userId;
      const rated = items.get(e.workItemCode)?.kind === 'rated';
      const reviewForm = (kind: ReviewKind, shown: boolean) => (shown ? form(s, entryPath(e, kind), REVIEW[kind].action(unitId, e.id)) : null);
      return {
        ...row, canReview, rated,
        approve: reviewForm('approve', canReview && !rated),
        rate: reviewForm('rate', canReview && rated),
        giveBack: reviewForm('return', canReview),
        notMet: reviewForm('fail', canReview),
      };
    });
    const approvable = pendingEntries.filter((_e, i) => queue[i]!.approve !== null).map((e) => e.id);
    const bulk = approvable.length > 1 ? { form: form(s, `/unit/${enc(unitId)}/entries/approve-all`, ACTION.bulkApprove(unitId)), ids: approvable.join(','), count: approvable.length } : null;
    const requestList = deps.requests ? await deps.requests.unitCorrections(p, unitId) : null;
    const requesters = requestList ? await kit.userNames(p.agency, requestList.flatMap((r) => [r.userId, r.proposedUserId ?? ''])) : new Map();
    const corrections = requestList ? {
      rows: correctionQueue(s, unitId, requestList.slice(0, 50), new Map([...requesters].map(([k, v]) => [k, v.name])), isLeaderOfUnit),
    } : null;

    const here = (extra: Record<string, string | undefined>): string => link(s, `/unit/${enc(unitId)}`, { period: period.key, ...extra });
    await kit.page(req, res, 'unit', 'unit', {
      unit: { id: unitId, name: units.get(unitId) ?? unitId },
      period: { key: period.key, label: formatPeriod(l, period.key), status: scored.status },
      picker: { action: `${s.base}/unit/${enc(unitId)}`, ctx: s.out.token, options: periodOptions(s, period.key), order: lowest ? 'lowest' : 'highest' },
      orderLinks: { highest: here({ order: 'highest' }), lowest: here({}), lowest_active: lowest },
      downloads: { workbook: workbookLink(s, period.key, [unitId]), forms: form01Link(s, period.key, { unitId }), period: formatPeriod(l, period.key) },
      members,
      quota,
      queue,
      bulk,
      corrections,
      reviewer: isLeaderOfUnit,
      canAssess: members.some((m) => m.assess !== null),
      generalMax: assessments ? num(l, assessments.generalMax.official) : null,
      assessNote: period.kind === 'year' ? t(l, 'unit.assessYear') : null,
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  router.get('/unit/:unitId', h(async (req, res) => kit.keptPage(req, res, 'unit', () => unitPanel(req, res))));

  function reviewRoute(kind: ReviewKind): RequestHandler {
    return h(async (req, res) => {
      const unitId = String(req.params.unitId);
      const id = String(req.params.id);
      requireCsrf(req, REVIEW[kind].action(unitId, id));
      const { s } = await unitAccess(req);
      if (!deps.review) throw new NotFoundError();
      const review = deps.review;
      const b = req.body as Record<string, unknown>;
      const period = str(b.period);
      await submitOnce(req, res, deps.forms, `/unit/${enc(unitId)}`, async () => {
        if (kind === 'approve') await review.approve(s.principal, id);
        else if (kind === 'return') await review.returnEntry(s.principal, id, { reason: str(b.reason) ?? '' });
        else if (kind === 'fail') await review.fail(s.principal, id, { reason: str(b.reason) ?? '' });
        else await review.rate(s.principal, id, { rating: parseFormNumber(b.rating) });
        return { path: `/unit/${enc(unitId)}`, params: { period, notice: REVIEW[kind].notice } };
      }, (status, error) => unitPanel(req, res, { status, error }));
    });
  }
  router.post('/unit/:unitId/entries/approve-all', h(async (req, res) => {
    const unitId = String(req.params.unitId);
    requireCsrf(req, ACTION.bulkApprove(unitId));
    const { s } = await unitAccess(req);
    if (!deps.review) throw new NotFoundError();
    const review = deps.review;
    const b = req.body as Record<string, unknown>;
    const ids = (str(b.ids) ?? '').split(',').map((x) => x.trim()).filter((x) => /^\d{1,18}$/.test(x));
    await submitOnce(req, res, deps.forms, `/unit/${enc(unitId)}`, async () => {
      const done = await review.approveMany(s.principal, ids);
      return { path: `/unit/${enc(unitId)}`, params: { period: str(b.period), notice: done.skipped.length > 0 ? 'approvedSome' : 'approvedAll' } };
    }, (status, error) => unitPanel(req, res, { status, error }));
  }));
  for (const kind of ['approve', 'return', 'rate', 'fail'] as const) router.post(`/unit/:unitId/entries/:id/${kind}`, reviewRoute(kind));

  router.post('/unit/:unitId/requests/:id', h(async (req, res) => {
    const unitId = String(req.params.unitId);
    const id = String(req.params.id);
    requireCsrf(req, ACTION.decideCorrection(unitId, id));
    const { s } = await unitAccess(req);
    if (!deps.requests) throw new NotFoundError();
    const requests = deps.requests;
    const b = req.body as Record<string, unknown>;
    await submitOnce(req, res, deps.forms, `/unit/${enc(unitId)}`, async () => {
      await requests.decideCorrection(s.principal, id, { decision: str(b.decision), note: str(b.note) ?? '' });
      return { path: `/unit/${enc(unitId)}`, params: { period: str(b.period), notice: 'decided' } };
    }, (status, error) => unitPanel(req, res, { status, error }));
  }));

  router.post('/unit/:unitId/assessments', h(async (req, res) => {
    const unitId = String(req.params.unitId);
    const b = req.body as Record<string, unknown>;
    const userId = str(b.userId) ?? '';
    const period = str(b.period) ?? '';
    requireCsrf(req, ACTION.assess(unitId, userId, period));
    const { s } = await unitAccess(req);
    if (!deps.assessments) throw new NotFoundError();
    const assessments = deps.assessments;
    // The member must belong to the unit of this board: the form cannot reach past it.
    const member = (await kit.userNames(s.principal.agency, [userId])).get(userId);
    if (!member || member.unitId !== unitId) throw new NotFoundError();
    const raw = str(b.general)?.trim() ?? '';
    await submitOnce(req, res, deps.forms, `/unit/${enc(unitId)}`, async () => {
      await assessments.put(s.principal, { userId, period, general: raw === '' ? null : parseFormNumber(raw) });
      return { path: `/unit/${enc(unitId)}`, params: { period, notice: 'assessed' } };
    }, (status, error) => unitPanel(req, res, { status, error }));
  }));
}
