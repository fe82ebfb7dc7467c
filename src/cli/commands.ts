import fs from 'node:fs';
import type { Command } from 'commander';
import { migrateLatest, migrationNames } from '../db/migrate';
import { signUserToken } from '../http/auth';
import { formatInstant } from '../i18n/i18n';
import { collect, existingFile, parseChoice, parseRoles, parseSeconds, parseText } from './args';
import type { CliContext } from './context';
import { EXIT_FAILURE, UsageError } from './errors';
import { serve } from './serve';
import { JobRunner } from '../services/job-runner';
import { DEFAULT_LEASE_S, instanceName, pullJobsOf } from './pull';
import { nextSteps, webhookUrl } from './test-event';

/** Longest lifetime `token` mints: long enough for a demo week, short enough not to become a password. */
export const MAX_TOKEN_TTL_S = 30 * 24 * 3600;
export const DEFAULT_TOKEN_TTL_S = 8 * 3600;
/** Longest overlap a rotation allows the previous secret. */
export const MAX_OVERLAP_S = 30 * 24 * 3600;
export const EVENT_STATUSES = ['failed', 'processed', 'ignored'] as const;

const SECRET_NOTE = 'Lưu ý: khóa bí mật chỉ hiển thị MỘT LẦN này, sẽ không được hiển thị lại — hãy lưu ngay vào cấu hình của hệ thống E-Office. (Note: the secret is shown only this once and will not be shown again — store it in the host\'s configuration now.)';

/** `migrate`: creates or updates the plugin's tables (kpi_*). */
export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('Tạo hoặc cập nhật các bảng kpi_* trong cơ sở dữ liệu (apply database migrations)')
    .action(async () => {
      const cfg = ctx.config();
      const applied = await migrateLatest(ctx.knex());
      ctx.out(`Cơ sở dữ liệu (database): ${cfg.db.display}`);
      if (applied.length === 0) ctx.out(`Đã ở phiên bản mới nhất, không có migration nào cần chạy (already up to date: ${migrationNames().length} migrations).`);
      else {
        ctx.out(`Đã áp dụng ${applied.length} migration (applied):`);
        for (const name of applied) ctx.out(`  ${name}`);
      }
    });
}

