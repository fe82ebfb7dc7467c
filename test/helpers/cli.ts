import { execFile } from 'node:child_process';
import path from 'node:path';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateRollbackAll } from '../../src/db/migrate';

/** The compiled `eoffice-kpi` (dist/src/cli/main.js), run as a user runs it. */
export const CLI_MAIN = path.resolve(__dirname, '../../src/cli/main.js');

/** KPI_TEST_DB when it names PostgreSQL, else null (the e2e tests then use a temporary SQLite file). */
export const TEST_PG = process.env.KPI_TEST_DB && /^postgres(ql)?:\/\//.test(process.env.KPI_TEST_DB) ? process.env.KPI_TEST_DB : null;

export interface CliRun { code: number; stdout: string; stderr: string }

/** The configuration variables a CLI run must not inherit from the test's environment. */
const CONFIG_VARS = ['KPI_DB', 'PORT', 'KPI_BASE_PATH', 'KPI_TZ', 'LOG_LEVEL'];

/** The test's environment without the plugin's configuration, then KPI_DB and `extra`. */
export function cliEnv(dbUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of CONFIG_VARS) delete env[v];
  return { ...env, KPI_DB: dbUrl, ...extra };
}

/**
 * Runs the CLI on `dbUrl` in `cwd`; resolves with its exit code and output (never rejects on a
 * non-zero exit, only when it cannot run at all).
 */
export function runCli(args: readonly string[], o: { dbUrl: string; cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_MAIN, ...args], { cwd: o.cwd, env: cliEnv(o.dbUrl, o.env), timeout: o.timeoutMs ?? 50_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`${error.message}\n${stderr}`));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/**
 * The demo agency on a fresh database, through the CLI (`demo --end-day`): on PostgreSQL the
 * plugin's tables are rolled back first (the suite's database is shared by its files).
 */
export async function freshDemo(o: { dbUrl: string; cwd: string }, endDay: string): Promise<CliRun> {
  if (TEST_PG && o.dbUrl === TEST_PG) {
    const k = openDb(parseDbUrl(TEST_PG));
    try {
      await migrateRollbackAll(k);
    } finally {
      await k.destroy();
    }
  }
  return runCli(['demo', '--end-day', endDay], o);
}
