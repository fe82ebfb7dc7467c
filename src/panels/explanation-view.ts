/**
 * The formula of a score as My KPI shows it, in the viewer's language from the one source of
 * explanation sentences (i18n/explanation-text.ts). The per-entry lines behind C, CL and CT
 * are listed apart, folded, so that a month of entries does not bury the formula.
 */
import type { Locale } from '../domain/principal';
import { explanationEntryLines, explanationLines } from '../i18n/explanation-text';
import type { PeriodExplanation } from '../scoring/explain';

export interface ExplanationModel {
  lines: string[];
  entries: string[];
}

export function explanationModel(l: Locale, ex: PeriodExplanation): ExplanationModel {
  return { lines: explanationLines(ex, l), entries: explanationEntryLines(ex, l) };
}
