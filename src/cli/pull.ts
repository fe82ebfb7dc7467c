import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { ConflictError } from '../domain/errors';
import type { KpiPlugin } from '../index';
import { pullJob, pullJobName, resolvePullConfig, runPull, type PullConfig } from '../pull/pull-job';
import type { PullTotals } from '../pull/puller';
import { JobRunner } from '../services/job-runner';
import { parseSeconds, parseText } from './args';
import type { CliContext } from './context';
import { UsageError } from './errors';
import { createProgress, formatCount } from './progress';

/** How long a lease lasts by default: a dead instance's jobs move to another within this time. */
export const DEFAULT_LEASE_S = 60;
export const MAX_BATCH = 5000;

/** This instance as the lease rows name it. */
export function instanceName(): string {
  return `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Resolves when SIGINT or SIGTERM arrives. */
export function untilSignal(signals: NodeJS.EventEmitter): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string) => () => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      resolve(s);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
}

export function totalsLine(t: PullTotals): string {
  return `${formatCount(t.rows)} dòng (rows): ${formatCount(t.accepted)} đã lưu (stored: ${formatCount(t.processed)} processed, ${formatCount(t.ignored)} ignored, ${formatCount(t.failed)} failed), ${formatCount(t.duplicates)} trùng lặp (duplicates)`;
}

/** The pull of every agency whose settings name a source: the jobs `serve --jobs` runs. */
export async function pullJobsOf(plugin: KpiPlugin, env: Record<string, string | undefined>, onDone?: (agency: string, t: PullTotals) => void) {
  const { agencies, uow, intake } = plugin.services;
  const jobs = [];
  for (const a of await agencies.listAgencies()) {
    const cfg = resolvePullConfig((await agencies.getSettings(a.code)).pull, {}, env);
    if (cfg) jobs.push(pullJob({ uow, intake }, a.code, cfg, (t) => onDone?.(a.code, t)));
  }
  return jobs;
}

/** `pull --agency <code> [--source <url>] [--view <name>] [--once | --every <seconds>] [--batch <n>] [--lease <seconds>]`. */
export function registerPull(program: Command, ctx: CliContext): void {
  program
    .command('pull')
    .description('Lấy sự kiện từ view trong cơ sở dữ liệu của hệ thống chủ (pull events from a view in the host\'s database)')
    .requiredOption('--agency <code>', 'mã cơ quan (agency code)')
    .option('--source <url>', 'chuỗi kết nối tới CSDL hệ thống chủ, thay cho pull.source (connection string: mssql://… | postgres://… | sqlite:…)')
    .option('--view <name>', 'tên view, thay cho pull.view (view name)')
    .option('--once', 'lấy một lần rồi dừng (mặc định) (pull once and stop; the default)')
    .option('--every <seconds>', 'lấy lặp lại mỗi N giây tới khi nhận SIGINT/SIGTERM (pull every N seconds until stopped)')
    .option('--batch <n>', `số dòng mỗi trang, 1–${MAX_BATCH}, thay cho pull.batch (rows per page)`)
    .option('--lease <seconds>', `thời hạn quyền chạy khi có nhiều phiên bản, mặc định ${DEFAULT_LEASE_S} (lease time with several instances)`)
    .action(async (opts: { agency: string; source?: string; view?: string; once?: boolean; every?: string; batch?: string; lease?: string }) => {
      if (opts.once && opts.every !== undefined) throw new UsageError('--once và --every không dùng cùng nhau (--once and --every exclude each other)', '--every');
      const every = opts.every === undefined ? undefined : parseSeconds(opts.every, '--every', 1, 86400);
      const batch = opts.batch === undefined ? undefined : parseSeconds(opts.batch, '--batch', 1, MAX_BATCH);
      const leaseS = opts.lease === undefined ? DEFAULT_LEASE_S : parseSeconds(opts.lease, '--lease', 2, 3600);
      const agency = parseText(opts.agency, '--agency', 64);
      const plugin = await ctx.plugin();
      const { agencies, uow, intake } = plugin.services;
      await agencies.requireAgency(agency);
      const cfg: PullConfig | null = resolvePullConfig((await agencies.getSettings(agency)).pull, {
        ...(opts.source !== undefined ? { source: parseText(opts.source, '--source', 1000) } : {}),
        ...(opts.view !== undefined ? { view: opts.view } : {}),
        ...(batch !== undefined ? { batch } : {}),
        ...(every !== undefined ? { every } : {}),
      }, ctx.io.env);
      if (cfg === null) throw new UsageError(`cơ quan ${agency} chưa có pull.source; dùng --source hoặc đặt pull.source trong cấu hình (no source: give --source or set pull.source)`, '--source');
      const holder = instanceName();
      ctx.err(`Nguồn (source): ${cfg.display}, view ${cfg.view}, ${cfg.batch} dòng mỗi trang (rows per page)`);
      if (every === undefined) {
        const name = pullJobName(agency);
        if (!(await uow.read.leases.acquire(name, holder, new Date(), leaseS * 1000))) {
          const held = await uow.read.leases.get(name);
          throw new ConflictError(`một phiên bản khác đang lấy dữ liệu cho ${agency} (${held?.holder ?? '?'}, tới ${held?.expiresAt.toISOString() ?? '?'}); chạy lại sau (another instance is pulling this agency)`);
        }
        const progress = createProgress(ctx.io.stderr);
        try {
          const totals = await runPull({ uow, intake }, agency, cfg, {
            beforePage: () => uow.read.leases.acquire(name, holder, new Date(), leaseS * 1000),
            onPage: (t) => progress.update(`Đang lấy (pulling): ${totalsLine(t)}`),
          });
          progress.done();
          ctx.out(`Đã lấy (pulled) ${agency}: ${totalsLine(totals)}`);
        } finally {
          await uow.read.leases.release(name, holder);
        }
        return;
      }
      const runner = new JobRunner({ uow, holder, leaseMs: leaseS * 1000, log: ctx.logger('server') });
      runner.start([pullJob({ uow, intake }, agency, cfg, (t) => ctx.out(`${new Date().toISOString()} ${agency}: ${totalsLine(t)}`))]);
      ctx.err(`Lấy mỗi ${cfg.everySeconds} giây; nhấn Ctrl+C để dừng (pulling every ${cfg.everySeconds} s; Ctrl+C stops)`);
      const signal = await untilSignal(ctx.io.signals ?? process);
      await runner.stop();
      ctx.err(`Đã dừng sau ${signal} (stopped).`);
    });
}
