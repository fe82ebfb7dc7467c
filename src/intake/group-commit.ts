/**
 * Group commit: concurrent callers for one key (an agency) share transactions. Each caller's
 * items are cut in slices of at most `chunkSize` (a slice is always stored whole, in one
 * transaction); callers that arrive while a transaction of their key runs are stored
 * together by the next one (as many slices as fit in `chunkSize`), back to back. Each caller
 * still hears only its own counts, and only after every slice of it has committed; when a
 * transaction holding one of its slices fails it hears that error at once, and the rest of
 * its slices are not stored (the host sends them again).
 */

export interface Counts { accepted: number; duplicates: number }

/** One caller's items of one key, waiting for its answer. */
interface Ticket {
  /** Slices not yet committed. */
  pending: number;
  accepted: number;
  duplicates: number;
  /** Answered (all committed, or failed): nothing more of it is stored or counted. */
  settled: boolean;
  resolve(r: Counts): void;
  reject(e: unknown): void;
  onCommitted(n: number): void;
}

/** At most chunkSize items of one caller: always stored whole, in one transaction. */
export interface Slice<I, M> { ticket: Ticket; meta: M; items: I[] }

/** A key's queue and whether a transaction of it is running. */
interface Lane<I, M> { running: boolean; queue: Array<Slice<I, M>> }

function settle(t: Ticket, error: unknown): void {
  if (t.settled) return;
  t.settled = true;
  if (error === null) t.resolve({ accepted: t.accepted, duplicates: t.duplicates });
  else t.reject(error);
}

export class GroupCommit<I, M> {
  private readonly lanes = new Map<string, Lane<I, M>>();

  /**
   * @param chunkSize at most this many items per transaction
   * @param storeGroup stores the slices of one group in ONE transaction and returns each slice's counts, in order
   */
  constructor(private readonly chunkSize: number, private readonly storeGroup: (key: string, group: ReadonlyArray<Slice<I, M>>) => Promise<Counts[]>) {}

  /**
   * Queues a caller's items. When no transaction of the key is running or queued, the drain
   * starts on the next turn of the event loop (no timer: a caller alone waits for nothing).
   */
  submit(key: string, items: I[], meta: M, onCommitted: (n: number) => void): Promise<Counts> {
    if (items.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      const ticket: Ticket = { pending: 0, accepted: 0, duplicates: 0, settled: false, resolve, reject, onCommitted };
      let lane = this.lanes.get(key);
      if (!lane) this.lanes.set(key, (lane = { running: false, queue: [] }));
      for (let i = 0; i < items.length; i += this.chunkSize) {
        lane.queue.push({ ticket, meta, items: items.slice(i, i + this.chunkSize) });
        ticket.pending++;
      }
      if (!lane.running) {
        lane.running = true;
        // One turn of the event loop, not a timer: with nothing else pending the drain runs
        // at once. Requests whose bytes have already arrived are validated meanwhile and join
        // this transaction — on SQLite a request runs from parse to commit without ever
        // yielding (the driver is synchronous), so without this turn no two ever meet.
        const l = lane;
        setImmediate(() => void this.drain(key, l));
      }
    });
  }

  /** Stores the key's queue, one group transaction after another, until it is empty. */
  private async drain(key: string, lane: Lane<I, M>): Promise<void> {
    lane.running = true;
    let group: Array<Slice<I, M>> = [];
    try {
      while (lane.queue.length > 0) {
        group = this.nextGroup(lane);
        if (group.length === 0) continue;
        let counts: Counts[];
        try {
          counts = await this.storeGroup(key, group);
        } catch (e) {
          // Nothing of this transaction was committed: every caller in it hears the same error.
          for (const s of group) settle(s.ticket, e);
          continue;
        }
        group.forEach((s, i) => this.committed(s, counts[i]!));
      }
    } catch (e) {
      // Not reached by database failures (answered above); a bug must not leave a caller hanging.
      for (const s of [...group, ...lane.queue.splice(0)]) settle(s.ticket, e);
    } finally {
      lane.running = false;
      if (this.lanes.get(key) === lane) this.lanes.delete(key);
    }
  }

  /** As many queued slices as fit in one transaction; the rest of a caller already answered is dropped. */
  private nextGroup(lane: Lane<I, M>): Array<Slice<I, M>> {
    const group: Array<Slice<I, M>> = [];
    let size = 0;
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      if (next.ticket.settled) {
        lane.queue.shift();
        continue;
      }
      if (group.length > 0 && size + next.items.length > this.chunkSize) break;
      group.push(lane.queue.shift()!);
      size += next.items.length;
    }
    return group;
  }

  private committed(s: Slice<I, M>, counts: Counts): void {
    const t = s.ticket;
    if (t.settled) return;
    t.accepted += counts.accepted;
    t.duplicates += counts.duplicates;
    t.pending--;
    try {
      t.onCommitted(s.items.length);
    } catch (e) {
      settle(t, e);
      return;
    }
    if (t.pending === 0) settle(t, null);
  }
}
