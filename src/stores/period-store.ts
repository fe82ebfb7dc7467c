/** Periods (month, quarter, year) and their state, and the frozen scores of closed ones. */

export interface PeriodState { status: 'open' | 'closed'; applyQuota: boolean }

export interface SnapshotScore { userId: string; unitId: string | null; total: number; classification: string | null; profile: { id: string; version: number } }

export interface PeriodStore {
  state(agency: string, period: string): Promise<PeriodState>;
  /** When the period was last closed (null when it never was): the start of its appeal window. */
  closedAt(agency: string, period: string): Promise<Date | null>;
  /** Which of these period keys are closed. */
  closedAmong(agency: string, periods: readonly string[]): Promise<string[]>;
  close(agency: string, period: string, opts: { applyQuota: boolean; actor: string; now: Date }): Promise<void>;
  reopen(agency: string, period: string, reason: string, now: Date): Promise<void>;
  snapshots<T>(agency: string, period: string): Promise<T[]>;
  /**
   * The frozen scores without their explanations (`explanation` left out), read page by page in
   * official order: a province's 50,000 explanations never sit in memory at once (HR's workbook
   * of a closed period).
   */
  snapshotNumbers<T>(agency: string, period: string): Promise<T[]>;
  /** Replaces one official's score in a closed period's snapshot (an accepted appeal), leaving the others as they are. */
  replaceSnapshot(agency: string, period: string, score: SnapshotScore, now: Date): Promise<void>;
  /** Replaces a period's snapshot with these scores. */
  writeSnapshots(agency: string, period: string, scores: readonly SnapshotScore[], now: Date): Promise<void>;
}
