import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The one JSON line a benchmark prints on stdout; progress goes to stderr. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function progress(name: string, msg: string): void {
  process.stderr.write(`[${name}] ${msg}\n`);
}

export const now = (): number => performance.now();

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const mb = (bytes: number): number => round(bytes / (1024 * 1024), 1);

/** The middle value; the mean of the two middle ones for an even count. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Peak memory of this process. Two views, because a synchronous driver (better-sqlite3
 * runs queries on the main thread) blocks the 10 ms sampler for the whole query:
 * - `sampledRss`/`sampledHeap`: max of process.memoryUsage() every `intervalMs`;
 * - `hwmRss`: the kernel's high-water mark (VmHWM), reset at start() through
 *   /proc/self/clear_refs, which sees the peak even while the event loop is blocked.
 */
export class MemoryWatch {
  private timer: NodeJS.Timeout | null = null;
  private peakRss = 0;
  private peakHeap = 0;
  baselineRss = 0;
  baselineHeap = 0;
  private hwmReset = false;

  start(intervalMs = 10): this {
    const m = process.memoryUsage();
    this.baselineRss = m.rss;
    this.baselineHeap = m.heapUsed;
    this.peakRss = m.rss;
    this.peakHeap = m.heapUsed;
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5');
      this.hwmReset = true;
    } catch {
      this.hwmReset = false;
    }
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
  }

  stop(): { baselineRssMb: number; peakRssMb: number; deltaRssMb: number; hwmRssMb: number | null; hwmDeltaRssMb: number | null; baselineHeapMb: number; peakHeapMb: number; deltaHeapMb: number } {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const hwm = this.hwmReset ? readHwm() : null;
    const peak = Math.max(this.peakRss, hwm ?? 0);
    return {
      baselineRssMb: mb(this.baselineRss),
      peakRssMb: mb(peak),
      deltaRssMb: mb(peak - this.baselineRss),
      hwmRssMb: hwm === null ? null : mb(hwm),
      hwmDeltaRssMb: hwm === null ? null : mb(hwm - this.baselineRss),
      baselineHeapMb: mb(this.baselineHeap),
      peakHeapMb: mb(this.peakHeap),
      deltaHeapMb: mb(this.peakHeap - this.baselineHeap),
    };
  }
}

function readHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs a benchmark script's `main` and exits with the code it returns (0 when none); an error
 * goes to stderr with its stack and exits 1.
 */
export function runMain(main: () => Promise<number | void>): void {
  main().then((code) => process.exit(code ?? 0), (e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
