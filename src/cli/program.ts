import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { PACKAGE_ROOT } from '../contract/package-files';
import { registerAgency, registerEvents, registerMigrate, registerServe, registerToken } from './commands';
import { CliContext, type CliIo } from './context';
import { registerCatalogue } from './catalogue';
import { registerDemo } from './demo';
import { describeFailure, EXIT_OK } from './errors';
import { registerIngest } from './ingest';
import { registerPull } from './pull';
import { registerReconcile } from './reconcile';
import { registerReport } from './report';
import { registerScore } from './score';
import { registerRules } from './rules';
import { registerTestEvent } from './test-event';

export const PROGRAM_NAME = 'eoffice-kpi';

/** A command of the CLI: adds itself (and its subcommands) to the program. */
export type CommandModule = (program: Command, ctx: CliContext) => void;

/**
 * The commands of `eoffice-kpi` (docs/integrators.md (command line)), in the order `--help` lists them.
 *
 * ── EXTENSION POINT ──────────────────────────────────────────────────────────────────
 * `score --agency <code> --period <p> [--close]` is added by the scoring work: write
 * src/cli/score.ts exporting `registerScore: CommandModule` and add it to this list
 * (after registerEvents). In its action use `await ctx.plugin()` for the services,
 * `ctx.out`/`ctx.json` for output, throw `UsageError` (./errors) for a bad `--period`
 * (exit 2) and a KpiError for a runtime failure (exit 1); set `ctx.exitCode` for a
 * non-zero exit after output. The database is closed for you when the action returns.
 * `report`, `catalogue import|export` and `pull` join the same way.
 * ─────────────────────────────────────────────────────────────────────────────────────
 */
export const COMMANDS: CommandModule[] = [
  registerMigrate,
  registerAgency,
  registerServe,
  registerIngest,
  registerEvents,
  registerRules,
  registerTestEvent,
  registerScore,
  registerReport,
  registerCatalogue,
  registerToken,
  registerDemo,
  registerPull,
  registerReconcile,
];

function packageVersion(): string {
  try {
    return String((JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}

/** The commander program, writing through `ctx.io`, throwing instead of exiting (runCli decides the exit code). */
export function buildProgram(ctx: CliContext, commands: readonly CommandModule[] = COMMANDS): Command {
  const program = new Command(PROGRAM_NAME);
  program
    .description('KPI cho hệ thống E-Office: nhật ký công việc từ sự kiện, chấm điểm theo Nghị định 335/2025/NĐ-CP, báo cáo Excel (KPI plugin for E-Office)')
    .version(packageVersion(), '-V, --version', 'in phiên bản (print the version)')
    // Settings below are inherited by every command added after them.
    .helpOption('-h, --help', 'hiển thị trợ giúp (display help)')
    .helpCommand('help [command]', 'trợ giúp cho một lệnh (help for a command)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      outputError: () => { /* runCli prints its own, Vietnamese-first message */ },
    })
    .addHelpText('after', [
      '',
      'Cấu hình qua biến môi trường (configuration from the environment):',
      '  KPI_DB         sqlite:./data/kpi.sqlite (mặc định) | postgres://… | mssql://…',
      '  PORT           cổng HTTP, mặc định 3000',
      '  KPI_BASE_PATH  đường dẫn gốc của plugin, ví dụ /kpi (mặc định /)',
      '  KPI_TZ         múi giờ IANA của cơ quan thêm mới không kèm --time-zone, mặc định Asia/Ho_Chi_Minh',
      '  LOG_LEVEL      fatal | error | warn | info | debug | trace | silent',
      '',
      'Mã thoát (exit codes): 0 thành công, 1 lỗi khi chạy, 2 sai cú pháp lệnh hoặc cấu hình.',
    ].join('\n'))
    // Configuration is read before any command runs: a bad value stops it with the variable named.
    .hook('preAction', () => {
      ctx.config();
    });
  for (const register of commands) register(program, ctx);
  return program;
}

/**
 * Runs one command line (without `node` and the script) and returns the exit code:
 * 0 done, 1 the work failed, 2 bad usage or configuration. The database is always closed.
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CommandModule[] = COMMANDS): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx, commands);
  let code: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    code = ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0 && ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code)) {
      code = EXIT_OK;
    } else {
      const failure = describeFailure(e, { debug: ctx.debug, program: [PROGRAM_NAME, ...commandPath(program, argv)].join(' '), ...(ctx.dbDisplay ? { db: ctx.dbDisplay } : {}) });
      ctx.err(failure.message);
      code = failure.exitCode;
    }
  } finally {
    await ctx.close().catch((e: unknown) => {
      if (ctx.debug) ctx.err(`Không đóng được kết nối cơ sở dữ liệu (could not close the database): ${(e as Error).message}`);
    });
  }
  return code;
}

/** The (sub)command names the arguments lead to: `['agency', 'add']` for `agency add x --name y`. */
export function commandPath(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  let cmd = program;
  for (const arg of argv) {
    if (arg.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    out.push(sub.name());
    cmd = sub;
  }
  return out;
}
