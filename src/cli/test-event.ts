import crypto from 'node:crypto';
import type { Command } from 'commander';
import { signWebhookToken } from '../http/auth';
import { parseText } from './args';
import type { CliContext } from './context';
import { EXIT_FAILURE, UsageError } from './errors';

/** The type of the connection test event: unknown to the plugin, so it is kept and makes no entry. */
export const TEST_EVENT_TYPE = 'kpi.connection-test';

/** The webhook address the host must call, from the configuration: `http://localhost:<PORT><KPI_BASE_PATH>/events`. */
export function webhookUrl(ctx: CliContext): string {
  const cfg = ctx.config();
  return `http://localhost:${cfg.port}${cfg.basePath}/events`;
}

/** What to do after `agency add`, for the integrator: the origin, the webhook, one test event, the check. */
export function nextSteps(code: string, issuer: string, origins: readonly string[], url: string): string[] {
  return [
    'Các bước tiếp theo (next steps):',
    origins.length > 0
      ? `  1. Địa chỉ hệ thống chủ đã đăng ký (host origin registered): ${origins.join(', ')}`
      : `  1. Đăng ký địa chỉ hệ thống chủ để nhúng panel (register the host origin): trang Quản trị KPI → Cấu hình, hoặc eoffice-kpi agency settings ${code} --file settings.json với { "hostOrigins": ["https://eoffice.example.gov.vn"] }`,
    `  2. Hệ thống chủ gửi sự kiện tới (the host posts events to): ${url}  — token HS256 ký bằng khóa bí mật, iss = ${issuer}, aud = eoffice-kpi`,
    `  3. Gửi thử một sự kiện (send one test event): eoffice-kpi test-event --agency ${code} --url ${url}`,
    '  4. Mở trang Quản trị KPI → Kiểm tra kết nối để xem sự kiện đã nhận (open the admin page → integration check).',
  ];
}

/** `test-event --agency <code> [--url <webhook>]`: posts one signed test event as the host would, and says what came back. */
export function registerTestEvent(program: Command, ctx: CliContext): void {
  program
    .command('test-event')
    .description('Gửi một sự kiện thử có ký tới webhook như hệ thống chủ, để kiểm tra kết nối (send one signed test event to the webhook)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .option('--url <url>', 'địa chỉ webhook, mặc định theo PORT và KPI_BASE_PATH (webhook URL)')
    .action(async (opts: { agency: string; url?: string }) => {
      const url = opts.url === undefined ? webhookUrl(ctx) : parseText(opts.url, '--url', 2000);
      if (!/^https?:\/\//.test(url)) throw new UsageError(`--url: phải bắt đầu bằng http:// hoặc https:// (must start with http:// or https://), nhận "${url}"`, '--url');
      const { agencies } = (await ctx.plugin()).services;
      const agency = await agencies.requireAgency(opts.agency);
      const secret = await agencies.currentSecret(opts.agency);
      const now = new Date();
      const id = `test-${crypto.randomUUID()}`;
      const raw = JSON.stringify({
        id, type: TEST_EVENT_TYPE, occurredAt: now.toISOString(), agency: agency.code, actor: { id: 'kpi-connection-test' },
        subject: { kind: 'test', id, title: 'Sự kiện thử kết nối (connection test)' }, data: {},
      });
      let status: number;
      let body: string;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${signWebhookToken(secret, agency.code, agency.issuer, raw, 120, now)}` }, body: raw });
        status = res.status;
        body = await res.text();
      } catch (e) {
        ctx.err(`Không gọi được ${url} (could not reach the webhook): ${(e as Error).message}`);
        ctx.exitCode = EXIT_FAILURE;
        return;
      }
      ctx.out(`POST ${url} → ${status} ${body}`);
      if (status === 202) ctx.out(`Kết nối tốt: sự kiện thử ${id} đã được nhận (the connection works: test event received).`);
      else {
        ctx.err('Sự kiện thử không được nhận; xem mã trả về ở trên (the test event was not accepted).');
        ctx.exitCode = EXIT_FAILURE;
      }
    });
}
