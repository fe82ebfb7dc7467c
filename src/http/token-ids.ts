import { GroupCommit } from '../intake/group-commit';

export interface TokenUse { jti: string; expiresAt: Date }

/**
 * Webhook token ids (replay protection) written together: the ids of the calls of one agency
 * that arrive together are recorded by one statement (AgencyStore.useTokenIds), not by one
 * autocommit INSERT each — one commit per group instead of one per call (on SQLite one WAL
 * write; on PostgreSQL one WAL flush and one round trip). The grouping is the intake's
 * (GroupCommit): a call alone waits one turn of the event loop, not a timer. Each caller hears
 * whether its own id was new, and only once the statement recording it has committed; a
 * database failure reaches every caller of that statement (the webhook answers 503). The
 * database stays the only judge of "used before", so a replay is refused across processes too.
 */
export class TokenIdBatch {
  private readonly groups: GroupCommit<TokenUse, null>;

  /** @param record records one agency's ids (one statement where it can) and answers, in order, whether each was new */
  constructor(record: (agency: string, ids: TokenUse[]) => Promise<boolean[]>, perGroup = 500) {
    this.groups = new GroupCommit<TokenUse, null>(perGroup, async (agency, group) => {
      const fresh = await record(agency, group.map((s) => s.items[0]!));
      return fresh.map((f) => (f ? { accepted: 1, duplicates: 0 } : { accepted: 0, duplicates: 1 }));
    });
  }

  /** Records one call's token id; false when it was already used within its lifetime. */
  async use(agency: string, jti: string, expiresAt: Date): Promise<boolean> {
    const counts = await this.groups.submit(agency, [{ jti, expiresAt }], null, () => undefined);
    return counts.accepted === 1;
  }
}
