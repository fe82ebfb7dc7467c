/**
 * The error family of the plugin. Every error that can reach a user carries a stable
 * machine `code` and a message that names what is wrong (the field, the value), never a
 * stack trace or SQL. The kind of failure is the class; what a transport makes of it (an
 * HTTP status, a CLI exit code) is decided at that edge (`src/http/errors.ts`,
 * `src/cli/errors.ts`), never here.
 */
export abstract class KpiError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.details !== undefined) this.details = opts.details;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}

/** The input is wrong; `field` names the offending path (e.g. `subject.dueAt`). */
export class ValidationError extends KpiError {
  constructor(message: string, field?: string, code = 'invalid_input', details?: Record<string, unknown>) {
    super(code, message, { ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) });
  }
}

/** The caller could not be authenticated. The message never says which check failed in detail to an attacker beyond a stable code. */
export class AuthError extends KpiError {
  constructor(message = 'Xác thực không hợp lệ (invalid token)', code = 'unauthorized') {
    super(code, message);
  }
}

/** Authenticated, but the role or scope does not allow it. */
export class ForbiddenError extends KpiError {
  constructor(message = 'Không có quyền thực hiện thao tác này (forbidden)', code = 'forbidden') {
    super(code, message);
  }
}

export class NotFoundError extends KpiError {
  constructor(message = 'Không tìm thấy (not found)', code = 'not_found') {
    super(code, message);
  }
}

/** The state does not allow it (closed period, entry no longer pending...). */
export class ConflictError extends KpiError {
  constructor(message: string, code = 'conflict') {
    super(code, message);
  }
}

export class PayloadTooLargeError extends KpiError {
  constructor(message = 'Dữ liệu gửi lên quá lớn (payload too large)', code = 'payload_too_large') {
    super(code, message);
  }
}

/** The store cannot take the write now; the caller (a host) should retry. */
export class UnavailableError extends KpiError {
  constructor(message = 'Cơ sở dữ liệu tạm thời không sẵn sàng, hãy gửi lại sau (database unavailable, retry later)', cause?: unknown) {
    super('unavailable', message, cause === undefined ? {} : { cause });
  }
}

/** A configuration value is wrong; start-up stops with a message naming the variable. */
export class ConfigError extends KpiError {
  constructor(variable: string, message: string) {
    super('config_error', `${variable}: ${message}`, { field: variable });
  }
}

/** Something failed on our side (a port taken, a bug): said plainly, never with its stack. */
export class InternalError extends KpiError {
  constructor(message = 'Lỗi hệ thống, vui lòng thử lại sau (internal error)', code = 'internal_error', cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}

/** A request the transport itself refused (a malformed query string, a method not allowed); `status` is the transport's own. */
export class BadRequestError extends KpiError {
  constructor(message = 'Yêu cầu không hợp lệ (bad request)', code = 'bad_request') {
    super(code, message);
  }
}

export function isKpiError(e: unknown): e is KpiError {
  return e instanceof KpiError;
}
