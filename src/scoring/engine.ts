/**
 * The engine's former single module, split by what it computes (types, day-totals, official, unit,
 * quota, year, ranking). Kept only as a re-export while src/panels still imports this path;
 * import from `../scoring` (index) or the specific module instead.
 */
export * from './index';
