import type { KpiEvent, RejectedEvent, WebhookResponse } from '../contract/events';
import { validateEvent } from '../contract/event-validator';
import { isKpiError, NotFoundError, UnavailableError } from '../domain/errors';
import type { EventTypeSummary, IntakeSource, NewEvent, Stores, UnitOfWork, WriteReach } from '../stores';
import type { AgencyContext, AgencyService } from '../services/agency-service';
import { reachOf } from '../services/read-cache';
import { applyEffects } from './apply-effects';
import { live, planItems, type Item, type Planned } from './plan-events';
import { GroupCommit, type Counts, type Slice } from './group-commit';

export type { IntakeSource, RejectedEvent };
/** What an ingest answers: the 202 body of the webhook. */
export type IngestResult = WebhookResponse;

/** What a pulled page came to: stored (by outcome) and duplicates. */
export interface PulledResult { accepted: number; duplicates: number; processed: number; ignored: number; failed: number }

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
  unknownType: (type: string) => `type: loại sự kiện "${type}" chưa được hỗ trợ, đã lưu nhưng không tạo mục nhật ký (unknown type, kept without entries)`,
};


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
      const event = v.event; // a copy in NFC (validateEvent)
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
      const planned = await this.transaction(agency, async (tx, ctx, reach) => {
        const p = await planItems(tx, ctx, items);
        // Only events still failed are taken: a replay running twice does the work once.
        const taken: Planned[] = [];
        for (const x of p) if (await tx.events.settleFailed(agency, x.item.event.id, x.status, x.error)) taken.push(x);
        await applyEffects(tx, ctx, live(taken), this.clock(), reach);
        return taken;
      });
      for (const x of planned) out.push({ id: x.item.event.id, status: x.status, error: x.error });
    }
    return out;
  }

  /** Per event type: received, failed and the newest arrival (the admin's integration check). */
  eventTypes(agency: string): Promise<EventTypeSummary[]> {
    return this.uow.read.events.typeSummary(agency);
  }

  /** Replays every failed event of one type (the admin's "replay all" for a type that failed for one cause). */
  async replayType(agency: string, type: string): Promise<Array<{ id: string; status: string; error: string | null }>> {
    await this.agencies.requireAgency(agency);
    const ids = (await this.uow.read.events.failed(agency))
      .filter((r) => (JSON.parse(r.payload) as { type?: unknown }).type === type)
      .map((r) => r.eventId);
    return ids.length === 0 ? [] : this.replay(agency, ids);
  }

  /**
   * One write transaction of an agency (retried by the unit of work on passing conflicts); any
   * database failure is a 503. Its work tells `reach` whose scores it moved (applyEffects): the
   * events it stores move nobody's, and what else it writes here (a pull's watermark) neither.
   */
  private async transaction<T>(agency: string, work: (tx: Stores, ctx: AgencyContext, reach: WriteReach) => Promise<T>): Promise<T> {
    try {
      const ctx = await this.agencies.context(agency);
      const reach = reachOf(agency);
      return await this.uow.write((tx) => work(tx, ctx, reach), { reach });
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
    const inserted = await this.transaction(agency, async (tx, ctx, reach) => {
      const planned = await planItems(tx, ctx, unique);
      return this.storePlanned(tx, ctx, reach, planned, (it) => sourceOf.get(it)!);
    });
    return group.map((s) => {
      const accepted = s.items.filter((it) => owner.get(it.event.id) === it && inserted.has(it.event.id)).length;
      return { accepted, duplicates: s.items.length - accepted };
    });
  }

  /** Inserts the planned events that are new (and the broken ones kept as failed) and applies what the new ones cause; returns the ids inserted. */
  private async storePlanned(tx: Stores, ctx: AgencyContext, reach: WriteReach, planned: Planned[], sourceOf: (it: Item) => IntakeSource, broken: NewEvent[] = []): Promise<Set<string>> {
    const now = this.clock();
    const agency = ctx.agency.code;
    const rows: NewEvent[] = new Array(planned.length);
    for (let i = 0; i < planned.length; i++) {
      const p = planned[i]!;
      const e = p.item.event;
      rows[i] = { agency, eventId: e.id, type: e.type, actorId: e.actor.id, occurredAt: new Date(e.occurredAt), receivedAt: now, payload: p.item.payload, status: p.status, error: p.error, source: sourceOf(p.item) };
    }
    for (const b of broken) rows.push({ ...b, receivedAt: now });
    const ids = await tx.events.insertNew(rows);
    await applyEffects(tx, ctx, live(planned, ids), now, reach);
    return ids;
  }

  /**
   * A page of rows pulled from a host's view (src/pull): validated and stored like any batch, in
   * ONE transaction together with `alongside` (the pull's watermark), so that the page and its
   * watermark commit or vanish together. Unlike the webhook, which answers the host, nothing is
   * rejected: an event that fails validation, and a row that could not be made into an event
   * (`broken`), is kept as a failed event with its reason; an unknown type is kept as ignored, with
   * the reason too. The first of two rows with one id counts, the second is a duplicate.
   */
  async ingestPulled(agency: string, events: readonly unknown[], broken: ReadonlyArray<Omit<NewEvent, 'receivedAt' | 'agency' | 'source' | 'status' | 'actorId'>>, alongside: (tx: Stores) => Promise<void>): Promise<PulledResult> {
    const items: Item[] = [];
    const kept: NewEvent[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const b of broken) {
      if (seen.has(b.eventId)) duplicates++;
      else kept.push({ ...b, agency, actorId: null, source: 'pull', status: 'failed', receivedAt: new Date(0) });
      seen.add(b.eventId);
    }
    for (let index = 0; index < events.length; index++) {
      const r = events[index];
      const v = validateEvent(r);
      const id = v.ok ? v.event.id : String((r as { id?: unknown }).id);
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      if (v.ok) {
        const event = v.event;
        items.push({ index, event, known: v.known, payload: JSON.stringify(event) });
      } else {
        const e = r as { type?: unknown; occurredAt?: unknown; actor?: { id?: unknown } };
        const at = new Date(typeof e.occurredAt === 'string' ? e.occurredAt : NaN);
        const actor = e.actor !== null && typeof e.actor === 'object' ? e.actor.id : undefined;
        kept.push({ agency, eventId: id, type: typeof e.type === 'string' ? e.type.slice(0, 100) : '', actorId: typeof actor === 'string' && actor.length <= 200 ? actor : null, occurredAt: Number.isNaN(at.getTime()) ? new Date(0) : at, receivedAt: new Date(0), payload: JSON.stringify(r), status: 'failed', error: v.error, source: 'pull' });
      }
    }
    return this.transaction(agency, async (tx, ctx, reach) => {
      const planned = await planItems(tx, ctx, items);
      for (const p of planned) if (p.status === 'ignored' && p.error === null) p.error = messages.unknownType(p.item.event.type);
      const ids = await this.storePlanned(tx, ctx, reach, planned, () => 'pull', kept);
      await alongside(tx);
      const count = (status: string) => planned.filter((p) => p.status === status && ids.has(p.item.event.id)).length;
      const brokenIn = kept.filter((b) => ids.has(b.eventId)).length;
      return { accepted: ids.size, duplicates: duplicates + items.length + kept.length - ids.size, processed: count('processed'), ignored: count('ignored'), failed: count('failed') + brokenIn };
    });
  }
}
