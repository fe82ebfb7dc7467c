import { COUNTED_BY, type UnitOfWork, type WriteReach } from '../stores';

/** The query events of a database connection (knex's), as far as WriteGenerations needs them. */
export interface StatementEvents {
  on(event: 'query-response', listener: (response: unknown, q: { method?: string; sql?: string } | undefined, builder?: unknown) => void): unknown;
}

const READ_METHODS = new Set(['select', 'first', 'pluck', 'columnInfo']);
// `set` / `show` change a session's settings (PostgreSQL's `set local work_mem` before a large read), no data.
const READ_SQL = /^\s*(select|with|pragma|explain|set|show)\b/i;

function isWrite(q: { method?: string; sql?: string } | undefined): boolean {
  if (!q) return true;
  if (q.method !== undefined && q.method !== 'raw') return !READ_METHODS.has(q.method);
  return !READ_SQL.test(q.sql ?? '');
}

// Tables that no kept read shows: a webhook call's token id, a panel form's single use (in a savepoint
// of its own inside a transaction, so not tagged as the transaction's), the periodic jobs' lease. Writing them moves nothing.
const UNSEEN_TABLE = /^\s*(?:insert\s+into|update|delete\s+from|delete)\s+[`"[]?(?:kpi_token_uses|kpi_form_uses|kpi_leases)\b/i;

/** The officials each agency's writes moved (null: anything, or more than was said). */
export type Moved = Map<string, Set<string>> | null;

/** A write's reach (WriteOptions.reach) that its work fills as it goes: `days` notes the officials of the days it recomputes and passes the keys on. */
export function reachOf(agency: string): WriteReach & { days<K extends { userId: string }>(keys: Iterable<K>): K[] } {
  const users = new Set<string>();
  return {
    agency, users, all: false,
    days(keys) {
      const list = [...keys];
      for (const k of list) users.add(k.userId);
      return list;
    },
  };
}

/** How many write transactions' reaches are remembered: a kept pool older than that is read again whole. */
const REACHES_KEPT = 1000;
/** The most officials one write's reach is remembered with (1,000 of them at most: memory stays bounded). */
const REACH_USERS_KEPT = 256;

/**
 * What moved since a cached read was made (docs/integrators.md, "Running several instances").
 * Every change that can move a score — an entry added, changed, reviewed or withdrawn, an
 * assessment, settings, catalogue or rules, a period closed or reopened, the directory — is
 * written in a `UnitOfWork.write` transaction; `watch` counts those transactions, after each one
 * ends (committed or not), so that a read begun before the change is never served after it, and
 * keeps whose scores each said it moved (`movedSince`). Writes made by another process are not
 * seen: there, `ttlMs` bounds how long a cached read may lag behind them.
 */
export class WriteGenerations {
  private static readonly byConnection = new WeakMap<object, WriteGenerations>();
  private n = 0;
  /** What the latest writes moved, oldest first: `reaches[i]` is write number `n - reaches.length + i + 1`'s (null: anything). */
  private readonly reaches: Array<WriteReach | null> = [];

  /** The one counter of a database connection (every plugin built over it shares it), watching its statements. */
  static of(db: StatementEvents): WriteGenerations {
    let g = WriteGenerations.byConnection.get(db);
    if (!g) {
      g = new WriteGenerations();
      g.watchStatements(db);
      WriteGenerations.byConnection.set(db, g);
    }
    return g;
  }

  /** The count of write transactions ended so far in this process. */
  get current(): number {
    return this.n;
  }

  /**
   * Counts the write transactions of `uow` (wraps its `write`), each once it has ended, with the
   * reach its work gave (WriteOptions.reach; without one, it may have moved anything); returns `uow`.
   */
  watch<U extends UnitOfWork>(uow: U): U {
    const write = uow.write.bind(uow);
    uow.write = async (work, opts) => {
      try {
        return await write(work, { ...opts, countedBy: this });
      } finally {
        this.bump(opts?.reach);
      }
    };
    return uow;
  }

  /**
   * Also counts each statement that writes, run through the database connection outside the
   * watched transactions (a script or a test writing rows itself, an autocommit statement of a
   * store), once it has answered: as a write that may have moved anything. A watched
   * transaction's statements are left to `watch`, which counts the transaction when it ends.
   */
  watchStatements(db: StatementEvents): void {
    db.on('query-response', (_response, q, builder) => {
      if ((builder as { client?: { [COUNTED_BY]?: object } } | undefined)?.client?.[COUNTED_BY] === this) return;
      if (isWrite(q) && !UNSEEN_TABLE.test(q?.sql ?? '')) this.bump();
    });
  }

  /** One write ended; `reach`, when given, is all it moved (a change made outside `UnitOfWork.write` gives none). */
  bump(reach?: WriteReach): void {
    this.n += 1;
    // A reach of many officials is remembered as "anything": the pool would be read whole for it anyway.
    this.reaches.push(reach && !reach.all && reach.users.size <= REACH_USERS_KEPT ? { agency: reach.agency, users: new Set(reach.users), all: false } : null);
    if (this.reaches.length > REACHES_KEPT) this.reaches.splice(0, this.reaches.length - REACHES_KEPT);
  }

  /**
   * The officials moved, agency by agency, by the writes counted after `since` (a value of
   * `current`): null when one of them may have moved anything, or when they are too many to be
   * remembered. An empty map: nothing scored moved.
   */
  movedSince(since: number): Moved {
    const count = this.n - since;
    if (count < 0 || count > this.reaches.length) return null;
    const moved = new Map<string, Set<string>>();
    for (let i = this.reaches.length - count; i < this.reaches.length; i++) {
      const r = this.reaches[i]!;
      if (r === null) return null;
      if (r.users.size === 0) continue;
      const set = moved.get(r.agency) ?? new Set<string>();
      for (const u of r.users) set.add(u);
      moved.set(r.agency, set);
    }
    return moved;
  }
}

/**
 * Reads kept until the next write transaction of the process (or `ttlMs`, for the writes of
 * other processes), at most `max` of them (the oldest go first). A read asked for again while it
 * is being made is shared (50 panels at once make one). A read that failed is not kept.
 */
export class ReadCache<V> {
  private readonly map = new Map<string, { gen: number; at: number; value: Promise<V> }>();

  constructor(private readonly gens: WriteGenerations, private readonly opts: { ttlMs: number; max: number; now?: () => number }) {}

  private swept = { gen: -1, at: 0 };

  get(key: string, make: () => Promise<V>): Promise<V> {
    const now = (this.opts.now ?? Date.now)();
    const gen = this.gens.current;
    // Reads that can no longer be served are let go (they may be large: a pool of 50,000 scores).
    if (gen !== this.swept.gen || now - this.swept.at >= this.opts.ttlMs) {
      for (const [k, v] of this.map) if (v.gen !== gen || now - v.at >= this.opts.ttlMs) this.map.delete(k);
      this.swept = { gen, at: now };
    }
    const hit = this.map.get(key);
    if (hit && hit.gen === gen && now - hit.at < this.opts.ttlMs) return hit.value;
    if (hit) this.map.delete(key);
    const value = make();
    // Shared while it is being made; its age counts from when it was read (a slow read is not born old).
    const entry = { gen, at: Number.POSITIVE_INFINITY, value };
    this.map.set(key, entry);
    while (this.map.size > this.opts.max) this.map.delete(this.map.keys().next().value as string);
    value.then(() => { entry.at = (this.opts.now ?? Date.now)(); }, () => {
      if (this.map.get(key) === entry) this.map.delete(key);
    });
    return value;
  }

  /** How many reads are kept (tests). */
  get size(): number {
    return this.map.size;
  }
}

/** How long a kept read may lag behind another process's writes, unless a service is told otherwise. */
export const KEPT_READ_TTL_MS = 2000;

/** What a service (or the panels) needs to keep reads: the connection's write counter, and how long a kept read may lag behind other processes. */
export interface KeptReadsDeps {
  /** When given, reads are kept until the next write transaction of the process, or `cacheTtlMs`. */
  generations?: WriteGenerations | undefined;
  /** Default KEPT_READ_TTL_MS (2 s): the writes of other instances. */
  cacheTtlMs?: number | undefined;
}

/**
 * A service's kept reads when it was given the write generations (null otherwise: it reads every
 * time), living `cacheTtlMs` (default KEPT_READ_TTL_MS), at most `max` of them.
 */
export function keptReads<V>(deps: KeptReadsDeps, max: number): ReadCache<V> | null {
  return deps.generations ? new ReadCache<V>(deps.generations, { ttlMs: deps.cacheTtlMs ?? KEPT_READ_TTL_MS, max }) : null;
}
