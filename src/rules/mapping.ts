/**
 * Mapping rules: which work item, quantity and coefficient an event produces.
 * Rules are data (docs/integrators.md (events)), editable by the integrator; this module ships
 * the Vietnamese default set and the check run whenever rules are edited.
 * Pure: no I/O.
 */
import { isPlainObject } from '../domain/objects';
import { isPositiveNumber, type WorkItem } from './catalogue';

export type RuleScalar = string | number | boolean;

export interface MappingRule {
  /** Stable, unique id; recorded on every entry the rule makes. */
  id: string;
  /** The event type it applies to, e.g. `document.drafted`. */
  eventType: string;
  /**
   * Conditions, all of which must hold. Keys are dotted paths into the event
   * (`subject.docType`, `data.role`); a scalar must equal the value there, an
   * array must contain it. Where the event value is itself an array, any of
   * its elements may match.
   */
  when?: Record<string, RuleScalar | RuleScalar[]>;
  workItemCode: string;
  /** A number, or a dotted path to read it from the event. Default 1. */
  quantity?: number | { path: string };
  /** Default 1. */
  coefficient?: number;
  /**
   * Multipliers chosen by a value in the event, e.g.
   * `{ "subject.urgency": { "hoa-toc": 1.5, "khan": 1.2, "thuong": 1 } }`.
   * A missing value, or one not in the table, multiplies by 1.
   */
  coefficientBy?: Record<string, Record<string, number>>;
  /** Lower wins; ties go to the rule that comes first in the list. */
  priority: number;
  active: boolean;
}

/** Event types that make a journal entry for the actor (docs/integrators.md (events)). Rules only make sense for these. */
export const ENTRY_EVENT_TYPES = [
  'document.received',
  'document.processed',
  'document.drafted',
  'document.signed',
  'document.issued',
  'task.completed',
] as const;
export type EntryEventType = (typeof ENTRY_EVENT_TYPES)[number];

/** The event types of docs/integrators.md (events) live in the contract; the rules re-export them for their callers. */
export { KNOWN_EVENT_TYPES, isKnownEventType, type KnownEventType } from '../contract/events';

export function isEntryEventType(type: string): type is EntryEventType {
  return (ENTRY_EVENT_TYPES as readonly string[]).includes(type);
}

/** Độ khẩn (urgency) of a document: thường, khẩn, thượng khẩn, hỏa tốc. */
export const URGENCY_COEFFICIENTS: Readonly<Record<string, number>> = Object.freeze({
  thuong: 1,
  khan: 1.2,
  'thuong-khan': 1.3,
  'hoa-toc': 1.5,
});

/** A co-drafter (role `support`) gets half the credit of the main drafter. */
export const DRAFT_ROLE_COEFFICIENTS: Readonly<Record<string, number>> = Object.freeze({
  main: 1,
  support: 0.5,
});

/** The top-level fields of an event a path may start with. */
export const EVENT_PATH_ROOTS: readonly string[] = ['id', 'type', 'occurredAt', 'agency', 'actor', 'subject', 'data'];

const PATH_SEGMENT_RE = /^[A-Za-z0-9_-]+$/;
/** Path segments that would reach an object's prototype: never valid, never followed. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * A path the planner can follow: dot-separated segments of letters, digits,
 * `_` or `-`, starting with one of `EVENT_PATH_ROOTS` (e.g. `subject.urgency`,
 * `data.assignees.0.userId`).
 */
export function isValidEventPath(path: unknown): path is string {
  if (typeof path !== 'string' || path === '') return false;
  const segments = path.split('.');
  if (!EVENT_PATH_ROOTS.includes(segments[0] as string)) return false;
  return segments.every((s) => PATH_SEGMENT_RE.test(s) && !FORBIDDEN_SEGMENTS.has(s));
}

function drafted(id: string, docTypes: string[] | null, workItemCode: string, priority: number): MappingRule {
  return {
    id,
    eventType: 'document.drafted',
    ...(docTypes === null ? {} : { when: { 'subject.docType': docTypes } }),
    workItemCode,
    coefficientBy: { 'subject.urgency': { ...URGENCY_COEFFICIENTS }, 'data.role': { ...DRAFT_ROLE_COEFFICIENTS } },
    priority,
    active: true,
  };
}

/** document.processed in one role; `byUrgency` scales it by the document's urgency. */
function processed(role: string, workItemCode: string, priority: number, byUrgency: boolean): MappingRule {
  return {
    id: `doc-processed-${role}`,
    eventType: 'document.processed',
    when: { 'data.role': role },
    workItemCode,
    ...(byUrgency ? { coefficientBy: { 'subject.urgency': { ...URGENCY_COEFFICIENTS } } } : {}),
    priority,
    active: true,
  };
}

