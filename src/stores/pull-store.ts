/** The pull connector's watermarks and the leases of periodic jobs (kpi_pull_watermarks, kpi_leases). */

/** How far a pull has taken a host view: the last row's `(updated_at, event_id)` in keyset order. */
export interface Watermark {
  updatedAt: Date;
  eventId: string;
  /** Rows taken from this source so far. */
  rows: number;
}

export interface PullStore {
  /** The watermark of an agency's source (`source` is a key of the source and view, never a password), or null before the first row. */
  watermark(agency: string, source: string): Promise<Watermark | null>;
  /**
   * Moves the watermark forward, in the caller's transaction: write it in the same transaction as
   * the events it covers. A watermark that would move backwards (another puller got further) is left.
   */
  advance(agency: string, source: string, mark: Watermark, now: Date): Promise<void>;
  /** The stored events of an agency that occurred in `[from, to)`: id and type (reconciliation, one day at a time). */
  eventsBetween(agency: string, from: Date, to: Date): Promise<Array<{ eventId: string; type: string }>>;
  /** Which of these ids the agency has stored, whatever their day (any number of ids). */
  storedIds(agency: string, ids: readonly string[]): Promise<Set<string>>;
}

export interface Lease { name: string; holder: string; expiresAt: Date }

export interface LeaseStore {
  /**
   * Takes or renews a lease: true when `holder` now holds `name` until `now + ttlMs` (it was free,
   * expired, or already its own), false when another holder's lease has not expired.
   */
  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only when `holder` holds it), so another instance may take it at once. */
  release(name: string, holder: string): Promise<void>;
  /** The lease as stored, or null. */
  get(name: string): Promise<Lease | null>;
}
