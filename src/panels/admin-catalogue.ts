/**
 * The catalogue pages of the admin panel (docs/catalogue.md), for the admin and HR:
 *
 * | path | does |
 * | --- | --- |
 * | GET /admin/catalogue | the items, the downloads, and (for who may edit) the forms: upload a file, adopt a sector template, add an item |
 * | POST /admin/catalogue/import | the uploaded file (multipart): a dry run lists the changes, else they are made |
 * | POST /admin/catalogue/adopt, /admin/catalogue/items | adopt a template; add an item |
 * | GET, POST /admin/catalogue/items/:code | one item's versions; a new version of it |
 * | GET /admin/catalogue.xlsx, /admin/handbook.xlsx | the catalogue file and the handbook workbook |
 * | GET /admin/handbook | the KPI handbook as a page that prints on A4 |
 *
 * Every POST carries the context token and a form token like every panel form (the upload's
 * context token rides in its action URL, the form token in the multipart body, checked once
 * the body is read); writes are refused unless the service says the viewer may edit. A write
 * works once per form token (submitOnce) and sends the browser to the page that says what it
 * did; a dry run writes nothing, so it answers on the spot and may be sent again.
 */
import busboy from 'busboy';
import type { Request, Response, Router } from 'express';
import { PayloadTooLargeError, ValidationError } from '../domain/errors';
import type { Locale } from '../domain/principal';
import { isValidDay } from '../domain/time';
import { catalogueProblems, groupText, kindText, problemLines, sectorText } from '../i18n/catalogue-text';
import { buildHandbook } from '../i18n/handbook-text';
import { formatDay, formatNumber, t } from '../i18n/i18n';
import { catalogueFile, handbookFile, importCatalogueFile } from '../reports/catalogue-files';
import { placeAndDate } from '../reports/layout';
import { WORK_ITEM_CODE_RE, WORK_ITEM_GROUPS, WORK_ITEM_KINDS } from '../rules/catalogue';
import type { CatalogueChange, CatalogueService } from '../services/catalogue-service';
import { contentDisposition } from '../http/reports';
import { attempt, parseFormNumber, submitOnce, type Again } from './forms';
import type { PanelKit } from './kit';
import { form, h, link, requireCsrf, sessionOf, str, type Session } from './session';
import { enc, itemLabel } from './view-model';

/** The largest file the upload takes. */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const ACTION = {
  importFile: 'catalogue.import',
  adopt: 'catalogue.adopt',
  add: 'catalogue.add',
  edit: (code: string) => `catalogue.edit:${code}`,
};

/** The fields and the file of a multipart form (one file at most); a file over the limit is a 413. */
export function readMultipart(req: Request, maxBytes = MAX_UPLOAD_BYTES): Promise<{ fields: Record<string, string>; file: Buffer | null }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 4096 } });
    } catch {
      reject(new ValidationError('Biểu mẫu phải gửi dạng multipart/form-data (the form must be multipart/form-data)', 'file', 'invalid_body'));
      return;
    }
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let seen = false;
    let tooLarge = false;
    bb.on('field', (name, value) => { fields[name] = value; });
    bb.on('file', (_name, stream) => {
      seen = true;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => { tooLarge = true; });
    });
    bb.on('error', () => reject(new ValidationError('Không đọc được biểu mẫu gửi lên (the form could not be read)', 'file', 'invalid_body')));
    bb.on('close', () => {
      if (tooLarge) reject(new PayloadTooLargeError());
      else resolve({ fields, file: seen && chunks.length > 0 ? Buffer.concat(chunks) : null });
    });
    req.pipe(bb);
  });
}

function sendXlsx(res: Response, data: Buffer, fileName: string, ascii: string): void {
  res.setHeader('Content-Type', XLSX);
  res.setHeader('Content-Disposition', contentDisposition(fileName, ascii));
  res.send(data);
}

/** How many codes of each list a change's page address carries; the rest are counted (`+n`). */
const LISTED_CODES = 30;
const MORE = /^\+(\d+)$/;

/** A change's lists, written in the address of the page that shows it: `A,B,C` (`A,…,+12` past LISTED_CODES). */
function listParam(codes: readonly string[]): string {
  return (codes.length > LISTED_CODES ? [...codes.slice(0, LISTED_CODES), `+${codes.length - LISTED_CODES}`] : codes).join(',');
}

