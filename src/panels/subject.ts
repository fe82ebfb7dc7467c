/**
 * The tab of a document or a task (GET /document/:id, /task/:id): the entries the subject
 * produced that the viewer may see — their own, a leader's unit members', everyone's for HR
 * and admin.
 */
import type { Request, Response, Router } from 'express';
import { NotFoundError } from '../domain/errors';
import { t } from '../i18n/i18n';
import type { PanelKit } from './kit';
import { h, has } from './session';
import { entryRow, num } from './view-model';

const MAX_ROWS = 2000;

export function mountSubjectPanels(router: Router, kit: PanelKit): void {
  async function subjectPanel(req: Request, res: Response, kind: 'document' | 'task'): Promise<void> {
    const s = kit.requirePanelRole(req, kind);
    const p = s.principal;
    const l = s.locale;
    const subjectId = String(req.params.id);
    if (subjectId.length === 0 || subjectId.length > 200) throw new NotFoundError();
    const rows = await kit.subjectEntries(p.agency, kind, subjectId, MAX_ROWS);
    const all = has(s, 'hr', 'admin');
    const leaderUnit = await kit.leaderUnit(s);
    const visible = rows.filter((r) => all || r.entry.userId === p.userId || (leaderUnit !== null && r.userUnit === leaderUnit));
    const items = await kit.itemNames(p.agency, l);
    const entries = visible.map((r) => entryRow(l, r.entry, items, r.userName ?? r.entry.userId));
    const counted = visible.map((r) => r.entry).filter((e) => e.status !== 'rejected');
    const title = visible.map((r) => r.entry.subjectTitle).find((x) => typeof x === 'string' && x !== '') ?? null;
    await kit.page(req, res, kind, 'subject', {
      subject: { kind, id: subjectId, title, kindLabel: kind === 'document' ? t(l, 'subject.document') : t(l, 'subject.task') },
      entries,
      totalMinutes: num(l, counted.reduce((a, e) => a + e.minutes, 0)),
      people: new Set(counted.map((e) => e.userId)).size,
    });
  }

  router.get('/document/:id', h(async (req, res) => subjectPanel(req, res, 'document')));
  router.get('/task/:id', h(async (req, res) => subjectPanel(req, res, 'task')));
}
