import type { KpiEvent, RejectedEvent, WebhookResponse } from '../contract/events';
import { validateEvent } from '../contract/event-validator';
import { isKpiError, NotFoundError, UnavailableError, ValidationError } from '../domain/errors';
import { toNfc } from '../domain/text';
import { localDay } from '../domain/time';
import { planEvent, type EventEffects, type PlannerEvent } from '../rules/planner';
import type { IntakeSource, Stores, UnitOfWork } from '../stores';
import { catalogueOn, type AgencyContext, type AgencyService } from '../services/agency-service';
import { applyEffects } from './apply-effects';
import { GroupCommit, type Counts, type Slice } from './group-commit';

export type { IntakeSource, RejectedEvent };
/** What an ingest answers: the 202 body of the webhook. */
export type IngestResult = WebhookResponse;

export interface IngestOptions {
  source: IntakeSource;
  /** The agency a verified token speaks for: an event naming another agency is rejected, never stored. */
  agency?: string;
  /** Progress for long imports: called after each committed chunk. */
  onProgress?: (done: number, total: number) => void;
}

export interface IntakeServiceDeps {
  uow: UnitOfWork;
  agencies: AgencyService;
  clock?: () => Date;
  /** Events written per transaction (default 500). */
  chunkSize?: number;
  log?: { warn(obj: object, msg: string): void };
}

const messages = {
  agencyMismatch: (a: string) => `agency: cơ quan "${a}" không khớp với token (agency does not match the verified token)`,
  unknownAgency: (a: string) => `agency: cơ quan "${a}" chưa được đăng ký (unknown agency)`,
  unknownItem: (code: string) => `workItemCode: "${code}" không có trong danh mục của cơ quan (not in the agency's catalogue)`,
  ruleFailed: 'lỗi khi áp dụng quy tắc (rule evaluation failed)',
};

interface Item { index: number; event: KpiEvent; known: boolean; payload: string }
interface Planned { item: Item; effects: EventEffects | null; status: 'processed' | 'ignored' | 'failed'; error: string | null }

/**
 * One pipeline for the three doors (in process, webhook, file): validate each event, then per
 * chunk and in ONE transaction store the events that are new and everything they cause —
 * entries, assignments, marks, directory (apply-effects.ts). The caller is told "accepted"
 * only after that transaction commits; a duplicate `(agency, id)` changes nothing; a database
 * failure is a 503 (UnavailableError) so the host retries. Concurrent callers of one agency
 * share transactions (group-commit.ts): each still hears only its own counts, and only after
 * the transaction holding its events committed.
 */
export class IntakeService {
  private readonly uow: UnitOfWork;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;
  private readonly chunkSize: number;
  private readonly log?: IntakeServiceDeps['log'];
  private readonly groups: GroupCommit<Item, IntakeSource>;

  constructor(deps: IntakeServiceDeps) {
    this.uow = deps.uow;
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
    this.chunkSize = deps.chunkSize ?? 500;
    if (deps.log) this.log = deps.log;
    this.groups = new GroupCommit(this.chunkSize, (agency, group) => this.storeGroup(agency, group));
  }

