/** The general criteria (G) and the disqualified mark of an official for a period. */

/**
 * The general criteria's three groups as Decree 335's form no. 01 has them (I: 5 + 5, II: 4 × 2.5,
 * III: innovation and creativity; 10 points each); null = that group not scored.
 */
export interface GroupScores { I: number | null; II: number | null; III: number | null }

/**
 * Why an official is disqualified (Decree 335's list): a conclusion of political or ethical
 * degradation; a disciplinary measure of reprimand or heavier in the year; for a leader,
 * corruption or waste in the unit they manage.
 */
export type DisqualifiedGround = 'degradation' | 'discipline' | 'leader-corruption';

/**
 * One official's assessment for a period. `general` is the 30-point total: the sum of the
 * leader's `groups` when they are given, else the single number recorded. The detail is read
 * back whole by the stores (null when not recorded); a writer may leave it out (= null).
 */
export interface Assessment {
  general: number | null;
  disqualified: boolean;
  assessedBy: string | null;
  updatedAt: Date | null;
  /** The leader's (or, for a leader, HR's) scores of the three groups. */
  groups?: GroupScores | null;
  /** The official's self score of the three groups. */
  selfGroups?: GroupScores | null;
  disqualifiedGround?: DisqualifiedGround | null;
}

export interface AssessedUser {
  id: string;
  name: string;
  unitId: string | null;
  isLeader: boolean;
  /** null when none is recorded for the period. */
  assessment: Assessment | null;
}

export interface AssessmentStore {
  get(agency: string, userId: string, period: string): Promise<Assessment | null>;
  /** Inserts, or updates when `exists`; a concurrent insert of the same key is a unique violation the caller turns into a conflict. */
  put(agency: string, userId: string, period: string, a: Assessment & { assessedBy: string; updatedAt: Date }, exists: boolean): Promise<void>;
  /** Every assessment of a period, per official (of `userIds` only, when given: a unit's scores need not read the agency's). */
  ofPeriod(agency: string, period: string, userIds?: readonly string[]): Promise<Map<string, { general: number | null; disqualified: boolean; disqualifiedGround?: DisqualifiedGround | null }>>;
  /** The officials active in [from, to] (or assessed for the period), of one unit or all, with their assessment. */
  withUsers(agency: string, q: { period: string; from: string; to: string; unitId: string | null; limit: number }): Promise<AssessedUser[]>;
}
