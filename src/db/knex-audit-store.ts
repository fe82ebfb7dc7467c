import type { Knex } from 'knex';
import { toNfc } from '../domain/text';
import type { AuditRecord, AuditStore } from '../stores';

/** The audit trail (kpi_audit_log): the one place it is written. */
export class KnexAuditStore implements AuditStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async record(r: AuditRecord): Promise<void> {
    await this.db('kpi_audit_log').insert({
      agency_code: r.agency, actor: r.actor.normalize('NFC'), action: r.action, target: r.target === null ? null : r.target.normalize('NFC'),
      details: r.details === undefined ? null : JSON.stringify(toNfc(r.details)), at: r.at,
    });
  }
}
