import type { Command } from 'commander';
import { HostView } from '../pull/host-view';
import { resolvePullConfig } from '../pull/pull-job';
import { reconcile, daysBetween } from '../pull/reconcile';
import { parseDay, parseText } from './args';
import { table } from './commands';
import type { CliContext } from './context';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './errors';
import { createProgress, formatCount } from './progress';

/** Longest range one reconcile covers (a year and a day). */
export const MAX_RECONCILE_DAYS = 367;
/** Missing ids printed per line of the table; beyond this only their number. */
const SHOWN_IDS = 20;

/** `reconcile --agency <code> --from <day> --to <day> [--apply] [--source <url>] [--view <name>] [--json]`. */
export function registerReconcile(program: Command, ctx: CliContext): void {
  program
    .command('reconcile')
    .description('Đối chiếu sự kiện trong view của hệ thống chủ với dữ liệu của plugin theo ngày và loại; --apply nạp bù phần thiếu (compare the host view with the plugin per day and type; --apply backfills)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--from <day>', 'từ ngày YYYY-MM-DD, theo múi giờ của cơ quan (first day)')
    .requiredOption('--to <day>', 'đến ngày YYYY-MM-DD, tính cả ngày này (last day, included)')
    .option('--apply', 'nạp các sự kiện còn thiếu qua cùng quy trình tiếp nhận (take the missing events in)')
    .option('--source <url>', 'chuỗi kết nối, thay cho pull.source (connection string)')
    .option('--view <name>', 'tên view, thay cho pull.view (view name)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { agency: string; from: string; to: string; apply?: boolean; source?: string; view?: string; json?: boolean }) => {
      const from = parseDay(opts.from, '--from');
      const to = parseDay(opts.to, '--to');
      if (to < from) throw new UsageError('--to phải không trước --from (--to must not be before --from)', '--to');
      if (daysBetween(from, to).length > MAX_RECONCILE_DAYS) throw new UsageError(`tối đa ${MAX_RECONCILE_DAYS} ngày mỗi lần (at most ${MAX_RECONCILE_DAYS} days at a time)`, '--to');
      const agency = parseText(opts.agency, '--agency', 64);
      const plugin = await ctx.plugin();
      const { agencies, uow, intake } = plugin.services;
      await agencies.requireAgency(agency);
      const settings = await agencies.getSettings(agency);
      const cfg = resolvePullConfig(settings.pull, {
        ...(opts.source !== undefined ? { source: parseText(opts.source, '--source', 1000) } : {}),
        ...(opts.view !== undefined ? { view: opts.view } : {}),
      }, ctx.io.env);
      if (cfg === null) throw new UsageError(`cơ quan ${agency} chưa có pull.source; dùng --source (no source: give --source or set pull.source)`, '--source');
      const view = HostView.open(cfg.url, cfg.view, Object.keys(cfg.columns));
      const progress = createProgress(ctx.io.stderr);
      let report;
      try {
        report = await reconcile({ uow, intake }, {
          agency, view, timeZone: settings.timeZone, from, to, apply: opts.apply === true, columns: cfg.columns,
          onDay: (day, done, total) => progress.update(`Đang đối chiếu (reconciling) ${day}: ${done}/${total} ngày${opts.apply ? ' (--apply)' : ''}`),
        });
      } finally {
        progress.done();
        await view.close();
      }
      if (opts.json) ctx.json(report);
      else {
        const rows = report.lines.map((l) => [l.day, l.type, formatCount(l.view), formatCount(l.plugin), l.missing.length === 0 ? '—' : `${l.missing.length}: ${l.missing.slice(0, SHOWN_IDS).join(' ')}${l.missing.length > SHOWN_IDS ? ' …' : ''}`]);
        ctx.out(rows.length === 0 ? 'Không có sự kiện trong khoảng này (no events in this range).' : table(['ngày (day)', 'loại (type)', 'view', 'plugin', 'thiếu (missing)'], rows));
        ctx.out(`Thiếu (missing): ${formatCount(report.missing)}`);
        if (report.applied) ctx.out(`Đã nạp bù (applied): ${formatCount(report.applied.accepted)} đã lưu (stored), ${formatCount(report.applied.failed)} lỗi (failed), ${formatCount(report.applied.duplicates)} trùng lặp (duplicates)`);
      }
      // Without --apply, a gap is a failure for scripts; after --apply, it is repaired.
      ctx.exitCode = report.missing > 0 && !opts.apply ? EXIT_FAILURE : EXIT_OK;
    });
}