/**
 * The default rules, against `DEFAULT_CATALOGUE`. Every entry-making event type
 * has at least one rule; `document.processed` with a role other than main,
 * support or info deliberately matches nothing, so it shows up as a suggestion
 * instead of a guessed entry.
 */
export const DEFAULT_RULES: MappingRule[] = [
  { id: 'doc-received', eventType: 'document.received', workItemCode: 'VT-01', priority: 100, active: true },

  processed('main', 'CV-01', 10, true),
  processed('support', 'CV-02', 20, true),
  processed('info', 'CV-03', 30, false),

  drafted('doc-drafted-cong-van', ['cong-van'], 'CV-04', 10),
  drafted('doc-drafted-to-trinh', ['to-trinh'], 'CV-05', 20),
  drafted('doc-drafted-bao-cao', ['bao-cao'], 'CV-06', 30),
  drafted('doc-drafted-quyet-dinh', ['quyet-dinh'], 'CV-07', 40),
  drafted('doc-drafted-ke-hoach', ['ke-hoach'], 'CV-08', 50),
  drafted('doc-drafted-other', null, 'CV-09', 900),

  { id: 'doc-signed', eventType: 'document.signed', workItemCode: 'LD-01', priority: 100, active: true },
  { id: 'doc-issued', eventType: 'document.issued', workItemCode: 'VT-03', priority: 100, active: true },

  // The planner replaces the work item (and quantity) by the task assignment's
  // when the task was assigned with one; this rule supplies the fallback item
  // and the coefficient.
  {
    id: 'task-completed',
    eventType: 'task.completed',
    workItemCode: 'CV-16',
    coefficientBy: { 'subject.urgency': { ...URGENCY_COEFFICIENTS } },
    priority: 900,
    active: true,
  },
];

/** A deep copy, for an agency to edit without touching the shipped default. */
export function cloneRules(rules: readonly MappingRule[] = DEFAULT_RULES): MappingRule[] {
  return JSON.parse(JSON.stringify(rules)) as MappingRule[];
}

export type RuleProblemCode =
  | 'bad_id'
  | 'duplicate_id'
  | 'unknown_event_type'
  | 'unknown_work_item'
  | 'inactive_work_item'
  | 'bad_path'
  | 'bad_condition'
  | 'bad_quantity'
  | 'bad_coefficient'
  | 'bad_priority'
  | 'bad_active'
  | 'unreachable';

export interface RuleProblem {
  /** Position of the rule in the list (0-based). */
  index: number;
  ruleId: string | null;
  /** The offending field, e.g. `workItemCode`, `when.subject.docType`, `coefficientBy.subject.urgency.khan`. */
  field: string;
  problem: RuleProblemCode;
  /** `error`: the rule set must not be saved; `warning`: it works, but probably not as meant. */
  severity: 'error' | 'warning';
  message: string;
}

function isScalar(v: unknown): v is RuleScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function isActiveRule(r: unknown): r is MappingRule {
  return isPlainObject(r) && r.active === true;
}

/**
 * Lists every problem in a rule set against a catalogue: ids, event types,
 * unknown or inactive work items, malformed paths, conditions, quantities,
 * coefficients and priorities, and rules that can never fire because an
 * unconditional rule of the same event type comes before them.
 * Accepts whatever was parsed from the integrator's JSON; never throws.
 */
