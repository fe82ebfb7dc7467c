import type { Command } from 'commander';
import type { RuleShape } from '../services/rules-replay';
import { parseDay } from './args';
import { table } from './commands';
import type { CliContext } from './context';

const CHANGE_LABEL: Record<string, string> = { changed: 'đổi (changed)', added: 'thêm (added)', removed: 'bỏ (removed)' };

function describe(s: RuleShape | null): string {
  return s === null ? '—' : `${s.workItemCode} × ${s.quantity} × ${s.coefficient} = ${s.minutes} phút (${s.ruleId ?? '—'})`;
}

/** `rules replay --agency <code> --from <day> --to <day> [--apply]`: re-derive stored events' entries with the current rules. */
export function registerRules(program: Command, ctx: CliContext): void {
  const rules = program.command('rules').description('Quy tắc ánh xạ sự kiện sang đầu công việc (mapping rules)');
  rules
    .command('replay')
    .description('Tính lại mục nhật ký của các sự kiện đã lưu theo quy tắc hiện tại, trong các kỳ chưa khóa; in chênh lệch, --apply để ghi (re-derive entries of stored events with the current rules; --apply writes)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--from <day>', 'từ ngày YYYY-MM-DD (first day)')
    .requiredOption('--to <day>', 'đến ngày YYYY-MM-DD (last day)')
    .option('--apply', 'ghi các thay đổi; không có thì chỉ in chênh lệch (write the changes; without it, only show them)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { agency: string; from: string; to: string; apply?: boolean; json?: boolean }) => {
      const from = parseDay(opts.from, '--from');
      const to = parseDay(opts.to, '--to');
      const plugin = await ctx.plugin();
      await plugin.services.agencies.requireAgency(opts.agency);
      const r = await plugin.services.rules.replay(opts.agency, { from, to, apply: opts.apply === true, actor: 'cli' });
      if (opts.json) {
        ctx.json(r);
        return;
      }
      if (r.changes.length > 0) {
        ctx.out(table(['Sự kiện (event)', 'Cán bộ (official)', 'Ngày (day)', 'Thay đổi (change)', 'Trước (before)', 'Sau (after)'],
          r.changes.map((c) => [c.eventId, c.userId, c.day, CHANGE_LABEL[c.change] ?? c.change, describe(c.before), describe(c.after)])));
      }
      ctx.out(`${r.events} sự kiện trong kỳ chưa khóa (events in open periods), ${r.skippedClosed} bỏ qua vì kỳ đã khóa (skipped: closed period), ${r.changes.length} thay đổi (changes).`);
      if (r.changes.length === 0) ctx.out('Quy tắc hiện tại không làm thay đổi mục nhật ký nào (the current rules change no entry).');
      else if (r.applied) ctx.out('Đã ghi các thay đổi (changes written).');
      else ctx.out('Chưa ghi gì; chạy lại với --apply để ghi (nothing written; run again with --apply to write).');
    });
}