/** `agency add | rotate-secret | settings | list`. */
export function registerAgency(program: Command, ctx: CliContext): void {
  const agency = program.command('agency').description('Quản lý cơ quan: thêm, đổi khóa bí mật, cấu hình, liệt kê (manage agencies)');

  agency
    .command('add')
    .description('Thêm một cơ quan và tạo khóa bí mật của nó (add an agency and create its secret)')
    .argument('<code>', 'mã cơ quan: chữ thường, số, dấu gạch ngang, ví dụ ubnd-hac-thanh (agency code)')
    .requiredOption('--name <name>', 'tên cơ quan (agency name)')
    .option('--host-origin <url>', 'origin của máy chủ E-Office được nhúng panel, lặp lại được (host origin, repeatable)', collect, [] as string[])
    .option('--issuer <id>', 'mã máy chủ E-Office, giá trị iss của token webhook (host id, the webhook token iss)')
    .option('--time-zone <tz>', 'múi giờ IANA của cơ quan, mặc định KPI_TZ (agency time zone, default KPI_TZ)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (code: string, opts: { name: string; hostOrigin: string[]; issuer?: string; timeZone?: string; json?: boolean }) => {
      const name = parseText(opts.name, '--name');
      const { agencies } = (await ctx.plugin()).services;
      const r = await agencies.addAgency({
        code, name, hostOrigins: opts.hostOrigin,
        ...(opts.issuer !== undefined ? { issuer: parseText(opts.issuer, '--issuer') } : {}),
        ...(opts.timeZone !== undefined ? { timeZone: opts.timeZone } : {}),
      });
      if (opts.json) {
        ctx.json({ agency: r.agency, secret: r.secret, issuer: r.issuer });
        return;
      }
      ctx.out(`Đã thêm cơ quan (agency added): ${r.agency} — ${name}`);
      ctx.out(`  Mã máy chủ (issuer, iss):  ${r.issuer}`);
      ctx.out(`  Khóa bí mật (secret):      ${r.secret}`);
      ctx.out('');
      ctx.out(SECRET_NOTE);
      ctx.out('');
      for (const line of nextSteps(r.agency, r.issuer, (await agencies.requireAgency(r.agency)).hostOrigins, webhookUrl(ctx))) ctx.out(line);
    });

  agency
    .command('rotate-secret')
    .description('Tạo khóa bí mật mới; khóa cũ còn hiệu lực trong thời gian chuyển tiếp (rotate the secret with an overlap window)')
    .argument('<code>', 'mã cơ quan (agency code)')
    .option('--overlap <seconds>', 'số giây khóa cũ còn hiệu lực, mặc định 86400 (seconds the previous secret stays valid)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (code: string, opts: { overlap?: string; json?: boolean }) => {
      const overlap = opts.overlap === undefined ? undefined : parseSeconds(opts.overlap, '--overlap', 0, MAX_OVERLAP_S);
      const { agencies } = (await ctx.plugin()).services;
      const r = await agencies.rotateSecret(code, overlap);
      if (opts.json) {
        ctx.json({ agency: r.agency, secret: r.secret, previousValidUntil: r.previousValidUntil });
        return;
      }
      ctx.out(`Đã tạo khóa bí mật mới cho cơ quan (new secret for agency) ${r.agency}`);
      ctx.out(`  Khóa bí mật mới (new secret):              ${r.secret}`);
      ctx.out(`  Khóa cũ còn hiệu lực đến (previous valid until): ${r.previousValidUntil}`);
      ctx.out('');
      ctx.out(SECRET_NOTE);
    });

  agency
    .command('settings')
    .description('In cấu hình của cơ quan dạng JSON, hoặc áp dụng cấu hình từ tệp (print or apply agency settings)')
    .argument('<code>', 'mã cơ quan (agency code)')
    .option('--file <settings.json>', 'tệp JSON chứa các khóa cần đổi; khóa không có giữ nguyên giá trị (JSON file with the keys to change)')
    .action(async (code: string, opts: { file?: string }) => {
      let raw: unknown;
      if (opts.file !== undefined) {
        const full = existingFile(opts.file, '--file', ctx.io.cwd);
        try {
          raw = JSON.parse(fs.readFileSync(full, 'utf8').replace(/^\uFEFF/, ''));
        } catch (e) {
          throw new UsageError(`--file: "${opts.file}" không phải JSON hợp lệ (not valid JSON): ${(e as Error).message}`, '--file');
        }
      }
      const { agencies } = (await ctx.plugin()).services;
      if (opts.file === undefined) {
        ctx.json(await agencies.getSettings(code));
        return;
      }
      const next = await agencies.putSettings(code, raw, 'cli');
      ctx.err(`Đã cập nhật cấu hình của cơ quan (settings updated) ${code}.`);
      ctx.json(next);
    });

  agency
    .command('list')
    .description('Liệt kê các cơ quan (list agencies)')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { json?: boolean }) => {
      const list = await (await ctx.plugin()).services.agencies.listAgencies();
      if (opts.json) {
        ctx.json(list.map((a) => ({ code: a.code, name: a.name, timeZone: a.timeZone, issuer: a.issuer, hostOrigins: a.hostOrigins, createdAt: a.createdAt.toISOString() })));
        return;
      }
      if (list.length === 0) {
        ctx.out('Chưa có cơ quan nào; thêm bằng: eoffice-kpi agency add <code> --name <name> (no agencies yet)');
        return;
      }
      ctx.out(table(['Mã (code)', 'Tên (name)', 'Múi giờ (time zone)', 'Issuer', 'Host origins'],
        list.map((a) => [a.code, a.name, a.timeZone, a.issuer, a.hostOrigins.join(' ') || '—'])));
    });
}

