import type { Command } from 'commander';
import type { DemoData, DemoUser } from '../demo/demo-data';
import { installDemo } from '../demo/demo-setup';
import { demoPeople } from '../demo/demo-people';
import { createMockHost, hostOriginsOf } from '../demo/mock-host';
import { DEFAULT_TIME_ZONE, today } from '../domain/time';
import { signUserToken } from '../http/auth';
import type { Role } from '../domain/principal';
import type { KpiPlugin } from '../index';
import { parseDay, parseText } from './args';
import type { CliContext } from './context';
import { createProgress, formatCount } from './progress';
import { serve } from './serve';

export const DEMO_AGENCY = 'ubnd-hac-thanh';
export const DEMO_AGENCY_NAME = 'UBND phường Hạc Thành';
export const DEMO_WEEKS = 6;
/** Demo links stay usable for a day of trying things out. */
export const DEMO_TOKEN_TTL_S = 24 * 3600;

export interface DemoLink { who: string; user: DemoUser; roles: Role[]; links: string[] }

export { demoPeople } from '../demo/demo-people';

/** Ready-to-open links (with a token each) for the demo's people. */
export function demoLinks(base: string, agency: string, secret: string, data: DemoData, range: { from: string; to: string }, ttl = DEMO_TOKEN_TTL_S): DemoLink[] {
  return demoPeople(data).map(({ who, user }) => {
    const roles = user.roles as Role[];
    const jwt = signUserToken(secret, { sub: user.id, agency, name: user.name, unit: user.unitId, roles, locale: 'vi' }, ttl);
    const q = (params: Record<string, string>) => new URLSearchParams({ ...params, jwt }).toString();
    // First the panel a person of that role opens in the host, then the JSON behind it.
    const links: string[] = [];
    if (roles.includes('admin')) {
      links.push(`${base}/panels/admin?${q({})}`, `${base}/api/v1/settings?${q({})}`, `${base}/api/v1/events?${q({ status: 'failed' })}`);
    } else if (roles.includes('hr')) {
      links.push(`${base}/panels/ranking?${q({})}`, `${base}/api/v1/catalogue?${q({})}`, `${base}/api/v1/journal?${q({ unit: data.units[0]?.id ?? user.unitId, from: range.from, to: range.to })}`);
    } else if (roles.includes('leader')) {
      links.push(`${base}/panels/unit/${encodeURIComponent(user.unitId)}?${q({})}`, `${base}/api/v1/journal?${q({ unit: user.unitId, from: range.from, to: range.to })}`);
    } else {
      links.push(`${base}/panels/me?${q({})}`, `${base}/api/v1/journal?${q({ from: range.from, to: range.to })}`, `${base}/api/v1/catalogue?${q({})}`);
    }
    return { who, user, roles, links };
  });
}

/** Adds `origins` to the agency's host origins (kept if already there), so its panels may be framed from them. */
export async function registerHostOrigins(plugin: KpiPlugin, agency: string, origins: readonly string[]): Promise<void> {
  const { agencies } = plugin.services;
  const current = (await agencies.getSettings(agency)).hostOrigins;
  const missing = origins.filter((o) => !current.includes(o));
  if (missing.length > 0) await agencies.putSettings(agency, { hostOrigins: [...current, ...missing] }, 'demo');
}

