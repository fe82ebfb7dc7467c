import type { Command } from 'commander';
import { isPeriodKey, parsePeriod } from '../domain/period';
import { withExplanationText } from '../i18n/explanation-text';
import { formatVi } from '../i18n/i18n';
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
      const [people, units] = await Promise.all([plugin.services.journal.people(opts.agency, scores.map((x) => x.userId)), plugin.services.journal.unitNames(opts.agency)]);
      const names = { user: (id: string) => people.get(id)?.name ?? null, unit: (id: string | null) => (id === null ? null : units.get(id) ?? null) };
      ctx.out(table(SCORE_HEADERS, scoreRows(scores, names)));
      ctx.out(scoreSummary(period.key, scores));
    });
}

const SCORE_HEADERS = ['Cán bộ (official)', 'Phòng (unit)', 'Nhiệm vụ R (điểm)', 'Chung G (điểm)', 'Tổng S (điểm/100)', 'Xếp loại (class)', 'Ghi chú (notes)'];
const CLASS_ORDER = ['HTXSNV', 'HTTNV', 'HTNV', 'KHTNV'] as const;

/** The table's rows: names (with ids), units by name, points out of their maximum, the class in words, the notes; by unit, highest first. */
export function scoreRows(scores: readonly Score[], names: { user(id: string): string | null; unit(id: string | null): string | null }): string[][] {
  const sorted = [...scores].sort((a, b) => (a.unitId ?? '').localeCompare(b.unitId ?? '') || b.total - a.total || a.userId.localeCompare(b.userId));
  return sorted.map((s) => {
    const who = names.user(s.userId);
    const unit = names.unit(s.unitId);
    return [
      who ? `${who} (${s.userId})` : s.userId, unit ? `${unit} (${s.unitId})` : s.unitId ?? '—',
      `${formatVi(s.taskScore)}/${formatVi(s.taskMax)}`, s.generalScore === null ? `—/${formatVi(s.generalMax)}` : `${formatVi(s.generalScore)}/${formatVi(s.generalMax)}`,
      s.scored ? formatVi(s.total) : '—', s.classification ? (CLASS_VI[s.classification] ?? s.classification) : 'chưa xếp loại',
      [s.provisional ? 'tạm tính' : '', s.incomplete ? 'thiếu điểm tiêu chí chung' : '', s.overQuota ? 'vượt hạn mức 20%' : '', s.scored ? '' : 'không chấm (A = 0)'].filter(Boolean).join(', '),
    ];
  });
}

/**
 * The last line: how many officials, how many in each class (in the decree's order), how many not
 * classified yet and why (no general score, not scored), and whether the scores are provisional:
 * `Kỳ 2026-11: 25 cán bộ — HTTNV 3, HTNV 2, chưa xếp loại 20 (thiếu điểm tiêu chí chung 20); tạm tính.`
 */
export function scoreSummary(period: string, scores: readonly Score[]): string {
  const count = (f: (s: Score) => boolean): number => scores.filter(f).length;
  const parts: string[] = CLASS_ORDER.map((c) => [c, count((s) => s.classification === c)] as const).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
  const unclassified = count((s) => s.classification === null);
  if (unclassified > 0) {
    const why = [[count((s) => s.classification === null && s.scored && s.incomplete), 'thiếu điểm tiêu chí chung'], [count((s) => s.classification === null && !s.scored), 'không chấm']] as const;
    const reasons = why.filter(([n]) => n > 0).map(([n, w]) => `${w} ${n}`);
    parts.push(`chưa xếp loại ${unclassified}${reasons.length ? ` (${reasons.join(', ')})` : ''}`);
  }
  const provisional = scores.some((s) => s.provisional) ? '; tạm tính (provisional)' : '';
  return `Kỳ ${period}: ${scores.length} cán bộ — ${parts.join(', ')}${provisional}.`;
}
