import type { Knex } from 'knex';
import { toNfc } from '../domain/text';
import type { AgencyPatch, AgencyRecord, AgencyStore, SecretRecord } from '../stores';
import { isUniqueViolation } from './sql-dialects';
import { parseJson, toDate, toNum } from './rows';

/** Token ids per multi-row INSERT: 3 parameters each, well under SQL Server's 2,100 (and its 1,000 rows per VALUES). */
export const TOKEN_IDS_PER_INSERT = 500;

/** Agencies, their secrets, settings, custom profiles and used token ids (kpi_agencies, kpi_agency_secrets, kpi_settings, kpi_profiles, kpi_token_uses). */
export class KnexAgencyStore implements AgencyStore {
  /** When expired token ids were last swept (shared by the stores of one unit of work). */
  constructor(private readonly db: Knex | Knex.Transaction, private readonly sweep: { last: number } = { last: 0 }) {}

  async get(code: string): Promise<AgencyRecord | null> {
    const r = await this.db('kpi_agencies').where({ code }).first();
    return r ? mapAgency(r) : null;
  }

  async list(): Promise<AgencyRecord[]> {
    return (await this.db('kpi_agencies').orderBy('code')).map(mapAgency);
  }

  async insert(a: Omit<AgencyRecord, 'createdAt'>, now: Date): Promise<void> {
    await this.db('kpi_agencies').insert({
      code: a.code, name: a.name, time_zone: a.timeZone, issuer: a.issuer, host_origins: JSON.stringify(a.hostOrigins),
      rs256_public_key: a.rs256PublicKey, created_at: now, updated_at: now,
    });
    // The lock row of its journal's daily roll-ups (journal-days.ts), not built until the first score.
    await this.db('kpi_journal_days_state').insert({ agency_code: a.code, fail_penalty: null, delay_penalty: null, built_at: null });
  }

  async update(code: string, patch: AgencyPatch, now: Date): Promise<void> {
    const row: Record<string, unknown> = { updated_at: now };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.timeZone !== undefined) row.time_zone = patch.timeZone;
    if (patch.issuer !== undefined) row.issuer = patch.issuer;
    if (patch.hostOrigins !== undefined) row.host_origins = JSON.stringify(patch.hostOrigins);
    if (patch.rs256PublicKey !== undefined) row.rs256_public_key = patch.rs256PublicKey;
    await this.db('kpi_agencies').where({ code }).update(row);
  }

  async insertSecret(code: string, secret: string, now: Date): Promise<void> {
    await this.db('kpi_agency_secrets').insert({ agency_code: code, secret, created_at: now, expires_at: null });
  }

  /**
   * Ends the life of every secret still valid after `expiresAt`: the current one, and any
   * earlier one still inside its own window, so that a rotation with no overlap (after a leak)
   * ends them all at once.
   */
  async expireSecretsAfter(code: string, expiresAt: Date): Promise<void> {
    await this.db('kpi_agency_secrets').where({ agency_code: code })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', expiresAt))
      .update({ expires_at: expiresAt });
  }

  async validSecrets(code: string, now: Date): Promise<SecretRecord[]> {
    const rows = await this.db('kpi_agency_secrets')
      .where({ agency_code: code })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .orderBy('id', 'desc');
    return rows.map((r) => ({ id: toNum(r.id), secret: String(r.secret), createdAt: toDate(r.created_at)!, expiresAt: toDate(r.expires_at) }));
  }

  async settingsJson(code: string): Promise<unknown | null> {
    const r = await this.db('kpi_settings').where({ agency_code: code }).first();
    return r ? parseJson<unknown>(r.settings, null) : null;
  }

  async putSettingsJson(code: string, settings: unknown, actor: string, now: Date): Promise<void> {
    const json = JSON.stringify(toNfc(settings));
    const by = actor.normalize('NFC');
    const updated = await this.db('kpi_settings').where({ agency_code: code }).update({ settings: json, updated_at: now, updated_by: by });
    if (updated === 0) await this.db('kpi_settings').insert({ agency_code: code, settings: json, updated_at: now, updated_by: by });
  }

  async customProfile(code: string, profileId: string): Promise<unknown | null> {
    const row = await this.db('kpi_profiles').where({ agency_code: code, id: profileId }).orderBy('version', 'desc').first('params');
    return row ? parseJson<unknown>(row.params, null) : null;
  }

  /**
   * Records a token id; false when it was already used (the primary key refuses it).
   * Expired ids are swept now and then so the table stays small.
   */
  async useTokenId(code: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    const fresh = await takeTokenId(this.db, code, jti, expiresAt, now);
    if (fresh) await sweepTokenIds(this.db, this.sweep, now);
    return fresh;
  }

  /**
   * Records the token ids of concurrent webhook calls of one agency at once: one multi-row INSERT
   * per TOKEN_IDS_PER_INSERT ids — one statement, so all of them or none — when none was used
   * before (every honest call). When the primary key refuses the statement (a replay among them,
   * or an id whose lifetime is over), nothing of it was stored and each id is then taken on its
   * own, as useTokenId does. Answers, in order, whether each id was new: an id given twice is new
   * at most once, the first time.
   */
  async useTokenIds(code: string, ids: ReadonlyArray<{ jti: string; expiresAt: Date }>, now: Date): Promise<boolean[]> {
    const out = ids.map(() => false);
    const first = new Map<string, number>();
    ids.forEach((t, i) => { if (!first.has(t.jti)) first.set(t.jti, i); });
    const distinct = [...first.values()];
    for (let c = 0; c < distinct.length; c += TOKEN_IDS_PER_INSERT) {
      const chunk = distinct.slice(c, c + TOKEN_IDS_PER_INSERT);
      if (chunk.length === 1) {
        out[chunk[0]!] = await takeTokenId(this.db, code, ids[chunk[0]!]!.jti, ids[chunk[0]!]!.expiresAt, now);
        continue;
      }
      const rows = chunk.map((i) => ({ agency_code: code, jti: ids[i]!.jti, expires_at: ids[i]!.expiresAt }));
      try {
        await insertTokenIds(this.db, rows);
        for (const i of chunk) out[i] = true;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        for (const i of chunk) out[i] = await takeTokenId(this.db, code, ids[i]!.jti, ids[i]!.expiresAt, now);
      }
    }
    if (out.some(Boolean)) await sweepTokenIds(this.db, this.sweep, now);
    return out;
  }
}

