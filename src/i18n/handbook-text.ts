/**
 * The KPI handbook (Sổ tay KPI) in words, once for its two forms — the printable workbook
 * and the admin panel's page: the catalogue's items in use, grouped by sector and then by
 * group, and each active mapping rule said as a sentence.
 */
import type { Locale } from '../domain/principal';
import { WORK_ITEM_GROUPS, type WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';
import type { SectorTemplate } from '../rules/sector-templates';
import { groupText, kindText, sectorText } from './catalogue-text';
import { formatNumber, msgKey, t } from './i18n';

export interface HandbookItem { no: number; code: string; name: string; unit: string; minutes: number; kind: string; max: number }
export interface HandbookGroup { label: string; items: HandbookItem[] }
export interface HandbookSection { label: string; groups: HandbookGroup[] }
export interface HandbookRule { no: number; id: string; sentence: string }
export interface Handbook { sections: HandbookSection[]; rules: HandbookRule[]; itemCount: number }

const EVENT_KEYS: Readonly<Record<string, string>> = {
  'document.received': msgKey('handbook.event.document.received'),
  'document.processed': msgKey('handbook.event.document.processed'),
  'document.drafted': msgKey('handbook.event.document.drafted'),
  'document.signed': msgKey('handbook.event.document.signed'),
  'document.issued': msgKey('handbook.event.document.issued'),
  'task.completed': msgKey('handbook.event.task.completed'),
};

const list = (l: Locale, xs: ReadonlyArray<string | number | boolean>): string => xs.map(String).join(t(l, 'handbook.or'));

/** One rule as a sentence: when which event (with which conditions), which item, quantity and coefficient. */
export function ruleSentence(l: Locale, r: MappingRule, items: ReadonlyMap<string, WorkItem>): string {
  const eventKey = EVENT_KEYS[r.eventType];
  const event = eventKey ? t(l, eventKey, { type: r.eventType }) : r.eventType;
  const conditions = Object.entries(r.when ?? {}).map(([path, v]) => t(l, 'handbook.rule.condition', { path, values: list(l, Array.isArray(v) ? v : [v]) }));
  const item = items.get(r.workItemCode);
  const quantity = r.quantity === undefined ? '1' : typeof r.quantity === 'number' ? formatNumber(l, r.quantity, 2, true) : t(l, 'handbook.rule.quantityFrom', { path: r.quantity.path });
  const by = Object.entries(r.coefficientBy ?? {}).map(([path, table]) => t(l, 'handbook.rule.coefficientBy', {
    path, table: Object.entries(table).map(([k, x]) => `${k} × ${formatNumber(l, x, 4, true)}`).join('; '),
  }));
  const coefficient = [formatNumber(l, r.coefficient ?? 1, 4, true), ...by].join(t(l, 'handbook.and'));
  return t(l, 'handbook.rule.sentence', {
    event,
    conditions: conditions.length > 0 ? t(l, 'handbook.rule.when', { conditions: conditions.join(t(l, 'handbook.and')) }) : '',
    item: item ? `${r.workItemCode} – ${l === 'en' && item.nameEn ? item.nameEn : item.name}` : r.workItemCode,
    quantity,
    coefficient,
  });
}

/** The handbook of a catalogue and its rules: items in use by sector (general first, then templates, then others) and group. */
export function buildHandbook(l: Locale, input: { items: readonly WorkItem[]; rules: readonly MappingRule[]; templates: readonly SectorTemplate[] }): Handbook {
  const names = new Map(input.templates.map((tpl) => [tpl.id, tpl.name]));
  const order = ['', ...input.templates.map((tpl) => tpl.id)];
  const active = input.items.filter((i) => i.active);
  const sectors = [...new Set(active.map((i) => i.sector ?? ''))].sort((a, b) => {
    const ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
    const ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
  let no = 0;
  const sections = sectors.map((sector) => ({
    label: sectorText(l, sector, names),
    groups: WORK_ITEM_GROUPS.map((g) => ({
      label: groupText(l, g),
      items: active.filter((i) => (i.sector ?? '') === sector && i.group === g).map((i) => ({
        no: ++no, code: i.code, name: l === 'en' && i.nameEn ? i.nameEn : i.name, unit: i.unit, minutes: i.standardMinutes, kind: kindText(l, i.kind), max: i.maxQuantityPerEntry,
      })),
    })).filter((g) => g.items.length > 0),
  }));
  const byCode = new Map(input.items.map((i) => [i.code, i]));
  const rules = input.rules.filter((r) => r.active).map((r, k) => ({ no: k + 1, id: r.id, sentence: ruleSentence(l, r, byCode) }));
  return { sections, rules, itemCount: no };
}
