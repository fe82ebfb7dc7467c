/**
 * HR's workbooks over HTTP (docs/integrators.md (reports)), mounted at `/reports` under the plugin's base path:
 *
 * | route | who |
 * | --- | --- |
 * | GET /reports/{period}.xlsx[?unit=…&unit=…&journal=1] | HR and admin: the agency or any units; a leader: their own unit only |
 * | GET /reports/{period}/form01.xlsx?user=…│unit=… | HR and admin: any official or unit; a leader: their unit or its members; an official: their own form |
 *
 * Who is asking comes from `Authorization: Bearer <host user token>` or, for links inside the
 * panels (the host's iframe, no cookies), the panels' context token `?ctx=`. A refusal is JSON
 * `{ error: { code, message } }` and nothing is streamed; once the first bytes of the
 * workbook have left, a failure aborts the response (the client sees a broken transfer, never a
 * short file that looks complete).
 */
import { Writable } from 'node:stream';
import express, { type Request, type Response, type Router } from 'express';
import { AuthError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { parsePeriod, type Period } from '../domain/period';
import { hasRole, type Locale, type Principal } from '../domain/principal';
import { formatPeriod, t } from '../i18n/i18n';
import { verifyContext } from '../panels/context-token';
import { h } from './app';
import { bearer, verifyUser, type AuthDeps } from './auth';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Units one workbook may be asked for in one request. */
export const MAX_REPORT_UNITS = 200;

/** What the doors need of ReportService (src/reports/report-service.ts): the two workbooks, written to a stream. */
export interface ReportMaker {
  evaluation(agency: string, period: string, opts: { unitIds?: string[]; withJournal?: boolean; onProgress?: (done: number, total: number) => void }, out: NodeJS.WritableStream): Promise<{ rows: number; provisional: boolean }>;
  form01(agency: string, period: string, who: { userId: string } | { unitId: string }, out: NodeJS.WritableStream): Promise<{ forms: number }>;
}

/** What the doors read of the directory, for the scope checks and the file names (JournalService has it). */
export interface ReportDirectory {
  unitOf(p: Principal): Promise<string | null>;
  canSee(p: Principal, userId: string): Promise<boolean>;
  people(agency: string, ids: readonly string[]): Promise<Map<string, { name: string; unitId: string | null }>>;
  unitNames(agency: string): Promise<Map<string, string>>;
}

export interface ReportsDeps {
  auth: AuthDeps;
  reports: ReportMaker;
  directory: ReportDirectory;
  /** The agency's name, for the whole-agency workbook's file name. */
  agencyName(code: string): Promise<string | null>;
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

// ------------------------------------------------------------------ file names

/** Letters without their Vietnamese marks, anything else but `A-Za-z0-9._-` as `-`: safe on every file system and in a quoted header. */
export function asciiSlug(s: string, max = 80): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, max).replace(/[-.]+$/, '') || 'x';
}

/** A Vietnamese file name that every system accepts: NFC, no `\ / : * ? " < > |` nor control characters, not too long. */
export function safeFileName(s: string, max = 150): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.normalize('NFC').replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, '-').replace(/\s+/g, ' ').trim();
  return [...clean].slice(0, max).join('').trim() || 'bao-cao';
}

/** `danh-gia-<agency>-<period>[-<unit>…].xlsx`: the CLI's default and the header's ASCII fallback. */
export function evaluationAsciiName(agency: string, period: string, unitIds: readonly string[] = []): string {
  const units = unitIds.length === 0 ? '' : `-${asciiSlug(unitIds.join('-'), 60)}`;
  return `danh-gia-${asciiSlug(agency, 64)}-${asciiSlug(period, 16)}${units}.xlsx`;
}

/** `phieu-01-<agency>-<period>-<user|unit>.xlsx`. */
export function form01AsciiName(agency: string, period: string, who: { userId: string } | { unitId: string }): string {
  const id = 'userId' in who ? who.userId : who.unitId;
  return `phieu-01-${asciiSlug(agency, 64)}-${asciiSlug(period, 16)}-${asciiSlug(id, 60)}.xlsx`;
}

