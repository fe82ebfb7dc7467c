/**
 * The catalogue's files, the same for the API, the admin panel and the command line
 * (docs/catalogue.md): the Excel file of the catalogue out and back in, and the KPI handbook.
 * Their words are Vietnamese whatever the asker's language (the import reads the headers back).
 */
import type { Locale } from '../domain/principal';
import { t } from '../i18n/i18n';
import type { AgencyService } from '../services/agency-service';
import { catalogueInputError, type CatalogueChange, type CatalogueService } from '../services/catalogue-service';
import { readCatalogueWorkbook, writeCatalogueWorkbook } from './catalogue-workbook';
import { writeHandbookWorkbook } from './handbook-workbook';

export interface CatalogueFileServices {
  catalogue: CatalogueService;
  agencies: AgencyService;
}

const VI: Locale = 'vi';
/** The Vietnamese words of the files. */
export const vi = (key: string, vars?: Readonly<Record<string, string | number | null | undefined>>): string => t(VI, key, vars);

/** Reads a catalogue file and replaces the catalogue by it (in a dry run, says what would change); a bad cell refuses the whole file. */
export async function importCatalogueFile(services: CatalogueFileServices, agency: string, actor: string, data: Buffer, opts: { validFrom?: unknown; dryRun?: boolean }): Promise<CatalogueChange> {
  const read = await readCatalogueWorkbook(data, vi);
  if (read.problems.length > 0) throw catalogueInputError(read.problems);
  return services.catalogue.replaceAll(agency, actor, read.items, opts);
}

/** The catalogue workbook of an agency (its current items), Vietnamese. */
export async function catalogueFile(services: CatalogueFileServices, agency: string, created: Date): Promise<Buffer> {
  const name = (await services.agencies.getAgency(agency))?.name ?? agency;
  return writeCatalogueWorkbook(await services.catalogue.current(agency), vi, { agencyName: name, created });
}

/** The KPI handbook workbook of an agency, Vietnamese. */
export async function handbookFile(services: CatalogueFileServices, agency: string, created: Date): Promise<Buffer> {
  const [a, settings, items, rules] = await Promise.all([
    services.agencies.requireAgency(agency), services.agencies.getSettings(agency), services.catalogue.current(agency), services.agencies.rules(agency),
  ]);
  return writeHandbookWorkbook({ agencyName: a.name, settings, items, rules, templates: services.catalogue.templates(), created }, vi);
}

