/**
 * My KPI (GET /me, POST /me/entries, POST /me/entries/:id/withdraw): today, the month and the
 * quarter, the formula of the month's score, the journal, reminders and suggestions, and the
 * form to add an entry.
 */
import type { Request, Response, Router } from 'express';
import { NotFoundError, ValidationError } from '../domain/errors';
import { addDays, periodOfDay } from '../domain/period';
import { formatDay, formatPeriod, t } from '../i18n/i18n';
import type { PeriodExplanation } from '../scoring/explain';
import { JOURNAL_PAGE } from '../services/journal-service';
import { explanationModel } from './explanation-view';
import { ACTION, parseFormNumber, periodParam, submitOnce } from './forms';
import { itemChoices, repeatForm } from './entry-picker';
import { liftLines } from './lift-view';
import { appealsModel } from './requests-view';
import type { PanelKit } from './kit';
import { form01Link } from './report-links';
import { form, h, link, requireCsrf, str } from './session';
import { capWarnings, classLabel, enc, entryRow, num, scoreCard, scoreClass } from './view-model';

interface MeOptions {
  status?: number;
  error?: string;
  /** What the add-entry form was sent with, shown again when it was refused. */
  values?: Record<string, string>;
}

export function mountMePanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  async function mePanel(req: Request, res: Response, opts: MeOptions = {}): Promise<void> {
    const s = kit.requirePanelRole(req, 'me');
    const p = s.principal;
    const l = s.locale;
    const currentMonth = periodOfDay(s.today, 'month');
    let month = periodParam(req, currentMonth, 'month');
    if (month.kind !== 'month') throw new ValidationError('month: YYYY-MM', 'month');
    if (month.from > s.today) month = currentMonth;
    const quarter = periodOfDay(month.from, 'quarter');
    const to = month.to < s.today ? month.to : s.today;
    const [monthScores, quarterScores, journal, todays, items, catalogue, insights] = await Promise.all([
      deps.scoring.scoresFor(p, { period: month.key, user: p.userId }),
      // The quarter's card shows no entries.
      deps.scoring.scoresFor(p, { period: quarter.key, user: p.userId, entries: false }),
      deps.journal.list(p, { from: month.from, to, limit: JOURNAL_PAGE.max }),
      deps.journal.list(p, { from: s.today, to: s.today, limit: JOURNAL_PAGE.max }),
      kit.itemNames(p.agency, l),
      deps.agencies.catalogue(p.agency),
      deps.insights ? deps.insights.forUser(p, { period: month.key }) : Promise.resolve(null),
    ]);
    const ms = monthScores.scores[0];
    const qs = quarterScores.scores[0];
    const todayCounted = todays.entries.filter((e) => e.status !== 'rejected');
    const todayMinutes = todayCounted.reduce((a, e) => a + e.minutes, 0);
    const ex = ms && ms.explanation.kind === 'period' ? (ms.explanation as PeriodExplanation) : null;

    const prev = periodOfDay(addDays(month.from, -1), 'month');
    const next = month.to < s.today ? periodOfDay(addDays(month.to, 1), 'month') : null;

    const entries = [...journal.entries].reverse().map((e) => {
      const row = entryRow(l, e, items);
      if (deps.review && e.source === 'manual' && e.status === 'pending') row.withdraw = form(s, `/me/entries/${enc(e.id)}/withdraw`, ACTION.withdraw(e.id));
      return row;
    });

    const q = (str(req.query.q) ?? '').slice(0, 100);
    const choices = itemChoices(l, catalogue, { q, ...(opts.values?.workItemCode ? { selected: opts.values.workItemCode } : {}), recent: journal.entries });
    const minDay = deps.review ? addDays(s.today, -s.settings.manualBackdateDays) : s.today;

    const suggestions = (insights?.suggestions ?? []).slice(0, 20).map((sg) => ({
      date: formatDay(l, sg.date), rawDate: sg.date, type: sg.type, title: sg.subject.title, subjectId: sg.subject.id,
      workItemCode: sg.workItemCode, workItemName: sg.workItemName, quantity: sg.quantity, eventId: sg.eventId,
      form: deps.review ? form(s, '/me/entries', ACTION.createEntry) : null,
      tooOld: sg.date < minDay,
    }));

    const appeals = deps.requests ? await appealsModel(s, deps.requests, [month.key, quarter.key], opts.values) : null;
    // What lifts me: asked for (?lift=1), as it scores the unit twice more.
    const lift = req.query.lift === '1' && ms ? await deps.scoring.lift(p.agency, month.key, p.userId) : null;

    const { dailyMinutes, capMinutes } = s.settings;
    await kit.page(req, res, 'me', 'me', {
      month: { key: month.key, label: formatPeriod(l, month.key), prev: link(s, '/me', { month: prev.key }), next: next ? link(s, '/me', { month: next.key }) : null },
      todayCard: {
        day: formatDay(l, s.today), minutes: num(l, todayMinutes), dailyMinutes: num(l, dailyMinutes), count: todayCounted.length,
        width: Math.min(100, (100 * todayMinutes) / Math.max(1, dailyMinutes)), over: todayMinutes > capMinutes,
        cls: todayMinutes > capMinutes ? 'sc-0' : scoreClass(40 + (55 * Math.min(todayMinutes, dailyMinutes)) / Math.max(1, dailyMinutes)),
        cap: num(l, capMinutes),
      },
      monthCard: scoreCard(s, ms, month, link(s, '/me', { month: month.key })),
      quarterCard: scoreCard(s, qs, quarter, link(s, '/me', { month: month.key })),
      notInDirectory: !ms,
      // My own form no. 01 (Decree 335) for the month and the quarter shown: only once the directory knows me.
      forms: ms ? [
        { href: form01Link(s, month.key, { userId: p.userId }), label: t(l, 'me.form01', { period: formatPeriod(l, month.key) }) },
        { href: form01Link(s, quarter.key, { userId: p.userId }), label: t(l, 'me.form01', { period: formatPeriod(l, quarter.key) }) },
      ] : [],
      explanation: ex ? explanationModel(l, ex) : null,
      capWarnings: ms ? capWarnings(l, ms.capWarnings) : [],
      nextClass: ex?.nextClass ? t(l, 'me.nextClass', {
        target: ex.nextClass.target, targetName: classLabel(l, ex.nextClass.target), threshold: num(l, ex.nextClass.threshold),
        minutes: num(l, ex.nextClass.minutes), totalAfter: num(l, ex.nextClass.totalAfter),
      }) : null,
      reminders: (insights?.reminders ?? []).map((r) => formatDay(l, r.date)),
      suggestions,
      hasInsights: insights !== null,
      entries,
      appeals,
      lift: lift ? liftLines(s, month, lift, ms, journal.entries, catalogue) : null,
      liftLink: ms && month.to >= s.today && req.query.lift !== '1' ? link(s, '/me', { month: month.key, lift: '1' }) : null,
      addForm: deps.review ? {
        form: form(s, '/me/entries', ACTION.createEntry), groups: choices.groups,
        search: { action: `${s.base}/me`, ctx: s.out.token, month: month.key, q, matches: choices.matches, searched: q !== '' },
        repeat: month.key === currentMonth.key ? repeatForm(s, journal.entries) : null,
        date: opts.values?.date ?? s.today, min: minDay, max: s.today, quantity: opts.values?.quantity ?? '1', note: opts.values?.note ?? '',
      } : null,
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  router.get('/me', h(async (req, res) => kit.keptPage(req, res, 'me', () => mePanel(req, res))));

  router.post('/me/entries', h(async (req, res) => {
    requireCsrf(req, ACTION.createEntry);
    const s = kit.requirePanelRole(req, 'me');
    if (!deps.review) throw new NotFoundError();
    const review = deps.review;
    const b = req.body as Record<string, unknown>;
    const values = { date: str(b.date) ?? '', workItemCode: str(b.workItemCode) ?? '', quantity: str(b.quantity) ?? '', note: str(b.note) ?? '' };
    const input: Record<string, unknown> = { date: values.date || undefined, workItemCode: values.workItemCode || undefined, quantity: parseFormNumber(b.quantity) };
    if (values.note.trim() !== '') input.note = values.note;
    const fromEvent = str(b.fromEvent);
    if (fromEvent) input.fromEvent = fromEvent;
    for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
    await submitOnce(req, res, deps.forms, '/me', async () => {
      const e = await review.create(s.principal, input);
      return { path: '/me', params: { month: e.date.slice(0, 7), notice: 'saved' } };
    }, (status, error) => mePanel(req, res, { status, error, values }));
  }));

  router.post('/me/entries/repeat', h(async (req, res) => {
    const day = str((req.body as Record<string, unknown>).day) ?? '';
    requireCsrf(req, ACTION.repeat(day));
    const s = kit.requirePanelRole(req, 'me');
    if (!deps.review || !/^\d{4}-\d{2}-\d{2}$/.test(day) || day >= s.today) throw new NotFoundError();
    const review = deps.review;
    await submitOnce(req, res, deps.forms, '/me', async () => {
      const { entries } = await deps.journal.list(s.principal, { from: day, to: day, limit: JOURNAL_PAGE.max });
      for (const e of entries.filter((x) => x.source === 'manual' && x.status !== 'rejected')) {
        await review.create(s.principal, { date: s.today, workItemCode: e.workItemCode, quantity: e.quantity, ...(e.note ? { note: e.note } : {}) });
      }
      return { path: '/me', params: { notice: 'saved' } };
    }, (status, error) => mePanel(req, res, { status, error }));
  }));

  router.post('/me/appeals', h(async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const period = str(b.period) ?? '';
    requireCsrf(req, ACTION.appeal(period));
    const s = kit.requirePanelRole(req, 'me');
    if (!deps.requests) throw new NotFoundError();
    const requests = deps.requests;
    const reason = str(b.reason) ?? '';
    await submitOnce(req, res, deps.forms, '/me', async () => {
      await requests.appeal(s.principal, { period, reason });
      return { path: '/me', params: { month: period.length === 7 ? period : undefined, notice: 'requested' } };
    }, (status, error) => mePanel(req, res, { status, error, values: { appealReason: reason } }));
  }));

  router.post('/me/entries/:id/withdraw', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.withdraw(id));
    const s = kit.requirePanelRole(req, 'me');
    if (!deps.review) throw new NotFoundError();
    const review = deps.review;
    await submitOnce(req, res, deps.forms, '/me', async () => {
      await review.remove(s.principal, id);
      return { path: '/me', params: { notice: 'withdrawn' } };
    }, (status, error) => mePanel(req, res, { status, error }));
  }));
}