/**
 * Inserts token ids in one statement. Inside a transaction the insert gets a savepoint of its own:
 * PostgreSQL aborts the whole transaction on a refused row unless the failure is rolled back to one.
 */
async function insertTokenIds(db: Knex | Knex.Transaction, rows: Array<{ agency_code: string; jti: string; expires_at: Date }>): Promise<void> {
  if ((db as Knex.Transaction).isTransaction) await db.transaction((sp) => sp('kpi_token_uses').insert(rows));
  else await db('kpi_token_uses').insert(rows);
}

/** Inserts one token id; false when it is a replay (used before and still inside its lifetime). */
async function takeTokenId(db: Knex | Knex.Transaction, code: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
  try {
    await insertTokenIds(db, [{ agency_code: code, jti, expires_at: expiresAt }]);
    return true;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // A used id whose lifetime is over may be swept; inside its lifetime it is a replay.
    const row = await db('kpi_token_uses').where({ agency_code: code, jti }).first();
    const exp = row ? toDate(row.expires_at) : null;
    if (exp && exp.getTime() > now.getTime()) return false;
    await db('kpi_token_uses').where({ agency_code: code, jti }).update({ expires_at: expiresAt });
    return true;
  }
}

/** Sweeps expired ids at most once an hour (of the caller's clock), not on every call. */
async function sweepTokenIds(db: Knex | Knex.Transaction, sweep: { last: number }, now: Date): Promise<void> {
  if (now.getTime() - sweep.last < 3600_000) return;
  sweep.last = now.getTime();
  await db('kpi_token_uses').where('expires_at', '<', now).delete();
}

function mapAgency(r: Record<string, unknown>): AgencyRecord {
  return {
    code: String(r.code), name: String(r.name), timeZone: String(r.time_zone), issuer: String(r.issuer),
    hostOrigins: parseJson<string[]>(r.host_origins, []), rs256PublicKey: (r.rs256_public_key as string | null) ?? null,
    createdAt: toDate(r.created_at)!,
  };
}
