import type { Knex } from 'knex';
import { toNfc } from '../domain/text';
import type { WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';
import { chunkForParams, parseJson, toBool, toDate, toNum } from './rows';

export interface AgencyRow {
  code: string;
  name: string;
  timeZone: string;
  issuer: string;
  hostOrigins: string[];
  rs256PublicKey: string | null;
  createdAt: Date;
}

export interface SecretRow { id: number; secret: string; createdAt: Date; expiresAt: Date | null }

export interface StoredWorkItem extends WorkItem { version: number }

/** Agencies, their secrets and settings, their catalogue (versioned) and mapping rules, and the audit log. */
export class KnexAgencyStore {
  private lastSweep = 0;

  constructor(private readonly knex: Knex) {}

  async getAgency(code: string): Promise<AgencyRow | null> {
    const r = await this.knex('kpi_agencies').where({ code }).first();
    return r ? mapAgency(r) : null;
  }

  async listAgencies(): Promise<AgencyRow[]> {
    return (await this.knex('kpi_agencies').orderBy('code')).map(mapAgency);
  }

  async insertAgency(trx: Knex.Transaction, a: Omit<AgencyRow, 'createdAt'>, now: Date): Promise<void> {
    await trx('kpi_agencies').insert({
      code: a.code, name: a.name, time_zone: a.timeZone, issuer: a.issuer, host_origins: JSON.stringify(a.hostOrigins),
      rs256_public_key: a.rs256PublicKey, created_at: now, updated_at: now,
    });
    // The lock row of its journal's daily roll-ups (journal-days.ts), not built until the first score.
    await trx('kpi_journal_days_state').insert({ agency_code: a.code, fail_penalty: null, delay_penalty: null, built_at: null });
  }

  async updateAgency(code: string, patch: Partial<Pick<AgencyRow, 'name' | 'timeZone' | 'issuer' | 'hostOrigins' | 'rs256PublicKey'>>, now: Date, db: Knex = this.knex): Promise<void> {
    const row: Record<string, unknown> = { updated_at: now };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.timeZone !== undefined) row.time_zone = patch.timeZone;
    if (patch.issuer !== undefined) row.issuer = patch.issuer;
    if (patch.hostOrigins !== undefined) row.host_origins = JSON.stringify(patch.hostOrigins);
    if (patch.rs256PublicKey !== undefined) row.rs256_public_key = patch.rs256PublicKey;
    await db('kpi_agencies').where({ code }).update(row);
  }

  async insertSecret(db: Knex, agencyCode: string, secret: string, now: Date): Promise<void> {
    await db('kpi_agency_secrets').insert({ agency_code: agencyCode, secret, created_at: now, expires_at: null });
  }

  /**
   * Ends the life of every secret still valid after `expiresAt` (the overlap window after a
   * rotation): the current one, and any earlier one still inside its own window, so that a
   * rotation with no overlap (after a leak) ends them all at once.
   */
  async expireCurrentSecrets(db: Knex, agencyCode: string, expiresAt: Date): Promise<void> {
    await db('kpi_agency_secrets').where({ agency_code: agencyCode })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', expiresAt))
      .update({ expires_at: expiresAt });
  }

  /** The secrets valid at `now`, newest first. */
  async validSecrets(agencyCode: string, now: Date): Promise<SecretRow[]> {
    const rows = await this.knex('kpi_agency_secrets')
      .where({ agency_code: agencyCode })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .orderBy('id', 'desc');
    return rows.map((r) => ({ id: toNum(r.id), secret: String(r.secret), createdAt: toDate(r.created_at)!, expiresAt: toDate(r.expires_at) }));
  }

  async getSettingsJson(agencyCode: string): Promise<unknown | null> {
    const r = await this.knex('kpi_settings').where({ agency_code: agencyCode }).first();
    return r ? parseJson<unknown>(r.settings, null) : null;
  }

  async putSettingsJson(db: Knex, agencyCode: string, settings: unknown, actor: string, now: Date): Promise<void> {
    settings = toNfc(settings);
    actor = actor.normalize('NFC');
    const updated = await db('kpi_settings').where({ agency_code: agencyCode }).update({ settings: JSON.stringify(settings), updated_at: now, updated_by: actor });
    if (updated === 0) await db('kpi_settings').insert({ agency_code: agencyCode, settings: JSON.stringify(settings), updated_at: now, updated_by: actor });
  }

  /** The current version of every work item of the agency. */
  async currentCatalogue(agencyCode: string): Promise<StoredWorkItem[]> {
    const rows = await this.knex('kpi_work_items').where({ agency_code: agencyCode, current: true }).orderBy('code');
    return rows.map(mapWorkItem);
  }

  /**
   * Saves items as new versions: an item whose fields changed gets version + 1 (the old
   * version stays, closed, so that entries keep the standard minutes they were made with);
   * an unchanged item is left alone. Returns the codes that changed.
   */
  async saveCatalogue(db: Knex, agencyCode: string, items: WorkItem[], now: Date): Promise<string[]> {
    const existing = new Map<string, StoredWorkItem>();
    for (const r of await db('kpi_work_items').where({ agency_code: agencyCode, current: true })) {
      const w = mapWorkItem(r);
      existing.set(w.code, w);
    }
    const inserts: Record<string, unknown>[] = [];
    const changed: string[] = [];
    for (const item of items) {
      const prev = existing.get(item.code);
      if (prev && sameItem(prev, item)) continue;
      changed.push(item.code);
      if (prev) {
        await db('kpi_work_items').where({ agency_code: agencyCode, code: item.code, version: prev.version }).update({ current: false, valid_to: now });
      }
      inserts.push({
        agency_code: agencyCode, code: item.code, version: prev ? prev.version + 1 : 1, name: item.name.normalize('NFC'),
        name_en: item.nameEn ?? null, unit: item.unit.normalize('NFC'), standard_minutes: item.standardMinutes, kind: item.kind,
        item_group: item.group, active: item.active, max_quantity: item.maxQuantityPerEntry, current: true, valid_from: now, valid_to: null,
      });
    }
    for (const chunk of chunkForParams(inserts, 14)) await db('kpi_work_items').insert(chunk);
    return changed;
  }

  async rules(agencyCode: string): Promise<MappingRule[]> {
    const rows = await this.knex('kpi_mapping_rules').where({ agency_code: agencyCode }).orderBy([{ column: 'priority' }, { column: 'id' }]);
    return rows.map((r) => ({ ...parseJson<MappingRule>(r.rule, {} as MappingRule), id: String(r.id), priority: toNum(r.priority), active: toBool(r.active) }));
  }

  /** Replaces the agency's whole rule set (the integrator edits it as one document). */
  async replaceRules(db: Knex, agencyCode: string, rules: MappingRule[], now: Date): Promise<void> {
    await db('kpi_mapping_rules').where({ agency_code: agencyCode }).delete();
    const rows = rules.map((r) => ({
      agency_code: agencyCode, id: r.id, event_type: r.eventType, rule: JSON.stringify(r), priority: r.priority, active: r.active, updated_at: now,
    }));
    for (const chunk of chunkForParams(rows, 7)) await db('kpi_mapping_rules').insert(chunk);
  }

  async audit(db: Knex, agencyCode: string, actor: string, action: string, target: string | null, details: unknown, now: Date): Promise<void> {
    await db('kpi_audit_log').insert({
      agency_code: agencyCode, actor: actor.normalize('NFC'), action, target: target === null ? null : target.normalize('NFC'),
      details: details === undefined ? null : JSON.stringify(toNfc(details)), at: now,
    });
  }

  /**
   * Records a token id; false when it was already used (the primary key refuses it).
   * Expired ids are swept now and then so the table stays small.
   */
  async useTokenId(agencyCode: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    try {
      await this.knex('kpi_token_uses').insert({ agency_code: agencyCode, jti, expires_at: expiresAt });
    } catch (e) {
      if (isUniqueViolation(e)) {
        // A used id whose lifetime is over may be swept; inside its lifetime it is a replay.
        const row = await this.knex('kpi_token_uses').where({ agency_code: agencyCode, jti }).first();
        const exp = row ? toDate(row.expires_at) : null;
        if (exp && exp.getTime() > now.getTime()) return false;
        await this.knex('kpi_token_uses').where({ agency_code: agencyCode, jti }).update({ expires_at: expiresAt });
        return true;
      }
      throw e;
    }
    // Sweep expired ids at most once an hour (of the caller's clock), not on every call.
    if (now.getTime() - this.lastSweep >= 3600_000) {
      this.lastSweep = now.getTime();
      await this.knex('kpi_token_uses').where('expires_at', '<', now).delete();
    }
    return true;
  }
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; number?: unknown; errno?: unknown; message?: unknown };
  if (err?.code === '23505') return true; // PostgreSQL
  if (err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  if (err?.number === 2627 || err?.number === 2601) return true; // SQL Server
  return false;
}

