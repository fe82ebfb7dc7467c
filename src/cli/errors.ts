import { CommanderError } from 'commander';
import { ConfigError, KpiError, ValidationError, isKpiError } from '../domain/errors';

/** Exit codes of `eoffice-kpi`: 0 done, 1 the work failed, 2 the command line or configuration is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: an argument or option that is missing, malformed or names a file that is not there. */
export class UsageError extends KpiError {
  constructor(message: string, field?: string) {
    super('usage_error', message, field === undefined ? {} : { field });
  }
}

export interface CliFailure {
  exitCode: number;
  /** What the user reads on stderr, Vietnamese first. */
  message: string;
}

const USAGE_MESSAGES: Record<string, (quoted: string[], raw: string) => string> = {
  'commander.unknownCommand': (q) => `Lệnh không tồn tại (unknown command): "${q[0] ?? '?'}"`,
  'commander.unknownOption': (q) => `Tùy chọn không tồn tại (unknown option): "${q[0] ?? '?'}"`,
  'commander.missingArgument': (q) => `Thiếu tham số bắt buộc (missing required argument): <${q[0] ?? '?'}>`,
  'commander.optionMissingArgument': (q) => `Tùy chọn ${q[0] ?? '?'} cần một giá trị (option needs a value)`,
  'commander.missingMandatoryOptionValue': (q) => `Thiếu tùy chọn bắt buộc (required option missing): ${q[0] ?? '?'}`,
  'commander.excessArguments': (_q, raw) => `Thừa tham số (too many arguments): ${raw.replace(/^error:\s*/, '')}`,
  'commander.invalidArgument': (_q, raw) => `Giá trị không hợp lệ (invalid value): ${raw.replace(/^error:\s*/, '')}`,
  'commander.conflictingOption': (_q, raw) => `Các tùy chọn không dùng cùng nhau được (conflicting options): ${raw.replace(/^error:\s*/, '')}`,
  'commander.help': () => 'Thiếu lệnh (missing command): chọn một lệnh trong danh sách trên',
};

/** Turns anything a command throws into an exit code and a message; a stack trace only when asked for (LOG_LEVEL=debug|trace). */
export function describeFailure(e: unknown, opts: { debug: boolean; program?: string; db?: string }): CliFailure {
  /** The command the user ran (e.g. `eoffice-kpi agency add`), for the help hint. */
  const program = opts.program ?? 'eoffice-kpi';
  if (e instanceof CommanderError) {
    const quoted = [...e.message.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    const vi = USAGE_MESSAGES[e.code]?.(quoted, e.message) ?? `Lỗi cú pháp lệnh (usage error): ${e.message.replace(/^error:\s*/, '')}`;
    const suggestion = /\(Did you mean ([^)]+)\?\)/.exec(e.message);
    const hint = suggestion ? `\nCó phải ý bạn là (did you mean) ${suggestion[1]}?` : '';
    return { exitCode: EXIT_USAGE, message: `${vi}${hint}\nXem hướng dẫn (see help): ${program} --help` };
  }
  if (e instanceof ConfigError) {
    return { exitCode: EXIT_USAGE, message: `Lỗi cấu hình: ${e.message}${debugTail(e, opts.debug)}` };
  }
  if (e instanceof UsageError) {
    return { exitCode: EXIT_USAGE, message: `Lỗi tham số: ${e.message}\nXem hướng dẫn (see help): ${program} --help` };
  }
  if (e instanceof ValidationError) {
    // Input the user gave (a settings file, an agency code, a time zone): their mistake, not the system's.
    return { exitCode: EXIT_USAGE, message: `Dữ liệu không hợp lệ: ${e.message}${debugTail(e, opts.debug)}` };
  }
  if (isKpiError(e)) {
    return { exitCode: EXIT_FAILURE, message: `Lỗi: ${e.message}${debugTail(e, opts.debug)}` };
  }
  const message = e instanceof Error ? e.message : String(e);
  if (isConnectionError(e)) {
    const where = opts.db ? ` KPI_DB=${opts.db}` : '';
    return { exitCode: EXIT_FAILURE, message: `Lỗi: không kết nối được cơ sở dữ liệu${where} (cannot connect to the database): ${message}${debugTail(e, opts.debug)}` };
  }
  const hint = opts.debug ? '' : '\nĐặt LOG_LEVEL=debug để xem chi tiết (set LOG_LEVEL=debug for details)';
  return { exitCode: EXIT_FAILURE, message: `Lỗi không mong muốn (unexpected error): ${message}${hint}${debugTail(e, opts.debug)}` };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKET', 'ELOGIN', 'ETIMEOUT']);

/** The database could not be reached or refused the login: the network, the host, the credentials or the database name in KPI_DB. */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = String((e as { code?: unknown }).code ?? '');
  // PostgreSQL: 28xxx invalid authorisation, 3D000 no such database; knex: pool acquire timeout.
  return NETWORK_CODES.has(code) || /^28/.test(code) || code === '3D000' || e.name === 'KnexTimeoutError' || /SQLITE_CANTOPEN|unable to open database file/.test(`${code} ${e.message}`);
}

function debugTail(e: unknown, debug: boolean): string {
  if (!debug || !(e instanceof Error)) return '';
  let out = `\n${e.stack ?? ''}`;
  let cause = (e as { cause?: unknown }).cause;
  while (cause instanceof Error) {
    out += `\nNguyên nhân (caused by): ${cause.stack ?? cause.message}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return out;
}
