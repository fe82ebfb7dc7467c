import type { Knex } from 'knex';
import type { FormUse, FormUseStore } from '../stores';
import { isUniqueViolation } from './sql-dialects';

/** Used panel form tokens (kpi_form_uses): the primary key makes the first use win, on every instance. */
export class KnexFormUseStore implements FormUseStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async claim(agency: string, token: string, now: Date): Promise<FormUse> {
    const row = { agency_code: agency, token, result: null, created_at: now };
    try {
      // Inside a transaction the insert gets a savepoint of its own (PostgreSQL aborts the transaction on a refused row otherwise).
      if ((this.db as Knex.Transaction).isTransaction) await this.db.transaction((sp) => sp('kpi_form_uses').insert(row));
      else await this.db('kpi_form_uses').insert(row);
      return { first: true, result: null };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const used = await this.db('kpi_form_uses').where({ agency_code: agency, token }).first('result');
      return { first: false, result: used?.result === null || used?.result === undefined ? null : String(used.result) };
    }
  }

  async finish(agency: string, token: string, result: string): Promise<void> {
    await this.db('kpi_form_uses').where({ agency_code: agency, token }).update({ result });
  }

  async release(agency: string, token: string): Promise<void> {
    await this.db('kpi_form_uses').where({ agency_code: agency, token }).delete();
  }

  async sweep(before: Date): Promise<number> {
    return Number(await this.db('kpi_form_uses').where('created_at', '<', before).delete());
  }
}