export function validateRules(rules: readonly MappingRule[], catalogue: readonly WorkItem[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!Array.isArray(rules)) {
    return [{ index: -1, ruleId: null, field: '', problem: 'bad_condition', severity: 'error', message: 'Bộ quy tắc phải là một danh sách (rules must be an array)' }];
  }
  const items = new Map(catalogue.map((i) => [i.code, i]));
  const seenIds = new Set<string>();

  rules.forEach((raw: unknown, index) => {
    const rule = isPlainObject(raw) ? raw : {};
    const ruleId = typeof rule.id === 'string' ? rule.id : null;
    const add = (field: string, problem: RuleProblemCode, message: string, severity: 'error' | 'warning' = 'error'): void => {
      problems.push({ index, ruleId, field, problem, severity, message });
    };

    if (ruleId === null || ruleId.trim() === '') {
      add('id', 'bad_id', 'Mã quy tắc phải là chuỗi khác rỗng (id must be a non-empty string)');
    } else if (seenIds.has(ruleId)) {
      add('id', 'duplicate_id', `Mã quy tắc "${ruleId}" bị trùng (duplicate id)`);
    } else {
      seenIds.add(ruleId);
    }

    if (typeof rule.eventType !== 'string' || !isEntryEventType(rule.eventType)) {
      add(
        'eventType',
        'unknown_event_type',
        `Loại sự kiện "${String(rule.eventType)}" không tạo mục nhật ký; dùng một trong: ${ENTRY_EVENT_TYPES.join(', ')} (unknown event type)`,
      );
    }

    const code = rule.workItemCode;
    if (typeof code !== 'string' || !items.has(code)) {
      add('workItemCode', 'unknown_work_item', `Đầu công việc "${String(code)}" không có trong danh mục (unknown work item)`);
    } else if (items.get(code)?.active !== true) {
      add('workItemCode', 'inactive_work_item', `Đầu công việc "${code}" đang ngừng sử dụng: quy tắc sẽ bị bỏ qua (inactive work item)`, 'warning');
    }

    if (rule.when !== undefined) {
      if (!isPlainObject(rule.when)) {
        add('when', 'bad_condition', 'Điều kiện "when" phải là một đối tượng (when must be an object)');
      } else {
        for (const [path, expected] of Object.entries(rule.when)) {
          if (!isValidEventPath(path)) {
            add(`when.${path}`, 'bad_path', `Đường dẫn "${path}" không hợp lệ; bắt đầu bằng ${EVENT_PATH_ROOTS.join('|')} (bad path)`);
          }
          const ok = Array.isArray(expected) ? expected.length > 0 && expected.every(isScalar) : isScalar(expected);
          if (!ok) add(`when.${path}`, 'bad_condition', `Giá trị so khớp của "${path}" phải là chuỗi, số, true/false hoặc danh sách khác rỗng của chúng (bad condition)`);
        }
      }
    }

    const q = rule.quantity;
    if (q !== undefined) {
      if (typeof q === 'number') {
        if (!isPositiveNumber(q)) add('quantity', 'bad_quantity', 'Số lượng phải là số dương (quantity must be positive)');
      } else if (isPlainObject(q) && Object.keys(q).length === 1 && 'path' in q) {
        if (!isValidEventPath(q.path)) add('quantity.path', 'bad_path', `Đường dẫn số lượng "${String(q.path)}" không hợp lệ (bad path)`);
      } else {
        add('quantity', 'bad_quantity', 'Số lượng phải là số dương hoặc { "path": "..." } (bad quantity)');
      }
    }

    if (rule.coefficient !== undefined && !isPositiveNumber(rule.coefficient)) {
      add('coefficient', 'bad_coefficient', 'Hệ số quy đổi phải là số dương (coefficient must be positive)');
    }

    if (rule.coefficientBy !== undefined) {
      if (!isPlainObject(rule.coefficientBy)) {
        add('coefficientBy', 'bad_coefficient', 'coefficientBy phải là một đối tượng (coefficientBy must be an object)');
      } else {
        for (const [path, table] of Object.entries(rule.coefficientBy)) {
          if (!isValidEventPath(path)) add(`coefficientBy.${path}`, 'bad_path', `Đường dẫn "${path}" không hợp lệ (bad path)`);
          if (!isPlainObject(table)) {
            add(`coefficientBy.${path}`, 'bad_coefficient', `Bảng hệ số của "${path}" phải là một đối tượng (coefficient table must be an object)`);
            continue;
          }
          for (const [value, factor] of Object.entries(table)) {
            if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
              add(`coefficientBy.${path}.${value}`, 'bad_coefficient', `Hệ số cho "${value}" phải là số không âm (factor must be a non-negative number)`);
            }
          }
        }
      }
    }

    if (typeof rule.priority !== 'number' || !Number.isFinite(rule.priority)) {
      add('priority', 'bad_priority', 'Độ ưu tiên phải là một số (priority must be a number)');
    }
    if (typeof rule.active !== 'boolean') add('active', 'bad_active', 'Trường active phải là true/false (active must be a boolean)');
  });

  // Shadowing: an active unconditional rule, with an active item, takes every
  // event of its type; active rules of that type sorted after it never fire.
  const order = rules
    .map((r, index) => ({ r: r as unknown, index }))
    .filter((x): x is { r: MappingRule; index: number } => isActiveRule(x.r) && typeof x.r.priority === 'number' && Number.isFinite(x.r.priority))
    .sort((a, b) => a.r.priority - b.r.priority || a.index - b.index);
  const catchAll = new Map<string, MappingRule>();
  for (const { r, index } of order) {
    const shadow = catchAll.get(r.eventType);
    if (shadow !== undefined) {
      problems.push({
        index,
        ruleId: typeof r.id === 'string' ? r.id : null,
        field: 'priority',
        problem: 'unreachable',
        severity: 'warning',
        message: `Quy tắc không bao giờ được áp dụng vì quy tắc "${shadow.id}" không có điều kiện và đứng trước (unreachable)`,
      });
      continue;
    }
    const unconditional = r.when === undefined || (isPlainObject(r.when) && Object.keys(r.when).length === 0);
    if (unconditional && items.get(r.workItemCode)?.active === true) catchAll.set(r.eventType, r);
  }

  return problems.sort((a, b) => a.index - b.index);
}
