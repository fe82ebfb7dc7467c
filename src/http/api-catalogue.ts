import express, { type Request, type Response, type Router } from 'express';
import { ValidationError } from '../domain/errors';
import type { Locale, Principal } from '../domain/principal';
import { catalogueProblems, problemLines, type ProblemAt } from '../i18n/catalogue-text';
import { t } from '../i18n/i18n';
import { catalogueFile, handbookFile, importCatalogueFile, type CatalogueFileServices } from '../reports/catalogue-files';
import { INVALID_WORK_ITEM } from '../services/catalogue-service';
import { h, type ApiHelpers } from './app';
import { asciiSlug, contentDisposition } from './reports';

/** The largest catalogue file taken (a catalogue of 5 000 rows is well under 1 MB). */
export const MAX_CATALOGUE_FILE_BYTES = 5 * 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const VI: Locale = 'vi';

/** A refusal that lists every problem in the caller's language (with the sheet's row and column when from a file). */
export function problemsBody(l: Locale, problems: readonly ProblemAt[]): { error: Record<string, unknown> } {
  const lines = problemLines(l, problems);
  const list = problems.map((p, i) => ({
    ...(p.row !== undefined ? { row: p.row, column: p.column } : {}), field: p.field, problem: p.problem, ...(p.limit === undefined ? {} : { limit: p.limit }), message: lines[i],
  }));
  return { error: { code: INVALID_WORK_ITEM, message: lines[0] ?? '', ...(problems[0] ? { field: problems[0].field } : {}), problems: list } };
}

function sendXlsx(res: Response, data: Buffer, fileName: string, ascii: string): void {
  res.setHeader('Content-Type', XLSX);
  res.setHeader('Content-Disposition', contentDisposition(fileName, ascii));
  res.send(data);
}

const flag = (v: unknown): boolean => v === true || v === 'true' || v === '1';

/**
 * Editing the catalogue over JSON (docs/catalogue.md), mounted on /api/v1 through the
 * `extraApi` hook. Reads: admin and HR. Writes: the admin, and HR when the agency's
 * `hrEditsCatalogue` allows (the service decides: 403 `catalogue_edit_forbidden`).
 *
 * | method | path | does |
 * | --- | --- | --- |
 * | GET | /catalogue/templates | the sector templates |
 * | GET | /catalogue/export | the catalogue as the Excel template |
 * | GET | /catalogue/handbook | the KPI handbook workbook |
 * | GET | /catalogue/:code/versions | every version of one item |
 * | POST | /catalogue | a new item (body: its fields, `validFrom`) |
 * | PATCH | /catalogue/:code | a new version of an item (body: the changed fields, `validFrom`) |
 * | POST | /catalogue/import?dryRun=&validFrom= | the whole catalogue from an .xlsx body |
 * | POST | /catalogue/adopt | `{ template, validFrom, dryRun }`: adopt a sector template |
 */
export function registerCatalogueApi(api: Router, helpers: ApiHelpers, services: CatalogueFileServices): void {
  const { requireRole, principal } = helpers;
  const readers = requireRole('admin', 'hr');
  /** Runs a write as `p`; a refused input answers 400 with each problem in words. */
  const write = (run: (p: Principal, req: Request) => Promise<unknown>, status = 200) => h(async (req, res) => {
    const p = principal(req);
    await services.catalogue.assertMayEdit(p);
    try {
      res.status(status).json(await run(p, req));
    } catch (e) {
      const problems = catalogueProblems(e);
      if (!problems) throw e;
      res.status(400).json(problemsBody(p.locale, problems));
    }
  });

  api.get('/catalogue/templates', readers, h(async (_req, res) => {
    res.json({
      templates: services.catalogue.templates().map((tpl) => ({ id: tpl.id, name: tpl.name, description: tpl.description, items: tpl.items.length })),
    });
  }));

  api.get('/catalogue/export', readers, h(async (req, res) => {
    const p = principal(req);
    sendXlsx(res, await catalogueFile(services, p.agency, new Date()), `${t(VI, 'catalogue.fileName')} ${p.agency}.xlsx`, `danh-muc-${asciiSlug(p.agency, 64)}.xlsx`);
  }));

  api.get('/catalogue/handbook', readers, h(async (req, res) => {
    const p = principal(req);
    sendXlsx(res, await handbookFile(services, p.agency, new Date()), `${t(VI, 'handbook.fileName')} ${p.agency}.xlsx`, `so-tay-kpi-${asciiSlug(p.agency, 64)}.xlsx`);
  }));

  api.get('/catalogue/:code/versions', readers, h(async (req, res) => {
    res.json({ versions: await services.catalogue.versions(principal(req).agency, String(req.params.code)) });
  }));

  api.post('/catalogue', requireRole('admin', 'hr'), write((p, req) => services.catalogue.create(p.agency, p.userId, req.body ?? {}), 201));

  api.patch('/catalogue/:code', requireRole('admin', 'hr'), write((p, req) => services.catalogue.update(p.agency, p.userId, String(req.params.code), req.body ?? {})));

  api.post('/catalogue/adopt', requireRole('admin', 'hr'), write((p, req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    return services.catalogue.adopt(p.agency, p.userId, b.template, { validFrom: b.validFrom, dryRun: flag(b.dryRun) });
  }));

  api.post('/catalogue/import', requireRole('admin', 'hr'), express.raw({ type: () => true, limit: MAX_CATALOGUE_FILE_BYTES }), write((p, req) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new ValidationError('Gửi tệp .xlsx làm nội dung yêu cầu (send the .xlsx file as the request body)', 'body', 'invalid_body');
    const q = req.query;
    return importCatalogueFile(services, p.agency, p.userId, req.body, { validFrom: typeof q.validFrom === 'string' ? q.validFrom : undefined, dryRun: flag(q.dryRun) });
  }));
}
