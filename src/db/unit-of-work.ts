import type { Knex } from 'knex';
import { COUNTED_BY, type Stores, type UnitOfWork, type WriteOptions } from '../stores';
import { dialectFor, type SqlDialect } from './sql-dialects';
import { KnexAgencyStore } from './knex-agency-store';
import { KnexAssessmentStore } from './knex-assessment-store';
import { KnexAssignmentStore } from './knex-assignment-store';
import { KnexAuditStore } from './knex-audit-store';
import { KnexCatalogueStore } from './knex-catalogue-store';
import { KnexDirectoryStore } from './knex-directory-store';
import { KnexEventStore } from './knex-event-store';
import { KnexFormUseStore } from './knex-form-use-store';
import { KnexJournalStore } from './knex-journal-store';
import { KnexPeriodStore } from './knex-period-store';
import { KnexLeaseStore, KnexPullStore } from './knex-pull-store';
import { KnexRequestStore } from './knex-request-store';

/** How many times a transaction is tried when the database reports a passing conflict. */
export const DEFAULT_ATTEMPTS = 6;

/** The knex unit of work: every store bound to the knex instance, or to one transaction of it. */
export class KnexUnitOfWork implements UnitOfWork {
  readonly dialect: SqlDialect;
  readonly read: Stores;
  private readonly sweep = { last: 0 };

  constructor(private readonly knex: Knex) {
    this.dialect = dialectFor(knex);
    this.read = this.bind(knex);
  }

  /** The stores bound to one handle: the knex instance itself, or a transaction of it. */
  bind(db: Knex | Knex.Transaction): Stores {
    const d = this.dialect;
    return {
      agencies: new KnexAgencyStore(db, this.sweep),
      catalogue: new KnexCatalogueStore(db, d),
      audit: new KnexAuditStore(db),
      events: new KnexEventStore(db, d),
      journal: new KnexJournalStore(db, this.knex, d),
      assignments: new KnexAssignmentStore(db, d),
      directory: new KnexDirectoryStore(db, d),
      assessments: new KnexAssessmentStore(db),
      periods: new KnexPeriodStore(db, d),
      pull: new KnexPullStore(db),
      leases: new KnexLeaseStore(db),
      formUses: new KnexFormUseStore(db),
      requests: new KnexRequestStore(db),
    };
  }

  async write<T>(work: (stores: Stores) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
    const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      try {
        // The counter that counts this transaction when it ends knows its statements by this tag (every one runs through this client).
        const tag = opts.countedBy === undefined ? undefined : (trx: Knex.Transaction): void => { (trx.client as { [COUNTED_BY]?: object })[COUNTED_BY] = opts.countedBy; };
        return await this.dialect.writeTransaction(this.knex, (trx) => work(this.bind(trx)), tag);
      } catch (e) {
        if (attempt >= attempts || !this.dialect.isRetryable(e)) throw e;
        // A short random pause, longer each time, so that two writers do not collide again in step.
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  async ping(): Promise<void> {
    await this.knex.raw('select 1 as ok');
  }
}
