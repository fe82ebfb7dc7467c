import type { Knex } from 'knex';
import type { KpiEvent } from '../contract/events';
import { validateEvent } from '../contract/validate';
import { isKpiError, NotFoundError, UnavailableError, ValidationError } from '../domain/errors';
import { toNfc } from '../domain/text';
import { localDay } from '../domain/time';
import { matchRule, planEvent, ruleCoefficient, type EventEffects, type PlannerEvent } from '../rules/planner';
import type { DialectQuirks } from '../db/dialects';
import { chunkForParams, toBool, toDate, toNum, toNumOrNull } from '../db/rows';
import { JournalDays, type DayEntry, type DayKey } from '../db/journal-days';
import type { StoredWorkItem } from '../db/knex-agency-store';
import type { AgencyContext, AgencyService } from '../services/agency-service';
import { deriveEntry, type MarkFact } from './derive';

export type IntakeSource = 'webhook' | 'inprocess' | 'ingest' | 'pull' | 'demo' | 'replay';

export interface RejectedEvent { index: number; id: string | null; error: string; field?: string; code: string }
export interface IngestResult { accepted: number; duplicates: number; rejected: RejectedEvent[] }

export interface IngestOptions {
  source: IntakeSource;
  /** The agency a verified token speaks for: an event naming another agency is rejected, never stored. */
  agency?: string;
  /** Progress for long imports: called after each committed chunk. */
  onProgress?: (done: number, total: number) => void;
}

export interface IntakeServiceDeps {
  knex: Knex;
  quirks: DialectQuirks;
  agencies: AgencyService;
  clock?: () => Date;
  /** Events written per transaction (default 500). */
  chunkSize?: number;
  log?: { warn(obj: object, msg: string): void };
}

const messages = {
  agencyMismatch: (a: string) => `agency: cơ quan "${a}" không khớp với token (agency does not match the verified token)`,
  unknownAgency: (a: string) => `agency: cơ quan "${a}" chưa được đăng ký (unknown agency)`,
  notAnObject: 'sự kiện phải là một đối tượng JSON (event must be a JSON object)',
  unknownItem: (code: string) => `workItemCode: "${code}" không có trong danh mục của cơ quan (not in the agency's catalogue)`,
};

const COMPLETION_TYPES = new Set(['task.completed', 'document.processed']);
const MAX_RETRIES = 6;

interface Item { index: number; event: KpiEvent; known: boolean; payload: string }
interface Planned { item: Item; effects: EventEffects | null; status: 'processed' | 'ignored' | 'failed'; error: string | null }

/** One call's events for one agency, waiting for its answer. */
interface Ticket {
  /** Slices not yet committed. */
  pending: number;
  accepted: number;
  duplicates: number;
  /** Answered (all committed, or failed): nothing more of it is stored or counted. */
  settled: boolean;
  resolve(r: { accepted: number; duplicates: number }): void;
  reject(e: unknown): void;
  onCommitted(n: number): void;
}
/** At most chunkSize events of one call: always stored whole, in one transaction. */
interface Slice { ticket: Ticket; source: IntakeSource; items: Item[] }
/** An agency's queue and whether a transaction of it is running. */
interface Lane { running: boolean; queue: Slice[] }

function settle(t: Ticket, error: unknown): void {
  if (t.settled) return;
  t.settled = true;
  if (error === null) t.resolve({ accepted: t.accepted, duplicates: t.duplicates });
  else t.reject(error);
}

/**
 * One pipeline for the three doors (in process, webhook, file/pull): validate each
 * event, then per chunk and in ONE transaction store the events that are new and
 * everything they cause — entries, assignments, marks, directory. The caller is told
 * "accepted" only after that transaction commits; a duplicate `(agency, id)` changes
 * nothing; a database failure is a 503 (UnavailableError) so the host retries.
 * Concurrent callers of one agency share transactions (group commit, see `store`):
 * each still hears only its own counts, and only after the transaction holding its
 * events committed.
 */
export class IntakeService {
  private readonly knex: Knex;
  private readonly quirks: DialectQuirks;
  private readonly days: JournalDays;
  private readonly agencies: AgencyService;
  private readonly clock: () => Date;
  private readonly chunkSize: number;
  private readonly log?: IntakeServiceDeps['log'];
  /** Per agency: the callers waiting for the next group transaction (see `store`). */
  private readonly lanes = new Map<string, Lane>();

