/**
 * Sums a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. the bench server run with
 * KPI_BENCH_CPU_PROF=<dir>) by function and by package/file: self time, and inclusive time
 * for the functions or files whose name matches `--focus` (a regular expression).
 *
 *   node dist/bench/lib/cpuprofile-summary.js <file.cpuprofile> [--top=40] [--focus=verifyWebhook|jsonwebtoken] [--skip-ms=4000]
 *
 * `--skip-ms` leaves out the first milliseconds (start-up, warm-up); the buckets group the
 * request path coarsely (database, token check, express, intake, node's http, gc).
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

/** Coarse buckets for this plugin's request path, first match wins (by function name for natives, else by place). */
const BUCKETS: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['gc', /^\(garbage collector\)$/],
  ['startup (module loading)', /^node:internal\/modules|^internalModuleStat$|^readFileUtf8$|^pkg:handlebars$|^pkg:source-map$|^src\/views\//],
  ['database driver + knex', /^pkg:(knex|better-sqlite3|pg|pg-[a-z-]+|tarn|lodash|postgres-[a-z-]+)$|^src\/db\//],
  ['token check (jwt, crypto)', /^pkg:(jws|jwa|jsonwebtoken|safe-buffer|buffer-equal-constant-time|ecdsa-sig-formatter)$|^src\/http\/(auth|token-ids)\.js$|^node:internal\/crypto|^node:crypto$/],
  ['express, router, body parser', /^pkg:(express|router|body-parser|raw-body|parseurl|type-is|content-type|media-typer|mime-types|mime-db|on-finished|finalhandler|encodeurl|etag|fresh|depd|statuses|http-errors|iconv-lite|qs|send|unpipe|ee-first|path-to-regexp|accepts|negotiator|vary|cookie|setprototypeof|merge-descriptors)$|^src\/http\/(app|errors)\.js$/],
  ['intake (validate, plan, apply)', /^src\/(intake|contract|rules|domain|services|scoring)\/|^pkg:(ajv|ajv-formats|fast-deep-equal|fast-uri|date-fns|@date-fns\/tz|json-schema-traverse)$/],
  ['node http, streams, events', /^node:(_http|net|stream|internal\/streams|internal\/stream_base_commons|events|buffer|internal\/buffer|internal\/process\/task_queues|timers|internal\/timers)|^(writev|writeBuffer|writeUtf8String|runMicrotasks|base64Write|utf8Write)$/],
];

function bucketOf(placeOrName: string): string {
  for (const [name, re] of BUCKETS) if (re.test(placeOrName)) return name;
  return 'other';
}

export function summarise(p: Profile, top: number, focus: RegExp | null, skipMs = 0): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  let elapsed = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    elapsed += dt;
    if (elapsed < skipMs * 1000) continue;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const fnKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${place(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const byFn = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const byBucket = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    byFn.set(fnKey(n), (byFn.get(fnKey(n)) ?? 0) + us);
    const pl = n.callFrame.url ? place(n.callFrame.url) : n.callFrame.functionName || '(native)';
    byPlace.set(pl, (byPlace.get(pl) ?? 0) + us);
    const b = bucketOf(pl);
    byBucket.set(b, (byBucket.get(b) ?? 0) + us);
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
  const out = [`total sampled ${(total / 1000).toFixed(0)} ms${skipMs ? ` (the first ${skipMs} ms skipped)` : ''}`, '', '== self time by bucket', list(byBucket), '', '== self time by package/file', list(byPlace), '', '== self time by function', list(byFn)];
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
  process.stdout.write(`${summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(opt('top') ?? 40), focus ? new RegExp(focus) : null, Number(opt('skip-ms') ?? 0))}\n`);
}
