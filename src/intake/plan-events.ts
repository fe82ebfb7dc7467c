import type { KpiEvent } from '../contract/events';
import { isKpiError, ValidationError } from '../domain/errors';
import { planEvent, type EventEffects, type PlannerEvent } from '../rules/planner';
import type { Stores } from '../stores';
import { localDay } from '../domain/time';
import { catalogueOn, type AgencyContext } from '../services/agency-service';

/** An event of a chunk: its position, itself, whether its type is known, and its JSON. */
export interface Item { index: number; event: KpiEvent; known: boolean; payload: string }
/** What planning made of an item: its effects (null when ignored or failed), its status and error. */
export interface Planned { item: Item; effects: EventEffects | null; status: 'processed' | 'ignored' | 'failed'; error: string | null }

const messages = {
  unknownItem: (code: string) => `workItemCode: "${code}" không có trong danh mục của cơ quan (not in the agency's catalogue)`,
  ruleFailed: 'lỗi khi áp dụng quy tắc (rule evaluation failed)',
};

/**
 * Plans every event of a chunk (pure planning, rules/planner.ts) against the agency's rules
 * and catalogue in `ctx`, with the stored task assignments that task.completed needs. The
 * one planning step of the intake, of a replay and of the rules editor's "try it": what
 * "try it" shows is what ingesting makes.
 */
export async function planItems(tx: Stores, ctx: AgencyContext, items: readonly Item[]): Promise<Planned[]> {
  const taskIds = new Set<string>();
  for (const i of items) if (i.event.type === 'task.completed') taskIds.add(i.event.subject.id);
  const tasks = [...taskIds].map((id) => ({ kind: 'task', id }));
  const assignments = new Map<string, { workItemCode: string | null; quantity: number | null }>();
  for (const a of await tx.assignments.ofSubjects(ctx.agency.code, tasks)) assignments.set(`${a.subjectId}\u0000${a.userId}`, { workItemCode: a.workItemCode, quantity: a.quantity });
  const out: Planned[] = [];
  for (const item of items) {
    const e = item.event;
    if (!item.known) {
      out.push({ item, effects: null, status: 'ignored', error: null });
      continue;
    }
    try {
      const assignment = assignments.get(`${e.subject.id}\u0000${e.actor.id}`);
      // The catalogue as it stood on the event's local day: a changed standard applies from its date.
      const catalogue = ctx.latestFrom === null ? ctx.items : catalogueOn(ctx, localDay(e.occurredAt, ctx.settings.timeZone));
      const effects = planEvent(e as unknown as PlannerEvent, { rules: ctx.rules, catalogue, ...(assignment ? { assignment } : {}) });
      for (const a of effects.assignments) {
        if (a.op === 'upsert' && a.workItemCode !== null && !ctx.catalogue.has(a.workItemCode)) throw new ValidationError(messages.unknownItem(a.workItemCode), 'data.workItemCode');
        if (a.op === 'upsert' && e.type === 'task.assigned') assignments.set(`${e.subject.id}\u0000${a.userId}`, { workItemCode: a.workItemCode, quantity: a.quantity });
      }
      out.push({ item, effects, status: 'processed', error: null });
    } catch (err) {
      out.push({ item, effects: null, status: 'failed', error: isKpiError(err) ? err.message : messages.ruleFailed });
    }
  }
  return out;
}

/** The planned events that have effects to write (of those whose id is in `inserted`, when given), in one pass. */
export function live(planned: readonly Planned[], inserted?: ReadonlySet<string>): Array<{ event: KpiEvent; effects: EventEffects }> {
  const out: Array<{ event: KpiEvent; effects: EventEffects }> = [];
  for (const p of planned) if (p.effects !== null && (inserted === undefined || inserted.has(p.item.event.id))) out.push({ event: p.item.event, effects: p.effects });
  return out;
}