function mapAgency(r: Record<string, unknown>): AgencyRow {
  return {
    code: String(r.code), name: String(r.name), timeZone: String(r.time_zone), issuer: String(r.issuer),
    hostOrigins: parseJson<string[]>(r.host_origins, []), rs256PublicKey: (r.rs256_public_key as string | null) ?? null,
    createdAt: toDate(r.created_at)!,
  };
}

function mapWorkItem(r: Record<string, unknown>): StoredWorkItem {
  return {
    code: String(r.code), version: toNum(r.version), name: String(r.name), nameEn: r.name_en == null ? '' : String(r.name_en),
    unit: String(r.unit), standardMinutes: toNum(r.standard_minutes), kind: r.kind as WorkItem['kind'], group: r.item_group as WorkItem['group'],
    active: toBool(r.active), maxQuantityPerEntry: toNum(r.max_quantity),
  };
}

function sameItem(a: StoredWorkItem, b: WorkItem): boolean {
  return a.name === b.name.normalize('NFC') && a.nameEn === (b.nameEn ?? '') && a.unit === b.unit.normalize('NFC') && a.standardMinutes === b.standardMinutes
    && a.kind === b.kind && a.group === b.group && a.active === b.active && a.maxQuantityPerEntry === b.maxQuantityPerEntry;
}
