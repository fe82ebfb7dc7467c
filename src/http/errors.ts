import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isKpiError, KpiError, PayloadTooLargeError, ValidationError } from '../domain/errors';

/** JSON errors `{ error: { code, message } }` with the right status; never a stack trace or SQL. */
export function errorHandler(log?: { error(obj: object, msg: string): void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let e: KpiError;
    if (isKpiError(err)) e = err;
    else if (err?.type === 'entity.too.large') e = new PayloadTooLargeError();
    else if (err?.type === 'entity.parse.failed' || err instanceof SyntaxError) e = new ValidationError('Dữ liệu không phải JSON hợp lệ (body is not valid JSON)', undefined, 'invalid_json');
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) e = new KpiError(err.status, 'bad_request', 'Yêu cầu không hợp lệ (bad request)');
    else {
      log?.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
      e = new KpiError(500, 'internal_error', 'Lỗi hệ thống, vui lòng thử lại sau (internal error)');
    }
    if (res.headersSent) return;
    res.status(e.status).type('application/json').send(JSON.stringify({ error: e.toJSON() }));
  };
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'route_not_found', message: 'Không có đường dẫn này (no such route)' } });
};
