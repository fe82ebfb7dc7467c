/**
 * The catalogue as the integrator and HR edit it (docs/catalogue.md): one work item added or
 * changed, the whole catalogue replaced from an Excel file, a sector template adopted. Every
 * change makes a new version of the item that applies to new entries from a local day; entries
 * already made keep the version they were made with, and a day in a closed period never starts
 * a version (the closed period's scores are frozen and stay so).
 */
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { hasRole, type Principal } from '../domain/principal';
import { today } from '../domain/time';
import { validateCatalogue, type CatalogueProblemCode, type WorkItem } from '../rules/catalogue';
import { findTemplate, SECTOR_TEMPLATES, templateItems, type SectorTemplate } from '../rules/sector-templates';
import { checkValidFrom, parseWorkItem, sameWorkItem, type WorkItemProblem, type WorkItemProblemCode } from '../rules/work-item-input';
import { isPlainObject } from '../domain/objects';
import type { StoredWorkItem, UnitOfWork } from '../stores';
import type { AgencyService } from './agency-service';
import { assertDayOpen } from './period-service';

export interface CatalogueServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  clock?: () => Date;
}

/** What a save does (or, in a dry run, would do): codes added, changed and deactivated, from which day. */
export interface CatalogueChange {
  validFrom: string;
  added: string[];
  changed: string[];
  deactivated: string[];
  unchanged: number;
  /** False in a dry run: nothing was written. */
  applied: boolean;
}

export interface SaveOptions {
  /** The first local day of the new versions (default: today in the agency's time zone). */
  validFrom?: unknown;
  dryRun?: boolean;
}

/** The code every refused catalogue input carries; `details.problems` lists each field and limit. */
export const INVALID_WORK_ITEM = 'invalid_work_item_input';

