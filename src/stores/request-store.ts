/**
 * Corrections and appeals (docs/hr.md): what an official asks, and what the leader (a
 * correction) or HR (an appeal) decided.
 */
export type RequestKind = 'correction' | 'appeal';
/** A correction: the entry names the wrong person, the wrong work item, or the work made no entry; an appeal: the score. */
export type RequestType = 'wrong-person' | 'wrong-item' | 'missing' | 'score';
export type RequestStatus = 'pending' | 'accepted' | 'refused';

export const CORRECTION_TYPES = ['wrong-person', 'wrong-item', 'missing'] as const satisfies readonly RequestType[];

export interface KpiRequest {
  id: string;
  agency: string;
  kind: RequestKind;
  type: RequestType;
  userId: string;
  unitId: string | null;
  entryId: string | null;
  subjectKind: string | null;
  subjectId: string | null;
  period: string | null;
  day: string | null;
  proposedUserId: string | null;
  proposedItemCode: string | null;
  proposedQuantity: number | null;
  reason: string;
  status: RequestStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  /** What the decision changed (entry ids, the score before and after), as stored. */
  outcome: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export type NewRequest = Omit<KpiRequest, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionNote' | 'outcome' | 'updatedAt'>;

export interface RequestDecision {
  status: 'accepted' | 'refused';
  decidedBy: string;
  decidedAt: Date;
  decisionNote: string | null;
  outcome: unknown;
}

export interface RequestQuery {
  kind: RequestKind;
  unitId?: string;
  userId?: string;
  status?: RequestStatus;
  period?: string;
  limit: number;
}

export interface RequestStore {
  insert(r: NewRequest): Promise<string>;
  get(agency: string, id: string): Promise<KpiRequest | null>;
  /** Newest first. */
  list(agency: string, q: RequestQuery): Promise<KpiRequest[]>;
  /** Records the decision while the request is still pending; false when it no longer was. */
  decide(agency: string, id: string, d: RequestDecision): Promise<boolean>;
}
