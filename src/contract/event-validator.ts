/**
 * Checks what a host sends to the webhook: one event (its envelope, then its
 * known type's own schema) or the shape of a batch, plus what a schema cannot
 * express portably (a real calendar instant).
 */
import { isPlainObject } from '../domain/objects';
import { isValidDay } from '../domain/time';
import { eventSchemaFile, getValidator, SCHEMA_FILES, validateAgainst } from './ajv';
import { isKnownEventType, type KnownKpiEvent, type KpiEvent } from './events';
import { fail, fieldError, PATTERN_MESSAGES, type FieldError } from './messages';

// ---------------------------------------------------------------- instants

const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant WITH an offset (or Z) that exists: `2026-02-30T…`,
 * month 13, hour 24 or a missing offset are not.
 */
export function isRealInstant(value: string): boolean {
  // Once the pattern holds, every part sits at a known place: YYYY-MM-DDTHH:MM[:SS[.f…]](Z|±HH:MM).
  // Read there rather than from exec's captures: this runs for every event, and exec built an
  // array and seven strings each time.
  if (!INSTANT_RE.test(value)) return false;
  if (!isValidDay(value.slice(0, 10))) return false;
  if (twoDigits(value, 11) > 23 || twoDigits(value, 14) > 59 || (value.charCodeAt(16) === COLON && twoDigits(value, 17) > 59)) return false;
  const n = value.length;
  if (value.charCodeAt(n - 1) !== LETTER_Z && (twoDigits(value, n - 5) > 23 || twoDigits(value, n - 2) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

const COLON = 58;
const LETTER_Z = 90;

/** The number written by the two ASCII digits at `i`. */
function twoDigits(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

const NOT_A_REAL_INSTANT = 'không phải thời điểm có thật, ví dụ ngày 30/02 hay 24 giờ (not a real date and time)';

/** The schema has checked the shape; this catches what a pattern cannot (30 February). */
function checkInstant(value: unknown, field: string): FieldError | undefined {
  if (typeof value !== 'string' || isRealInstant(value)) return undefined;
  return fail(field, INSTANT_RE.test(value) ? NOT_A_REAL_INSTANT : (PATTERN_MESSAGES['instant'] as string));
}

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

const ASCII = /^[\x00-\x7f]*$/;

/** A string in NFC; plain ASCII (ids, codes, instants: most strings) is NFC already and skips the normaliser. */
function nfc(s: string): string {
  return ASCII.test(s) ? s : s.normalize('NFC');
}

/** A deep copy whose strings and keys are in NFC (as domain/text toNfc, in the same pass as the copy normalizeEvent makes anyway). */
function nfcCopy(v: unknown): unknown {
  if (typeof v === 'string') return nfc(v);
  if (Array.isArray(v)) return v.map(nfcCopy);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    // Own keys in Object.keys' order, without the array of them (four objects per event).
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) out[nfc(k)] = nfcCopy((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * A copy, in Unicode NFC (Vietnamese text arrives in NFD from some Windows clients), with nulls
 * of optional fields removed, `data` always an object, `unit.upserted` parentId always present.
 * One copy for both: the intake used to copy the envelope here and every string again for NFC.
 */
function normalizeEvent(raw: Record<string, unknown>): KpiEvent {
  const type = raw['type'] as string;
  const event = nfcCopy(raw) as Record<string, unknown>;
  const subject = event['subject'] as Record<string, unknown>;
  for (const key of OPTIONAL_SUBJECT_KEYS) if (subject[key] === null) delete subject[key];
  const data: Record<string, unknown> = isPlainObject(event['data']) ? event['data'] : {};
  for (const key of OPTIONAL_DATA_KEYS[type] ?? []) if (data[key] === null) delete data[key];
  if (type === 'unit.upserted' && data['parentId'] === undefined) data['parentId'] = null;
  event['data'] = data;
  return event as unknown as KpiEvent;
}

/** The compiled validators, looked up once: ajv's getSchema resolves its id on every call. */
const validators = new Map<string, ReturnType<typeof getValidator>>();
function validatorOf(schemaFile: string): ReturnType<typeof getValidator> {
  let v = validators.get(schemaFile);
  if (v === undefined) validators.set(schemaFile, (v = getValidator(schemaFile)));
  return v;
}

/**
 * Checks one event: the envelope first, then, for a known type, that type's
 * own schema. An unknown type with a valid envelope is ok with known=false.
 * The event returned is a normalized copy in NFC (see normalizeEvent).
 */
export function validateEvent(raw: unknown): EventValidation {
  if (!isPlainObject(raw)) return fail('', 'sự kiện phải là một đối tượng JSON (an event must be a JSON object)');
  const envelope = validatorOf(SCHEMA_FILES.event);
  if (!envelope(raw)) return fieldError(envelope.errors, raw);

  const subject = raw['subject'] as Record<string, unknown>;
  const bad = checkInstant(raw['occurredAt'], 'occurredAt') ?? checkInstant(subject['dueAt'], 'subject.dueAt');
  if (bad !== undefined) return bad;

  const type = raw['type'] as string;
  if (!isKnownEventType(type)) return { ok: true, known: false, event: normalizeEvent(raw) };

  const own = validatorOf(eventSchemaFile(type));
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
  if (!isPlainObject(raw)) return fail('', 'lô sự kiện phải là một đối tượng JSON (a batch must be a JSON object)');
  const result = validateAgainst(SCHEMA_FILES.eventBatch, raw);
  return result.ok ? { ok: true, events: raw['events'] as unknown[] } : result;
}
