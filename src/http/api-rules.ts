import type { Router } from 'express';
import { ValidationError } from '../domain/errors';
import type { IntakeService } from '../intake/intake-service';
import type { AgencyService } from '../services/agency-service';
import type { RulesService } from '../services/rules-service';
import { h, type ApiHelpers } from './app';

export interface RulesApiServices {
  rules: RulesService;
  intake: IntakeService;
  agencies: AgencyService;
}

/**
 * The mapping rules over JSON, and the replay of every failed event of one type, mounted on
 * /api/v1 through the `extraApi` hook. Admin only; the agency is always the token's.
 *
 * | method | path | does |
 * | --- | --- | --- |
 * | GET | /rules | the agency's rules |
 * | POST | /rules | adds a rule (201) |
 * | PUT | /rules/:id | replaces rule :id |
 * | POST | /rules/:id/deactivate, /activate | switches it off or on |
 * | POST | /rules/try | `{ event \| eventId, draft? }`: which rule matches and the entries ingesting it makes; nothing saved |
 * | POST | /events/replay-failed | `{ type }`: replays every failed event of that type |
 */
export function registerRulesApi(api: Router, helpers: ApiHelpers, services: RulesApiServices): void {
  const { requireRole, principal } = helpers;
  const admin = requireRole('admin');
  const body = (b: unknown): Record<string, unknown> => (b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {});

  api.get('/rules', admin, h(async (req, res) => {
    res.json({ rules: await services.rules.list(principal(req).agency) });
  }));

  api.post('/rules/try', admin, h(async (req, res) => {
    const p = principal(req);
    const b = body(req.body);
    const draft = b.draft === undefined || b.draft === null ? null : services.rules.normalise(b.draft);
    const eventId = typeof b.eventId === 'string' ? b.eventId : undefined;
    res.json(await services.rules.tryEvent(p.agency, { event: b.event, ...(eventId === undefined ? {} : { eventId }), draft }));
  }));

  api.post('/rules', admin, h(async (req, res) => {
    const p = principal(req);
    res.status(201).json(await services.rules.save(p.agency, null, body(req.body), p.userId));
  }));

  api.put('/rules/:id', admin, h(async (req, res) => {
    const p = principal(req);
    res.json(await services.rules.save(p.agency, String(req.params.id), body(req.body), p.userId));
  }));

  api.post('/rules/:id/deactivate', admin, h(async (req, res) => {
    const p = principal(req);
    res.json(await services.rules.setActive(p.agency, String(req.params.id), false, p.userId));
  }));

  api.post('/rules/:id/activate', admin, h(async (req, res) => {
    const p = principal(req);
    res.json(await services.rules.setActive(p.agency, String(req.params.id), true, p.userId));
  }));

  api.post('/events/replay-failed', admin, h(async (req, res) => {
    const p = principal(req);
    const type = body(req.body).type;
    if (typeof type !== 'string' || type === '') throw new ValidationError('type: cần loại sự kiện (event type required)', 'type', 'required');
    const out = await services.intake.replayType(p.agency, type);
    await services.agencies.audit(p.agency, p.userId, 'events.replay-type', type, { count: out.length, failed: out.filter((x) => x.status === 'failed').length });
    res.json({ replayed: out });
  }));
}