/** The address's query of the page a saved change leads to. */
function changeParams(change: CatalogueChange): Record<string, string> {
  return { applied: change.validFrom, added: listParam(change.added), changed: listParam(change.changed), deactivated: listParam(change.deactivated), unchanged: String(change.unchanged) };
}

/** The saved change a page's address names (changeParams), or null: anything else there is ignored. */
function changeOfQuery(q: Record<string, unknown>): CatalogueChange | null {
  const day = str(q.applied);
  const unchanged = Number(str(q.unchanged));
  if (day === undefined || !isValidDay(day) || !Number.isInteger(unchanged) || unchanged < 0) return null;
  const list = (v: unknown): string[] => (str(v) ?? '').split(',').filter((c) => WORK_ITEM_CODE_RE.test(c) || MORE.test(c));
  return { validFrom: day, added: list(q.added), changed: list(q.changed), deactivated: list(q.deactivated), unchanged, applied: true };
}

/** A list of codes as read: `A, B, C`, the uncounted rest said in words, `—` for none. */
function codesText(l: Locale, codes: readonly string[]): string {
  if (codes.length === 0) return '—';
  const more = MORE.exec(codes[codes.length - 1]!);
  return more ? `${codes.slice(0, -1).join(', ')} ${t(l, 'catalogue.panel.more', { n: Number(more[1]) })}` : codes.join(', ');
}

/** A form's fields as a work item patch: numbers as typed (`1,5` too), the checkbox as a boolean, empty fields left out. */
function itemFields(body: Record<string, unknown>, whole: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['code', 'name', 'nameEn', 'sector', 'group', 'unit', 'kind', 'validFrom']) {
    const v = str(body[k]);
    if (v !== undefined && (v.trim() !== '' || (k === 'nameEn' || k === 'sector'))) out[k] = v;
  }
  for (const k of ['standardMinutes', 'maxQuantityPerEntry']) {
    const v = parseFormNumber(body[k]);
    if (v !== undefined) out[k] = v;
  }
  if (whole || body.activeSent !== undefined) out.active = body.active === 'on';
  if (!whole) delete out.code;
  return out;
}

