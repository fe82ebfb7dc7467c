/**
 * Validation of what crosses the contract: events, agency settings and the
 * plugin manifest, against the published JSON Schemas (draft-07) in
 * src/contract/schemas, plus the checks a schema cannot express portably
 * (a real calendar instant, a real IANA zone, cross-field rules).
 *
 * One Ajv instance, built on first use, loads every *.schema.json of
 * SCHEMA_DIR under its file name, so `"$ref": "event.schema.json"` resolves
 * here exactly as it does for a C# or Java host reading the same folder.
 *
 * Every error names the offending field as a dotted path (`subject.dueAt`,
 * `data.assignees[0].role`) and says what is wrong, Vietnamese first, then
 * English in parentheses.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ConfigError, ValidationError } from '../domain/errors';
import { isValidDay, isValidTimeZone } from '../domain/time';
import {
  isKnownEventType,
  type AgencySettings,
  type KnownKpiEvent,
  type KpiEvent,
  type ManifestSetting,
  type PluginManifest,
} from './events';

// ---------------------------------------------------------------- where things are

export const PACKAGE_NAME = 'eoffice-kpi';

/**
 * The folder holding this package's package.json: walks up from each start
 * (by default this file's folder, then the working directory) to the first
 * package.json whose name is eoffice-kpi. The compiled file lives in
 * dist/src/contract/, or anywhere when the tests are compiled elsewhere.
 */
