import type { UnitOfWork } from '../stores';

/** The query events of a database connection (knex's), as far as WriteGenerations needs them. */
export interface StatementEvents {
  on(event: 'query-response', listener: (response: unknown, q: { method?: string; sql?: string } | undefined) => void): unknown;
}

const READ_METHODS = new Set(['select', 'first', 'pluck', 'columnInfo']);
// `set` / `show` change a session's settings (PostgreSQL's `set local work_mem` before a large read), no data.
const READ_SQL = /^\s*(select|with|pragma|explain|set|show)\b/i;

function isWrite(q: { method?: string; sql?: string } | undefined): boolean {
  if (!q) return true;
  if (q.method !== undefined && q.method !== 'raw') return !READ_METHODS.has(q.method);
  return !READ_SQL.test(q.sql ?? '');
}

/**
 * What moved since a cached read was made (docs/admin.md, "Caches"). Every change that can move
 * a score — an entry added, changed, reviewed or withdrawn, an assessment, settings, catalogue or
 * rules, a period closed or reopened, the directory — is written in a `UnitOfWork.write`
 * transaction; `watch` counts those transactions, after each one ends (committed or not), so that
 * a read begun before the change is never served after it. Writes made by another process are
 * not seen: there, `ttlMs` bounds how long a cached read may lag behind them.
 */
export class WriteGenerations {
  private static readonly byConnection = new WeakMap<object, WriteGenerations>();
  private n = 0;

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

  /** Counts the write transactions of `uow` (wraps its `write`); returns `uow`. */
  watch<U extends UnitOfWork>(uow: U): U {
    const write = uow.write.bind(uow);
    const bump = (): void => { this.n += 1; };
    uow.write = async (work, opts) => {
      try {
        return await write(work, opts);
      } finally {
        bump();
      }
    };
    return uow;
  }

  /**
   * Also counts each statement that writes, run through the database connection outside the
   * stores' transactions (a script or a test writing rows itself), once it has answered.
   */
  watchStatements(db: StatementEvents): void {
    db.on('query-response', (_response: unknown, q: { method?: string; sql?: string } | undefined) => {
      if (isWrite(q)) this.n += 1;
    });
  }

  /** A change made outside `UnitOfWork.write` that moves cached reads (none is known today; for callers that add one). */
  bump(): void {
    this.n += 1;
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
