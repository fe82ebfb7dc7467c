/**
 * The error family of the plugin. Every error that can reach a user carries an
 * HTTP status, a stable machine `code` and a message that names what is wrong
 * (the field, the value), never a stack trace or SQL.
 */
export class KpiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, opts: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.details !== undefined) this.details = opts.details;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}

/** 400: the input is wrong; `field` names the offending path (e.g. `subject.dueAt`). */
export class ValidationError extends KpiError {
  constructor(message: string, field?: string, code = 'invalid_input', details?: Record<string, unknown>) {
    super(400, code, message, { ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) });
  }
}

/** 401: the caller could not be authenticated. The message never says which check failed in detail to an attacker beyond a stable code. */
export class AuthError extends KpiError {
  constructor(message = 'Xác thực không hợp lệ (invalid token)', code = 'unauthorized') {
    super(401, code, message);
  }
}

/** 403: authenticated, but the role or scope does not allow it. */
export class ForbiddenError extends KpiError {
  constructor(message = 'Không có quyền thực hiện thao tác này (forbidden)', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends KpiError {
  constructor(message = 'Không tìm thấy (not found)', code = 'not_found') {
    super(404, code, message);
  }
}

/** 409: the state does not allow it (closed period, entry no longer pending...). */
export class ConflictError extends KpiError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends KpiError {
  constructor(message = 'Dữ liệu gửi lên quá lớn (payload too large)', code = 'payload_too_large') {
    super(413, code, message);
  }
}

/** 503: the store cannot take the write now; the host should retry. */
export class UnavailableError extends KpiError {
  constructor(message = 'Cơ sở dữ liệu tạm thời không sẵn sàng, hãy gửi lại sau (database unavailable, retry later)', cause?: unknown) {
    super(503, 'unavailable', message, cause === undefined ? {} : { cause });
  }
}

/** A configuration value is wrong; start-up stops with a message naming the variable. */
export class ConfigError extends KpiError {
  constructor(variable: string, message: string) {
    super(500, 'config_error', `${variable}: ${message}`, { field: variable });
  }
}

export function isKpiError(e: unknown): e is KpiError {
  return e instanceof KpiError;
}
