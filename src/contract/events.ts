/**
 * The published contract in TypeScript: the event envelope and the known
 * event types (docs/integrators.md (events)), the agency settings (§3), the token claims, the
 * webhook answer, the error body and the plugin manifest (§6).
 *
 * The JSON Schemas in ./schemas are the source of truth for hosts written in
 * other languages; these types mirror them, and event-validator.ts,
 * settings-validator.ts and manifest-validator.ts check that what comes in
 * matches them. No runtime dependency lives here.
 */

// ---------------------------------------------------------------- events

/** Every event type the plugin understands, in the order of docs/integrators.md (events). */
export const KNOWN_EVENT_TYPES = [
  'document.received',
  'document.assigned',
  'document.processed',
  'document.drafted',
  'document.signed',
  'document.issued',
  'document.returned',
  'task.assigned',
  'task.completed',
  'task.extended',
  'task.rejected',
  'task.cancelled',
  'user.upserted',
  'unit.upserted',
] as const;

export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

const KNOWN_TYPE_SET: ReadonlySet<string> = new Set<string>(KNOWN_EVENT_TYPES);

export function isKnownEventType(type: string): type is KnownEventType {
  return KNOWN_TYPE_SET.has(type);
}

export interface EventActor {
  id: string;
}

/**
 * What the event is about. Optional fields are absent when the host sent
 * nothing or null (validateEvent removes nulls), never `null` here.
 */
export interface EventSubject {
  /** `document`, `task`, `user`, `unit`, ... */
  kind: string;
  id: string;
  title?: string;
  docType?: string;
  urgency?: string;
  /** ISO 8601 instant with an offset. */
  dueAt?: string;
}

/** A type's payload; an object, `{}` when the host sent none. */
export type EventData = Record<string, unknown>;

/** One event as the host sends it (the envelope), after validation. */
export interface KpiEvent<T extends string = string, D extends EventData = EventData, S extends EventSubject = EventSubject> {
  /** Unique per agency, 1..200 characters: the idempotency key. */
  id: string;
  type: T;
  /** ISO 8601 instant with an offset or Z. */
  occurredAt: string;
  /** The agency code; must be the one the verified token speaks for. */
  agency: string;
  actor: EventActor;
  subject: S;
  data: D;
}

/** `role` of an assignee of `document.assigned`: xử lý chính, phối hợp, để biết. */
export type AssigneeRole = 'main' | 'support' | 'info';
/** `data.role` of `document.processed`. */
export type ProcessingRole = 'main' | 'support';

export type DocumentAssignee = { userId: string; role: AssigneeRole };

/** Types with nothing required in `data` (extra keys a host sends are kept). */
export type NoData = EventData;

/** The `data` shape of each known type (type aliases, so they are also `EventData`). */
export type KnownEventData = {
  'document.received': NoData;
  'document.assigned': { assignees: DocumentAssignee[] };
  'document.processed': { role: ProcessingRole };
  'document.drafted': NoData;
  'document.signed': NoData;
  'document.issued': NoData;
  'document.returned': { userId: string; excused: boolean };
  'task.assigned': { assigneeId: string; workItemCode?: string; quantity?: number };
  'task.completed': NoData;
  'task.extended': { newDueAt: string; excused: boolean };
  'task.rejected': { excused: boolean };
  'task.cancelled': NoData;
  'user.upserted': { name: string; unitId: string; position: string; isLeader: boolean; active: boolean };
  /** `parentId` is null for a top-level unit (also when the host left it out). */
  'unit.upserted': { name: string; parentId: string | null };
};

/** The `subject` shape of each known type: some types require more of it. */
export type KnownEventSubject<T extends KnownEventType> = T extends 'document.assigned' | 'task.assigned'
  ? EventSubject & { dueAt: string }
  : T extends 'document.drafted'
    ? EventSubject & { docType: string }
    : EventSubject;

/** A validated event of one known type. */
export type EventOfType<T extends KnownEventType> = KpiEvent<T, KnownEventData[T], KnownEventSubject<T>>;

/** The discriminated union of the known events: `switch (e.type)` narrows `data` and `subject`. */
export type KnownKpiEvent = { [T in KnownEventType]: EventOfType<T> }[KnownEventType];

/** A batch body: `{ "events": [ ... ] }`, at most MAX_BATCH_EVENTS events. */
export interface EventBatch {
  events: unknown[];
}

export const MAX_BATCH_EVENTS = 1000;
export const MAX_EVENT_ID_LENGTH = 200;

/** One event refused in a 202 answer. */
export interface RejectedEvent {
  /** Position in the batch (0 for a single event). */
  index: number;
  id: string | null;
  /** Names the field, Vietnamese first then English. */
  error: string;
  field?: string;
  /** Why, for machines: `invalid_event`, `agency_mismatch`, `unknown_agency`. */
  code: string;
}

