/**
 * The formula of a score as My KPI shows it, in the viewer's language from the one source of
 * explanation sentences (i18n/explanation-text.ts). The entries behind C, CL and CT are listed
 * apart, folded, as a table of minutes before and after the daily cap whose last row adds
 * them up to C, CL and CT.
 */
import type { Locale } from '../domain/principal';
import { explanationEntryLines, explanationEntryTable, explanationLines } from '../i18n/explanation-text';
import type { PeriodExplanation } from '../scoring/explain';

export interface ExplanationModel {
  lines: string[];
  entries: string[];
  table: ReturnType<typeof explanationEntryTable>;
}

export function explanationModel(l: Locale, ex: PeriodExplanation): ExplanationModel {
  return { lines: explanationLines(ex, l), entries: explanationEntryLines(ex, l), table: explanationEntryTable(ex, l) };
}
