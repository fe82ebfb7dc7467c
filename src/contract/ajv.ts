/**
 * The shared Ajv: one instance, built on first use, loads every
 * *.schema.json of SCHEMA_DIR (the published JSON Schemas, draft-07) under
 * its file name, so `"$ref": "event.schema.json"` resolves here exactly as it
 * does for a C# or Java host reading the same folder. Each schema is compiled
 * once, on first use, and the compiled validator is reused.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ConfigError } from '../domain/errors';
import { fieldError, type FieldError } from './messages';
import { listSchemaFiles, readSchemaFile, SCHEMA_DIR } from './package-files';

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
  workItem: 'work-item.schema.json',
  catalogueChange: 'catalogue-change.schema.json',
} as const;

/** The schema file of a known event type: `task.assigned` → `task.assigned.schema.json`. */
export function eventSchemaFile(type: string): string {
  return `${type}.schema.json`;
}

let sharedAjv: Ajv | undefined;

function ajv(): Ajv {
  if (sharedAjv !== undefined) return sharedAjv;
  let files: string[];
  try {
    files = listSchemaFiles();
  } catch (e) {
    throw new ConfigError('SCHEMA_DIR', `không đọc được thư mục JSON Schema ${SCHEMA_DIR} (cannot read the schema folder): ${(e as Error).message}`);
  }
  // strict: unknown keywords, ambiguous types and missing `type`s are schema bugs.
  // allowUnionTypes: `["string", "null"]` is how the schemas say "optional, null = absent".
  const instance = new Ajv({ strict: true, allErrors: false, allowUnionTypes: true });
  addFormats(instance, ['date']);
  for (const file of files) instance.addSchema(readSchemaFile(file), file);
  sharedAjv = instance;
  return instance;
}

/** The compiled validator of one schema file of SCHEMA_DIR (compiled once, on first use). */
export function getValidator(schemaFile: string): ValidateFunction {
  const validate = ajv().getSchema(schemaFile);
  if (validate === undefined) throw new ConfigError('SCHEMA_DIR', `không có JSON Schema ${schemaFile} trong ${SCHEMA_DIR} (schema not found)`);
  return validate;
}

/** Compiles a schema that is not a file of SCHEMA_DIR (it may `$ref` them); the caller keeps the result. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  return ajv().compile(schema);
}

/** Validates `raw` against one schema file; the first problem names its field. */
export function validateAgainst(schemaFile: string, raw: unknown): { ok: true } | FieldError {
  const validate = getValidator(schemaFile);
  if (validate(raw)) return { ok: true };
  return fieldError(validate.errors, raw);
}
