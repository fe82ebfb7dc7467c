import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs to stderr (stdout stays for the CLI's own output). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'eoffice-kpi' }, redact: ['secret', '*.secret', 'authorization', '*.authorization'] }, pino.destination(2));
}
