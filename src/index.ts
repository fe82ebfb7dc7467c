import type { Knex } from 'knex';
import type { Router } from 'express';
import { isUniqueViolation } from './db/sql-dialects';
import { migrateLatest } from './db/migrate';
import { KnexUnitOfWork } from './db/unit-of-work';
import { createRouter, type AppDeps } from './http/app';
import type { AuthDeps } from './http/auth';
import { ClockSkewLog } from './http/clock-skew';
import { TokenIdBatch } from './http/token-ids';
import { IntakeService, type IngestResult, type IntakeSource } from './intake/intake-service';
import { AgencyService } from './services/agency-service';
import { JournalService } from './services/journal-service';
import { registerScoresApi } from './http/api-scores';
import { registerJournalApi } from './http/api-journal';
import { registerRulesApi } from './http/api-rules';
import { RulesService } from './services/rules-service';
import { registerCatalogueApi } from './http/api-catalogue';
import { CatalogueService } from './services/catalogue-service';
import { createReportsRouter } from './http/reports';
import { createPanelsRouter } from './panels';
import { AssessmentService } from './services/assessment-service';
import { InsightsService } from './services/insights-service';
import { ReviewService } from './services/review-service';
import { PeriodService } from './services/period-service';
import { FormService } from './services/form-service';
import { RequestService } from './services/request-service';
import { registerRequestsApi } from './http/api-requests';
import { ScoringService } from './services/scoring-service';
import { ReportService } from './reports/report-service';
import { t } from './i18n/i18n';
import { loadManifest } from './contract/manifest-validator';
import { createLogger, type Logger } from './log';
import type { UnitOfWork } from './stores';
import { WriteGenerations } from './services/read-cache';

export interface KpiPluginOptions {
  /** The host's knex instance (SQL Server, PostgreSQL or SQLite). */
  knex: Knex;
  /** Run the plugin's migrations before use (default true). */
  migrate?: boolean;
  logger?: Logger;
  clock?: () => Date;
  /** Events written per transaction (default 500). */
  chunkSize?: number;
  /** The IANA time zone of an agency added without one (default Asia/Ho_Chi_Minh); the CLI passes KPI_TZ. */
  defaultTimeZone?: string;
}

export interface KpiPlugin {
  /** Mount under the host's base path: `app.use('/kpi', plugin.router)`. */
  router: Router;
  /** Takes one event or a batch from an in-process host: durable when the promise resolves. */
  ingest(eventOrBatch: unknown, opts?: { source?: IntakeSource }): Promise<IngestResult>;
  services: { agencies: AgencyService; intake: IntakeService; journal: JournalService; scoring: ScoringService; periods: PeriodService; reports: ReportService; rules: RulesService; catalogue: CatalogueService; review: ReviewService; assessments: AssessmentService; requests: RequestService; uow: UnitOfWork };
  close(): Promise<void>;
}

/**
 * The in-process factory (docs/integrators.md (the in-process door)) and the one place that wires the plugin:
 * stores, services and the router are all built here.
 */
