import type { UnitOfWork } from '../stores';

/** A periodic piece of work that must run on one instance at a time. */
export interface Job {
  /** The lease's name, e.g. `pull:ubnd-hac-thanh`. */
  name: string;
  everyMs: number;
  /** Runs once; `stillHeld()` renews the lease and says whether to go on (false: stop soon, another instance may take over). */
  run(stillHeld: () => Promise<boolean>): Promise<void>;
}

export interface JobRunnerDeps {
  uow: UnitOfWork;
  /** This instance, as the lease rows name it (host, process and a random part). */
  holder: string;
  /** How long a lease lasts without renewal: a dead holder loses its jobs this long after its last renewal. */
  leaseMs: number;
  clock?: () => Date;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Slot { job: Job; lastRun: number; timer: NodeJS.Timeout | null; running: Promise<void> | null; held: boolean }

/**
 * Runs periodic jobs on whichever instance holds each job's lease (kpi_leases: holder, expiry).
 * Every instance ticks each job at `min(every, lease / 3)`: the holder renews its lease and runs
 * the job when it is due; the others find the lease held and wait. An instance that dies renews
 * nothing, so at most one lease time later another takes the job over. `stop()` gives the leases
 * up at once, so that a clean shutdown hands the jobs over without waiting for the expiry.
 */
export class JobRunner {
  private readonly clock: () => Date;
  private readonly slots: Slot[] = [];
  private stopped = false;

  constructor(private readonly deps: JobRunnerDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const slot: Slot = { job, lastRun: 0, timer: null, running: null, held: false };
      this.slots.push(slot);
      void this.tick(slot);
    }
  }

  /** Whether this instance holds the job's lease now (renewing it). */
  private async renew(slot: Slot): Promise<boolean> {
    if (this.stopped) return false;
    try {
      slot.held = await this.deps.uow.read.leases.acquire(slot.job.name, this.deps.holder, this.clock(), this.deps.leaseMs);
    } catch (e) {
      // The database is away: hold nothing, try again at the next tick.
      this.deps.log?.warn({ job: slot.job.name, err: (e as Error).message }, 'jobs: lease not renewed');
      slot.held = false;
    }
    return slot.held;
  }

  private async tick(slot: Slot): Promise<void> {
    if (this.stopped) return;
    const { job } = slot;
    if ((await this.renew(slot)) && this.clock().getTime() - slot.lastRun >= job.everyMs) {
      slot.lastRun = this.clock().getTime();
      // Renewed while it runs, on the same beat as the ticks, so that a long run keeps its lease.
      const beat = setInterval(() => void this.renew(slot), this.period(job));
      slot.running = (async () => {
        try {
          this.deps.log?.info({ job: job.name, holder: this.deps.holder }, 'jobs: run started');
          await job.run(() => this.renew(slot));
          this.deps.log?.info({ job: job.name, holder: this.deps.holder }, 'jobs: run done');
        } catch (e) {
          this.deps.log?.warn({ job: job.name, holder: this.deps.holder, err: (e as Error).message }, 'jobs: run failed');
        } finally {
          clearInterval(beat);
        }
      })();
      await slot.running;
      slot.running = null;
    }
    if (!this.stopped) slot.timer = setTimeout(() => void this.tick(slot), this.period(job));
  }

  private period(job: Job): number {
    return Math.max(50, Math.min(job.everyMs, Math.floor(this.deps.leaseMs / 3)));
  }

  /** Stops ticking, waits for runs under way, and gives up the leases held. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.slots) if (s.timer) clearTimeout(s.timer);
    await Promise.all(this.slots.map((s) => s.running));
    for (const s of this.slots) {
      await this.deps.uow.read.leases.release(s.job.name, this.deps.holder).catch(() => undefined);
    }
  }
}
