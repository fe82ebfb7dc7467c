import type { Knex } from 'knex';
import { loadConfig, type Config } from '../config';
import { openDb } from '../db/connection';
import { createKpiPlugin, type KpiPlugin } from '../index';
import { createLogger, type Logger } from '../log';

/** Where a command reads its environment and writes its output; the real process in main.ts, buffers in tests. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Where SIGINT/SIGTERM arrive (`process`); tests pass an EventEmitter. */
  signals?: NodeJS.EventEmitter;
  /** A logger to use instead of pino on stderr (tests pass a silent one). */
  logger?: Logger;
  /** Working directory that relative file paths are resolved against (default process.cwd()). */
  cwd?: string;
}

/**
 * What every command gets: the configuration (read once from the environment), output
 * helpers, and the plugin opened on KPI_DB. The knex instance it opens is destroyed by
 * `close()`, which runCli calls when the command ends, so that the process can exit.
 */
export class CliContext {
  readonly io: CliIo;
  /** Set by a command that finished its work but wants a non-zero exit (e.g. `ingest` with rejected lines). */
  exitCode = 0;
  private cfg: Config | null = null;
  private knexInstance: Knex | null = null;
  private pluginPromise: Promise<KpiPlugin> | null = null;
  private loggers = new Map<string, Logger>();

  constructor(io: CliIo) {
    this.io = io;
  }

  /** The configuration; a bad value throws a ConfigError naming the variable. */
  config(): Config {
    if (!this.cfg) this.cfg = loadConfig(this.io.env);
    return this.cfg;
  }

  /** Structured logs for the plugin. Short commands log warnings only unless LOG_LEVEL says otherwise; `serve` logs at LOG_LEVEL. */
  logger(kind: 'command' | 'server' = 'command'): Logger {
    if (this.io.logger) return this.io.logger;
    const level = kind === 'server' || this.io.env.LOG_LEVEL ? this.config().logLevel : 'warn';
    let l = this.loggers.get(level);
    if (!l) this.loggers.set(level, (l = createLogger(level)));
    return l;
  }

  /**
   * Opens KPI_DB (once). Knex's own warnings (it prints them to stdout, stack traces
   * included) go to the logger instead: a command reports its failure itself, so there
   * they are debug output; a server logs their first line as a warning.
   */
  knex(kind: 'command' | 'server' = 'command'): Knex {
    if (!this.knexInstance) {
      const target = this.config().db;
      const log = this.logger(kind);
      const forward = (level: 'warn' | 'error') => (message: unknown) => {
        const text = typeof message === 'string' ? message : String((message as Error)?.message ?? message);
        if (kind === 'server') log[level]({ source: 'knex' }, text.split('\n')[0]!);
        log.debug({ source: 'knex' }, text);
      };
      const quiet = (message: unknown) => log.debug({ source: 'knex' }, typeof message === 'string' ? message : String(message));
      // openDb names KPI_DB itself when the SQLite file's folder cannot be made (a path through a file, a read-only place).
      this.knexInstance = openDb({ ...target, config: { ...target.config, log: { warn: forward('warn'), error: forward('error'), deprecate: quiet, debug: quiet } } });
    }
    return this.knexInstance;
  }

  /** The plugin on KPI_DB, migrated (the in-process factory wires every service); an agency added without a time zone takes KPI_TZ. */
  plugin(kind: 'command' | 'server' = 'command'): Promise<KpiPlugin> {
    if (!this.pluginPromise) this.pluginPromise = createKpiPlugin({ knex: this.knex(kind), logger: this.logger(kind), defaultTimeZone: this.config().timeZone });
    return this.pluginPromise;
  }

  out(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  err(line = ''): void {
    this.io.stderr.write(`${line}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** KPI_DB without its password, once the configuration has been read. */
  get dbDisplay(): string | null {
    return this.cfg ? this.cfg.db.display : null;
  }

  get debug(): boolean {
    const level = this.io.env.LOG_LEVEL;
    return level === 'debug' || level === 'trace';
  }

  async close(): Promise<void> {
    const k = this.knexInstance;
    this.knexInstance = null;
    this.pluginPromise = null;
    if (k) await k.destroy();
  }
}
