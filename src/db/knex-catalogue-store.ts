import type { Knex } from 'knex';
import type { WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';
import type { CatalogueStore, StoredWorkItem } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { sameWorkItem } from '../rules/work-item-input';
import { chunkForParams, MAX_INSERT_ROWS, parseJson, toBool, toNum } from './rows';

/** Work items, versioned (kpi_work_items), and mapping rules (kpi_mapping_rules). */
export class KnexCatalogueStore implements CatalogueStore {
  constructor(private readonly db: Knex | Knex.Transaction, private readonly dialect: SqlDialect) {}

  async current(agency: string): Promise<StoredWorkItem[]> {
    const rows = await this.db('kpi_work_items').where({ agency_code: agency, current: true }).orderBy('code');
    return rows.map(mapWorkItem);
  }

  /**
   * Saves items as new versions: an item whose fields changed gets version + 1 (the old
   * version stays, closed, so that entries keep the standard minutes they were made with);
   * an unchanged item is left alone. Returns the codes that changed.
   */
  async save(agency: string, items: WorkItem[], now: Date, validFrom: string | null = null): Promise<string[]> {
    const existing = new Map<string, StoredWorkItem>();
    for (const w of await this.current(agency)) existing.set(w.code, w);
    const inserts: Record<string, unknown>[] = [];
    const changed: string[] = [];
    for (const item of items) {
      const prev = existing.get(item.code);
      if (prev && sameWorkItem(prev, normalised(item))) continue;
      changed.push(item.code);
      if (prev) await this.db('kpi_work_items').where({ agency_code: agency, code: item.code, version: prev.version }).update({ current: false, valid_to: now });
      inserts.push({
        agency_code: agency, code: item.code, version: prev ? prev.version + 1 : 1, name: item.name.normalize('NFC'),
        name_en: item.nameEn ?? null, unit: item.unit.normalize('NFC'), standard_minutes: item.standardMinutes, kind: item.kind,
        item_group: item.group, active: item.active, max_quantity: item.maxQuantityPerEntry, current: true, valid_from: now, valid_to: null,
        valid_from_day: validFrom, sector: item.sector ? item.sector : null,
      });
    }
    for (const chunk of chunkForParams(inserts, 16, this.dialect.maxParams, MAX_INSERT_ROWS)) await this.db('kpi_work_items').insert(chunk);
    return changed;
  }

  async rules(agency: string): Promise<MappingRule[]> {
    const rows = await this.db('kpi_mapping_rules').where({ agency_code: agency }).orderBy([{ column: 'priority' }, { column: 'id' }]);
    return rows.map((r) => ({ ...parseJson<MappingRule>(r.rule, {} as MappingRule), id: String(r.id), priority: toNum(r.priority), active: toBool(r.active) }));
  }

  async replaceRules(agency: string, rules: MappingRule[], now: Date): Promise<void> {
    await this.db('kpi_mapping_rules').where({ agency_code: agency }).delete();
    const rows = rules.map((r) => ({
      agency_code: agency, id: r.id, event_type: r.eventType, rule: JSON.stringify(r), priority: r.priority, active: r.active, updated_at: now,
    }));
    for (const chunk of chunkForParams(rows, 7, this.dialect.maxParams, MAX_INSERT_ROWS)) await this.db('kpi_mapping_rules').insert(chunk);
  }

  async putRule(agency: string, rule: MappingRule, now: Date): Promise<void> {
    await this.db('kpi_mapping_rules').where({ agency_code: agency, id: rule.id }).delete();
    await this.db('kpi_mapping_rules').insert({
      agency_code: agency, id: rule.id, event_type: rule.eventType, rule: JSON.stringify(rule), priority: rule.priority, active: rule.active, updated_at: now,
    });
  }

  async setRuleActive(agency: string, id: string, active: boolean, now: Date): Promise<boolean> {
    const n = await this.db('kpi_mapping_rules').where({ agency_code: agency, id }).update({ active, updated_at: now });
    return Number(n) > 0;
  }

  // Work items by version (issue 8, the catalogue side).
  async history(agency: string): Promise<StoredWorkItem[]> {
    const rows = await this.db('kpi_work_items').where({ agency_code: agency }).orderBy([{ column: 'code' }, { column: 'version' }]);
    return rows.map(mapWorkItem);
  }
}

function mapWorkItem(r: Record<string, unknown>): StoredWorkItem {
  return {
    code: String(r.code), version: toNum(r.version), name: String(r.name), nameEn: r.name_en == null ? '' : String(r.name_en),
    unit: String(r.unit), standardMinutes: toNum(r.standard_minutes), kind: r.kind as WorkItem['kind'], group: r.item_group as WorkItem['group'],
    active: toBool(r.active), maxQuantityPerEntry: toNum(r.max_quantity), sector: r.sector == null ? '' : String(r.sector),
    validFrom: r.valid_from_day == null ? null : String(r.valid_from_day),
  };
}

/** The item as it is stored (names in NFC), to compare with a stored version. */
function normalised(item: WorkItem): WorkItem {
  return { ...item, name: item.name.normalize('NFC'), nameEn: item.nameEn ?? '', unit: item.unit.normalize('NFC'), sector: item.sector ?? '' };
}
