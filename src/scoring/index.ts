/** The pure scoring core: profiles, rounding, the engine and its explanations (SCORING.md). */
export * from './profiles';
export * from './rounding';
export * from './engine';
export * from './explain';