/** `demo [--agency <code>] [--serve] [--end-day YYYY-MM-DD]`. */
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(`Tạo cơ quan trình diễn ${DEMO_AGENCY} với cán bộ và ${DEMO_WEEKS} tuần sự kiện, in đường dẫn thử (a demo agency with ${DEMO_WEEKS} weeks of events)`)
    .option('--agency <code>', `mã cơ quan trình diễn (demo agency code), mặc định ${DEMO_AGENCY}`, DEMO_AGENCY)
    .option('--end-day <YYYY-MM-DD>', 'ngày cuối của dữ liệu, mặc định hôm nay giờ Việt Nam (last day of the data, default today in Asia/Ho_Chi_Minh)')
    .option('--serve', 'sau đó chạy máy chủ HTTP (then serve over HTTP)')
    .action(async (opts: { agency: string; endDay?: string; serve?: boolean }) => {
      const agency = parseText(opts.agency, '--agency', 63);
      const endDay = opts.endDay === undefined ? today(DEFAULT_TIME_ZONE) : parseDay(opts.endDay, '--end-day');
      const cfg = ctx.config();
      const plugin = await ctx.plugin(opts.serve ? 'server' : 'command'); // migrates the database
      const name = agency === DEMO_AGENCY ? DEMO_AGENCY_NAME : `Cơ quan trình diễn ${agency}`;
      const progress = createProgress(ctx.io.stderr);
      const { data, secret, created, result, shaped } = await installDemo(plugin.services, {
        agency, name, endDay, weeks: DEMO_WEEKS, now: new Date(),
        onProgress: (done, total) => progress.update(`Đang nạp sự kiện trình diễn (ingesting demo events): ${formatCount(done)}/${formatCount(total)}`),
      });
      progress.done();
      ctx.out(created ? `Đã tạo cơ quan trình diễn (demo agency created): ${agency} — ${name}` : `Dùng lại cơ quan trình diễn đã có (reusing demo agency): ${agency}`);
      if (shaped) ctx.out('Đã thêm kê khai, duyệt, tiêu chí chung của tháng này và một sự kiện lỗi để thử (added this month\'s manual entries, approvals, general criteria and one failed event)');
      for (const r of result.rejected.slice(0, 10)) ctx.err(`Sự kiện bị từ chối (rejected event) ${r.id ?? `#${r.index}`}: ${r.error}`);

      const from = data.events.find((e) => e.type !== 'unit.upserted' && e.type !== 'user.upserted')?.occurredAt.slice(0, 10) ?? endDay;
      const officials = data.users.filter((u) => u.active).length;
      ctx.out('');
      ctx.out(`Tóm tắt (summary): ${data.units.length} phòng, ban (units) · ${officials} cán bộ, công chức (officials) · ${DEMO_WEEKS} tuần, ${from} → ${endDay}`);
      ctx.out(`Sự kiện (events): ${formatCount(data.events.length)} — đã lưu mới (stored) ${formatCount(result.accepted)}, trùng lặp (duplicates) ${formatCount(result.duplicates)}, bị từ chối (rejected) ${formatCount(result.rejected.length)}`);
      ctx.out('');
      const base = `http://localhost:${cfg.port}${cfg.basePath}`;
      ctx.out(opts.serve
        ? `Địa chỉ (URL): http://localhost:${cfg.port}/ — E-Office mô phỏng, các thẻ KPI mở phân hệ (a mock E-Office whose KPI tabs frame the panels)`
        : `Địa chỉ (URL): ${base}  (chạy \`eoffice-kpi serve\` để mở / run \`eoffice-kpi serve\` to open)`);
      ctx.out(`Kiểm tra (health): ${base}/health`);
      ctx.out(`Đường dẫn thử, token hiệu lực ${DEMO_TOKEN_TTL_S / 3600} giờ (ready links, tokens valid ${DEMO_TOKEN_TTL_S / 3600} h):`);
      for (const l of demoLinks(base, agency, secret, data, { from, to: endDay })) {
        ctx.out(`  ${l.who} — ${l.user.name}, ${l.user.position} (${l.user.id}, ${l.roles.join(',')}):`);
        for (const link of l.links) ctx.out(`    ${link}`);
      }
      ctx.out(`Token khác (other tokens): eoffice-kpi token --agency ${agency} --sub <user> --roles official,leader`);
      if (opts.serve) {
        ctx.out('');
        const host = createMockHost({ agency, agencyName: name, data, pluginBase: cfg.basePath, currentSecret: (code) => plugin.services.agencies.currentSecret(code) });
        await serve(ctx, plugin, {
          host,
          onListening: async (running) => {
            // The mock E-Office frames the panels from this server's origins: the agency registers them, as a real host's.
            await registerHostOrigins(plugin, agency, hostOriginsOf(running.port));
            ctx.out(`Hệ thống E-Office mô phỏng (mock E-Office): http://localhost:${running.port}/`);
          },
        });
      }
    });
}
