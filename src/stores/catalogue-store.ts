import type { WorkItem } from '../rules/catalogue';
import type { MappingRule } from '../rules/mapping';

export interface StoredWorkItem extends WorkItem { version: number }

/** An agency's catalogue of work items (versioned) and its mapping rules. */
export interface CatalogueStore {
  /** The current version of every work item. */
  current(agency: string): Promise<StoredWorkItem[]>;
  /** Saves items as new versions where they changed; returns the codes that changed. */
  save(agency: string, items: WorkItem[], now: Date): Promise<string[]>;
  rules(agency: string): Promise<MappingRule[]>;
  /** Replaces the whole rule set (the integrator edits it as one document). */
  replaceRules(agency: string, rules: MappingRule[], now: Date): Promise<void>;
  /** Adds a rule, or replaces the rule of the same id (the rules editor saves one rule at a time). */
  putRule(agency: string, rule: MappingRule, now: Date): Promise<void>;
  /** Switches a rule on or off; false when the agency has no rule of that id. */
  setRuleActive(agency: string, id: string, active: boolean, now: Date): Promise<boolean>;
}
