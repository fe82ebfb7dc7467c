/**
 * Progress of a long command on stderr, throttled: nothing for work that ends within the
 * first interval, then at most one line per interval. On a terminal the line is rewritten
 * in place; in a log (not a TTY) each update is its own line.
 */
export interface Progress {
  update(text: string): void;
  /** Ends the progress display (a newline on a terminal, if anything was shown). */
  done(): void;
}

export function createProgress(stream: { write(s: string): unknown; isTTY?: boolean }, opts: { intervalMs?: number; now?: () => number } = {}): Progress {
  const now = opts.now ?? (() => Date.now());
  const tty = stream.isTTY === true;
  const interval = opts.intervalMs ?? (tty ? 200 : 1000);
  let last = now();
  let shown = false;
  let width = 0;
  return {
    update(text) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      shown = true;
      if (tty) {
        stream.write(`\r${text.padEnd(width)}`);
        width = Math.max(width, text.length);
      } else {
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (shown && tty) stream.write('\n');
      shown = false;
    },
  };
}

/** 12345 → "12.345" (Vietnamese thousands separator). */
export function formatCount(n: number): string {
  return new Intl.NumberFormat('vi-VN').format(n);
}
