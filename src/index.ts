import type { Knex } from 'knex';
import type { Router } from 'express';
import { quirksFor } from './db/dialects';
import { KnexAgencyStore } from './db/knex-agency-store';
import { migrateLatest } from './db/migrate';
import { createRouter, type AppDeps } from './http/app';
import type { AuthDeps } from './http/auth';
import { IntakeService, type IngestResult, type IntakeSource } from './intake/intake-service';
import { AgencyService } from './services/agency-service';
import { JournalService } from './services/journal-service';
import { KnexScoreStore } from './db/knex-score-store';
import { registerScoresApi } from './http/api-scores';
import { registerJournalApi } from './http/api-journal';
import { createPanelsRouter } from './http/panels';
import { AssessmentService } from './services/assessment-service';
import { InsightsService } from './services/insights-service';
import { ReviewService } from './services/review-service';
import { PeriodService } from './services/period-service';
import { ScoringService } from './services/scoring-service';
import { loadManifest } from './contract/validate';
import { createLogger, type Logger } from './log';

export interface KpiPluginOptions {
  /** The host's knex instance (SQL Server, PostgreSQL or SQLite). */
  knex: Knex;
  /** Run the plugin's migrations before use (default true). */
  migrate?: boolean;
  logger?: Logger;
  clock?: () => Date;
  /** Events written per transaction (default 500). */
  chunkSize?: number;
}

export interface KpiPlugin {
  /** Mount under the host's base path: `app.use('/kpi', plugin.router)`. */
  router: Router;
  /** Takes one event or a batch from an in-process host: durable when the promise resolves. */
  ingest(eventOrBatch: unknown, opts?: { source?: IntakeSource }): Promise<IngestResult>;
  services: { agencies: AgencyService; intake: IntakeService; journal: JournalService; scoring: ScoringService; periods: PeriodService };
  close(): Promise<void>;
}

/**
 * The in-process factory (CONTRACT §2.1) and the one place that wires the plugin:
 * stores, services and the router are all built here.
 */
export async function createKpiPlugin(opts: KpiPluginOptions): Promise<KpiPlugin> {
  const { knex } = opts;
  const log = opts.logger ?? createLogger();
  const clock = opts.clock ?? (() => new Date());
  loadManifest();
  if (opts.migrate !== false) await migrateLatest(knex);
  const store = new KnexAgencyStore(knex);
  const agencies = new AgencyService({ knex, store, clock });
  const intake = new IntakeService({ knex, quirks: quirksFor(knex), agencies, clock, log, ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) });
  const journal = new JournalService({ knex, agencies, clock });
  const auth: AuthDeps = {
    // Read on every webhook call and panel load: served from the briefly cached agency context.
    getAgency: (code) => agencies.cachedAgency(code),
    validSecrets: (code) => agencies.cachedSecrets(code),
    useTokenId: (agency, jti, expiresAt) => store.useTokenId(agency, jti, expiresAt, clock()),
    clock,
  };
  const quirks = quirksFor(knex);
  const periods = new PeriodService({ knex, clock });
  const scoring = new ScoringService({ knex, store: new KnexScoreStore(knex, quirks), agencies, journal, clock });
  const review = new ReviewService({ knex, agencies, journal, clock });
  const assessments = new AssessmentService({ knex, agencies, journal, clock });
  const insights = new InsightsService({ knex, agencies, journal, clock });
  const deps: AppDeps = {
    auth, intake, agencies, journal, log,
    ping: async () => { await knex.raw('select 1 as ok'); },
    extraApi: (api, helpers) => {
      registerScoresApi(api, helpers, { scoring });
      registerJournalApi(api, helpers, { review, assessments, insights });
    },
    panels: createPanelsRouter({ auth, knex, agencies, journal, scoring, intake, review, assessments, insights, clock, log }),
  };
  const router = createRouter(deps);
  return {
    router,
    services: { agencies, intake, journal, scoring, periods },
    ingest: (eventOrBatch, o = {}) => {
      const events = eventOrBatch !== null && typeof eventOrBatch === 'object' && !Array.isArray(eventOrBatch) && Array.isArray((eventOrBatch as { events?: unknown }).events)
        ? (eventOrBatch as { events: unknown[] }).events
        : Array.isArray(eventOrBatch) ? eventOrBatch : [eventOrBatch];
      return intake.ingest(events, { source: o.source ?? 'inprocess' });
    },
    close: async () => { /* the knex instance belongs to the host */ },
  };
}

export { parseDbUrl, openDb } from './db/connection';
export { migrateLatest, migrateRollbackAll } from './db/migrate';
export { signUserToken, signWebhookToken } from './http/auth';
export type { IngestResult } from './intake/intake-service';
