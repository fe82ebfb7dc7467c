import type { Router } from 'express';
import { ValidationError } from '../domain/errors';
import type { RequestService } from '../services/request-service';
import { h, type ApiHelpers } from './app';

/**
 * Corrections and appeals over JSON (docs/hr.md §7.1), mounted on /api/v1 through the
 * `extraApi` hook, the same stories as the panels. The role gate is coarse; the service decides
 * who may see and decide which request (404 for one the caller may not see).
 *
 * | method | path | roles |
 * | --- | --- | --- |
 * | GET | /requests?kind=correction\|appeal[&unit=] | official, leader, hr: one's own; a leader (or HR) a unit's corrections; HR every appeal |
 * | POST | /requests/corrections `{ subjectKind, subjectId, type, entryId?, proposedUserId?, proposedItemCode?, proposedQuantity?, date?, reason }` | official |
 * | POST | /requests/appeals `{ period, reason }` | official |
 * | POST | /requests/:id/decide `{ decision: accept\|refuse, note?, general? }` | leader (corrections of their unit), hr (appeals) |
 */
export function registerRequestsApi(api: Router, helpers: ApiHelpers, requests: RequestService): void {
  const { requireRole, principal } = helpers;
  const body = (b: unknown): Record<string, unknown> => (b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {});

  api.get('/requests', requireRole('official', 'leader', 'hr'), h(async (req, res) => {
    const p = principal(req);
    const kind = req.query.kind;
    if (kind !== 'correction' && kind !== 'appeal') throw new ValidationError('kind: correction | appeal', 'kind');
    const unit = typeof req.query.unit === 'string' && req.query.unit !== '' ? req.query.unit : undefined;
    let list;
    if (kind === 'correction' && unit !== undefined) list = await requests.unitCorrections(p, unit);
    else if (kind === 'appeal' && p.roles.includes('hr')) list = await requests.appeals(p);
    else list = await requests.mine(p, kind);
    res.json({ requests: list });
  }));

  api.post('/requests/corrections', requireRole('official'), h(async (req, res) => {
    const { subjectKind, subjectId, ...rest } = body(req.body);
    if (subjectKind !== 'document' && subjectKind !== 'task') throw new ValidationError('subjectKind: document | task', 'subjectKind');
    if (typeof subjectId !== 'string' || subjectId === '' || subjectId.length > 200) throw new ValidationError('subjectId: 1..200 ký tự (characters)', 'subjectId');
    res.status(201).json(await requests.askCorrection(principal(req), { kind: subjectKind, id: subjectId }, rest));
  }));

  api.post('/requests/appeals', requireRole('official'), h(async (req, res) => {
    res.status(201).json(await requests.appeal(principal(req), body(req.body)));
  }));

  api.post('/requests/:id/decide', requireRole('leader', 'hr'), h(async (req, res) => {
    res.json(await requests.decide(principal(req), String(req.params.id), body(req.body)));
  }));
}
