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

/**
 * Made once per explanation and language: a kept score (services/read-cache.ts) hands out the same
 * explanation object until a change moves it, and its hundreds of formatted numbers cost more
 * than the rest of My KPI's model. The model holds only text derived from the explanation (no
 * token, no link), and nothing downstream changes it.
 */
const made = new WeakMap<PeriodExplanation, Partial<Record<Locale, ExplanationModel>>>();

export function explanationModel(l: Locale, ex: PeriodExplanation): ExplanationModel {
  let byLocale = made.get(ex);
  if (!byLocale) {
    byLocale = {};
    made.set(ex, byLocale);
  }
  return byLocale[l] ??= { lines: explanationLines(ex, l), entries: explanationEntryLines(ex, l), table: explanationEntryTable(ex, l) };
}
