/**
 * The pure scoring core (docs/hr.md): profiles, rounding, the engine and its explanations.
 * Numbers and codes only; the explanation's sentences are written at the edge
 * (src/i18n/explanation-text.ts).
 */
export * from './profiles';
export * from './rounding';
export * from './types';
export { penaltyFactor, dayTotalsFromEntries, applyDailyCap } from './day-totals';
export { checkParams, percentOf, ownTaskScoreOf, classify, scoreOwn } from './official';
export { scoreUnitDetailed, scoreUnit, scoreUnitNumbers } from './unit';
export { quotaLimit, applyQuota, quotaPools, type PoolSummary } from './quota';
export { scoreYear } from './year';
export { rankUnits } from './ranking';
export { explain } from './explain';