  constructor(deps: IntakeServiceDeps) {
    this.knex = deps.knex;
    this.quirks = deps.quirks;
    this.days = new JournalDays(deps.quirks);
    this.agencies = deps.agencies;
    this.clock = deps.clock ?? (() => new Date());
    this.chunkSize = deps.chunkSize ?? 500;
    if (deps.log) this.log = deps.log;
  }

  async ingest(raw: readonly unknown[], opts: IngestOptions): Promise<IngestResult> {
    try {
      return await this.ingestUnsafe(raw, opts);
    } catch (e) {
      // Whatever the database did (lost connection before or inside a chunk), the host hears 503 and retries.
      if (isKpiError(e)) throw e;
      this.log?.warn({ err: (e as Error)?.message }, 'intake: database could not take the events');
      throw new UnavailableError(undefined, e);
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
      const { accepted, duplicates } = await this.store(agency, items, opts.source, (n) => {
        done += n;
        opts.onProgress?.(done, total);
      });
      result.accepted += accepted;
      result.duplicates += duplicates;
    }
    return result;
  }

  /**
   * Group commit: the events of one call for one agency join that agency's queue, cut in
   * slices of at most chunkSize (each slice is stored whole, in one transaction). When no
   * transaction of the agency is running or queued, the drain starts on the next turn of
   * the event loop (no timer: a caller alone waits for nothing). Callers that arrive while
   * one runs are stored together by the next transaction (as many slices as fit in
   * chunkSize, then the next transaction back to back). Resolves with this caller's own
   * counts once every slice of it has committed; rejects (503) as soon as a transaction
   * holding one of its slices fails, and the rest of its slices are then not stored.
   */
  private store(agency: string, items: Item[], source: IntakeSource, onCommitted: (n: number) => void): Promise<{ accepted: number; duplicates: number }> {
    if (items.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      const ticket: Ticket = { pending: 0, accepted: 0, duplicates: 0, settled: false, resolve, reject, onCommitted };
      let lane = this.lanes.get(agency);
      if (!lane) this.lanes.set(agency, (lane = { running: false, queue: [] }));
      for (let i = 0; i < items.length; i += this.chunkSize) {
        lane.queue.push({ ticket, source, items: items.slice(i, i + this.chunkSize) });
        ticket.pending++;
      }
      if (!lane.running) {
        lane.running = true;
        // One turn of the event loop, not a timer: with nothing else pending the drain runs
        // at once. Requests whose bytes have already arrived are validated meanwhile and join
        // this transaction — on SQLite a request runs from parse to commit without ever
        // yielding (the driver is synchronous), so without this turn no two ever meet.
        setImmediate(() => void this.drain(agency, lane!));
      }
    });
  }

  /** Stores the agency's queue, one group transaction after another, until it is empty. */
  private async drain(agency: string, lane: Lane): Promise<void> {
    lane.running = true;
    let group: Slice[] = [];
    try {
      while (lane.queue.length > 0) {
        group = [];
        let size = 0;
        while (lane.queue.length > 0) {
          const next = lane.queue[0]!;
          // The rest of a caller already answered 503 is not stored: the host sends it again.
          if (next.ticket.settled) {
            lane.queue.shift();
            continue;
          }
          if (group.length > 0 && size + next.items.length > this.chunkSize) break;
          group.push(lane.queue.shift()!);
          size += next.items.length;
        }
        if (group.length === 0) continue;
        let counts: Array<{ accepted: number; duplicates: number }>;
        try {
          counts = await this.withRetry(agency, (ctx) => this.storeGroup(ctx, group));
        } catch (e) {
          // Nothing of this transaction was committed: every caller in it hears the same error.
          for (const s of group) settle(s.ticket, e);
          continue;
        }
        group.forEach((s, i) => {
          const t = s.ticket;
          if (t.settled) return;
          t.accepted += counts[i]!.accepted;
          t.duplicates += counts[i]!.duplicates;
          t.pending--;
          try {
            t.onCommitted(s.items.length);
          } catch (e) {
            settle(t, e);
            return;
          }
          if (t.pending === 0) settle(t, null);
        });
      }
    } catch (e) {
      // Not reached by database failures (answered above); a bug must not leave a caller hanging.
      for (const s of [...group, ...lane.queue.splice(0)]) settle(s.ticket, e);
    } finally {
      lane.running = false;
      if (this.lanes.get(agency) === lane) this.lanes.delete(agency);
    }
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
    const rows: Array<{ event_id: string; payload: string }> = [];
    if (ids && ids.length > 0) {
      for (const part of chunkForParams(ids, 1, this.quirks.maxParams - 2)) {
        rows.push(...(await this.knex('kpi_events').where({ agency_code: agency, status: 'failed' }).whereIn('event_id', part).orderBy('seq').select('event_id', 'payload')));
      }
    } else {
      rows.push(...(await this.knex('kpi_events').where({ agency_code: agency, status: 'failed' }).orderBy('seq').select('event_id', 'payload')));
    }
    const out: Array<{ id: string; status: string; error: string | null }> = [];
    for (const part of chunkForParams(rows, 1, this.chunkSize)) {
      const items: Item[] = part.map((r, index) => {
        const event = JSON.parse(String(r.payload)) as KpiEvent;
        const v = validateEvent(event);
        return { index, event, known: v.ok ? v.known : false, payload: String(r.payload) };
      });
      const planned = await this.withRetry(agency, async (ctx) => this.quirks.writeTransaction(this.knex, async (trx) => {
        const p = await this.plan(trx, ctx, items);
        // Only events still failed are taken: a replay running twice does the work once.
        const taken = new Set<string>();
        for (const x of p) {
          const n = await trx('kpi_events').where({ agency_code: agency, event_id: x.item.event.id, status: 'failed' })
            .update({ status: x.status, error: x.error, attempts: trx.raw('attempts + 1') });
          if (n > 0) taken.add(x.item.event.id);
        }
        await this.apply(trx, ctx, p.filter((x) => taken.has(x.item.event.id)));
        return p.filter((x) => taken.has(x.item.event.id));
      }));
      for (const x of planned) out.push({ id: x.item.event.id, status: x.status, error: x.error });
    }
    return out;
  }

  private async withRetry<T>(agency: string, work: (ctx: AgencyContext) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const ctx = await this.agencies.context(agency);
        return await work(ctx);
      } catch (e) {
        if (isKpiError(e)) throw e;
        if (attempt < MAX_RETRIES && this.quirks.isRetryable(e)) {
          await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
          continue;
        }
        this.log?.warn({ err: (e as Error)?.message, agency }, 'intake: database could not take the events');
        throw new UnavailableError(undefined, e);
      }
    }
  }

  /**
   * One transaction for the slices of a group: the new events and everything they cause.
   * Returns each slice's own counts, in the group's order. The same id twice in one call:
   * the second is a duplicate; the same id from two callers of the group: the first to
   * arrive has it, the other hears duplicate — as if they had been sent one after another.
   */
  private async storeGroup(ctx: AgencyContext, group: Slice[]): Promise<Array<{ accepted: number; duplicates: number }>> {
    const owner = new Map<string, Item>();
    const sourceOf = new Map<Item, IntakeSource>();
    const unique: Item[] = [];
    for (const s of group) {
      for (const it of s.items) {
        if (owner.has(it.event.id)) continue;
        owner.set(it.event.id, it);
        sourceOf.set(it, s.source);
        unique.push(it);
      }
    }
    const inserted = await this.quirks.writeTransaction(this.knex, async (trx) => {
      const planned = await this.plan(trx, ctx, unique);
      const now = this.clock();
      const rows = planned.map((p) => ({
        agency_code: ctx.agency.code,
        event_id: p.item.event.id,
        type: p.item.event.type,
        occurred_at: new Date(p.item.event.occurredAt),
        received_at: now,
        payload: p.item.payload,
        status: p.status,
        error: p.error,
        attempts: 1,
        source: sourceOf.get(p.item)!,
      }));
      const ids = await this.quirks.insertNewEvents(trx, rows);
      await this.apply(trx, ctx, planned.filter((p) => ids.has(p.item.event.id)));
      return ids;
    });
    return group.map((s) => {
      const accepted = s.items.filter((it) => owner.get(it.event.id) === it && inserted.has(it.event.id)).length;
      return { accepted, duplicates: s.items.length - accepted };
    });
  }

  /** Plans every event of the chunk (pure), with the stored task assignments that task.completed needs. */
  private async plan(trx: Knex.Transaction, ctx: AgencyContext, items: Item[]): Promise<Planned[]> {
    const taskIds = [...new Set(items.filter((i) => i.event.type === 'task.completed').map((i) => i.event.subject.id))];
    const assignments = new Map<string, { workItemCode: string | null; quantity: number | null }>();
    for (const part of chunkForParams(taskIds, 1, this.quirks.maxParams - 2)) {
      const rows = await trx('kpi_assignments').where({ agency_code: ctx.agency.code, subject_kind: 'task' }).whereIn('subject_id', part)
        .select('subject_id', 'user_id', 'work_item_code', 'quantity');
      for (const r of rows) assignments.set(`${r.subject_id}\u0000${r.user_id}`, { workItemCode: r.work_item_code ?? null, quantity: toNumOrNull(r.quantity) });
    }
    const catalogue = ctx.items;
    const out: Planned[] = [];
    for (const item of items) {
      const e = item.event;
      if (!item.known) {
        out.push({ item, effects: null, status: 'ignored', error: null });
        continue;
      }
      try {
        const assignment = assignments.get(`${e.subject.id}\u0000${e.actor.id}`);
        const effects = planEvent(e as unknown as PlannerEvent, { rules: ctx.rules, catalogue, ...(assignment ? { assignment } : {}) });
        for (const a of effects.assignments) {
          if (a.op === 'upsert' && a.workItemCode !== null && !ctx.catalogue.has(a.workItemCode)) throw new ValidationError(messages.unknownItem(a.workItemCode), 'data.workItemCode');
          if (a.op === 'upsert' && e.type === 'task.assigned') assignments.set(`${e.subject.id}\u0000${a.userId}`, { workItemCode: a.workItemCode, quantity: a.quantity });
        }
        out.push({ item, effects, status: 'processed', error: null });
      } catch (err) {
        out.push({ item, effects: null, status: 'failed', error: isKpiError(err) ? err.message : 'lỗi khi áp dụng quy tắc (rule evaluation failed)' });
      }
    }
    return out;
  }

  /** Writes what the new events cause, set-based: a few statements per chunk, not per event. */
  private async apply(trx: Knex.Transaction, ctx: AgencyContext, planned: Planned[]): Promise<void> {
    const agency = ctx.agency.code;
    const tz = ctx.settings.timeZone;
    const now = this.clock();
    const live = planned.filter((p) => p.effects !== null) as Array<Planned & { effects: EventEffects }>;
    if (live.length === 0) return;

    // 1. Directory (rare): users and units, newest occurredAt wins whatever the arrival order.
    for (const p of live) {
      for (const d of p.effects.directory) await this.upsertDirectory(trx, agency, d, new Date(p.item.event.occurredAt), tz);
    }

    const subjectKey = (kind: string, id: string) => `${kind}\u0000${id}`;

    // 2. Marks: fails, extensions, completions and cancellations are kept as facts, so that
    //    whatever order events arrive in, the state derived from them is the same.
    const markRows: Record<string, unknown>[] = [];
    for (const p of live) {
      const e = p.item.event;
      const base = { agency_code: agency, subject_kind: e.subject.kind, subject_id: e.subject.id, event_id: e.id };
      for (const m of p.effects.marks) {
        markRows.push({ ...base, user_id: m.userId, kind: m.kind, excused: m.excused, new_due_at: m.newDueAt ? new Date(m.newDueAt) : null, at: new Date(m.at) });
      }
      for (const a of p.effects.assignments) {
        if (a.op === 'cancel') markRows.push({ ...base, user_id: a.userId, kind: 'cancel', excused: false, new_due_at: null, at: new Date(e.occurredAt) });
      }
    }
    await this.quirks.insertMany(trx, 'kpi_marks', markRows);

    // 3. Assignments (created in the state their already-stored marks give them).
    const hasAssignmentWork = live.some((p) => p.effects.assignments.length > 0 || p.effects.marks.some((m) => m.kind === 'completion'));
    const assigned = hasAssignmentWork ? await this.applyAssignments(trx, ctx, live, now) : { subjects: new Map<string, { kind: string; id: string }>(), newTaskAssignees: [] as Array<{ subjectId: string; userId: string }> };

    // 4. The facts that fails/delays are derived from, for every subject touched.
    const touched = new Map<string, { kind: string; id: string }>();
    const rederive = new Set<string>();
    for (const p of live) {
      const k = subjectKey(p.item.event.subject.kind, p.item.event.subject.id);
      if (p.effects.entries.length > 0 || p.effects.marks.length > 0) touched.set(k, { kind: p.item.event.subject.kind, id: p.item.event.subject.id });
      if (p.effects.marks.some((m) => m.kind !== 'completion')) rederive.add(k);
    }
    // A due time that arrived after the completion changes its lateness.
    for (const [k, v] of assigned.subjects) {
      touched.set(k, v);
      rederive.add(k);
    }
    const facts = await this.loadFacts(trx, agency, [...touched.values()]);

    // 5. Entries.
    const userIds = [...new Set(live.flatMap((p) => p.effects.entries.map((e) => e.userId)))];
    const units = new Map<string, string | null>();
    for (const part of chunkForParams(userIds, 1, this.quirks.maxParams - 1)) {
      for (const r of await trx('kpi_users').where({ agency_code: agency }).whereIn('id', part).select('id', 'unit_id')) units.set(String(r.id), r.unit_id ?? null);
    }
    const status = ctx.settings.autoApproveEventEntries ? 'approved' : 'pending';
    const entryRows: Record<string, unknown>[] = [];
    for (const p of live) {
      const e = p.item.event;
      for (const en of p.effects.entries) {
        const item = ctx.catalogue.get(en.workItemCode);
        if (!item) continue; // the planner only returns catalogue items; guarded for a catalogue edited mid-chunk
        const occurredAt = new Date(e.occurredAt);
        const completes = COMPLETION_TYPES.has(e.type);
        const f = facts.get(subjectKey(e.subject.kind, e.subject.id));
        const d = deriveEntry({ userId: en.userId, completes, occurredAt }, f?.marks ?? [], f?.due.get(en.userId) ?? null);
        entryRows.push({
          agency_code: agency, user_id: en.userId, unit_id: units.get(en.userId) ?? null, day: localDay(occurredAt, tz),
          work_item_code: item.code, item_version: item.version, item_kind: item.kind, standard_minutes: item.standardMinutes,
          quantity: en.quantity, coefficient: en.coefficient, rating: 1, minutes: en.quantity * item.standardMinutes * en.coefficient,
          status, source: 'event', event_id: e.id, rule_id: en.ruleId, subject_kind: e.subject.kind, subject_id: e.subject.id,
          subject_title: e.subject.title ? e.subject.title.slice(0, 500) : null, fails: d.fails, delays: d.delays, late: d.late, completes,
          note: null, review_reason: null, reviewed_by: status === 'approved' ? 'system' : null, reviewed_at: status === 'approved' ? now : null,
          occurred_at: occurredAt, created_at: now, updated_at: now,
        });
      }
    }
    await this.quirks.insertMany(trx, 'kpi_journal_entries', entryRows);
    const days: DayKey[] = [];

    // 6. A task assignment that arrived after its completion: the completion is credited with the assigned work item.
    if (assigned.newTaskAssignees.length > 0) days.push(...(await this.replanCompletions(trx, ctx, assigned.newTaskAssignees, now)));

    // 7. A mark or a due time that arrived after the entries it bears on (a rejection after the completion): re-derive them.
    if (rederive.size > 0) days.push(...(await this.rederive(trx, agency, [...rederive].map((k) => touched.get(k)!), facts, now)));

    // 8. Last, the daily roll-ups: the new entries added to their days, the days of changed ones recomputed.
    const added: DayEntry[] = entryRows.map((r) => ({ userId: String(r.user_id), day: String(r.day), status: String(r.status), minutes: Number(r.minutes), fails: Number(r.fails), delays: Number(r.delays) }));
    await this.days.apply(trx, agency, added, days);
  }

  private async applyAssignments(trx: Knex.Transaction, ctx: AgencyContext, live: Array<Planned & { effects: EventEffects }>, now: Date): Promise<{ subjects: Map<string, { kind: string; id: string }>; newTaskAssignees: Array<{ subjectId: string; userId: string }> }> {
    const subjects = new Map<string, { kind: string; id: string }>();
    const newTaskAssignees: Array<{ subjectId: string; userId: string }> = [];
    const agency = ctx.agency.code;
    const tz = ctx.settings.timeZone;
    const catalogue = ctx.items;
    const existing = new Map<string, { id: number; status: string }>();
    const key = (kind: string, id: string, user: string) => `${kind}\u0000${id}\u0000${user}`;
    // Cancellations and completions already stored (they may have arrived before the assignment).
    const stateMarks = new Map<string, Array<{ kind: string; userId: string | null }>>();
    for (const { kind, ids: part } of subjectParts(live.map((p) => p.item.event.subject), this.quirks.maxParams)) {
      for (const r of await trx('kpi_assignments').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', part).select('id', 'subject_kind', 'subject_id', 'user_id', 'status')) {
        existing.set(key(r.subject_kind, r.subject_id, r.user_id), { id: toNum(r.id), status: String(r.status) });
      }
      for (const r of await trx('kpi_marks').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', part).whereIn('kind', ['cancel', 'completion']).select('subject_kind', 'subject_id', 'user_id', 'kind')) {
        const k = `${r.subject_kind}\u0000${r.subject_id}`;
        const list = stateMarks.get(k) ?? [];
        list.push({ kind: String(r.kind), userId: (r.user_id as string | null) ?? null });
        stateMarks.set(k, list);
      }
    }
    const initialStatus = (kind: string, id: string, userId: string): string => {
      const marks = stateMarks.get(`${kind}\u0000${id}`) ?? [];
      if (marks.some((m) => m.kind === 'cancel' && (m.userId === null || m.userId === userId))) return 'cancelled';
      if (marks.some((m) => m.kind === 'completion' && m.userId === userId)) return 'completed';
      return 'open';
    };
    for (const p of live) {
      const e = p.item.event;
      for (const a of p.effects.assignments) {
        if (a.op === 'cancel') {
          let q = trx('kpi_assignments').where({ agency_code: agency, subject_kind: e.subject.kind, subject_id: e.subject.id });
          if (a.userId !== null) q = q.andWhere('user_id', a.userId);
          await q.update({ status: 'cancelled', updated_at: now });
          for (const [k, v] of existing) if (k.startsWith(`${e.subject.kind}\u0000${e.subject.id}\u0000`) && (a.userId === null || k.endsWith(`\u0000${a.userId}`))) v.status = 'cancelled';
          continue;
        }
        const dueAt = a.dueAt ? new Date(a.dueAt) : null;
        const minutes = this.assignmentMinutes(ctx, catalogue, e, a);
        const row = {
          role: a.role, due_at: dueAt, due_day: dueAt ? localDay(dueAt, tz) : null, work_item_code: a.workItemCode, quantity: a.quantity,
          minutes, event_id: e.id, updated_at: now,
        };
        const k = key(e.subject.kind, e.subject.id, a.userId);
        const prev = existing.get(k);
        if (prev) {
          // A cancelled or completed assignment keeps that state when the assignment is re-sent.
          await trx('kpi_assignments').where({ id: prev.id }).update(row);
        } else {
          const status = initialStatus(e.subject.kind, e.subject.id, a.userId);
          const [ins] = (await trx('kpi_assignments').insert({ agency_code: agency, subject_kind: e.subject.kind, subject_id: e.subject.id, user_id: a.userId, status, ...row }).returning(['id'])) as Array<{ id: number } | number>;
          existing.set(k, { id: typeof ins === 'object' ? toNum(ins.id) : toNum(ins), status });
          if (e.subject.kind === 'task' && status === 'completed') newTaskAssignees.push({ subjectId: e.subject.id, userId: a.userId });
        }
        subjects.set(`${e.subject.kind}\u0000${e.subject.id}`, { kind: e.subject.kind, id: e.subject.id });
      }
      for (const m of p.effects.marks) {
        if (m.kind !== 'completion') continue;
        const userId = m.userId ?? e.actor.id;
        const prev = existing.get(key(e.subject.kind, e.subject.id, userId));
        if (prev && prev.status === 'open') {
          await trx('kpi_assignments').where({ id: prev.id }).update({ status: 'completed', updated_at: now });
          prev.status = 'completed';
        }
      }
    }
    return { subjects, newTaskAssignees };
  }

  /**
   * A completion stored before its task.assigned was planned without the assignment: plan it
   * again now that the assignment (its work item and quantity) is known, and update the entry.
   */
  private async replanCompletions(trx: Knex.Transaction, ctx: AgencyContext, pairs: Array<{ subjectId: string; userId: string }>, now: Date): Promise<DayKey[]> {
    const agency = ctx.agency.code;
    const catalogue = ctx.items;
    const changed: DayKey[] = [];
    for (const { subjectId, userId } of pairs) {
      const entries = await trx('kpi_journal_entries').where({ agency_code: agency, subject_kind: 'task', subject_id: subjectId, user_id: userId, completes: true, source: 'event' }).select('id', 'event_id', 'status', 'rating', 'day');
      if (entries.length === 0) continue;
      const a = await trx('kpi_assignments').where({ agency_code: agency, subject_kind: 'task', subject_id: subjectId, user_id: userId }).first('work_item_code', 'quantity');
      const assignment = { workItemCode: (a?.work_item_code as string | null) ?? null, quantity: toNumOrNull(a?.quantity) };
      for (const en of entries) {
        const ev = await trx('kpi_events').where({ agency_code: agency, event_id: en.event_id }).first('payload');
        if (!ev) continue;
        const plan = planEvent(JSON.parse(String(ev.payload)) as PlannerEvent, { rules: ctx.rules, catalogue, assignment });
        const next = plan.entries.find((x) => x.userId === userId);
        const item = next ? ctx.catalogue.get(next.workItemCode) : undefined;
        if (!next || !item) continue;
        const rating = toNum(en.rating);
        await trx('kpi_journal_entries').where({ id: en.id }).update({
          work_item_code: item.code, item_version: item.version, item_kind: item.kind, standard_minutes: item.standardMinutes, quantity: next.quantity,
          coefficient: next.coefficient, rule_id: next.ruleId, minutes: next.quantity * item.standardMinutes * next.coefficient * rating, updated_at: now,
        });
        changed.push({ userId, day: String(en.day) });
      }
    }
    return changed;
  }

  /**
   * m of an assignment (for `assignedBasis` assignments|max): the minutes its completion would
   * be credited with — the rule that a completion of this subject and role would match, with
   * the assignment's own work item and quantity where the host gave them.
   */
  private assignmentMinutes(ctx: AgencyContext, catalogue: StoredWorkItem[], e: KpiEvent, a: { role: string; workItemCode: string | null; quantity: number | null }): number {
    const completion: PlannerEvent = {
      ...(e as unknown as PlannerEvent),
      type: e.subject.kind === 'task' ? 'task.completed' : 'document.processed',
      data: { ...e.data, role: a.role },
    };
    const m = matchRule(completion, ctx.rules, catalogue, { workItemCode: a.workItemCode });
    if (!m.matched) return 0;
    return (a.quantity ?? 1) * m.item.standardMinutes * ruleCoefficient(completion, m.rule);
  }

  private async loadFacts(trx: Knex.Transaction, agency: string, subjects: Array<{ kind: string; id: string }>): Promise<Map<string, { marks: MarkFact[]; due: Map<string, Date | null> }>> {
    const out = new Map<string, { marks: MarkFact[]; due: Map<string, Date | null> }>();
    if (subjects.length === 0) return out;
    const wanted = new Set(subjects.map((s) => `${s.kind}\u0000${s.id}`));
    const get = (kind: string, id: string) => {
      const k = `${kind}\u0000${id}`;
      if (!wanted.has(k)) return null;
      let f = out.get(k);
      if (!f) out.set(k, (f = { marks: [], due: new Map() }));
      return f;
    };
    for (const { kind, ids: part } of subjectParts(subjects, this.quirks.maxParams)) {
      for (const r of await trx('kpi_marks').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', part).select('subject_kind', 'subject_id', 'user_id', 'kind', 'excused', 'new_due_at', 'at')) {
        get(r.subject_kind, r.subject_id)?.marks.push({ kind: r.kind, userId: r.user_id ?? null, excused: toBool(r.excused), newDueAt: toDate(r.new_due_at), at: toDate(r.at)! });
      }
      for (const r of await trx('kpi_assignments').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', part).select('subject_kind', 'subject_id', 'user_id', 'due_at')) {
        get(r.subject_kind, r.subject_id)?.due.set(String(r.user_id), toDate(r.due_at));
      }
    }
    return out;
  }

  /** Returns the days of the entries it changed. */
  private async rederive(trx: Knex.Transaction, agency: string, subjects: Array<{ kind: string; id: string }>, facts: Map<string, { marks: MarkFact[]; due: Map<string, Date | null> }>, now: Date): Promise<DayKey[]> {
    const wanted = new Set(subjects.map((s) => `${s.kind}\u0000${s.id}`));
    const changed: DayKey[] = [];
    for (const { kind, ids: part } of subjectParts(subjects, this.quirks.maxParams)) {
      const rows = await trx('kpi_journal_entries').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', part)
        .select('id', 'subject_kind', 'subject_id', 'user_id', 'day', 'completes', 'occurred_at', 'fails', 'delays', 'late');
      for (const r of rows) {
        const k = `${r.subject_kind}\u0000${r.subject_id}`;
        if (!wanted.has(k)) continue;
        const f = facts.get(k);
        const d = deriveEntry({ userId: String(r.user_id), completes: toBool(r.completes), occurredAt: toDate(r.occurred_at)! }, f?.marks ?? [], f?.due.get(String(r.user_id)) ?? null);
        if (d.fails !== toNum(r.fails) || d.delays !== toNum(r.delays) || d.late !== toBool(r.late)) {
          await trx('kpi_journal_entries').where({ id: r.id }).update({ fails: d.fails, delays: d.delays, late: d.late, updated_at: now });
          changed.push({ userId: String(r.user_id), day: String(r.day) });
        }
      }
    }
    return changed;
  }

  private async upsertDirectory(trx: Knex.Transaction, agency: string, d: EventEffects['directory'][number], at: Date, tz: string): Promise<void> {
    if (d.kind === 'unit') {
      const prev = await trx('kpi_units').where({ agency_code: agency, id: d.id }).first();
      const row = { name: d.name, parent_id: d.parentId, updated_at: at };
      if (!prev) await trx('kpi_units').insert({ agency_code: agency, id: d.id, ...row });
      else if (toDate(prev.updated_at)!.getTime() <= at.getTime()) await trx('kpi_units').where({ agency_code: agency, id: d.id }).update(row);
      return;
    }
    const prev = await trx('kpi_users').where({ agency_code: agency, id: d.id }).first();
    const day = localDay(at, tz);
    if (prev && toDate(prev.updated_at)!.getTime() > at.getTime()) return; // an older update arriving late
    const wasActive = prev ? toBool(prev.active) : false;
    const activeFrom = d.active ? (prev && prev.active_from && (wasActive || !prev.active_to) ? prev.active_from : day) : (prev?.active_from ?? null);
    const activeTo = d.active ? null : (wasActive || !prev ? day : prev.active_to);
    const row = {
      name: d.name, unit_id: d.unitId, position: d.position, is_leader: d.isLeader, active: d.active,
      active_from: activeFrom, active_to: activeTo, updated_at: at,
    };
    if (!prev) {
      await trx('kpi_users').insert({ agency_code: agency, id: d.id, ...row });
      // Entries made before the directory knew the official take the unit they were in.
      if (d.unitId !== null) await trx('kpi_journal_entries').where({ agency_code: agency, user_id: d.id }).whereNull('unit_id').update({ unit_id: d.unitId });
    } else {
      await trx('kpi_users').where({ agency_code: agency, id: d.id }).update(row);
    }
  }
}

/**
 * Subject ids grouped by kind, in parts small enough for one statement: every lookup by
 * subject names its kind too, so it uses the (agency, subject_kind, subject_id) indexes.
 */
function subjectParts(subjects: Iterable<{ kind: string; id: string }>, maxParams: number): Array<{ kind: string; ids: string[] }> {
  const byKind = new Map<string, Set<string>>();
  for (const s of subjects) {
    let set = byKind.get(s.kind);
    if (!set) byKind.set(s.kind, (set = new Set()));
    set.add(s.id);
  }
  const out: Array<{ kind: string; ids: string[] }> = [];
  for (const [kind, ids] of byKind) for (const part of chunkForParams([...ids], 1, maxParams - 4)) out.push({ kind, ids: part });
  return out;
}

