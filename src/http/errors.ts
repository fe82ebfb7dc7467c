import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AuthError, BadRequestError, ConfigError, ConflictError, ForbiddenError, InternalError, isKpiError, KpiError,
  NotFoundError, PayloadTooLargeError, UnavailableError, ValidationError,
} from '../domain/errors';

/** The HTTP status of each kind of error: decided here, at the edge, not by the domain. */
const STATUS: ReadonlyArray<readonly [abstract new (...args: never[]) => KpiError, number]> = [
  [ValidationError, 400], [BadRequestError, 400], [AuthError, 401], [ForbiddenError, 403], [NotFoundError, 404],
  [ConflictError, 409], [PayloadTooLargeError, 413], [UnavailableError, 503], [ConfigError, 500], [InternalError, 500],
];

export function httpStatus(e: KpiError): number {
  for (const [kind, status] of STATUS) if (e instanceof kind) return status;
  return 500;
}

/** Any thrown value as one of ours: express's own body errors named, anything unknown an internal error (logged, never shown). */
export function asKpiError(err: unknown, log?: { error(obj: object, msg: string): void }): KpiError {
  if (isKpiError(err)) return err;
  const e = err as { type?: unknown; status?: unknown } | null;
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e?.type === 'entity.parse.failed' || err instanceof SyntaxError) return new ValidationError('Dữ liệu không phải JSON hợp lệ (body is not valid JSON)', undefined, 'invalid_json');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new BadRequestError();
  log?.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
  return new InternalError();
}

/** JSON errors `{ error: { code, message } }` with the right status; never a stack trace or SQL. */
export function errorHandler(log?: { error(obj: object, msg: string): void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const e = asKpiError(err, log);
    if (res.headersSent) return;
    res.status(httpStatus(e)).type('application/json').send(JSON.stringify({ error: e.toJSON() }));
  };
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'route_not_found', message: 'Không có đường dẫn này (no such route)' } });
};
