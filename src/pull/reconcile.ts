import type { PulledResult } from '../intake/intake-service';
import type { HostView } from './host-view';
import { hostId, type ColumnMap } from './row-mapping';
import { mapRows, type PullDeps } from './puller';

/** One day and type: what the view holds, what the plugin has, and the ids missing from the plugin. */
export interface ReconcileLine { day: string; type: string; view: number; plugin: number; missing: string[] }

export interface ReconcileReport {
  lines: ReconcileLine[];
  missing: number;
  /** What `--apply` stored (null without it). */
  applied: PulledResult | null;
}

export interface ReconcileRun {
  agency: string;
  view: HostView;
  timeZone: string;
  /** Local days `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  apply: boolean;
  columns?: ColumnMap;
  /** Rows per read of the view, and per transaction when applying. */
  batch?: number;
  /** After each day: its index (1-based) and the number of days. */
  onDay?: (day: string, done: number, total: number) => void;
}

/** The days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The offset of a time zone at an instant, in ms (UTC+7 → 25 200 000). */
function offsetMs(timeZone: string, at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) * 1000 : 0;
}

/** The instant a local day begins in a time zone. */
export function dayStart(day: string, timeZone: string): Date {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  let t = midnightUtc - offsetMs(timeZone, midnightUtc);
  // Once more at the guess: the offset may differ there (a change of offset near midnight).
  t = midnightUtc - offsetMs(timeZone, t);
  return new Date(t);
}

/**
 * Compares, per local day and type, the events the view holds with those the plugin stored,
 * and lists the ids the plugin lacks (an id stored under another day is not missing). With
 * `apply`, the missing rows are read by id and taken through the intake like a pull, a batch
 * per transaction, without moving the pull's watermark. Memory holds one day at a time.
 */
export async function reconcile(deps: PullDeps, run: ReconcileRun): Promise<ReconcileReport> {
  const batch = run.batch ?? 2000;
  const days = daysBetween(run.from, run.to);
  const report: ReconcileReport = { lines: [], missing: 0, applied: run.apply ? { accepted: 0, duplicates: 0, processed: 0, ignored: 0, failed: 0 } : null };
  for (const [i, day] of days.entries()) {
    const start = dayStart(day, run.timeZone);
    const end = dayStart(nextDay(day), run.timeZone);
    const viewIds = new Map<string, string>();
    for (let after: string | null = null; ;) {
      const rows = await run.view.window(start, end, after, batch);
      for (const r of rows) {
        const id = hostId(r.event_id);
        if (id !== null) viewIds.set(id, String(r.event_type ?? ''));
      }
      if (rows.length < batch) break;
      after = hostId(rows[rows.length - 1]!.event_id);
    }
    const stored = await deps.uow.read.pull.eventsBetween(run.agency, start, end);
    const storedIds = new Set(stored.map((e) => e.eventId));
    const lacking = [...viewIds.keys()].filter((id) => !storedIds.has(id));
    const elsewhere = lacking.length > 0 ? await deps.uow.read.pull.storedIds(run.agency, lacking) : new Set<string>();
    const missing = lacking.filter((id) => !elsewhere.has(id)).sort();
    const types = new Map<string, ReconcileLine>();
    const line = (type: string) => {
      if (!types.has(type)) types.set(type, { day, type, view: 0, plugin: 0, missing: [] });
      return types.get(type)!;
    };
    for (const type of viewIds.values()) line(type).view++;
    for (const e of stored) line(e.type).plugin++;
    for (const id of missing) line(viewIds.get(id)!).missing.push(id);
    report.lines.push(...[...types.values()].sort((a, b) => a.type.localeCompare(b.type)));
    report.missing += missing.length;
    if (run.apply && missing.length > 0) {
      for (let k = 0; k < missing.length; k += batch) {
        const rows = await run.view.byIds(missing.slice(k, k + batch));
        const { events, broken } = mapRows(rows, run.agency, run.columns);
        const r = await deps.intake.ingestPulled(run.agency, events, broken, async () => undefined);
        for (const key of Object.keys(r) as Array<keyof PulledResult>) report.applied![key] += r[key];
      }
    }
    run.onDay?.(day, i + 1, days.length);
  }
  return report;
}
