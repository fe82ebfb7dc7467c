import type { Router } from 'express';
import { ValidationError } from '../domain/errors';
import { isPlainObject } from '../domain/objects';
import { withExplanationText } from '../i18n/explanation-text';
import type { ScoringService } from '../services/scoring-service';
import { h, type ApiHelpers } from './app';

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new ValidationError(`${name}: phải là chuỗi không rỗng (must be a non-empty string)`, name);
  return v;
}

/** The fields `POST /periods/:period/close` takes. */
const CLOSE_KEYS: readonly string[] = ['applyQuota', 'force', 'reason'];

/** Scores, ranking and the closing of periods (docs/integrators.md (panels and API)). */
export function registerScoresApi(api: Router, helpers: ApiHelpers, deps: { scoring: ScoringService }): void {
  const { requireRole, principal } = helpers;

  api.get('/scores', requireRole('official', 'leader', 'hr', 'admin'), h(async (req, res) => {
    const p = principal(req);
    const out = await deps.scoring.scoresFor(p, { period: optString(req.query.period, 'period'), unit: optString(req.query.unit, 'unit'), user: optString(req.query.user, 'user') });
    // The explanation's sentences are written here, in the asker's locale (Vietnamese by default).
    res.json({ ...out, scores: out.scores.map((s) => withExplanationText(s, p.locale)) });
  }));

  api.get('/ranking', requireRole('leader', 'hr', 'admin'), h(async (req, res) => {
    const p = principal(req);
    const period = optString(req.query.period, 'period') ?? (await deps.scoring.currentMonth(p.agency));
    const order = optString(req.query.order, 'order');
    if (order !== undefined && order !== 'lowest' && order !== 'highest') throw new ValidationError('order: lowest | highest', 'order');
    res.json({ period, units: await deps.scoring.ranking(p.agency, period, order === 'lowest') });
  }));

  api.post('/periods/:period/close', requireRole('hr'), h(async (req, res) => {
    const p = principal(req);
    const body = (req.body ?? {}) as unknown;
    if (!isPlainObject(body)) throw new ValidationError('Cần một đối tượng JSON { applyQuota, force, reason } (expected a JSON object)', undefined, 'invalid_body');
    const unknown = Object.keys(body).filter((k) => !CLOSE_KEYS.includes(k));
    if (unknown.length > 0) throw new ValidationError(`${unknown.join(', ')}: trường không được hỗ trợ, chỉ nhận ${CLOSE_KEYS.join(', ')} (unknown field)`, unknown[0], 'unknown_field');
    if (body.applyQuota !== undefined && typeof body.applyQuota !== 'boolean') throw new ValidationError('applyQuota: phải là true/false (must be a boolean)', 'applyQuota');
    if (body.force !== undefined && typeof body.force !== 'boolean') throw new ValidationError('force: phải là true/false (must be a boolean)', 'force');
    if (body.reason !== undefined && typeof body.reason !== 'string') throw new ValidationError('reason: phải là chuỗi (must be a string)', 'reason');
    res.json(await deps.scoring.close(p.agency, String(req.params.period), {
      applyQuota: body.applyQuota === true, actor: p.userId, force: body.force === true, ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
    }));
  }));

  api.get('/periods/:period/close-preview', requireRole('hr'), h(async (req, res) => {
    res.json(await deps.scoring.closePreview(principal(req).agency, String(req.params.period)));
  }));

  api.post('/periods/:period/reopen', requireRole('admin'), h(async (req, res) => {
    const p = principal(req);
    const body = (req.body ?? {}) as { reason?: unknown };
    res.json(await deps.scoring.reopen(p.agency, String(req.params.period), { reason: typeof body.reason === 'string' ? body.reason : '', actor: p.userId }));
  }));
}
