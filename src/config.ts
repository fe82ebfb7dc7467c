import { ConfigError } from './domain/errors';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from './domain/time';
import { DEFAULT_DB_URL, parseDbUrl, type DbTarget } from './db/connection';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  db: DbTarget;
  port: number;
  basePath: string;
  timeZone: string;
  logLevel: LogLevel;
}

/**
 * Configuration from the environment (docs/integrators.md (configuration)). A bad value stops start-up with a
 * message that names the variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const db = parseDbUrl(env.KPI_DB && env.KPI_DB.trim() !== '' ? env.KPI_DB : DEFAULT_DB_URL, 'KPI_DB');
  const portRaw = env.PORT ?? '3000';
  if (!/^\d{1,5}$/.test(portRaw) || Number(portRaw) < 1 || Number(portRaw) > 65535) throw new ConfigError('PORT', `phải là số cổng 1–65535 (must be a port 1–65535), nhận "${portRaw}"`);
  const basePath = env.KPI_BASE_PATH ?? '';
  if (basePath !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) throw new ConfigError('KPI_BASE_PATH', `phải có dạng /duong-dan, không có dấu / ở cuối (must look like /path), nhận "${basePath}"`);
  const timeZone = env.KPI_TZ ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) throw new ConfigError('KPI_TZ', `múi giờ không hợp lệ (unknown time zone) "${timeZone}"`);
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `một trong (one of) ${LOG_LEVELS.join(', ')}, nhận "${String(env.LOG_LEVEL)}"`);
  return { db, port: Number(portRaw), basePath, timeZone, logLevel };
}