  async ingest(raw: readonly unknown[], opts: IngestOptions): Promise<IngestResult> {
    try {
      return await this.ingestUnsafe(raw, opts);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private async ingestUnsafe(raw: readonly unknown[], opts: IngestOptions): Promise<IngestResult> {
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    const byAgency = new Map<string, Item[]>();
    const known = new Map<string, boolean>();
    for (let index = 0; index < raw.length; index++) {
      const r = raw[index];
      const rawId = r !== null && typeof r === 'object' && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : null;
      const v = validateEvent(r);
      if (!v.ok) {
        result.rejected.push({ index, id: rawId, error: v.error, field: v.field, code: 'invalid_event' });
        continue;
      }
      const event = toNfc(v.event);
      if (opts.agency !== undefined && event.agency !== opts.agency) {
        result.rejected.push({ index, id: event.id, error: messages.agencyMismatch(event.agency), field: 'agency', code: 'agency_mismatch' });
        continue;
      }
      if (!known.has(event.agency)) known.set(event.agency, await this.isKnownAgency(event.agency));
      if (!known.get(event.agency)) {
        result.rejected.push({ index, id: event.id, error: messages.unknownAgency(event.agency), field: 'agency', code: 'unknown_agency' });
        continue;
      }
      if (!byAgency.has(event.agency)) byAgency.set(event.agency, []);
      byAgency.get(event.agency)!.push({ index, event, known: v.known, payload: JSON.stringify(event) });
    }
    const total = [...byAgency.values()].reduce((n, l) => n + l.length, 0);
    let done = 0;
    for (const [agency, items] of byAgency) {
      const { accepted, duplicates } = await this.groups.submit(agency, items, opts.source, (n) => {
        done += n;
        opts.onProgress?.(done, total);
      });
      result.accepted += accepted;
      result.duplicates += duplicates;
    }
    return result;
  }

  /** Whether the agency is registered, from the context the transaction needs anyway (cached briefly): no query per call. */
  private async isKnownAgency(code: string): Promise<boolean> {
    try {
      await this.agencies.context(code);
      return true;
    } catch (e) {
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }

  /** Replays failed events of an agency (all, or the ids given) once each; returns how each ended. */
  async replay(agency: string, ids?: string[]): Promise<Array<{ id: string; status: string; error: string | null }>> {
    await this.agencies.requireAgency(agency);
    const rows = await this.uow.read.events.failed(agency, ids);
    const out: Array<{ id: string; status: string; error: string | null }> = [];
    for (let i = 0; i < rows.length; i += this.chunkSize) {
      const items: Item[] = rows.slice(i, i + this.chunkSize).map((r, index) => {
        const event = JSON.parse(r.payload) as KpiEvent;
        const v = validateEvent(event);
        return { index, event, known: v.ok ? v.known : false, payload: r.payload };
      });
      const planned = await this.transaction(agency, async (tx, ctx) => {
        const p = await this.plan(tx, ctx, items);
        // Only events still failed are taken: a replay running twice does the work once.
        const taken: Planned[] = [];
        for (const x of p) if (await tx.events.settleFailed(agency, x.item.event.id, x.status, x.error)) taken.push(x);
        await applyEffects(tx, ctx, live(taken), this.clock());
        return taken;
      });
      for (const x of planned) out.push({ id: x.item.event.id, status: x.status, error: x.error });
    }
    return out;
  }

  /** One write transaction of an agency (retried by the unit of work on passing conflicts); any database failure is a 503. */
  private async transaction<T>(agency: string, work: (tx: Stores, ctx: AgencyContext) => Promise<T>): Promise<T> {
    try {
      const ctx = await this.agencies.context(agency);
      return await this.uow.write((tx) => work(tx, ctx));
    } catch (e) {
      throw this.unavailable(e, agency);
    }
  }

  /** Ours as it is; anything else (the database) logged and answered 503, so the host retries. */
  private unavailable(e: unknown, agency?: string): unknown {
    if (isKpiError(e)) return e;
    this.log?.warn({ err: (e as Error)?.message, ...(agency ? { agency } : {}) }, 'intake: database could not take the events');
    return new UnavailableError(undefined, e);
  }

  /**
   * One transaction for the slices of a group: the new events and everything they cause.
   * Returns each slice's own counts, in the group's order. The same id twice in one call:
   * the second is a duplicate; the same id from two callers of the group: the first to
   * arrive has it, the other hears duplicate — as if they had been sent one after another.
   */
  private async storeGroup(agency: string, group: ReadonlyArray<Slice<Item, IntakeSource>>): Promise<Counts[]> {
    const owner = new Map<string, Item>();
    const sourceOf = new Map<Item, IntakeSource>();
    const unique: Item[] = [];
    for (const s of group) {
      for (const it of s.items) {
        if (owner.has(it.event.id)) continue;
        owner.set(it.event.id, it);
        sourceOf.set(it, s.meta);
        unique.push(it);
      }
    }
    const inserted = await this.transaction(agency, async (tx, ctx) => {
      const planned = await this.plan(tx, ctx, unique);
      const now = this.clock();
      const ids = await tx.events.insertNew(planned.map((p) => ({
        agency, eventId: p.item.event.id, type: p.item.event.type, occurredAt: new Date(p.item.event.occurredAt), receivedAt: now,
        payload: p.item.payload, status: p.status, error: p.error, source: sourceOf.get(p.item)!,
      })));
      await applyEffects(tx, ctx, live(planned.filter((p) => ids.has(p.item.event.id))), now);
      return ids;
    });
    return group.map((s) => {
      const accepted = s.items.filter((it) => owner.get(it.event.id) === it && inserted.has(it.event.id)).length;
      return { accepted, duplicates: s.items.length - accepted };
    });
  }

  /** Plans every event of the chunk (pure), with the stored task assignments that task.completed needs. */
  private async plan(tx: Stores, ctx: AgencyContext, items: Item[]): Promise<Planned[]> {
    const tasks = [...new Set(items.filter((i) => i.event.type === 'task.completed').map((i) => i.event.subject.id))].map((id) => ({ kind: 'task', id }));
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
        const effects = planEvent(e as unknown as PlannerEvent, { rules: ctx.rules, catalogue: ctx.latestFrom === null ? ctx.items : catalogueOn(ctx, localDay(new Date(e.occurredAt), ctx.settings.timeZone)), ...(assignment ? { assignment } : {}) });
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
}

function live(planned: readonly Planned[]): Array<{ event: KpiEvent; effects: EventEffects }> {
  return planned.filter((p) => p.effects !== null).map((p) => ({ event: p.item.event, effects: p.effects! }));
}
