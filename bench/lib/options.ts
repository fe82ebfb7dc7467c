/**
 * Sizes and switches of a benchmark: `--key=value` on the command line wins over
 * `KPI_BENCH_<KEY>` in the environment (dashes become underscores), which wins over
 * the default. Kept tiny on purpose: benchmarks are scripts, not a CLI.
 */
export class BenchOptions {
  private readonly args = new Map<string, string>();

  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (const a of argv) {
      const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/i.exec(a);
      if (m) this.args.set(m[1]!.toLowerCase(), m[2] ?? 'true');
    }
  }

  private raw(key: string): string | undefined {
    const fromArg = this.args.get(key);
    if (fromArg !== undefined) return fromArg;
    const env = process.env[`KPI_BENCH_${key.toUpperCase().replace(/-/g, '_')}`];
    return env !== undefined && env.trim() !== '' ? env.trim() : undefined;
  }

  int(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${key}: an integer ≥ 0 is required, got "${v}"`);
    return n;
  }

  str(key: string, fallback: string): string {
    return this.raw(key) ?? fallback;
  }

  flag(key: string): boolean {
    const v = this.raw(key);
    return v !== undefined && v !== 'false' && v !== '0';
  }
}