function summary(problems: readonly WorkItemProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problem}${p.limit === undefined ? '' : ` (${p.limit})`}`).join('; ');
}

/** A refusal that names every field and limit (the edges word each problem in the reader's language). */
export function catalogueInputError(problems: WorkItemProblem[], extra: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(`Dữ liệu danh mục không hợp lệ (invalid catalogue input): ${summary(problems)}`, problems[0]?.field, INVALID_WORK_ITEM, { problems, ...extra });
}

export class CatalogueService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;

  constructor(deps: CatalogueServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The admin may write the catalogue; HR when the agency's `hrEditsCatalogue` allows; anyone else is refused. */
  async assertMayEdit(p: Principal): Promise<void> {
    if (hasRole(p, 'admin')) return;
    if (hasRole(p, 'hr') && (await this.agencies.getSettings(p.agency)).hrEditsCatalogue) return;
    throw new ForbiddenError('Chỉ quản trị viên (hoặc tổ chức cán bộ khi cơ quan cho phép) được sửa danh mục (catalogue editing not allowed)', 'catalogue_edit_forbidden');
  }

  /** Whether the principal may write the catalogue (for showing the forms). */
  async mayEdit(p: Principal): Promise<boolean> {
    return this.assertMayEdit(p).then(() => true, () => false);
  }

  current(agency: string): Promise<StoredWorkItem[]> {
    return this.agencies.catalogue(agency);
  }

  /** Every version of one item, oldest first; 404 for a code the agency does not have. */
  async versions(agency: string, code: string): Promise<StoredWorkItem[]> {
    const all = (await this.uow.read.catalogue.history(agency)).filter((v) => v.code === code);
    if (all.length === 0) throw new NotFoundError(`Không có đầu công việc "${code}" (no such work item)`, 'work_item_not_found');
    return all;
  }

  templates(): readonly SectorTemplate[] {
    return SECTOR_TEMPLATES;
  }

  /** Adds one new work item (`POST /catalogue`). */
  async create(agency: string, actor: string, raw: unknown, opts: SaveOptions = {}): Promise<CatalogueChange> {
    const body = asObject(raw);
    const validFrom = body.validFrom ?? opts.validFrom;
    delete body.validFrom;
    const { fields, problems } = parseWorkItem(body, { partial: false });
    const current = await this.current(agency);
    if (fields.code !== undefined && current.some((i) => i.code === fields.code)) problems.push({ field: 'code', problem: 'code_exists' });
    if (problems.length > 0) throw catalogueInputError(problems);
    return this.apply(agency, actor, current, [fields as WorkItem], { ...opts, validFrom }, 'catalogue.create');
  }

  /** Changes some fields of one item (`PATCH /catalogue/:code`): a new version from `validFrom`. */
  async update(agency: string, actor: string, code: string, raw: unknown, opts: SaveOptions = {}): Promise<CatalogueChange> {
    const body = asObject(raw);
    const validFrom = body.validFrom ?? opts.validFrom;
    delete body.validFrom;
    const current = await this.current(agency);
    const before = current.find((i) => i.code === code);
    if (!before) throw new NotFoundError(`Không có đầu công việc "${code}" (no such work item)`, 'work_item_not_found');
    const { fields, problems } = parseWorkItem(body, { partial: true });
    if (body.code !== undefined && fields.code !== code) problems.push({ field: 'code', problem: 'code_fixed', limit: code });
    if (Object.keys(body).length === 0) problems.push({ field: 'name', problem: 'required' });
    if (problems.length > 0) throw catalogueInputError(problems);
    const { version: _v, validFrom: _f, ...kept } = before;
    return this.apply(agency, actor, current, [{ ...kept, ...fields, code }], { ...opts, validFrom }, 'catalogue.update');
  }

  /**
   * Replaces the whole catalogue by `items` (an Excel import): new codes are added, changed ones
   * get a new version, and active items the file leaves out are deactivated (never deleted:
   * entries name them). With `dryRun` nothing is written.
   */
  async replaceAll(agency: string, actor: string, items: WorkItem[], opts: SaveOptions = {}): Promise<CatalogueChange> {
    const problems = validateCatalogue(items);
    if (problems.length > 0) throw catalogueInputError(problems.map((p) => ({ field: p.field, problem: FROM_CATALOGUE_CHECK[p.problem] })));
    const current = await this.current(agency);
    const listed = new Set(items.map((i) => i.code));
    const dropped = current.filter((i) => i.active && !listed.has(i.code)).map(({ version: _v, validFrom: _f, ...rest }) => ({ ...rest, active: false }));
    return this.apply(agency, actor, current, [...items, ...dropped], opts, 'catalogue.import');
  }

  /** Adopts a sector template: its items join the agency's catalogue as the agency's own copy (other items stay). */
  async adopt(agency: string, actor: string, templateId: unknown, opts: SaveOptions = {}): Promise<CatalogueChange & { template: string }> {
    const template = typeof templateId === 'string' ? findTemplate(templateId) : undefined;
    if (!template) throw catalogueInputError([{ field: 'template', problem: 'unknown_code', limit: SECTOR_TEMPLATES.map((t) => t.id).join('|') }]);
    const current = await this.current(agency);
    const out = await this.apply(agency, actor, current, templateItems(template), opts, 'catalogue.adopt', { template: template.id });
    return { ...out, template: template.id };
  }

  /** Plans the change against the current catalogue, checks the day, and writes it unless a dry run. */
  private async apply(agency: string, actor: string, current: readonly StoredWorkItem[], items: WorkItem[], opts: SaveOptions, action: string, extra: Record<string, unknown> = {}): Promise<CatalogueChange> {
    const settings = await this.agencies.getSettings(agency);
    const explicit = !(opts.validFrom === undefined || opts.validFrom === '');
    const validFrom = explicit ? opts.validFrom : today(settings.timeZone, this.clock());
    const byCode = new Map(current.map((i) => [i.code, i]));
    const change: CatalogueChange = { validFrom: String(validFrom), added: [], changed: [], deactivated: [], unchanged: 0, applied: false };
    const dayProblems: WorkItemProblem[] = [];
    for (const item of items) {
      const prev = byCode.get(item.code);
      if (!prev) {
        change.added.push(item.code);
        continue;
      }
      if (sameWorkItem(prev, { ...item, name: item.name.normalize('NFC'), unit: item.unit.normalize('NFC') })) {
        change.unchanged++;
        continue;
      }
      if (prev.active && !item.active) change.deactivated.push(item.code);
      else change.changed.push(item.code);
      const p = checkValidFrom(validFrom, prev.validFrom);
      if (p && !dayProblems.some((x) => x.limit === p.limit)) dayProblems.push(p);
    }
    const own = checkValidFrom(validFrom, null);
    if (own) throw catalogueInputError([own]);
    if (dayProblems.length > 0) throw catalogueInputError(dayProblems.slice(0, 1));
    const day = validFrom as string;
    await assertDayOpen(this.uow.read.periods, agency, day);
    if (opts.dryRun) return change;
    if (change.added.length + change.changed.length + change.deactivated.length === 0) return { ...change, applied: true };
    const now = this.clock();
    await this.uow.write(async (tx) => {
      await assertDayOpen(tx.periods, agency, day);
      // Left to its default, the day applies to changes; a new code is there from the beginning (a late or back-dated entry may name it).
      const added = new Set(change.added);
      if (explicit) await tx.catalogue.save(agency, items, now, day);
      else {
        await tx.catalogue.save(agency, items.filter((i) => added.has(i.code)), now, null);
        await tx.catalogue.save(agency, items.filter((i) => !added.has(i.code)), now, day);
      }
      await tx.audit.record({ agency, actor, action, target: agency, details: { ...extra, validFrom: day, added: change.added, changed: change.changed, deactivated: change.deactivated }, at: now });
    });
    this.agencies.invalidate(agency);
    return { ...change, applied: true };
  }
}

/** The problems of the catalogue's own check, in the words of the editing checks. */
const FROM_CATALOGUE_CHECK: Record<CatalogueProblemCode, WorkItemProblemCode> = {
  bad_code: 'bad_code', duplicate_code: 'duplicate_code', bad_name: 'required', bad_unit: 'required', bad_standard_minutes: 'out_of_range',
  bad_kind: 'bad_kind', bad_group: 'bad_group', bad_active: 'bad_active', bad_max_quantity: 'out_of_range',
};

function asObject(raw: unknown): Record<string, unknown> {
  if (!isPlainObject(raw)) throw catalogueInputError([{ field: 'code', problem: 'required' }]);
  return { ...raw };
}
