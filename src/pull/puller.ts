import { createHash } from 'node:crypto';
import type { IntakeService } from '../intake/intake-service';
import type { UnitOfWork, Watermark } from '../stores';
import { InternalError } from '../domain/errors';
import { hostInstant, type HostRow, type HostView } from './host-view';
import { rowToEvent, hostId, type BrokenRow, type ColumnMap } from './row-mapping';

/** What one run of the pull took. */
export interface PullTotals { pages: number; rows: number; accepted: number; duplicates: number; processed: number; ignored: number; failed: number }

export interface PullDeps {
  uow: UnitOfWork;
  intake: IntakeService;
  clock?: () => Date;
}

export interface PullRun {
  agency: string;
  view: HostView;
  /** The watermark's key: names the source and view, never a password (see sourceKey). */
  source: string;
  batch: number;
  columns?: ColumnMap;
  /** Called before each page: false stops the run there (the lease was lost, a signal came). */
  beforePage?: () => Promise<boolean> | boolean;
  /** Called with each page read, before it is stored (progress; the tests stop the process here). */
  afterRead?: (rows: readonly HostRow[]) => Promise<void> | void;
  /** Called after each page committed. */
  onPage?: (totals: PullTotals) => void;
}

/** The watermark's key for a source and view: the URL without its password, or a hash of it when too long. */
export function sourceKey(display: string, view: string): string {
  const key = `${display}#${view}`;
  return key.length <= 200 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export function emptyTotals(): PullTotals {
  return { pages: 0, rows: 0, accepted: 0, duplicates: 0, processed: 0, ignored: 0, failed: 0 };
}

/** Splits rows into events and broken rows for the intake. */
export function mapRows(rows: readonly HostRow[], agency: string, columns: ColumnMap = {}): { events: Array<Record<string, unknown>>; broken: BrokenRow[] } {
  const events: Array<Record<string, unknown>> = [];
  const broken: BrokenRow[] = [];
  for (const row of rows) {
    const m = rowToEvent(row, agency, columns);
    if ('event' in m) events.push(m.event);
    else broken.push(m.broken);
  }
  return { events, broken };
}

/**
 * Takes what the view holds after the agency's watermark, page by page in `(updated_at,
 * event_id)` order, through the intake, until a page comes back short. Each page and the
 * watermark after its last row are ONE transaction: a run killed at any moment restarts from
 * the last committed page, and what it reads again is a duplicate. A row changed after it was
 * taken comes back with a later `updated_at`: a duplicate of its id, and nothing changes.
 */
export async function pullOnce(deps: PullDeps, run: PullRun): Promise<PullTotals> {
  const clock = deps.clock ?? (() => new Date());
  const totals = emptyTotals();
  let mark: Watermark | null = await deps.uow.read.pull.watermark(run.agency, run.source);
  // The next page is read while this one is stored: its start is known from this page's last row.
  let reading: Promise<HostRow[]> | null = null;
  for (;;) {
    if (run.beforePage && !(await run.beforePage())) break;
    const rows: HostRow[] = await (reading ?? run.view.page(mark, run.batch));
    reading = null;
    if (rows.length === 0) break;
    await run.afterRead?.(rows);
    const next = markAfter(rows, mark);
    if (rows.length === run.batch) {
      reading = run.view.page(next, run.batch);
      // Its failure is heard when it is awaited; until then it must not count as unhandled.
      reading.catch(() => undefined);
    }
    const { events, broken } = mapRows(rows, run.agency, run.columns);
    const r = await deps.intake.ingestPulled(run.agency, events, broken, (tx) => tx.pull.advance(run.agency, run.source, next, clock()));
    totals.pages++;
    totals.rows += rows.length;
    totals.accepted += r.accepted;
    totals.duplicates += r.duplicates;
    totals.processed += r.processed;
    totals.ignored += r.ignored;
    totals.failed += r.failed;
    mark = next;
    run.onPage?.({ ...totals });
    if (rows.length < run.batch) break;
  }
  // A page read ahead and not taken (the run was stopped): let it finish before the view is closed.
  await reading?.catch(() => undefined);
  return totals;
}

/** The watermark after a page: its last row's `(updated_at, event_id)`; a page that would not move it is an error, never a loop. */
function markAfter(rows: readonly HostRow[], before: Watermark | null): Watermark {
  const last = rows[rows.length - 1]!;
  const at = hostInstant(last.updated_at);
  const id = hostId(last.event_id) ?? '';
  if (at === null || (before !== null && at.getTime() === before.updatedAt.getTime() && id === before.eventId)) {
    throw new InternalError(
      'Trang dữ liệu không làm dịch chuyển mốc đọc: updated_at phải là datetime2(3) (mili giây) và event_id phải có (the page does not move the watermark: updated_at must have millisecond precision and event_id must be set)',
      'pull_stuck',
    );
  }
  return { updatedAt: at, eventId: id, rows: (before?.rows ?? 0) + rows.length };
}