export function findPackageRoot(starts: readonly string[] = [__dirname, process.cwd()]): string | undefined {
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'package.json');
      if (fs.existsSync(candidate)) {
        try {
          if ((JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
        } catch {
          // an unreadable package.json is not ours; keep walking
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** Absolute path of the package root (falls back to three levels above this file: dist/src/contract). */
export const PACKAGE_ROOT: string = findPackageRoot() ?? path.resolve(__dirname, '..', '..', '..');
/** Absolute path of the published JSON Schemas (read at run time, not copied into dist). */
export const SCHEMA_DIR: string = path.join(PACKAGE_ROOT, 'src', 'contract', 'schemas');
/** Absolute path of plugin-manifest.json. */
export const MANIFEST_PATH: string = path.join(PACKAGE_ROOT, 'plugin-manifest.json');

export const SCHEMA_FILES = {
  event: 'event.schema.json',
  eventBatch: 'event-batch.schema.json',
  webhookResponse: 'webhook-response.schema.json',
  settings: 'settings.schema.json',
  journalEntry: 'journal-entry.schema.json',
  score: 'score.schema.json',
  error: 'error.schema.json',
  panelTokenClaims: 'panel-token-claims.schema.json',
  webhookTokenClaims: 'webhook-token-claims.schema.json',
  pluginManifest: 'plugin-manifest.schema.json',
} as const;

/** The schema file of a known event type: `task.assigned` → `task.assigned.schema.json`. */
export function eventSchemaFile(type: string): string {
  return `${type}.schema.json`;
}

// ---------------------------------------------------------------- the shared Ajv

let sharedAjv: Ajv | undefined;

function ajv(): Ajv {
  if (sharedAjv !== undefined) return sharedAjv;
  let files: string[];
  try {
    files = fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
  } catch (e) {
    throw new ConfigError('SCHEMA_DIR', `không đọc được thư mục JSON Schema ${SCHEMA_DIR} (cannot read the schema folder): ${(e as Error).message}`);
  }
  // strict: unknown keywords, ambiguous types and missing `type`s are schema bugs.
  // allowUnionTypes: `["string", "null"]` is how the schemas say "optional, null = absent".
  const instance = new Ajv({ strict: true, allErrors: false, allowUnionTypes: true });
  addFormats(instance, ['date']);
  for (const file of files) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
    instance.addSchema(schema, file);
  }
  sharedAjv = instance;
  return instance;
}

/** The compiled validator of one schema file of SCHEMA_DIR (compiled once, on first use). */
export function getValidator(schemaFile: string): ValidateFunction {
  const validate = ajv().getSchema(schemaFile);
  if (validate === undefined) throw new ConfigError('SCHEMA_DIR', `không có JSON Schema ${schemaFile} trong ${SCHEMA_DIR} (schema not found)`);
  return validate;
}

/** The schema files found in SCHEMA_DIR. */
export function listSchemaFiles(): string[] {
  return fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
}

export type FieldError = { ok: false; field: string; error: string };

/** Validates `raw` against one schema file; the first problem names its field. */
export function validateAgainst(schemaFile: string, raw: unknown): { ok: true } | FieldError {
  const validate = getValidator(schemaFile);
  if (validate(raw)) return { ok: true };
  return fieldError(validate.errors, raw);
}

// ---------------------------------------------------------------- error messages

/** Messages of `pattern`/`format` failures, by the name of the schema definition that failed. */
const PATTERN_MESSAGES: Record<string, string> = {
  instant: 'phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-03-12T09:15:00+07:00 (must be an ISO 8601 instant with an offset or Z)',
  instantOrNull: 'phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-03-12T09:15:00+07:00 (must be an ISO 8601 instant with an offset or Z)',
  day: 'phải là một ngày có thật dạng YYYY-MM-DD (must be a real day, YYYY-MM-DD)',
  origin: 'phải là origin dạng http(s)://máy-chủ[:cổng], không có đường dẫn (must be an origin https?://host[:port] without a path)',
  timeZone: 'phải là tên múi giờ IANA, ví dụ Asia/Ho_Chi_Minh (must be an IANA time zone name)',
  profileId: 'phải là nd335, kh1636 hoặc mã hồ sơ gồm chữ, số, dấu . _ - (must be nd335, kh1636 or a custom profile id)',
  path: 'phải là đường dẫn bắt đầu bằng / (must be a path starting with /)',
  permissionId: 'phải là mã quyền dạng kpi.x.y (must be a dotted permission id)',
  dir: 'phải là thư mục tương đối so với gốc gói (must be a directory relative to the package root)',
};

const TYPE_NAMES_VI: Record<string, string> = {
  string: 'chuỗi',
  integer: 'số nguyên',
  number: 'số',
  boolean: 'giá trị đúng/sai',
  object: 'đối tượng',
  array: 'mảng',
  null: 'null',
};

/** `integer` → `phải là số nguyên (must be integer)`; `string,null` → `phải là chuỗi hoặc null (must be string or null)`. */
function typeMessage(types: string): string {
  const list = types.split(',');
  const vi = list.map((t) => TYPE_NAMES_VI[t] ?? t).join(' hoặc ');
  return `phải là ${vi} (must be ${list.join(' or ')})`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What is wrong, Vietnamese first then English, for one Ajv error. */
function describe(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  const limit = p['limit'];
  switch (err.keyword) {
    case 'required':
      return 'thiếu trường bắt buộc (required)';
    case 'additionalProperties':
      return 'khóa không được hỗ trợ (unknown key)';
    case 'type':
      return typeMessage(String(p['type']));
    case 'minLength':
      return limit === 1 ? 'không được để trống (must not be empty)' : `phải có ít nhất ${show(limit)} ký tự (must have at least ${show(limit)} characters)`;
    case 'maxLength':
      return `dài tối đa ${show(limit)} ký tự (must be at most ${show(limit)} characters)`;
    case 'minimum':
      return `phải lớn hơn hoặc bằng ${show(limit)} (must be >= ${show(limit)})`;
    case 'maximum':
      return `phải nhỏ hơn hoặc bằng ${show(limit)} (must be <= ${show(limit)})`;
    case 'exclusiveMinimum':
      return `phải lớn hơn ${show(limit)} (must be > ${show(limit)})`;
    case 'exclusiveMaximum':
      return `phải nhỏ hơn ${show(limit)} (must be < ${show(limit)})`;
    case 'minItems':
      return `phải có ít nhất ${show(limit)} phần tử (must have at least ${show(limit)} item${limit === 1 ? '' : 's'})`;
    case 'maxItems':
      return `có tối đa ${show(limit)} phần tử (must have at most ${show(limit)} items)`;
    case 'uniqueItems':
      return `phần tử thứ ${show(p['j'])} và ${show(p['i'])} trùng nhau (items ${show(p['j'])} and ${show(p['i'])} are duplicates)`;
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map(show).join(', ');
      return `phải là một trong: ${allowed} (must be one of: ${allowed})`;
    }
    case 'const':
      return `phải là ${show(p['allowedValue'])} (must be ${show(p['allowedValue'])})`;
    case 'contains':
      return 'thiếu giá trị bắt buộc trong mảng (array lacks a required value)';
    case 'pattern':
    case 'format': {
      const definition = /\/definitions\/([^/]+)\/(?:pattern|format)$/.exec(err.schemaPath)?.[1];
      const known = definition === undefined ? undefined : PATTERN_MESSAGES[definition];
      if (known !== undefined) return known;
      return err.keyword === 'format'
        ? `không đúng định dạng ${show(p['format'])} (must match format ${show(p['format'])})`
        : `không đúng định dạng ${show(p['pattern'])} (must match pattern ${show(p['pattern'])})`;
    }
    default:
      return `không hợp lệ (${err.message ?? 'invalid'})`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/data/assignees/0/role` → `data.assignees[0].role` (indexes where the data holds an array). */
export function pointerToField(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let field = '';
  let current: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      field += `[${segment}]`;
      current = current[Number(segment)];
    } else {
      field += field === '' ? segment : `.${segment}`;
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return field;
}

function joinField(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function withField(field: string, message: string): string {
  return field === '' ? message : `${field}: ${message}`;
}

function fieldError(errors: ErrorObject[] | null | undefined, root: unknown): FieldError {
  const err = errors?.[0];
  if (err === undefined) return { ok: false, field: '', error: 'dữ liệu không hợp lệ (invalid)' };
  let field = pointerToField(err.instancePath, root);
  if (err.keyword === 'required') field = joinField(field, String((err.params as { missingProperty: string }).missingProperty));
  if (err.keyword === 'additionalProperties') field = joinField(field, String((err.params as { additionalProperty: string }).additionalProperty));
  return { ok: false, field, error: withField(field, describe(err)) };
}

function fail(field: string, message: string): FieldError {
  return { ok: false, field, error: withField(field, message) };
}

// ---------------------------------------------------------------- instants

const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant WITH an offset (or Z) that exists: `2026-02-30T…`,
 * month 13, hour 24 or a missing offset are not.
 */
export function isRealInstant(value: string): boolean {
  const m = INSTANT_RE.exec(value);
  if (m === null) return false;
  const [, day, hh, mm, ss, oh, om] = m;
  if (day === undefined || !isValidDay(day)) return false;
  if (Number(hh) > 23 || Number(mm) > 59 || (ss !== undefined && Number(ss) > 59)) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

const NOT_A_REAL_INSTANT = 'không phải thời điểm có thật, ví dụ ngày 30/02 hay 24 giờ (not a real date and time)';

// ---------------------------------------------------------------- events

export type EventValidation =
  | { ok: true; known: true; event: KnownKpiEvent }
  | { ok: true; known: false; event: KpiEvent }
  | FieldError;

const OPTIONAL_SUBJECT_KEYS = ['title', 'docType', 'urgency', 'dueAt'] as const;
/** Optional, nullable `data` keys per type: null means absent. */
const OPTIONAL_DATA_KEYS: Record<string, readonly string[]> = {
  'task.assigned': ['workItemCode', 'quantity'],
};

/** The schema has checked the shape; this catches what a pattern cannot (30 February). */
function checkInstant(value: unknown, field: string): FieldError | undefined {
  if (typeof value !== 'string' || isRealInstant(value)) return undefined;
  return fail(field, INSTANT_RE.test(value) ? NOT_A_REAL_INSTANT : (PATTERN_MESSAGES['instant'] as string));
}

/** A copy with nulls of optional fields removed, `data` always an object, `unit.upserted` parentId always present. */
function normalizeEvent(raw: Record<string, unknown>): KpiEvent {
  const type = raw['type'] as string;
  const subject: Record<string, unknown> = { ...(raw['subject'] as Record<string, unknown>) };
  for (const key of OPTIONAL_SUBJECT_KEYS) if (subject[key] === null) delete subject[key];
  const data: Record<string, unknown> = isRecord(raw['data']) ? { ...raw['data'] } : {};
  for (const key of OPTIONAL_DATA_KEYS[type] ?? []) if (data[key] === null) delete data[key];
  if (type === 'unit.upserted' && data['parentId'] === undefined) data['parentId'] = null;
  return { ...raw, actor: { ...(raw['actor'] as Record<string, unknown>) }, subject, data } as unknown as KpiEvent;
}

/**
 * Checks one event: the envelope first, then, for a known type, that type's
 * own schema. An unknown type with a valid envelope is ok with known=false.
 * The event returned is a normalized copy (see normalizeEvent).
 */
export function validateEvent(raw: unknown): EventValidation {
  if (!isRecord(raw)) return fail('', 'sự kiện phải là một đối tượng JSON (an event must be a JSON object)');
  const envelope = getValidator(SCHEMA_FILES.event);
  if (!envelope(raw)) return fieldError(envelope.errors, raw);

  const subject = raw['subject'] as Record<string, unknown>;
  const bad = checkInstant(raw['occurredAt'], 'occurredAt') ?? checkInstant(subject['dueAt'], 'subject.dueAt');
  if (bad !== undefined) return bad;

  const type = raw['type'] as string;
  if (!isKnownEventType(type)) return { ok: true, known: false, event: normalizeEvent(raw) };

  const own = getValidator(eventSchemaFile(type));
  if (!own(raw)) return fieldError(own.errors, raw);
  if (type === 'task.extended') {
    const late = checkInstant((raw['data'] as Record<string, unknown>)['newDueAt'], 'data.newDueAt');
    if (late !== undefined) return late;
  }
  return { ok: true, known: true, event: normalizeEvent(raw) as KnownKpiEvent };
}

/**
 * Checks the shape of a batch body `{ "events": [...] }` (at most 1000).
 * The events themselves are checked one by one with validateEvent, so that a
 * bad event never fails the batch.
 */
export function validateEventBatch(raw: unknown): { ok: true; events: unknown[] } | FieldError {
  if (!isRecord(raw)) return fail('', 'lô sự kiện phải là một đối tượng JSON (a batch must be a JSON object)');
  const result = validateAgainst(SCHEMA_FILES.eventBatch, raw);
  return result.ok ? { ok: true, events: raw['events'] as unknown[] } : result;
}

// ---------------------------------------------------------------- settings

let partialSettingsValidator: ValidateFunction | undefined;

function settingsValidator(partial: boolean): ValidateFunction {
  if (!partial) return getValidator(SCHEMA_FILES.settings);
  if (partialSettingsValidator === undefined) {
    const full = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES.settings), 'utf8')) as Record<string, unknown>;
    const { required: _required, ...withoutRequired } = full;
    partialSettingsValidator = ajv().compile(withoutRequired);
  }
  return partialSettingsValidator;
}

function settingsError(field: string, message: string): ValidationError {
  return new ValidationError(withField(field, message), field);
}

/**
 * Checks an agency's settings. Whole (every key required) by default; with
 * `partial: true` any subset, e.g. the body of a PUT that changes two keys.
 * Returns a copy; throws ValidationError naming the unknown key or the wrong
 * field (400).
 */
export function validateSettings(raw: unknown, opts: { partial: true }): Partial<AgencySettings>;
export function validateSettings(raw: unknown, opts?: { partial?: false }): AgencySettings;
export function validateSettings(raw: unknown, opts?: { partial?: boolean }): AgencySettings | Partial<AgencySettings>;
export function validateSettings(raw: unknown, opts: { partial?: boolean } = {}): AgencySettings | Partial<AgencySettings> {
  if (!isRecord(raw)) throw settingsError('', 'cấu hình phải là một đối tượng JSON (settings must be a JSON object)');
  const validate = settingsValidator(opts.partial === true);
  if (!validate(raw)) {
    const { field, error } = fieldError(validate.errors, raw);
    throw new ValidationError(error, field);
  }
  const s = raw as Partial<AgencySettings>;
  if (s.timeZone !== undefined && !isValidTimeZone(s.timeZone)) {
    throw settingsError('timeZone', `không phải múi giờ IANA có thật: ${s.timeZone} (not a known IANA time zone)`);
  }
  for (const key of ['holidays', 'makeUpDays'] as const) {
    s[key]?.forEach((day, i) => {
      if (!isValidDay(day)) throw settingsError(`${key}[${i}]`, PATTERN_MESSAGES['day'] as string);
    });
  }
  if (s.holidays !== undefined && s.makeUpDays !== undefined) {
    const holidays = new Set(s.holidays);
    s.makeUpDays.forEach((day, i) => {
      if (holidays.has(day)) throw settingsError(`makeUpDays[${i}]`, `${day} cũng nằm trong holidays (also listed in holidays)`);
    });
  }
  s.hostOrigins?.forEach((origin, i) => {
    try {
      new URL(origin);
    } catch {
      throw settingsError(`hostOrigins[${i}]`, PATTERN_MESSAGES['origin'] as string);
    }
  });
  const copy: Partial<AgencySettings> = { ...s };
  if (s.holidays !== undefined) copy.holidays = [...s.holidays];
  if (s.makeUpDays !== undefined) copy.makeUpDays = [...s.makeUpDays];
  if (s.hostOrigins !== undefined) copy.hostOrigins = [...s.hostOrigins];
  return copy;
}

// ---------------------------------------------------------------- manifest

function manifestError(field: string, message: string): ValidationError {
  return new ValidationError(withField(field, message), field, 'invalid_manifest');
}

function matchesType(value: unknown, type: ManifestSetting['type'] | NonNullable<ManifestSetting['items']>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
  }
}

function checkUnique<T>(items: readonly T[], key: (item: T) => string, field: (i: number) => string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) throw manifestError(field(i), `trùng lặp: ${k} (duplicate)`);
    seen.add(k);
  });
}

/**
 * Checks a plugin manifest against plugin-manifest.schema.json and the rules
 * a schema cannot say: unique ids, every route's permission declared, roles
 * and permission on user routes only, defaults of the declared type.
 * Throws ValidationError naming the field.
 */
export function validateManifest(raw: unknown): PluginManifest {
  if (!isRecord(raw)) throw manifestError('', 'manifest phải là một đối tượng JSON (the manifest must be a JSON object)');
  const validate = getValidator(SCHEMA_FILES.pluginManifest);
  if (!validate(raw)) {
    const { field, error } = fieldError(validate.errors, raw);
    throw new ValidationError(error, field, 'invalid_manifest');
  }
  const m = raw as unknown as PluginManifest;

  checkUnique(m.panels, (p) => p.id, (i) => `panels[${i}].id`);
  checkUnique(m.routes, (r) => `${r.method} ${r.path}`, (i) => `routes[${i}].path`);
  checkUnique(m.permissions, (p) => p.id, (i) => `permissions[${i}].id`);
  checkUnique(m.settings, (s) => s.key, (i) => `settings[${i}].key`);

  m.routes.forEach((route, i) => {
    if (route.auth === 'user') {
      if (route.roles === undefined) throw manifestError(`routes[${i}].roles`, 'thiếu trường bắt buộc khi auth là user (required when auth is user)');
      if (route.permission === undefined) throw manifestError(`routes[${i}].permission`, 'thiếu trường bắt buộc khi auth là user (required when auth is user)');
      const permission = m.permissions.find((p) => p.id === route.permission);
      if (permission === undefined) {
        throw manifestError(`routes[${i}].permission`, `quyền ${route.permission} chưa được khai báo trong permissions (permission not declared)`);
      }
      const ungranted = route.roles.find((role) => permission.roles !== undefined && !permission.roles.includes(role));
      if (ungranted !== undefined) {
        throw manifestError(`routes[${i}].roles`, `vai trò ${ungranted} không được cấp quyền ${permission.id} (role ${ungranted} is not granted ${permission.id})`);
      }
    } else {
      if (route.roles !== undefined) throw manifestError(`routes[${i}].roles`, `chỉ dùng khi auth là user (only for auth user, not ${route.auth})`);
      if (route.permission !== undefined) throw manifestError(`routes[${i}].permission`, `chỉ dùng khi auth là user (only for auth user, not ${route.auth})`);
    }
  });

  m.settings.forEach((setting, i) => {
    const field = `settings[${i}].default`;
    if (!matchesType(setting.default, setting.type)) throw manifestError(field, `phải có kiểu ${setting.type} (must be of type ${setting.type})`);
    if (setting.type === 'array') {
      if (setting.items === undefined) throw manifestError(`settings[${i}].items`, 'thiếu trường bắt buộc khi type là array (required when type is array)');
      const itemType = setting.items;
      (setting.default as unknown[]).forEach((v, j) => {
        if (!matchesType(v, itemType)) throw manifestError(`${field}[${j}]`, `phải có kiểu ${itemType} (must be of type ${itemType})`);
      });
    }
    if (setting.enum !== undefined && !setting.enum.some((v) => v === setting.default)) {
      throw manifestError(field, 'phải là một giá trị của enum (must be one of enum)');
    }
    if (typeof setting.default === 'number') {
      if (setting.minimum !== undefined && setting.default < setting.minimum) throw manifestError(field, `phải lớn hơn hoặc bằng ${setting.minimum} (must be >= ${setting.minimum})`);
      if (setting.maximum !== undefined && setting.default > setting.maximum) throw manifestError(field, `phải nhỏ hơn hoặc bằng ${setting.maximum} (must be <= ${setting.maximum})`);
    }
  });

  if (!m.locales.available.includes(m.locales.default)) {
    throw manifestError('locales.default', `phải nằm trong locales.available (must be one of locales.available)`);
  }
  return m;
}

/** Reads and validates plugin-manifest.json (by default the package's own). */
export function loadManifest(manifestPath: string = MANIFEST_PATH): PluginManifest {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (e) {
    throw new ConfigError('plugin-manifest.json', `không đọc được ${manifestPath} (cannot read the manifest): ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw manifestError('', `${manifestPath} không phải JSON hợp lệ (not valid JSON): ${(e as Error).message}`);
  }
  return validateManifest(parsed);
}
