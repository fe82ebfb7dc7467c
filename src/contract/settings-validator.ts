/**
 * Checks an agency's settings (GET/PUT /api/v1/settings) against
 * settings.schema.json, plus what a schema cannot say: a real IANA zone, real
 * days, no day both a holiday and a make-up day, parseable origins.
 */
import type { ValidateFunction } from 'ajv';
import { ValidationError } from '../domain/errors';
import { isPlainObject } from '../domain/objects';
import { isValidDay, isValidTimeZone } from '../domain/time';
import { positionKey } from '../scoring/quota';
import { compileSchema, getValidator, SCHEMA_FILES } from './ajv';
import type { AgencySettings } from './events';
import { fieldError, PATTERN_MESSAGES, withField } from './messages';
import { readSchemaFile } from './package-files';

let partialSettingsValidator: ValidateFunction | undefined;

/** The whole schema, or (compiled once, on first use) the same without its `required`. */
function settingsValidator(partial: boolean): ValidateFunction {
  if (!partial) return getValidator(SCHEMA_FILES.settings);
  if (partialSettingsValidator === undefined) {
    const { required: _required, ...withoutRequired } = readSchemaFile(SCHEMA_FILES.settings);
    partialSettingsValidator = compileSchema(withoutRequired);
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
  if (!isPlainObject(raw)) throw settingsError('', 'cấu hình phải là một đối tượng JSON (settings must be a JSON object)');
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
  const groupIds = new Set<string>();
  const positions = new Map<string, string>();
  s.quotaGroups?.forEach((g, i) => {
    if (groupIds.has(g.id)) throw settingsError(`quotaGroups[${i}].id`, `trùng mã nhóm ${g.id} (duplicate group id)`);
    groupIds.add(g.id);
    g.positions.forEach((pos, j) => {
      const key = positionKey(pos);
      const other = positions.get(key);
      if (other !== undefined) throw settingsError(`quotaGroups[${i}].positions[${j}]`, `chức vụ "${pos}" đã thuộc nhóm ${other} (position already in group ${other})`);
      positions.set(key, g.id);
    });
  });
  const copy: Partial<AgencySettings> = { ...s };
  if (s.quotaGroups !== undefined) copy.quotaGroups = s.quotaGroups.map((g) => ({ id: g.id, name: g.name, positions: [...g.positions] }));
  if (s.report !== undefined) copy.report = { ...s.report };
  if (s.pull !== undefined) copy.pull = { ...s.pull, columns: { ...s.pull.columns } };
  if (s.holidays !== undefined) copy.holidays = [...s.holidays];
  if (s.makeUpDays !== undefined) copy.makeUpDays = [...s.makeUpDays];
  if (s.hostOrigins !== undefined) copy.hostOrigins = [...s.hostOrigins];
  return copy;
}