export async function createKpiPlugin(opts: KpiPluginOptions): Promise<KpiPlugin> {
  const { knex } = opts;
  const log = opts.logger ?? createLogger();
  const clock = opts.clock ?? (() => new Date());
  loadManifest();
  if (opts.migrate !== false) await migrateLatest(knex);
  const s = buildServices({ knex, clock, log, ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}), ...(opts.defaultTimeZone !== undefined ? { defaultTimeZone: opts.defaultTimeZone } : {}) });
  const { uow, agencies, intake, journal, scoring, review, assessments, insights, periods, reports, rules, catalogue, forms, requests } = s;
  const skew = new ClockSkewLog();
  const tokenIds = new TokenIdBatch((agency, ids) => agencies.useTokenIds(agency, ids));
  const auth: AuthDeps = {
    // Read on every webhook call and panel load: served from the briefly cached agency context.
    getAgency: (code) => agencies.cachedAgency(code),
    validSecrets: (code) => agencies.cachedSecrets(code),
    // The ids of concurrent webhook calls are recorded together, one statement per group (src/http/token-ids.ts).
    useTokenId: (agency, jti, expiresAt) => tokenIds.use(agency, jti, expiresAt),
    clock,
    recordSkew: (agency, seconds, at) => skew.record(agency, seconds, at),
  };
  const deps: AppDeps = {
    auth, intake, agencies, journal, log,
    ping: () => uow.ping(),
    extraApi: (api, helpers) => {
      registerScoresApi(api, helpers, { scoring });
      registerJournalApi(api, helpers, { review, assessments, insights });
      registerRulesApi(api, helpers, { rules, intake, agencies });
      registerCatalogueApi(api, helpers, { catalogue, agencies });
      registerRequestsApi(api, helpers, requests);
    },
    panels: createPanelsRouter({ auth, agencies, journal, scoring, intake, review, assessments, insights, rules, skew, catalogue, forms, requests, clock, log, generations: WriteGenerations.of(knex) }),
    reports: createReportsRouter({ auth, reports, directory: journal, agencyName: async (code) => (await agencies.cachedAgency(code))?.name ?? null, log }),
  };
  const router = createRouter(deps);
  return {
    router,
    services: { agencies, intake, journal, scoring, periods, reports, rules, catalogue, review, assessments, requests, uow },
    ingest: (eventOrBatch, o = {}) => {
      const events = eventOrBatch !== null && typeof eventOrBatch === 'object' && !Array.isArray(eventOrBatch) && Array.isArray((eventOrBatch as { events?: unknown }).events)
        ? (eventOrBatch as { events: unknown[] }).events
        : Array.isArray(eventOrBatch) ? eventOrBatch : [eventOrBatch];
      return intake.ingest(events, { source: o.source ?? 'inprocess' });
    },
    close: async () => { /* the knex instance belongs to the host */ },
  };
}

export interface Services {
  uow: KnexUnitOfWork;
  agencies: AgencyService;
  intake: IntakeService;
  journal: JournalService;
  scoring: ScoringService;
  review: ReviewService;
  assessments: AssessmentService;
  insights: InsightsService;
  periods: PeriodService;
  reports: ReportService;
  rules: RulesService;
  catalogue: CatalogueService;
  forms: FormService;
  requests: RequestService;
}

/** The stores over a knex instance and every service over them: the one place they are built. */
export function buildServices(o: { knex: Knex; clock?: () => Date; log?: Logger; chunkSize?: number; defaultTimeZone?: string }): Services {
  const clock = o.clock ?? (() => new Date());
  // Every write transaction is counted, so that the kept scores and insights are never served after a change (services/read-cache.ts).
  const generations = WriteGenerations.of(o.knex);
  const uow = generations.watch(new KnexUnitOfWork(o.knex));
  const agencies = new AgencyService({ uow, clock, generations, ...(o.defaultTimeZone !== undefined ? { defaultTimeZone: o.defaultTimeZone } : {}) });
  const journal = new JournalService({ uow, agencies, clock, generations });
  const scoring = new ScoringService({ uow, agencies, journal, clock, generations });
  return {
    uow,
    agencies,
    journal,
    intake: new IntakeService({ uow, agencies, clock, ...(o.log ? { log: o.log } : {}), ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}) }),
    scoring,
    reports: new ReportService({ uow, agencies, journal, scoring, clock, text: (key, vars) => t('vi', key, vars) }),
    review: new ReviewService({ uow, agencies, journal, clock }),
    assessments: new AssessmentService({ uow, agencies, journal, clock, isDuplicate: isUniqueViolation }),
    insights: new InsightsService({ uow, agencies, journal, clock, generations }),
    periods: new PeriodService({ uow }),
    rules: new RulesService({ uow, agencies, clock }),
    catalogue: new CatalogueService({ uow, agencies, clock }),
    forms: new FormService({ uow, clock }),
    requests: new RequestService({ uow, agencies, journal, scoring, clock }),
  };
}

export { parseDbUrl, openDb } from './db/connection';
export { migrateLatest, migrateRollbackAll } from './db/migrate';
export { signUserToken, signWebhookToken } from './http/auth';
export type { IngestResult } from './intake/intake-service';
