import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KpiError } from '../domain/errors';
import { isPeriodKey, parsePeriod } from '../domain/period';
import { evaluationAsciiName, form01AsciiName } from '../http/reports';
import { collect, parseText } from './args';
import type { CliContext } from './context';
import { UsageError } from './errors';
import { createProgress, formatCount } from './progress';

/** The export stopped by SIGINT/SIGTERM: nothing was written at the target. */
export class InterruptedError extends KpiError {
  constructor(signal: string) {
    super('interrupted', `đã dừng theo ${signal}, không ghi tệp nào (stopped by ${signal}; no file written)`);
  }
}

/**
 * Writes a file the way a reader never sees half of it: into a hidden temporary file in the
 * target's own folder (same file system), flushed to disk, then renamed over the target in one
 * step. On any failure, or a signal from `signals`, the temporary file is removed and the target
 * is left as it was. Resolves with what `write` resolved with.
 */
export async function writeFileAtomically<T>(target: string, write: (out: NodeJS.WritableStream) => Promise<T>, opts: { signals?: NodeJS.EventEmitter } = {}): Promise<T> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  // `flush`: the data is synced to disk before the file is closed, so the rename never exposes a file still in the cache only.
  const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true });
  const listeners: Array<[string, () => void]> = [];
  try {
    // A failing disk or a signal ends the wait even if the writer never notices its stream broke.
    const broken = new Promise<never>((_, reject) => {
      out.once('error', reject);
      for (const signal of ['SIGINT', 'SIGTERM']) {
        const on = (): void => reject(new InterruptedError(signal));
        listeners.push([signal, on]);
        opts.signals?.on(signal, on);
      }
    });
    broken.catch(() => { /* raced below */ });
    const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
    const result = await Promise.race([write(out), broken]);
    if (!out.writableEnded) out.end();
    // 'close': every byte written, synced and the file closed.
    await Promise.race([closed, broken]);
    await fs.promises.rename(tmp, target);
    await syncFolder(dir);
    return result;
  } catch (e) {
    if (!out.closed) await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  } finally {
    for (const [signal, on] of listeners) opts.signals?.off(signal, on);
  }
}

/** The rename itself made durable (where the system allows opening a folder). */
async function syncFolder(dir: string): Promise<void> {
  try {
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Windows cannot open a folder: the rename is as durable as the system makes it.
  }
}

/** The `--out` file, or the default name in the working directory; its folder must exist. */
export function outputPath(raw: string | undefined, fallback: string, cwd: string): string {
  const full = path.resolve(cwd, raw === undefined ? fallback : parseText(raw, '--out', 1000));
  if (!/\.xlsx$/i.test(full)) throw new UsageError(`--out: tệp phải có đuôi .xlsx (the file must end in .xlsx), nhận "${raw}"`, '--out');
  let dir: fs.Stats;
  try {
    dir = fs.statSync(path.dirname(full));
  } catch {
    throw new UsageError(`--out: thư mục không tồn tại (folder not found) "${path.dirname(full)}"`, '--out');
  }
  if (!dir.isDirectory()) throw new UsageError(`--out: "${path.dirname(full)}" không phải thư mục (not a folder)`, '--out');
  if (fs.existsSync(full) && !fs.statSync(full).isFile()) throw new UsageError(`--out: "${full}" đã có và không phải tệp (exists and is not a file)`, '--out');
  return full;
}

/** `[██████░░░░░░░░░░░░░░]  30% — 1.500/5.000 cán bộ`. */
export function progressLine(done: number, total: number, width = 20): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * width);
  return `Đang ghi bảng tính (writing) [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% — ${formatCount(done)}/${formatCount(total)} cán bộ`;
}

interface ReportOptions {
  agency: string;
  period: string;
  unit: string[];
  user?: string;
  form01?: boolean;
  journal?: boolean;
  out?: string;
  json?: boolean;
}

/**
 * `report --agency <code> --period <p> [--unit <id>]… [--journal] [--out <file.xlsx>]` and
 * `report --form01 --agency <code> --period <p> (--user <id> | --unit <id>) [--out …]`
 * (docs/integrators.md (command line)).
 */
