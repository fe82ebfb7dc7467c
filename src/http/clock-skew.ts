/**
 * The clock skew seen in the host's webhook tokens, per agency, kept in memory by each
 * process (cheap: a few numbers per agency, no write per call): `iat` minus the plugin's
 * clock when the token's signature held. Positive = the host's clock is ahead. The admin
 * page's integration check shows it; a skew near CLOCK_TOLERANCE_S makes tokens fail.
 */
export interface SkewSeen {
  /** The newest skew, in seconds. */
  last: number;
  min: number;
  max: number;
  count: number;
  at: Date;
}

export class ClockSkewLog {
  private readonly byAgency = new Map<string, SkewSeen>();

  record(agency: string, seconds: number, at: Date): void {
    const s = Math.round(seconds);
    const prev = this.byAgency.get(agency);
    this.byAgency.set(agency, prev
      ? { last: s, min: Math.min(prev.min, s), max: Math.max(prev.max, s), count: prev.count + 1, at }
      : { last: s, min: s, max: s, count: 1, at });
  }

  of(agency: string): SkewSeen | null {
    return this.byAgency.get(agency) ?? null;
  }
}
