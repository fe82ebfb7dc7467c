/**
 * Checks a plugin manifest against plugin-manifest.schema.json, plus the
 * rules a schema cannot say, and reads the package's own plugin-manifest.json.
 */
import { ConfigError, ValidationError } from '../domain/errors';
import { isPlainObject } from '../domain/objects';
import { getValidator, SCHEMA_FILES } from './ajv';
import type { ManifestSetting, PluginManifest } from './events';
import { fieldError, withField } from './messages';
import { MANIFEST_PATH, readTextFile } from './package-files';

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
    case 'object':
      return isPlainObject(value);
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
  if (!isPlainObject(raw)) throw manifestError('', 'manifest phải là một đối tượng JSON (the manifest must be a JSON object)');
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
    text = readTextFile(manifestPath);
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
