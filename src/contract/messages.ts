/**
 * What a failed check says. Every error names the offending field as a dotted
 * path (`subject.dueAt`, `data.assignees[0].role`) and says what is wrong,
 * Vietnamese first, then English in parentheses.
 */
import type { ErrorObject } from 'ajv';
import { isPlainObject } from '../domain/objects';

export type FieldError = { ok: false; field: string; error: string };

/** Messages of `pattern`/`format` failures, by the name of the schema definition that failed. */
export const PATTERN_MESSAGES: Record<string, string> = {
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
      current = isPlainObject(current) ? current[segment] : undefined;
    }
  }
  return field;
}

function joinField(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** `field: message`, or the message alone for the whole value (field ''). */
export function withField(field: string, message: string): string {
  return field === '' ? message : `${field}: ${message}`;
}

/** The first of Ajv's errors, naming its field (a missing or unknown key is named itself). */
export function fieldError(errors: ErrorObject[] | null | undefined, root: unknown): FieldError {
  const err = errors?.[0];
  if (err === undefined) return { ok: false, field: '', error: 'dữ liệu không hợp lệ (invalid)' };
  let field = pointerToField(err.instancePath, root);
  if (err.keyword === 'required') field = joinField(field, String((err.params as { missingProperty: string }).missingProperty));
  if (err.keyword === 'additionalProperties') field = joinField(field, String((err.params as { additionalProperty: string }).additionalProperty));
  return { ok: false, field, error: withField(field, describe(err)) };
}

/** A failure found by a check of our own (not Ajv's). */
export function fail(field: string, message: string): FieldError {
  return { ok: false, field, error: withField(field, message) };
}
