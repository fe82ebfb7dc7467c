/** The general criteria (G) and the disqualified mark of an official for a period. */

export interface Assessment { general: number | null; disqualified: boolean; assessedBy: string | null; updatedAt: Date | null }

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
  /** Every assessment of a period, per official. */
  ofPeriod(agency: string, period: string): Promise<Map<string, { general: number | null; disqualified: boolean }>>;
  /** The officials active in [from, to] (or assessed for the period), of one unit or all, with their assessment. */
  withUsers(agency: string, q: { period: string; from: string; to: string; unitId: string | null; limit: number }): Promise<AssessedUser[]>;
}
