import fs from 'node:fs';
import path from 'node:path';
import { isValidDay } from '../domain/time';
import { ROLES, type Role } from '../domain/principal';
import { UsageError } from './errors';

/**
 * Checks of command-line values. Each failure is a UsageError (exit 2) that names the
 * option and the value, Vietnamese first.
 */

/** `official,leader` → roles; an unknown role or an empty list is a usage error. */
export function parseRoles(raw: string, option = '--roles'): Role[] {
  const parts = raw.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (parts.length === 0) throw new UsageError(`${option}: cần ít nhất một vai trò trong ${ROLES.join(', ')} (at least one role)`, option);
  const bad = parts.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length > 0) {
    throw new UsageError(`${option}: vai trò không hợp lệ (unknown role) "${bad.join('", "')}"; chỉ được dùng (allowed): ${ROLES.join(', ')}`, option);
  }
  return [...new Set(parts)] as Role[];
}

/** A whole number of seconds within [min, max]. */
export function parseSeconds(raw: string, option: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(raw.trim())) throw new UsageError(`${option}: phải là số giây nguyên (must be a whole number of seconds), nhận "${raw}"`, option);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new UsageError(`${option}: phải trong khoảng ${min}–${max} giây (must be between ${min} and ${max} seconds), nhận ${n}`, option);
  return n;
}

/** A real calendar day `YYYY-MM-DD`. */
export function parseDay(raw: string, option: string): string {
  if (!isValidDay(raw)) throw new UsageError(`${option}: phải là một ngày có thật dạng YYYY-MM-DD (must be a real YYYY-MM-DD day), nhận "${raw}"`, option);
  return raw;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(raw: string, option: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`${option}: phải là một trong (must be one of) ${choices.join(' | ')}, nhận "${raw}"`, option);
  }
  return raw as T;
}

/** A non-empty value (after trimming). */
export function parseText(raw: string, option: string, maxLength = 200): string {
  const v = raw.normalize('NFC').trim();
  if (v === '') throw new UsageError(`${option}: không được để trống (must not be empty)`, option);
  if (v.length > maxLength) throw new UsageError(`${option}: tối đa ${maxLength} ký tự (at most ${maxLength} characters)`, option);
  return v;
}

/** An existing, readable regular file; relative paths are taken from `cwd`. */
export function existingFile(raw: string, what: string, cwd: string = process.cwd()): string {
  const full = path.resolve(cwd, raw);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch {
    throw new UsageError(`${what}: không tìm thấy tệp (file not found) "${raw}"`, what);
  }
  if (!stat.isFile()) throw new UsageError(`${what}: "${raw}" không phải là tệp (not a file)`, what);
  try {
    fs.accessSync(full, fs.constants.R_OK);
  } catch {
    throw new UsageError(`${what}: không đọc được tệp (file not readable) "${raw}"`, what);
  }
  return full;
}

/** Commander's collector for an option that may be repeated: `--host-origin a --host-origin b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
