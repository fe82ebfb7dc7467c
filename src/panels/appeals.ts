/**
 * HR's appeals (GET /reports/appeals, POST /reports/appeals/:id): the appeals officials filed
 * against a closed period's score, newest first, and HR's decision on each — refused with a
 * reason, or accepted (optionally with a corrected general score), which scores that official
 * again and replaces their frozen score alone (docs/hr.md). Under the reports panel's roles;
 * deciding is HR's.
 */
import type { Request, Response, Router } from 'express';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import { ACTION, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { requestRow } from './requests-view';
import { form, h, has, requireCsrf, str } from './session';
import { enc } from './view-model';

export function mountAppealsPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  async function appealsPanel(req: Request, res: Response, opts: { status?: number; error?: string } = {}): Promise<void> {
    const s = kit.requirePanelRole(req, 'reports');
    if (!deps.requests) throw new NotFoundError();
    if (!has(s, 'hr')) throw new ForbiddenError();
    const list = await deps.requests.appeals(s.principal);
    const names = await kit.userNames(s.principal.agency, list.map((r) => r.userId));
    const rows = list.map((r) => ({
      ...requestRow(s.locale, r, new Map([...names].map(([k, v]) => [k, v.name]))),
      decide: r.status === 'pending' && r.userId !== s.principal.userId ? form(s, `/reports/appeals/${enc(r.id)}`, ACTION.decideAppeal(r.id)) : null,
    }));
    await kit.page(req, res, 'reports', 'appeals', { rows }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  router.get('/reports/appeals', h(async (req, res) => appealsPanel(req, res)));

  router.post('/reports/appeals/:id', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.decideAppeal(id));
    const s = kit.requirePanelRole(req, 'reports');
    if (!deps.requests) throw new NotFoundError();
    if (!has(s, 'hr')) throw new ForbiddenError();
    const requests = deps.requests;
    const b = req.body as Record<string, unknown>;
    await submitOnce(req, res, deps.forms, '/reports/appeals', async () => {
      await requests.decideAppeal(s.principal, id, { decision: str(b.decision), note: str(b.note) ?? '', general: str(b.general)?.trim() ?? '' });
      return { path: '/reports/appeals', params: { notice: 'decided' } };
    }, (status, error) => appealsPanel(req, res, { status, error }));
  }));
}
