/**
 * The factories shared by the scoring tests: March 2026 (22 weekdays), the nd335 parameters,
 * entries, officials, and the worked example of docs/hr.md.
 */
import { expect } from 'chai';
import { workingDays } from '../../../src/domain/calendar';
import { daysOf, parsePeriod } from '../../../src/domain/period';
import { explanationLines } from '../../../src/i18n/explanation-text';
import { dayTotalsFromEntries } from '../../../src/scoring/day-totals';
import { KH1636, ND335, type ScoringProfile, validateProfile } from '../../../src/scoring/profiles';
import type { EntryInput, OfficialInput, Score, ScoringParams } from '../../../src/scoring/types';

export const MARCH = '2026-03';
export const MARCH_WD = workingDays('2026-03-01', '2026-03-31', { holidays: [], makeUpDays: [] });
export const ALL_MARCH = daysOf(parsePeriod(MARCH));

/** The profiles the seeded random properties draw from: both built-ins, the max basis, unequal weights. */
export const RANDOM_PROFILES: readonly ScoringProfile[] = [
  ND335,
  KH1636,
  validateProfile({ ...ND335, id: 'by-max', assignedBasis: 'max', normRatios: { 'pho-phong': 0.8 } }),
  validateProfile({ ...ND335, id: 'weighted', assignedBasis: 'assignments', weights: { quantity: 0.5, quality: 0.25, progress: 0.25 } }),
];

export function params(overrides: Partial<ScoringParams> = {}): ScoringParams {
  return { profile: ND335, dailyMinutes: 480, capMinutes: 480, capPolicy: 'clip', ...overrides };
}

let nextId = 1;
export function buildEntry(overrides: Partial<EntryInput> = {}): EntryInput {
  return { id: nextId++, day: '2026-03-02', minutes: 60, fails: 0, delays: 0, ...overrides };
}

/** `n` full days of `minutes` on the first weekdays of March 2026, each entry with `extra`. */
export function fullDays(n: number, minutes = 480, extra: Partial<EntryInput> = {}): EntryInput[] {
  return MARCH_WD.slice(0, n).map((day) => buildEntry({ day, minutes, ...extra }));
}

/** An official with the entries behind its day totals ([] when none are given). */
export type Official = OfficialInput & { entries: EntryInput[] };

export function buildOfficial(overrides: Partial<OfficialInput> = {}, prm: ScoringParams = params()): Official {
  const entries = (overrides.entries ?? []) as EntryInput[];
  return {
    userId: 'u-1',
    unitId: 'unit-a',
    isLeader: false,
    position: null,
    workingDays: 22,
    days: dayTotalsFromEntries(entries, prm),
    assignmentMinutes: 0,
    general: null,
    disqualified: false,
    provisional: false,
    ...overrides,
    entries,
  };
}

/** The same official with other entries (and the day totals they make). */
export function withEntries(o: Official, entries: EntryInput[], prm: ScoringParams): Official {
  return { ...o, entries, days: dayTotalsFromEntries(entries, prm) };
}

/** The worked example of docs/hr.md: 9 600 minutes in March 2026, a 90-minute draft returned once, a 240-minute task late. */
export function workedExampleEntries(): EntryInput[] {
  const entries = fullDays(20);
  (entries[0] as EntryInput).minutes = 390;
  (entries[1] as EntryInput).minutes = 240;
  entries.push(buildEntry({ id: 'draft-1', day: MARCH_WD[0], minutes: 90, fails: 1, workItemCode: 'VB-DT' }));
  entries.push(buildEntry({ id: 'task-7', day: MARCH_WD[1], minutes: 240, delays: 1, late: true, workItemCode: 'NV-HT' }));
  return entries;
}

/** The worked example's official, with G = 27 (S = 90.45, HTXSNV). */
export function workedExample(): Official {
  return buildOfficial({ general: 27, entries: workedExampleEntries() });
}

export function only(scores: Score[], userId: string): Score {
  const s = scores.find((x) => x.userId === userId);
  if (!s) throw new Error(`no score for ${userId}`);
  return s;
}

export function allNumbersFinite(x: unknown): void {
  const bad: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad.push(`${path} = ${v}`);
    } else if (Array.isArray(v)) {
      v.forEach((w, i) => walk(w, `${path}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, w] of Object.entries(v)) walk(w, `${path}.${k}`);
    }
  };
  walk(x, '$');
  expect(bad).to.deep.equal([]);
}

/** The Vietnamese lines of a score's explanation as the score JSON has them (entries included). */
export function vi(s: Score): string[] {
  return explanationLines(s.explanation, 'vi', { entries: true });
}

/** The same in English. */
export function en(s: Score): string[] {
  return explanationLines(s.explanation, 'en', { entries: true });
}
