import type { DayKey, JournalEntry } from '../../src/domain/journal';
import {
  subjectKey,
  type AssignmentStore, type AuditRecord, type AuditStore, type DirectoryStore, type DirectoryUser, type EventStore, type JournalStore,
  type NewMark, type PeriodStore, type Stores, type SubjectFacts, type UnitOfWork,
} from '../../src/stores';

/**
 * An in-memory UnitOfWork for tests of services and intake modules: `read` and `write` share
 * one plain state; `write` snapshots it and puts the snapshot back when the work throws (as a
 * rolled-back transaction leaves nothing behind). Only the store methods those tests need are
 * faked, each as the knex store behaves; any other throws `not faked: <store>.<method>`.
 */

export const AGENCY = 'AG';

export interface EntryRow { agency: string; entry: JournalEntry; updatedAt: Date }
/** An assignee's due time on a subject: what `assignments.facts` reads of kpi_assignments. */
export interface DueRow { agency: string; subjectKind: string; subjectId: string; userId: string; dueAt: Date | null }

export interface FakeState {
  nextId: number;
  entries: EntryRow[];
  due: DueRow[];
  marks: Array<NewMark & { agency: string }>;
  closed: Array<{ agency: string; period: string }>;
  audit: AuditRecord[];
  users: Array<DirectoryUser & { agency: string }>;
  events: Array<{ agency: string; eventId: string; payload: string }>;
  /** The keys of every `journal.refreshDays` call, in call order. */
  refreshed: Array<{ agency: string; keys: DayKey[] }>;
}

/** When seeded rows were last updated. */
export const SEEDED_AT = new Date('2026-01-01T00:00:00Z');

/** A JournalEntry: a pending event-made entry of u1 (unit P1) on task T1, 2026-03-10, unless overridden. */
export function buildEntry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    id: '1', userId: 'u1', unitId: 'P1', day: '2026-03-10', workItemCode: 'CV-04', itemVersion: 1, itemKind: 'count', standardMinutes: 60,
    quantity: 1, coefficient: 1, rating: 1, minutes: 60, status: 'pending', source: 'event', eventId: null, ruleId: null,
    subjectKind: 'task', subjectId: 'T1', subjectTitle: null, fails: 0, delays: 0, late: false, completes: false,
    note: null, reviewReason: null, reviewedBy: null, reviewedAt: null, occurredAt: new Date('2026-03-10T03:00:00Z'),
    ...overrides,
  };
}

/** `impl`, where any method it lacks throws `not faked: <store>.<method>`. */
function partial<T extends object>(store: string, impl: Partial<T>): T {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      if (prop in target || typeof prop !== 'string' || prop === 'then') return Reflect.get(target, prop, receiver);
      return () => {
        throw new Error(`not faked: ${store}.${prop}`);
      };
    },
  }) as T;
}

const byDayThenId = (a: JournalEntry, b: JournalEntry): number => a.day.localeCompare(b.day) || Number(a.id) - Number(b.id);

export class FakeUnitOfWork implements UnitOfWork {
  state: FakeState = { nextId: 1, entries: [], due: [], marks: [], closed: [], audit: [], users: [], events: [], refreshed: [] };
  /** Transactions begun, and those rolled back. */
  writes = 0;
  rollbacks = 0;
  readonly read: Stores;