export function mountAdminCataloguePanels(router: Router, kit: PanelKit, catalogue: CatalogueService): void {
  const { deps } = kit;
  const services = { catalogue, agencies: deps.agencies };

  /** The change's lists in words, or the problems, for the page's result box. */
  function resultOf(s: Session, change: CatalogueChange) {
    const l = s.locale;
    return {
      title: change.applied ? t(l, 'catalogue.panel.applied', { day: formatDay(l, change.validFrom) }) : t(l, 'catalogue.panel.dryRun', { day: formatDay(l, change.validFrom) }),
      lines: [
        t(l, 'catalogue.panel.added', { codes: codesText(l, change.added) }),
        t(l, 'catalogue.panel.changed', { codes: codesText(l, change.changed) }),
        t(l, 'catalogue.panel.deactivated', { codes: codesText(l, change.deactivated) }),
        t(l, 'catalogue.panel.unchanged', { n: change.unchanged }),
      ],
    };
  }

  async function cataloguePage(req: Request, res: Response, opts: { status?: number; error?: string | null; result?: unknown; problems?: string[] } = {}): Promise<void> {
    const s = kit.requirePanelRole(req, 'catalogue');
    const l = s.locale;
    const agency = s.principal.agency;
    const [items, editable] = await Promise.all([catalogue.current(agency), catalogue.mayEdit(s.principal)]);
    const names = new Map(catalogue.templates().map((x) => [x.id, x.name]));
    await kit.page(req, res, 'catalogue', 'admin-catalogue', {
      editable,
      downloads: { catalogue: link(s, '/admin/catalogue.xlsx'), handbook: link(s, '/admin/handbook'), handbookXlsx: link(s, '/admin/handbook.xlsx') },
      upload: editable ? { ...form(s, '/admin/catalogue/import', ACTION.importFile), actionWithCtx: `${s.base}/admin/catalogue/import?${new URLSearchParams({ ctx: s.out.token }).toString()}` } : null,
      adopt: editable ? form(s, '/admin/catalogue/adopt', ACTION.adopt) : null,
      add: editable ? form(s, '/admin/catalogue/items', ACTION.add) : null,
      today: s.today,
      templates: catalogue.templates().map((x) => ({ id: x.id, name: x.name[l], description: x.description[l], count: x.items.length })),
      groups: WORK_ITEM_GROUPS.map((g) => ({ value: g, label: groupText(l, g) })),
      kinds: WORK_ITEM_KINDS.map((k) => ({ value: k, label: kindText(l, k) })),
      items: items.map((i) => ({
        code: i.code, name: itemLabel(l, i), sector: sectorText(l, i.sector ?? '', names), group: groupText(l, i.group), unit: i.unit,
        minutes: formatNumber(l, i.standardMinutes, 2, true), kind: kindText(l, i.kind), max: formatNumber(l, i.maxQuantityPerEntry, 2, true), active: i.active,
        version: i.version, validFrom: i.validFrom ? formatDay(l, i.validFrom) : null, href: link(s, `/admin/catalogue/items/${enc(i.code)}`),
      })),
      result: opts.result ?? null,
      problems: opts.problems ?? [],
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  /**
   * A refused catalogue write shows `show` again: a refused input with each problem, any other
   * refusal the user can fix (400, 409: a closed period) with its message, as every panel form does.
   */
  const refusedOn = (l: Locale, show: (opts: { status: number; error: string; problems: string[] }) => Promise<void>): Again => (status, error, refusal) => {
    const problems = catalogueProblems(refusal);
    return problems ? show({ status: 400, error: t(l, 'catalogue.panel.refused', { n: problems.length }), problems: problemLines(l, problems) }) : show({ status, error, problems: [] });
  };

  /**
   * A write from the catalogue page. Applied, it works once per form token and leads to the
   * catalogue page listing what it did (a second POST of the form shows that list, nothing
   * written again). A dry run writes nothing: its list is shown on the spot, and the same form
   * may be sent again, as "try it" of the rules may.
   */
  async function change(req: Request, res: Response, dryRun: boolean, run: (s: Session) => Promise<CatalogueChange>): Promise<void> {
    const s = sessionOf(req);
    const again = refusedOn(s.locale, (opts) => cataloguePage(req, res, opts));
    if (!dryRun) {
      await submitOnce(req, res, deps.forms, '/admin/catalogue', async () => ({ path: '/admin/catalogue', params: changeParams(await run(s)) }), again);
      return;
    }
    let done: CatalogueChange | null = null;
    await attempt(req, async () => { done = await run(s); }, again);
    if (done) await cataloguePage(req, res, { result: resultOf(s, done) });
  }

  router.get('/admin/catalogue', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'catalogue');
    const saved = changeOfQuery(req.query);
    await cataloguePage(req, res, saved ? { result: resultOf(s, saved) } : {});
  }));

  router.get('/admin/catalogue.xlsx', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'catalogue');
    const code = s.principal.agency;
    sendXlsx(res, await catalogueFile(services, code, new Date()), `${t('vi', 'catalogue.fileName')} ${code}.xlsx`, 'danh-muc.xlsx');
  }));

  router.get('/admin/handbook.xlsx', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'handbook');
    const code = s.principal.agency;
    sendXlsx(res, await handbookFile(services, code, new Date()), `${t('vi', 'handbook.fileName')} ${code}.xlsx`, 'so-tay-kpi.xlsx');
  }));

  router.post('/admin/catalogue/import', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'catalogue');
    await catalogue.assertMayEdit(s.principal);
    const { fields, file } = await readMultipart(req);
    req.body = fields;
    requireCsrf(req, ACTION.importFile);
    if (!file) {
      await cataloguePage(req, res, { status: 400, error: t(s.locale, 'catalogue.panel.noFile') });
      return;
    }
    const dryRun = fields.dryRun === 'on';
    await change(req, res, dryRun, (x) => importCatalogueFile(services, x.principal.agency, x.principal.userId, file, { validFrom: fields.validFrom, dryRun }));
  }));

  router.post('/admin/catalogue/adopt', h(async (req, res) => {
    requireCsrf(req, ACTION.adopt);
    const s = kit.requirePanelRole(req, 'catalogue');
    await catalogue.assertMayEdit(s.principal);
    const b = req.body as Record<string, unknown>;
    const dryRun = b.dryRun === 'on';
    await change(req, res, dryRun, (x) => catalogue.adopt(x.principal.agency, x.principal.userId, b.template, { validFrom: str(b.validFrom), dryRun }));
  }));

  router.post('/admin/catalogue/items', h(async (req, res) => {
    requireCsrf(req, ACTION.add);
    const s = kit.requirePanelRole(req, 'catalogue');
    await catalogue.assertMayEdit(s.principal);
    await change(req, res, false, (x) => catalogue.create(x.principal.agency, x.principal.userId, itemFields(req.body as Record<string, unknown>, true)));
  }));

  async function itemPage(req: Request, res: Response, code: string, opts: { status?: number; error?: string | null; problems?: string[] } = {}): Promise<void> {
    const s = kit.requirePanelRole(req, 'catalogue');
    const l = s.locale;
    const [versions, editable] = await Promise.all([catalogue.versions(s.principal.agency, code), catalogue.mayEdit(s.principal)]);
    const latest = versions[versions.length - 1]!;
    await kit.page(req, res, 'catalogue', 'admin-catalogue-item', {
      back: link(s, '/admin/catalogue'),
      item: { ...latest, kindLabel: kindText(l, latest.kind) },
      edit: editable ? form(s, `/admin/catalogue/items/${enc(code)}`, ACTION.edit(code)) : null,
      // A new version starts today, or on the latest version's first day when that is later.
      today: latest.validFrom !== null && latest.validFrom > s.today ? latest.validFrom : s.today,
      groups: WORK_ITEM_GROUPS.map((g) => ({ value: g, label: groupText(l, g), selected: g === latest.group })),
      kinds: WORK_ITEM_KINDS.map((k) => ({ value: k, label: kindText(l, k), selected: k === latest.kind })),
      versions: [...versions].reverse().map((v) => ({
        version: v.version, name: v.name, unit: v.unit, minutes: formatNumber(l, v.standardMinutes, 2, true), kind: kindText(l, v.kind),
        max: formatNumber(l, v.maxQuantityPerEntry, 2, true), active: v.active, validFrom: v.validFrom ? formatDay(l, v.validFrom) : t(l, 'catalogue.panel.fromStart'),
      })),
      problems: opts.problems ?? [],
    }, { status: opts.status ?? 200, error: opts.error ?? null, title: t(l, 'catalogue.panel.itemTitle', { code }) });
  }

  router.get('/admin/catalogue/items/:code', h(async (req, res) => itemPage(req, res, String(req.params.code))));

  router.post('/admin/catalogue/items/:code', h(async (req, res) => {
    const code = String(req.params.code);
    requireCsrf(req, ACTION.edit(code));
    const s = kit.requirePanelRole(req, 'catalogue');
    await catalogue.assertMayEdit(s.principal);
    const path = `/admin/catalogue/items/${enc(code)}`;
    await submitOnce(req, res, deps.forms, path, async () => {
      const done = await catalogue.update(s.principal.agency, s.principal.userId, code, itemFields(req.body as Record<string, unknown>, false));
      return { path, params: { notice: done.unchanged > 0 ? 'version-unchanged' : 'version-saved' } };
    }, refusedOn(s.locale, (opts) => itemPage(req, res, code, opts)));
  }));

  router.get('/admin/handbook', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'handbook');
    const l = s.locale;
    const agency = s.principal.agency;
    const [a, items, rules] = await Promise.all([deps.agencies.requireAgency(agency), catalogue.current(agency), deps.agencies.rules(agency)]);
    const book = buildHandbook(l, { items, rules, templates: catalogue.templates() });
    await kit.page(req, res, 'handbook', 'handbook', {
      agencyName: a.name, governingBody: s.settings.report.governingBody, dateLine: placeAndDate((key, vars) => t(l, key, vars), s.settings.report.place, s.today),
      download: link(s, '/admin/handbook.xlsx'), back: link(s, '/admin/catalogue'), rules: book.rules, itemCount: book.itemCount,
      sections: book.sections.map((sec) => ({
        label: sec.label,
        groups: sec.groups.map((g) => ({ label: g.label, items: g.items.map((i) => ({ ...i, minutes: formatNumber(l, i.minutes, 2, true), max: formatNumber(l, i.max, 2, true) })) })),
      })),
    });
  }));

}
