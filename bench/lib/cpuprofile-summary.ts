/**
 * Sums a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. the bench server run with
 * KPI_BENCH_CPU_PROF=<dir>) by function and by package/file: self time, and inclusive time
 * for the functions or files whose name matches `--focus` (a regular expression).
 *
 *   node dist/bench/lib/cpuprofile-summary.js <file.cpuprofile> [--top=40] [--focus=verifyWebhook|jsonwebtoken]
 */
import fs from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[]; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** Where a script lives, short: `pkg:<name>` for node_modules, `node:<module>` for node's own, else the path under the repo. */
function place(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg:${nm[1]}`;
  if (url.startsWith('node:')) return url;
  const ours = /\/dist\/(.*)$/.exec(url);
  return ours ? ours[1]! : url;
}

export function summarise(p: Profile, top: number, focus: RegExp | null): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${place(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const byFn = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    byFn.set(fnKey(n), (byFn.get(fnKey(n)) ?? 0) + us);
    const pl = n.callFrame.url ? place(n.callFrame.url) : n.callFrame.functionName || '(native)';
    byPlace.set(pl, (byPlace.get(pl) ?? 0) + us);
    if (focus) {
      // Each matching frame (or file) of the stack counts once per sample.
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const f = byId.get(cur)!;
        for (const k of [fnKey(f), `[file] ${place(f.callFrame.url)}`]) {
          if (focus.test(k) && !seen.has(k)) {
            seen.add(k);
            inclusive.set(k, (inclusive.get(k) ?? 0) + us);
          }
        }
      }
    }
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${ms(us)}  ${k}`).join('\n');
  const out = [`total sampled ${(total / 1000).toFixed(0)} ms`, '', '== self time by package/file', list(byPlace), '', '== self time by function', list(byFn)];
  if (focus) out.push('', `== inclusive time of frames matching ${focus}`, list(inclusive));
  return out.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: cpuprofile-summary <file.cpuprofile> [--top=40] [--focus=regex]\n');
    process.exit(2);
  }
  const opt = (k: string) => args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
  const focus = opt('focus');
  process.stdout.write(`${summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(opt('top') ?? 40), focus ? new RegExp(focus) : null)}\n`);
}