/** File names are Vietnamese like the workbooks, whatever the asker's language. */
const VI: Locale = 'vi';
const fileLabel = (period: string): string => formatPeriod(VI, period).replace(/\//g, '-');

/** "Đánh giá xếp loại Quý I-2026 - Phòng Tổng hợp.xlsx": the name the browser saves, Vietnamese like the workbook. */
export function evaluationFileName(period: string, scope: string): string {
  return `${safeFileName(t(VI, 'reports.fileEvaluation', { period: fileLabel(period), scope }))}.xlsx`;
}

/** "Phiếu 01 Quý I-2026 - Nguyễn Thị Ánh.xlsx". */
export function form01FileName(period: string, who: string): string {
  return `${safeFileName(t(VI, 'reports.fileForm01', { period: fileLabel(period), who }))}.xlsx`;
}

/** RFC 6266 with the RFC 5987 `filename*` for the Vietnamese name and an ASCII `filename` for old clients. */
export function contentDisposition(fileName: string, asciiFallback: string): string {
  const fallback = asciiFallback.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName.normalize('NFC')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

// ------------------------------------------------------------------ the request

async function principalOf(auth: AuthDeps, req: Request): Promise<Principal> {
  const header = req.get('authorization');
  if (header !== undefined) return verifyUser(auth, bearer(header));
  const ctx = req.query.ctx;
  if (ctx !== undefined) {
    if (typeof ctx !== 'string') throw new AuthError();
    return (await verifyContext(auth, ctx)).principal;
  }
  return verifyUser(auth, typeof req.query.jwt === 'string' ? req.query.jwt : null);
}

function periodOf(req: Request): Period {
  return parsePeriod(String(req.params.period)); // a ValidationError naming `period` (400)
}

/** A query parameter given zero or more times, each a non-empty id. */
function ids(v: unknown, name: string, max: number): string[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (list.length > max) throw new ValidationError(`${name}: tối đa ${max} giá trị (at most ${max} values)`, name);
  for (const x of list) {
    if (typeof x !== 'string' || x.trim() === '' || x.length > 200) throw new ValidationError(`${name}: phải là mã không rỗng, tối đa 200 ký tự (must be a non-empty id)`, name);
  }
  return [...new Set(list as string[])];
}

function one(v: unknown, name: string): string | undefined {
  const list = ids(v, name, 1);
  return list[0];
}

function flag(v: unknown, name: string): boolean {
  if (v === undefined) return false;
  if (v === '1' || v === 'true' || v === '') return true;
  if (v === '0' || v === 'false') return false;
  throw new ValidationError(`${name}: 1 | 0`, name);
}

const unitNotFound = (u: string): NotFoundError => new NotFoundError(`Không có phòng, ban "${u}" trong cơ quan (no such unit)`, 'unit_not_found');
const userNotFound = (u: string): NotFoundError => new NotFoundError(`Không có cán bộ "${u}" trong danh bạ của cơ quan (no such official)`, 'user_not_found');

/**
 * Sends what `write` writes as an attachment: the headers go with the first bytes, so that a
 * refusal before them is still a JSON error; a failure after them destroys the response.
 * A client that goes away makes the rest of the workbook go nowhere (the writer finishes and
 * frees its memory rather than waiting on a socket that is closed).
 */
async function streamWorkbook(res: Response, names: { file: string; ascii: string }, write: (out: Writable) => Promise<unknown>, log?: ReportsDeps['log']): Promise<void> {
  let started = false;
  let gone = false;
  res.once('close', () => { if (!res.writableFinished) gone = true; });
  const start = (): void => {
    if (started) return;
    started = true;
    res.status(200);
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', contentDisposition(names.file, names.ascii));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      start();
      if (gone || res.destroyed) return cb();
      if (res.write(chunk)) return cb();
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        cb();
      };
      res.on('drain', done);
      res.on('close', done);
    },
    final(cb) {
      start();
      if (gone || res.destroyed) return cb();
      res.end(() => cb());
    },
  });
  try {
    await write(out);
    if (!out.writableEnded) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    if (!started) throw e;
    log?.error({ err: e instanceof Error ? e.message : String(e) }, 'report: failed after the workbook started streaming; response aborted');
    res.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

/** The router of the report routes; mount it at `/reports` (createRouter does, through AppDeps.reports). */
export function createReportsRouter(deps: ReportsDeps): Router {
  const router = express.Router();
  const { directory } = deps;

  router.get('/:period.xlsx', h(async (req, res) => {
    const p = await principalOf(deps.auth, req);
    if (!hasRole(p, 'leader', 'hr', 'admin')) throw new ForbiddenError();
    const period = periodOf(req);
    const asked = ids(req.query.unit, 'unit', MAX_REPORT_UNITS);
    const withJournal = flag(req.query.journal, 'journal');
    let unitIds = asked;
    if (!hasRole(p, 'hr', 'admin')) {
      // A leader: their own unit, asked for or implied, and nothing else.
      const mine = await directory.unitOf(p);
      if (mine === null || asked.some((u) => u !== mine)) throw new ForbiddenError();
      unitIds = [mine];
    }
    const units = await directory.unitNames(p.agency);
    for (const u of unitIds) if (!units.has(u)) throw unitNotFound(u);
    const scope = unitIds.length === 0
      ? (await deps.agencyName(p.agency)) ?? p.agency
      : unitIds.length === 1 ? units.get(unitIds[0]!)! : t(VI, 'reports.fileUnits', { n: unitIds.length });
    const names = { file: evaluationFileName(period.key, scope), ascii: evaluationAsciiName(p.agency, period.key, unitIds) };
    await streamWorkbook(res, names, (out) => deps.reports.evaluation(p.agency, period.key, { ...(unitIds.length > 0 ? { unitIds } : {}), withJournal }, out), deps.log);
  }));

  router.get('/:period/form01.xlsx', h(async (req, res) => {
    const p = await principalOf(deps.auth, req);
    const period = periodOf(req);
    const user = one(req.query.user, 'user');
    const unit = one(req.query.unit, 'unit');
    if (user !== undefined && unit !== undefined) {
      throw new ValidationError('user, unit: chỉ dùng một trong hai — phiếu của một cán bộ hoặc của cả phòng (give user or unit, not both)', 'unit', 'conflicting_params');
    }
    let who: { userId: string } | { unitId: string };
    let label: string;
    if (unit !== undefined) {
      if (!hasRole(p, 'hr', 'admin')) {
        const mine = hasRole(p, 'leader') ? await directory.unitOf(p) : null;
        if (mine === null || mine !== unit) throw new ForbiddenError();
      }
      const units = await directory.unitNames(p.agency);
      if (!units.has(unit)) throw unitNotFound(unit);
      who = { unitId: unit };
      label = units.get(unit)!;
    } else {
      // No one named: the asker's own form.
      const userId = user ?? p.userId;
      // Oneself; HR and admin anyone; a leader the members of their unit.
      if (!(await directory.canSee(p, userId))) throw new ForbiddenError();
      const person = (await directory.people(p.agency, [userId])).get(userId);
      if (!person) throw userNotFound(userId);
      who = { userId };
      label = person.name;
    }
    const names = { file: form01FileName(period.key, label), ascii: form01AsciiName(p.agency, period.key, who) };
    await streamWorkbook(res, names, (out) => deps.reports.form01(p.agency, period.key, who, out), deps.log);
  }));

  return router;
}