  constructor() {
    const s = (): FakeState => this.state;
    const row = (agency: string, id: string): EntryRow | undefined => s().entries.find((r) => r.agency === agency && r.entry.id === id);

    const journal = partial<JournalStore>('journal', {
      async get(agency, id) {
        const r = row(agency, id);
        return r ? { ...r.entry } : null;
      },
      async ofSubjects(agency, subjects) {
        // As the knex store: entries whose own (subject kind, subject id) is asked for, whatever the kind.
        const keys = new Set(subjects.map((x) => subjectKey(x.kind, x.id)));
        const mine = s().entries.filter((r) => r.agency === agency).map((r) => r.entry);
        return mine.filter((e) => e.subjectKind !== null && e.subjectId !== null && keys.has(subjectKey(e.subjectKind, e.subjectId))).sort(byDayThenId).map((e) => ({ ...e }));
      },
      async entryOfEvent(agency, eventId, userId) {
        return s().entries.find((r) => r.agency === agency && r.entry.eventId === eventId && r.entry.userId === userId)?.entry.id ?? null;
      },
      async insert(agency, { createdAt: _created, updatedAt, ...fields }) {
        const id = String(s().nextId++);
        s().entries.push({ agency, entry: { ...fields, id }, updatedAt });
        return id;
      },
      async update(agency, id, { updatedAt, ...fields }) {
        const r = row(agency, id);
        if (r) Object.assign(r, { entry: { ...r.entry, ...fields }, updatedAt });
      },
      async updateIfStatus(agency, id, from, patch) {
        const r = row(agency, id);
        if (!r || !from.includes(r.entry.status)) return false;
        await journal.update(agency, id, patch);
        return true;
      },
      async deletePendingManual(agency, id) {
        const r = row(agency, id);
        if (!r || r.entry.status !== 'pending' || r.entry.source !== 'manual') return false;
        s().entries = s().entries.filter((x) => x !== r);
        return true;
      },
      async refreshDays(agency, keys) {
        s().refreshed.push({ agency, keys: [...keys] });
      },
    });

    const assignments = partial<AssignmentStore>('assignments', {
      async facts(agency, subjects) {
        const out = new Map<string, SubjectFacts>();
        for (const x of subjects) out.set(subjectKey(x.kind, x.id), { marks: [], due: new Map() });
        for (const m of s().marks) {
          if (m.agency !== agency) continue;
          out.get(subjectKey(m.subjectKind, m.subjectId))?.marks.push({ kind: m.kind, userId: m.userId, excused: m.excused, newDueAt: m.newDueAt, at: m.at });
        }
        for (const d of s().due) if (d.agency === agency) out.get(subjectKey(d.subjectKind, d.subjectId))?.due.set(d.userId, d.dueAt);
        // The knex store returns only the subjects it found something of.
        for (const [k, f] of out) if (f.marks.length === 0 && f.due.size === 0) out.delete(k);
        return out;
      },
      async insertMarks(agency, marks) {
        s().marks.push(...marks.map((m) => ({ ...m, agency })));
      },
    });

    const periods = partial<PeriodStore>('periods', {
      async closedAmong(agency, keys) {
        return s().closed.filter((c) => c.agency === agency && keys.includes(c.period)).map((c) => c.period);
      },
    });

    const audit = partial<AuditStore>('audit', {
      async record(r) {
        s().audit.push(r);
      },
    });

    const directory = partial<DirectoryStore>('directory', {
      async user(agency, id) {
        const u = s().users.find((x) => x.agency === agency && x.id === id);
        if (!u) return null;
        const { agency: _a, ...user } = u;
        return user;
      },
    });

    const events = partial<EventStore>('events', {
      async payload(agency, eventId) {
        return s().events.find((e) => e.agency === agency && e.eventId === eventId)?.payload ?? null;
      },
    });

    this.read = {
      journal, assignments, periods, audit, directory, events,
      agencies: partial('agencies', {}), catalogue: partial('catalogue', {}), assessments: partial('assessments', {}),
      pull: partial('pull', {}), leases: partial('leases', {}),
      formUses: partial('formUses', {}), requests: partial('requests', {}),
    };
  }

  async write<T>(work: (stores: Stores) => Promise<T>, _opts?: { attempts?: number }): Promise<T> {
    const snapshot = structuredClone(this.state);
    this.writes++;
    try {
      return await work(this.read);
    } catch (e) {
      this.state = snapshot;
      this.rollbacks++;
      throw e;
    }
  }

  async ping(): Promise<void> {}

  // ------------------------------------------------------------------ seeding

  /** Stores an entry (buildEntry's defaults, a fresh id unless given) and returns it. */
  addEntry(overrides: Partial<JournalEntry> = {}, agency = AGENCY): JournalEntry {
    const entry = buildEntry({ id: String(this.state.nextId++), ...overrides });
    this.state.entries.push({ agency, entry, updatedAt: SEEDED_AT });
    return { ...entry };
  }

  /** The stored entry (a copy), or undefined. */
  entry(id: string, agency = AGENCY): JournalEntry | undefined {
    const r = this.state.entries.find((x) => x.agency === agency && x.entry.id === id);
    return r ? { ...r.entry } : undefined;
  }

  /** When the entry was last updated (SEEDED_AT when never). */
  updatedAt(id: string, agency = AGENCY): Date | undefined {
    return this.state.entries.find((x) => x.agency === agency && x.entry.id === id)?.updatedAt;
  }

  addUser(id: string, unitId: string | null, o: Partial<DirectoryUser> = {}, agency = AGENCY): void {
    this.state.users.push({
      agency, id, name: id, unitId, position: null, isLeader: false, active: true, activeFrom: null, activeTo: null, updatedAt: SEEDED_AT, ...o,
    });
  }

  addMark(m: Partial<NewMark> & Pick<NewMark, 'kind' | 'subjectId'>, agency = AGENCY): void {
    this.state.marks.push({ agency, subjectKind: 'task', userId: null, excused: false, newDueAt: null, at: new Date('2026-03-10T05:00:00Z'), eventId: null, ...m });
  }

  addDue(subjectId: string, userId: string, dueAt: Date | null, subjectKind = 'task', agency = AGENCY): void {
    this.state.due.push({ agency, subjectKind, subjectId, userId, dueAt });
  }

  closePeriod(period: string, agency = AGENCY): void {
    this.state.closed.push({ agency, period });
  }
}
