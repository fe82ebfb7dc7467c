import type { Command } from 'commander';
import { isPeriodKey, parsePeriod } from '../domain/period';
import { withExplanationText } from '../i18n/explanation-text';
import type { Score } from '../scoring';
import type { CliContext } from './context';
import { UsageError } from './errors';
import { table } from './commands';

const CLASS_VI: Record<string, string> = { HTXSNV: 'HTXSNV (xuất sắc)', HTTNV: 'HTTNV (tốt)', HTNV: 'HTNV (hoàn thành)', KHTNV: 'KHTNV (không hoàn thành)' };

/** `score --agency <code> --period <p> [--unit <id>] [--close [--apply-quota] [--force --reason <text>]] [--json]` (docs/integrators.md (command line)). */
export function registerScore(program: Command, ctx: CliContext): void {
  program
    .command('score')
    .description('Chấm điểm KPI một kỳ (tháng 2026-03, quý 2026-Q1, năm 2026); --close khóa sổ kỳ (score a period; --close freezes it)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--period <period>', 'kỳ: 2026-03 | 2026-Q1 | 2026 (period)')
    .option('--unit <id>', 'chỉ một phòng, ban (one unit only)')
    .option('--close', 'khóa sổ kỳ sau khi chấm: điểm được đóng băng (close the period: freeze its scores)')
    .option('--apply-quota', 'khi khóa sổ, người vượt hạn mức 20% xuất sắc chuyển thành HTTNV (with --close: apply the 20% excellence quota)')
    .option('--force', 'với --close: khóa sổ cả khi kỳ chưa kết thúc, cần --reason (with --close: close a period that is still running; needs --reason)')
    .option('--reason <text>', 'lý do khóa sổ sớm, được ghi nhật ký (why it is closed early; audited)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { agency: string; period: string; unit?: string; close?: boolean; applyQuota?: boolean; force?: boolean; reason?: string; json?: boolean }) => {
      if (!isPeriodKey(opts.period)) throw new UsageError(`--period: kỳ không hợp lệ "${opts.period}" — dùng 2026-03, 2026-Q1 hoặc 2026 (invalid period)`, '--period');
      if (opts.applyQuota && !opts.close) throw new UsageError('--apply-quota chỉ dùng cùng --close (--apply-quota goes with --close)', '--apply-quota');
      if (opts.force && !opts.close) throw new UsageError('--force chỉ dùng cùng --close (--force goes with --close)', '--force');
      if (opts.force && (opts.reason ?? '').trim() === '') throw new UsageError('--force cần --reason "<lý do>" (--force needs a reason)', '--reason');
      const period = parsePeriod(opts.period);
      const plugin = await ctx.plugin();
      const { agencies, scoring } = plugin.services;
      await agencies.requireAgency(opts.agency);
      let closed: Awaited<ReturnType<typeof scoring.close>> | null = null;
      if (opts.close) closed = await scoring.close(opts.agency, period.key, { applyQuota: opts.applyQuota === true, actor: 'cli', ...(opts.force ? { force: true, reason: opts.reason ?? '' } : {}) });
      const scores = await scoring.scores(opts.agency, period.key, opts.unit === undefined ? {} : { unitId: opts.unit });
      if (opts.json) {
        ctx.json({ period: period.key, closed, scores: scores.map((s) => withExplanationText(s, 'vi')) });
        return;
      }
      if (closed) {
        ctx.out(`Đã khóa sổ kỳ ${closed.period}: ${closed.scored} cán bộ được chấm (period closed).`);
        for (const w of closed.warnings) ctx.err(`Cảnh báo: ${w}`);
      }
      if (scores.length === 0) {
        ctx.out(`Kỳ ${period.key}: chưa có cán bộ nào được chấm (no official scored).`);
        return;
      }
      const sorted = [...scores].sort((a, b) => (a.unitId ?? '').localeCompare(b.unitId ?? '') || b.total - a.total || a.userId.localeCompare(b.userId));
      ctx.out(table(['Cán bộ (official)', 'Phòng (unit)', 'Nhiệm vụ (R)', 'Chung (G)', 'Tổng (S)', 'Xếp loại (class)', 'Ghi chú (notes)'], sorted.map((s: Score) => [
        s.userId, s.unitId ?? '—', s.taskScore.toFixed(2), s.generalScore === null ? '—' : s.generalScore.toFixed(2), s.total.toFixed(2),
        s.classification ? (CLASS_VI[s.classification] ?? s.classification) : '—',
        [s.provisional ? 'tạm tính' : '', s.incomplete ? 'thiếu điểm chung' : '', s.overQuota ? 'vượt hạn mức 20%' : '', s.scored ? '' : 'không chấm (A = 0)'].filter(Boolean).join(', '),
      ])));
      const counts = new Map<string, number>();
      for (const s of scores) counts.set(s.classification ?? '—', (counts.get(s.classification ?? '—') ?? 0) + 1);
      ctx.out(`Kỳ ${period.key}: ${scores.length} cán bộ — ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}.`);
    });
}
