/**
 * The tab of a document or a task (GET /document/:id, /task/:id): the entries the subject
 * produced that the viewer may see — their own, a leader's unit members', everyone's for HR
 * and admin — and the form to ask the leader for a correction (POST …/corrections: wrong
 * person, wrong item, work that made no entry; docs/hr.md).
 */
import type { Request, Response, Router } from 'express';
import { NotFoundError } from '../domain/errors';
import { t } from '../i18n/i18n';
import { ACTION, parseFormNumber, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { correctionForm } from './requests-view';
import { h, has, link, requireCsrf, str } from './session';
import { enc, entryRow, num } from './view-model';

const MAX_ROWS = 2000;
type Kind = 'document' | 'task';

export function mountSubjectPanels(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  function subjectIdOf(req: Request): string {
    const subjectId = String(req.params.id);
    if (subjectId.length === 0 || subjectId.length > 200) throw new NotFoundError();
    return subjectId;
  }

  async function subjectPanel(req: Request, res: Response, kind: Kind, opts: { status?: number; error?: string; values?: Record<string, string> } = {}): Promise<void> {
    const s = kit.requirePanelRole(req, kind);
    const p = s.principal;
    const l = s.locale;
    const subjectId = subjectIdOf(req);
    const rows = await kit.subjectEntries(p.agency, kind, subjectId, MAX_ROWS);
    const all = has(s, 'hr', 'admin');
    const leaderUnit = await kit.leaderUnit(s);
    const visible = rows.filter((r) => all || r.entry.userId === p.userId || (leaderUnit !== null && r.userUnit === leaderUnit));
    const items = await kit.itemNames(p.agency, l);
    const entries = visible.map((r) => entryRow(l, r.entry, items, r.userName ?? r.entry.userId));
    const counted = visible.map((r) => r.entry).filter((e) => e.status !== 'rejected');
    const title = visible.map((r) => r.entry.subjectTitle).find((x) => typeof x === 'string' && x !== '') ?? null;
    // The correction form opens on request (?correct=1, or again after a refusal): the tab itself lists no colleague or catalogue.
    let correction: Record<string, unknown> | null = null;
    if (deps.requests && has(s, 'official')) {
      const asked = req.query.correct === '1' || opts.values !== undefined;
      const mine = await deps.requests.mine(p, 'correction');
      if (asked) {
        const [colleagues, catalogue] = await Promise.all([deps.requests.colleagues(p), deps.agencies.catalogue(p.agency)]);
        const own = visible.map((r) => r.entry).filter((e) => e.userId === p.userId);
        correction = correctionForm(s, kind, subjectId, own, colleagues, catalogue, mine, opts.values);
      } else {
        correction = { open: link(s, `/${kind}/${enc(subjectId)}`, { correct: '1' }), mine: correctionForm(s, kind, subjectId, [], [], [], mine).mine };
      }
    }
    await kit.page(req, res, kind, 'subject', {
      subject: { kind, id: subjectId, title, kindLabel: kind === 'document' ? t(l, 'subject.document') : t(l, 'subject.task') },
      entries,
      totalMinutes: num(l, counted.reduce((a, e) => a + e.minutes, 0)),
      people: new Set(counted.map((e) => e.userId)).size,
      correction,
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  for (const kind of ['document', 'task'] as const) {
    router.get(`/${kind}/:id`, h(async (req, res) => kit.keptPage(req, res, kind, () => subjectPanel(req, res, kind))));

    router.post(`/${kind}/:id/corrections`, h(async (req, res) => {
      const subjectId = subjectIdOf(req);
      requireCsrf(req, ACTION.correct(kind, subjectId));
      const s = kit.requirePanelRole(req, kind);
      if (!deps.requests || !has(s, 'official')) throw new NotFoundError();
      const requests = deps.requests;
      const b = req.body as Record<string, unknown>;
      const values: Record<string, string> = {};
      for (const k of ['type', 'entryId', 'proposedUserId', 'proposedItemCode', 'proposedQuantity', 'date', 'reason']) values[k] = str(b[k])?.trim() ?? '';
      const input: Record<string, unknown> = { type: values.type, reason: values.reason };
      if (values.entryId) input.entryId = values.entryId;
      if (values.proposedUserId) input.proposedUserId = values.proposedUserId;
      if (values.proposedItemCode) input.proposedItemCode = values.proposedItemCode;
      if (values.proposedQuantity) input.proposedQuantity = parseFormNumber(values.proposedQuantity);
      if (values.date) input.date = values.date;
      await submitOnce(req, res, deps.forms, `/${kind}/${enc(subjectId)}`, async () => {
        await requests.askCorrection(s.principal, { kind, id: subjectId }, input);
        return { path: `/${kind}/${enc(subjectId)}`, params: { notice: 'requested' } };
      }, (status, error) => subjectPanel(req, res, kind, { status, error, values }));
    }));
  }
}