/** `events list | replay`. */
export function registerEvents(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('Xem và chạy lại sự kiện đã nhận (list and replay received events)');

  events
    .command('list')
    .description('Liệt kê sự kiện theo trạng thái, mới nhất trước, tối đa 500 (list events by status, newest first)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .option('--status <status>', `trạng thái: ${EVENT_STATUSES.join(' | ')} (status)`, 'failed')
    .option('--json', 'in kết quả dạng JSON (print JSON)')
    .action(async (opts: { agency: string; status: string; json?: boolean }) => {
      const status = parseChoice(opts.status, '--status', EVENT_STATUSES);
      const plugin = await ctx.plugin();
      await plugin.services.agencies.requireAgency(opts.agency);
      const list = await plugin.services.journal.listEvents(opts.agency, status);
      if (opts.json) {
        ctx.json({ events: list });
        return;
      }
      if (list.length === 0) {
        ctx.out(`Không có sự kiện nào ở trạng thái "${status}" (no ${status} events).`);
        return;
      }
      // Times in the agency's own zone, as its people read them (the JSON keeps the UTC instant).
      const { timeZone } = await plugin.services.agencies.getSettings(opts.agency);
      ctx.out(table(['Mã sự kiện (id)', 'Loại (type)', `Xảy ra lúc (occurred, ${timeZone})`, 'Lần xử lý (attempts)', 'Lỗi (error)'],
        list.map((e) => [e.id, e.type, formatInstant('vi', e.occurredAt, timeZone), String(e.attempts), e.error ?? ''])));
      ctx.out(`${list.length} sự kiện (events).`);
    });

  events
    .command('replay')
    .description('Chạy lại các sự kiện lỗi (tất cả, hoặc các mã đã cho), mỗi sự kiện một lần (replay failed events once)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .argument('[id...]', 'mã sự kiện cần chạy lại; bỏ trống để chạy lại mọi sự kiện lỗi (event ids; none for every failed event)')
    .option('--type <type>', 'chỉ các sự kiện lỗi của loại này, ví dụ task.assigned (only the failed events of this type)')
    .action(async (ids: string[], opts: { agency: string; type?: string }) => {
      const plugin = await ctx.plugin();
      const { intake, agencies } = plugin.services;
      if (opts.type !== undefined && ids.length > 0) throw new UsageError('--type: không dùng cùng danh sách mã sự kiện (not with event ids)', '--type');
      const out = opts.type !== undefined ? await intake.replayType(opts.agency, parseText(opts.type, '--type')) : await intake.replay(opts.agency, ids.length > 0 ? ids : undefined);
      await agencies.audit(opts.agency, 'cli', 'events.replay', ids.length > 0 ? ids.join(',').slice(0, 200) : null, out);
      const label: Record<string, string> = { processed: 'đã xử lý (processed)', ignored: 'bỏ qua, loại không tạo mục nhật ký (ignored)', failed: 'vẫn lỗi (still failed)' };
      for (const r of out) ctx.out(`${r.id}: ${label[r.status] ?? r.status}${r.error ? ` — ${r.error}` : ''}`);
      const seen = new Set(out.map((r) => r.id));
      const missing = ids.filter((id) => !seen.has(id));
      for (const id of missing) ctx.err(`${id}: không phải sự kiện lỗi của cơ quan ${opts.agency}, không chạy lại (not a failed event of this agency)`);
      const count = (s: string) => out.filter((r) => r.status === s).length;
      if (out.length === 0 && missing.length > 0) { /* each id was reported above */ } else if (out.length === 0) ctx.out('Không có sự kiện lỗi nào để chạy lại (no failed events to replay).');
      else ctx.out(`Đã chạy lại ${out.length} sự kiện: ${count('processed')} đã xử lý, ${count('ignored')} bỏ qua, ${count('failed')} vẫn lỗi (replayed: processed, ignored, still failed).`);
      if (count('failed') > 0 || missing.length > 0) ctx.exitCode = EXIT_FAILURE;
    });
}

/** `token`: a panel/user token signed with the agency's current secret (for testing and demos). */
export function registerToken(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .description('Tạo token người dùng cho panel và API, ký bằng khóa bí mật hiện tại của cơ quan (mint a user token)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .requiredOption('--sub <user>', 'mã người dùng trong hệ thống E-Office (user id)')
    .requiredOption('--roles <r,...>', 'vai trò, phân cách bằng dấu phẩy: official, leader, hr, admin (roles)')
    .option('--name <name>', 'họ tên hiển thị (display name)')
    .option('--unit <id>', 'mã phòng, ban của người dùng (unit id)')
    .option('--locale <vi|en>', 'ngôn ngữ: vi hoặc en (locale)', 'vi')
    .option('--ttl <seconds>', `thời hạn token tính bằng giây, mặc định ${DEFAULT_TOKEN_TTL_S} (lifetime in seconds)`)
    .action(async (opts: { agency: string; sub: string; roles: string; name?: string; unit?: string; locale: string; ttl?: string }) => {
      const roles = parseRoles(opts.roles);
      const sub = parseText(opts.sub, '--sub');
      const locale = parseChoice(opts.locale, '--locale', ['vi', 'en'] as const);
      const ttl = opts.ttl === undefined ? DEFAULT_TOKEN_TTL_S : parseSeconds(opts.ttl, '--ttl', 1, MAX_TOKEN_TTL_S);
      const name = opts.name === undefined ? undefined : parseText(opts.name, '--name');
      const unit = opts.unit === undefined ? undefined : parseText(opts.unit, '--unit');
      const secret = await (await ctx.plugin()).services.agencies.currentSecret(opts.agency);
      ctx.out(signUserToken(secret, { sub, agency: opts.agency, roles, locale, ...(name !== undefined ? { name } : {}), ...(unit !== undefined ? { unit } : {}) }, ttl));
    });
}

/** `serve`: the plugin over HTTP on PORT, under KPI_BASE_PATH. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Chạy máy chủ HTTP của plugin trên PORT, tại KPI_BASE_PATH (serve the plugin over HTTP)')
    .option('--jobs', 'chạy cả các việc định kỳ (lấy dữ liệu pull), mỗi việc trên một phiên bản tại một thời điểm (also run the periodic jobs, each on one instance at a time)')
    .option('--lease <seconds>', `với --jobs: thời hạn quyền chạy, mặc định ${DEFAULT_LEASE_S} (with --jobs: lease time)`)
    .action(async (opts: { jobs?: boolean; lease?: string }) => {
      const leaseS = opts.lease === undefined ? DEFAULT_LEASE_S : parseSeconds(opts.lease, '--lease', 2, 3600);
      const plugin = await ctx.plugin('server');
      const runner = opts.jobs ? new JobRunner({ uow: plugin.services.uow, holder: instanceName(), leaseMs: leaseS * 1000, log: ctx.logger('server') }) : null;
      runner?.start(await pullJobsOf(plugin, ctx.io.env));
      try {
        await serve(ctx, plugin);
      } finally {
        await runner?.stop();
      }
    });
}

/** A plain-text table: columns padded to their widest cell. */
export function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