export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('Xuất bảng tính Excel: tổng hợp đánh giá, xếp loại một kỳ, hoặc --form01 phiếu theo dõi, đánh giá (export the evaluation workbook, or form 01)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--period <period>', 'kỳ: 2026-03 | 2026-Q1 | 2026 (period)')
    .option('--unit <id>', 'chỉ phòng, ban này, lặp lại được; với --form01: phiếu của cả phòng (this unit only, repeatable; with --form01: every member)', collect, [] as string[])
    .option('--user <id>', 'với --form01: phiếu của một cán bộ (with --form01: one official)')
    .option('--form01', 'phiếu theo dõi, đánh giá công chức, mẫu số 01 (form no. 01 instead of the evaluation workbook)')
    .option('--journal', 'thêm trang nhật ký công việc của kỳ (add the period\'s journal sheet)')
    .option('--out <file.xlsx>', 'tệp ghi ra; mặc định danh-gia-<agency>-<period>.xlsx hoặc phieu-01-… trong thư mục hiện tại (output file)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: ReportOptions) => {
      const agency = parseText(opts.agency, '--agency', 64);
      if (!isPeriodKey(opts.period)) throw new UsageError(`--period: kỳ không hợp lệ "${opts.period}" — dùng 2026-03, 2026-Q1 hoặc 2026 (invalid period)`, '--period');
      const period = parsePeriod(opts.period).key;
      const units = [...new Set(opts.unit.map((u) => parseText(u, '--unit')))];
      const user = opts.user === undefined ? undefined : parseText(opts.user, '--user');
      let who: { userId: string } | { unitId: string } | null = null;
      if (opts.form01) {
        if (user !== undefined && units.length > 0) throw new UsageError('--form01: dùng --user HOẶC --unit, không dùng cả hai (give --user or --unit, not both)', '--user');
        if (user === undefined && units.length === 0) throw new UsageError('--form01: cần --user <id> (một cán bộ) hoặc --unit <id> (cả phòng) (needs --user or --unit)', '--user');
        if (units.length > 1) throw new UsageError('--form01: chỉ một --unit (one --unit only)', '--unit');
        if (opts.journal) throw new UsageError('--journal chỉ dùng cho bảng tổng hợp, không dùng với --form01 (--journal is for the evaluation workbook)', '--journal');
        who = user !== undefined ? { userId: user } : { unitId: units[0]! };
      } else if (user !== undefined) {
        throw new UsageError('--user chỉ dùng cùng --form01 (--user goes with --form01)', '--user');
      }
      const cwd = ctx.io.cwd ?? process.cwd();
      const target = outputPath(opts.out, who ? form01AsciiName(agency, period, who) : evaluationAsciiName(agency, period, units), cwd);

      const plugin = await ctx.plugin();
      const { agencies, journal, reports } = plugin.services;
      await agencies.requireAgency(agency);
      const known = await journal.unitNames(agency);
      for (const u of units) if (!known.has(u)) throw new UsageError(`--unit: cơ quan ${agency} không có phòng, ban "${u}" (unknown unit)`, '--unit');
      if (user !== undefined && !(await journal.people(agency, [user])).has(user)) throw new UsageError(`--user: không có cán bộ "${user}" trong danh bạ của cơ quan ${agency} (unknown official)`, '--user');

      const bar = ctx.io.stderr.isTTY === true ? createProgress(ctx.io.stderr) : null;
      let summary: Record<string, unknown>;
      try {
        if (who) {
          const w = who;
          const r = await writeFileAtomically(target, (out) => reports.form01(agency, period, w, out), { signals: ctx.io.signals ?? process });
          summary = { file: target, period, forms: r.forms };
        } else {
          const r = await writeFileAtomically(target, (out) => reports.evaluation(agency, period, {
            ...(units.length > 0 ? { unitIds: units } : {}), withJournal: opts.journal === true,
            ...(bar ? { onProgress: (done: number, total: number) => bar.update(progressLine(done, total)) } : {}),
          }, out), { signals: ctx.io.signals ?? process });
          summary = { file: target, period, rows: r.rows, provisional: r.provisional };
        }
      } finally {
        bar?.done();
      }
      if (opts.json) {
        ctx.json(summary);
        return;
      }
      ctx.out(`Đã ghi bảng tính (workbook written): ${target}`);
      if ('forms' in summary) ctx.out(`  ${formatCount(Number(summary.forms))} phiếu (forms), kỳ ${period}.`);
      else {
        ctx.out(`  ${formatCount(Number(summary.rows))} cán bộ (officials), kỳ ${period}${summary.provisional ? ' — TẠM TÍNH: kỳ chưa khóa sổ (provisional: the period is not closed)' : ''}.`);
      }
    });
}
