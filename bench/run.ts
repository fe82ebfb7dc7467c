/**
 * Runs the benchmarks, each in its own process (so that memory and JIT state are its
 * own), one after another; each prints one JSON line on stdout, progress on stderr.
 *
 *   node dist/bench/run.js                      every benchmark
 *   node dist/bench/run.js ingest-sqlite        one benchmark
 *   node dist/bench/run.js scoring pg           groups: ingest, latency, scoring, report, panels, sqlite, pg (pull: one benchmark)
 *   node dist/bench/run.js ingest-pg --events=50000      sizes go to every benchmark run
 *   node dist/bench/run.js --strict             exit 1 when a goal is missed
 *
 * A missed goal is a `"pass":false` in the line, not a failure: benchmarks are not tests.
 * Only a benchmark that could not run makes the exit code non-zero (or --strict).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runMain } from './lib/report';

const BENCHMARKS: Record<string, { file: string; args: string[] }> = {
  'ingest-sqlite': { file: 'ingest.js', args: ['--dialect=sqlite'] },
  'ingest-pg': { file: 'ingest.js', args: ['--dialect=pg'] },
  'latency-sqlite': { file: 'latency.js', args: ['--dialect=sqlite'] },
  'latency-pg': { file: 'latency.js', args: ['--dialect=pg'] },
  'scoring-sqlite': { file: 'scoring.js', args: ['--dialect=sqlite'] },
  'scoring-pg': { file: 'scoring.js', args: ['--dialect=pg'] },
  'report-sqlite': { file: 'report.js', args: ['--dialect=sqlite'] },
  'report-pg': { file: 'report.js', args: ['--dialect=pg'] },
  'panels-sqlite': { file: 'panels.js', args: ['--dialect=sqlite'] },
  'panels-pg': { file: 'panels.js', args: ['--dialect=pg'] },
  pull: { file: 'pull.js', args: ['--dialect=pg'] },
};

const GROUPS: Record<string, string[]> = {
  all: Object.keys(BENCHMARKS),
  ingest: ['ingest-sqlite', 'ingest-pg'],
  latency: ['latency-sqlite', 'latency-pg'],
  scoring: ['scoring-sqlite', 'scoring-pg'],
  report: ['report-sqlite', 'report-pg'],
  panels: ['panels-sqlite', 'panels-pg'],
  sqlite: ['ingest-sqlite', 'latency-sqlite', 'scoring-sqlite', 'report-sqlite', 'panels-sqlite'],
  pg: ['ingest-pg', 'latency-pg', 'scoring-pg', 'report-pg', 'panels-pg', 'pull'],
  postgres: ['ingest-pg', 'latency-pg', 'scoring-pg', 'report-pg', 'panels-pg', 'pull'],
};

function usage(): string {
  return `usage: node dist/bench/run.js [${[...Object.keys(BENCHMARKS), ...Object.keys(GROUPS)].join('|')} ...] [--key=value ...] [--strict]`;
}

function runOne(name: string, extra: string[]): Promise<{ name: string; code: number | null; lines: Array<Record<string, unknown>> }> {
  const b = BENCHMARKS[name]!;
  process.stderr.write(`\n== ${name}\n`);
  const child = spawn(process.execPath, [path.join(__dirname, b.file), ...b.args, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout.on('data', (c: Buffer) => {
    process.stdout.write(c);
    buf += c.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      try {
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch { /* not ours */ }
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ name, code, lines })));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const strict = argv.includes('--strict');
  const extra = argv.filter((a) => a.startsWith('--') && a !== '--strict');
  const names: string[] = [];
  for (const a of argv.filter((x) => !x.startsWith('--'))) {
    const list = GROUPS[a] ?? (BENCHMARKS[a] ? [a] : null);
    if (!list) {
      process.stderr.write(`unknown benchmark "${a}"\n${usage()}\n`);
      return 2;
    }
    for (const n of list) if (!names.includes(n)) names.push(n);
  }
  if (names.length === 0) names.push(...GROUPS.all!);
  const t0 = Date.now();
  const results = [];
  for (const n of names) results.push(await runOne(n, extra));
  process.stderr.write(`\n== summary (${Math.round((Date.now() - t0) / 1000)} s)\n`);
  let failed = false;
  for (const r of results) {
    const pass = r.lines.map((l) => l.pass);
    const verdict = r.code !== 0 ? `ERROR (exit ${r.code})` : pass.length === 0 ? 'no result' : pass.every((p) => p === true) ? 'pass' : pass.some((p) => p === null) ? 'skipped' : 'goal missed';
    if (r.code !== 0 || (strict && verdict !== 'pass' && verdict !== 'skipped')) failed = true;
    process.stderr.write(`  ${r.name.padEnd(16)} ${verdict}\n`);
  }
  return failed ? 1 : 0;
}

runMain(main);
