import type { Router } from 'express';
import type { AssessmentService } from '../services/assessment-service';
import type { InsightsService } from '../services/insights-service';
import type { ReviewService } from '../services/review-service';
import { h, type ApiHelpers } from './app';

export interface JournalApiServices {
  review: ReviewService;
  assessments: AssessmentService;
  insights: InsightsService;
}

/**
 * The journal's life and the general criteria over JSON (docs/integrators.md (panels and API)), mounted on /api/v1
 * through the `extraApi` hook. The role gate here is coarse; the services decide who may
 * touch which entry (owner, leader of the owner's unit, HR) and answer 404 for an entry the
 * caller may not see.
 *
 * | method | path | roles |
 * | --- | --- | --- |
 * | GET | /journal/insights?user=&period= | official, leader, hr, admin |
 * | POST | /journal | official, leader |
 * | PATCH, DELETE | /journal/:id | official, leader (the owner) |
 * | POST | /journal/:id/approve, /return, /rate, /fail | leader |
 * | GET | /assessments?period=&unit= | leader, hr |
 * | POST | /assessments | leader, hr; an official their own selfGroups |
 */
export function registerJournalApi(api: Router, helpers: ApiHelpers, services: JournalApiServices): void {
  const { requireRole, principal } = helpers;
  const body = (b: unknown): unknown => (b === undefined ? {} : b);
  const id = (v: unknown): string => String(v);

  // Before /journal/:id so that "insights" is never taken for an id.
  api.get('/journal/insights', requireRole('official', 'leader', 'hr', 'admin'), h(async (req, res) => {
    res.json(await services.insights.forUser(principal(req), { user: req.query.user, period: req.query.period }));
  }));

  api.post('/journal', requireRole('official', 'leader'), h(async (req, res) => {
    res.status(201).json(await services.review.create(principal(req), body(req.body)));
  }));

  api.patch('/journal/:id', requireRole('official', 'leader'), h(async (req, res) => {
    res.json(await services.review.update(principal(req), id(req.params.id), body(req.body)));
  }));

  api.delete('/journal/:id', requireRole('official', 'leader'), h(async (req, res) => {
    await services.review.remove(principal(req), id(req.params.id));
    res.status(204).end();
  }));

  api.post('/journal/:id/approve', requireRole('leader'), h(async (req, res) => {
    res.json(await services.review.approve(principal(req), id(req.params.id)));
  }));

  api.post('/journal/:id/return', requireRole('leader'), h(async (req, res) => {
    res.json(await services.review.returnEntry(principal(req), id(req.params.id), body(req.body)));
  }));

  api.post('/journal/:id/rate', requireRole('leader'), h(async (req, res) => {
    res.json(await services.review.rate(principal(req), id(req.params.id), body(req.body)));
  }));

  api.post('/journal/:id/fail', requireRole('leader'), h(async (req, res) => {
    res.json(await services.review.fail(principal(req), id(req.params.id), req.body));
  }));

  api.get('/assessments', requireRole('leader', 'hr'), h(async (req, res) => {
    res.json(await services.assessments.list(principal(req), { period: req.query.period, unit: req.query.unit }));
  }));

  api.post('/assessments', requireRole('official', 'leader', 'hr'), h(async (req, res) => {
    const out = await services.assessments.put(principal(req), body(req.body));
    res.status(out.created ? 201 : 200).json(out.assessment);
  }));
}