/** The 202 body of POST {base}/events. */
export interface WebhookResponse {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

/** Every JSON error answer. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

// ---------------------------------------------------------------- people and tokens

import type { CapPolicy, Locale, Role } from '../domain/principal';

export type { CapPolicy, Locale, Role };

/** Claims of the host's panel / API token (docs/integrators.md (panels and API)). */
export interface PanelTokenClaims {
  sub: string;
  agency: string;
  name?: string;
  unit?: string;
  roles: Role[];
  locale?: Locale;
  aud: string | string[];
  exp: number;
  iat?: number;
}

/** Claims of the host's webhook token (docs/integrators.md (delivery)). */
export interface WebhookTokenClaims {
  iss: string;
  aud: string | string[];
  agency: string;
  iat: number;
  exp: number;
  jti: string;
  body_sha256: string;
}

// ---------------------------------------------------------------- settings

/** `nd335` and `kh1636` ship; any other id names a custom profile. */
export type ProfileId = 'nd335' | 'kh1636' | (string & {});

/** An agency's settings (GET/PUT /api/v1/settings). */
export interface AgencySettings {
  profile: ProfileId;
  /** IANA zone in which days are counted. */
  timeZone: string;
  /** Standard working minutes per day. */
  dailyMinutes: number;
  /** Daily cap in minutes (1..1440). */
  capMinutes: number;
  capPolicy: CapPolicy;
  /** `YYYY-MM-DD` days off. */
  holidays: string[];
  /** `YYYY-MM-DD` make-up working days. */
  makeUpDays: string[];
  autoApproveEventEntries: boolean;
  manualEntriesNeedApproval: boolean;
  /** Origins `https?://host[:port]` allowed to frame the panels. */
  hostOrigins: string[];
  /**
   * The pool of the 20% excellence quota (Decree 335, docs/hr.md): `agency` (default) = the whole
   * agency, split into `quotaGroups`; `unit` = each unit on its own (the count used before the agency-wide pool).
   */
  quotaScope: QuotaScope;
  /**
   * Groups of officials with similar duties (scope `agency`), matched by position. Empty (default):
   * leaders and non-leaders are the two groups. An official whose position is in no group falls in
   * the default group.
   */
  quotaGroups: QuotaGroup[];
  /** The names printed on HR's workbooks (the administrative layout and its signature blocks). */
  report: ReportSettings;
  /** The pull connector (docs/pull.md): where the host's view is, how often and how much to read. */
  pull: PullSettings;
  /** How many days back an official may date a manual entry (0 = today only; default 60). */
  manualBackdateDays: number;
  /** HR may edit the catalogue (work items, imports, sector templates) as the admin can (default false: the admin only). */
  hrEditsCatalogue: boolean;
  /** Days after a period is closed during which an official may appeal their score (0: no appeals). */
  appealDays: number;
}

/** Where and how the plugin pulls events from a host that cannot push (docs/pull.md). */
export interface PullSettings {
  /** `env:VARIABLE`, or a connection string (`mssql://…`, `postgres://…`, `sqlite:…`); '' = not pulled. */
  source: string;
  /** The view (or `schema.view`). */
  view: string;
  /** Seconds between two pulls. */
  every: number;
  /** Rows per page (one transaction each). */
  batch: number;
  /** Further columns into `subject.*` or `data.*`. */
  columns: Record<string, string>;
}

export const QUOTA_SCOPES = ['agency', 'unit'] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

/** A quota group: officials whose position is one of `positions` (compared trimmed, NFC, case-insensitive). */
export interface QuotaGroup {
  id: string;
  name: string;
  positions: string[];
}

/** The names on HR's workbooks; '' = a blank line to fill in by hand. */
export interface ReportSettings {
  /** Cơ quan chủ quản (the governing body), top left. */
  governingBody: string;
  /** The place in "<place>, ngày … tháng … năm …". */
  place: string;
  /** NGƯỜI LẬP BIỂU: who prepared the workbook. */
  preparedBy: string;
  /** THỦ TRƯỞNG CƠ QUAN: the head of the agency. */
  headOfAgency: string;
  /** The head's title above the signature, e.g. "GIÁM ĐỐC". */
  headTitle: string;
  /** The agency's own wording of form no. 01's part I, by criterion id; a criterion not named keeps the decree's. */
  form01Labels?: Form01Labels;
}

/** The criteria of form no. 01's part I: the three groups and their items. */
export const FORM01_CRITERION_IDS = ['I', 'I.1', 'I.2', 'II', 'II.1', 'II.2', 'II.3', 'II.4', 'III'] as const;
export type Form01CriterionId = (typeof FORM01_CRITERION_IDS)[number];
export type Form01Labels = Partial<Record<Form01CriterionId, string>>;

export const REPORT_SETTINGS_KEYS = ['governingBody', 'place', 'preparedBy', 'headOfAgency', 'headTitle'] as const satisfies readonly (keyof ReportSettings)[];

export const SETTINGS_KEYS = [
  'profile',
  'timeZone',
  'dailyMinutes',
  'capMinutes',
  'capPolicy',
  'holidays',
  'makeUpDays',
  'autoApproveEventEntries',
  'manualEntriesNeedApproval',
  'hostOrigins',
  'quotaScope',
  'quotaGroups',
  'report',
  'pull',
  'manualBackdateDays',
  'hrEditsCatalogue',
  'appealDays',
] as const satisfies readonly (keyof AgencySettings)[];

/** The defaults of a new agency. Frozen (arrays too): copy with `defaultSettings()` to change. */
export const DEFAULT_SETTINGS: Readonly<AgencySettings> = Object.freeze({
  profile: 'nd335',
  timeZone: 'Asia/Ho_Chi_Minh',
  dailyMinutes: 480,
  capMinutes: 480,
  capPolicy: 'clip',
  holidays: Object.freeze([]) as unknown as string[],
  makeUpDays: Object.freeze([]) as unknown as string[],
  autoApproveEventEntries: true,
  manualEntriesNeedApproval: true,
  hostOrigins: Object.freeze([]) as unknown as string[],
  quotaScope: 'agency',
  quotaGroups: Object.freeze([]) as unknown as QuotaGroup[],
  report: Object.freeze({ governingBody: '', place: '', preparedBy: '', headOfAgency: '', headTitle: '' }) as ReportSettings,
  pull: Object.freeze({ source: '', view: 'eoffice_kpi_events', every: 60, batch: 500, columns: Object.freeze({}) as Record<string, string> }) as PullSettings,
  manualBackdateDays: 60,
  hrEditsCatalogue: false,
  appealDays: 30,
});

/** A fresh, mutable copy of the defaults, optionally overridden. */
export function defaultSettings(overrides: Partial<AgencySettings> = {}): AgencySettings {
  const merged = { ...DEFAULT_SETTINGS, ...overrides };
  return {
    ...merged,
    holidays: [...merged.holidays],
    makeUpDays: [...merged.makeUpDays],
    hostOrigins: [...merged.hostOrigins],
    quotaGroups: merged.quotaGroups.map((g) => ({ ...g, positions: [...g.positions] })),
    report: { ...DEFAULT_SETTINGS.report, ...merged.report },
    pull: { ...DEFAULT_SETTINGS.pull, ...merged.pull, columns: { ...merged.pull.columns } },
  };
}

// ---------------------------------------------------------------- manifest

export const PANEL_SLOTS = ['document.tab', 'task.tab', 'user.dashboard', 'unit.dashboard', 'agency.dashboard', 'admin.page'] as const;
export type PanelSlot = (typeof PANEL_SLOTS)[number];

export type RouteAuth = 'none' | 'webhook' | 'user';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface LocalizedText {
  vi: string;
  en: string;
}

export interface ManifestPanel {
  id: string;
  slot: PanelSlot;
  /** Under the plugin's base path; `:name` marks a parameter. */
  path: string;
  title: LocalizedText;
  description?: LocalizedText;
  /** Any of these roles may open it. */
  roles: Role[];
}

export interface ManifestRoute {
  method: HttpMethod;
  path: string;
  auth: RouteAuth;
  /** For `auth: user`: any of these roles may call it. */
  roles?: Role[];
  /** For `auth: user`: the permission (declared in `permissions`) it needs. */
  permission?: string;
  description?: LocalizedText;
}

export interface ManifestPermission {
  id: string;
  description: LocalizedText;
  /** The roles granted this permission by default. */
  roles?: Role[];
}

export type SettingType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ManifestSetting {
  key: string;
  type: SettingType;
  items?: Exclude<SettingType, 'array'>;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  default: unknown;
  description: LocalizedText;
}

export interface PluginManifest {
  $schema?: string;
  id: string;
  version: string;
  name?: LocalizedText;
  description?: LocalizedText;
  /** Semver range of the host API, e.g. `>=1.0 <2`. */
  hostApi: string;
  /** Event types subscribed to. */
  events: string[];
  delivery?: { webhook?: { path?: string; maxEvents?: number; maxBytes?: number } };
  panels: ManifestPanel[];
  routes: ManifestRoute[];
  permissions: ManifestPermission[];
  settings: ManifestSetting[];
  /** Directories relative to the package root. */
  migrations: string;
  locales: { dir: string; available: string[]; default: string };
  schemas: string;
}
