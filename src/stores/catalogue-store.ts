import type { WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';

export interface StoredWorkItem extends WorkItem {
  version: number;
  /** The local day (`YYYY-MM-DD`) from which this version applies to new entries; null = from the beginning. */
  validFrom: string | null;
}

/** An agency's catalogue of work items (versioned) and its mapping rules. */
export interface CatalogueStore {
  /** The current version of every work item. */
  current(agency: string): Promise<StoredWorkItem[]>;
  /**
   * Saves items as new versions where they changed, applying from the local day `validFrom`
   * (null: from the beginning, for an agency's first catalogue); returns the codes that changed.
   */
  save(agency: string, items: WorkItem[], now: Date, validFrom?: string | null): Promise<string[]>;
  rules(agency: string): Promise<MappingRule[]>;
  /** Replaces the whole rule set (the integrator edits it as one document). */
  replaceRules(agency: string, rules: MappingRule[], now: Date): Promise<void>;
  /** Adds a rule, or replaces the rule of the same id (the rules editor saves one rule at a time). */
  putRule(agency: string, rule: MappingRule, now: Date): Promise<void>;
  /** Switches a rule on or off; false when the agency has no rule of that id. */
  setRuleActive(agency: string, id: string, active: boolean, now: Date): Promise<boolean>;

  // Work items by version (issue 8, the catalogue side).
  /** Every version of every work item of the agency, by code then version. */
  history(agency: string): Promise<StoredWorkItem[]>;
}
