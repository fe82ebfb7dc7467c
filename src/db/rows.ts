/** Small conversions between database values and domain values, the same on every dialect. */

/** SQLite gives numbers (ms) or strings for datetime columns, PostgreSQL and SQL Server give Date objects. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v);
  if (typeof v === 'string') {
    const d = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function toIso(v: unknown): string | null {
  const d = toDate(v);
  return d ? d.toISOString() : null;
}

export function toBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

export function toNum(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function toNumOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : toNum(v);
}

export function parseJson<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string' || v === '') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

/**
 * Rows one multi-row INSERT may carry whatever the parameters: knex writes SQLite's as a compound
 * SELECT (`select … union all select …`), which SQLite caps at 500 terms; SQL Server takes 1,000
 * row values.
 */
export const MAX_INSERT_ROWS = 500;

/**
 * Splits rows so that one statement binds fewer than the dialect's parameters (SQL Server: 2100),
 * and, for an INSERT, carries at most `maxRows` rows (MAX_INSERT_ROWS).
 */
export function chunkForParams<T>(rows: T[], columnsPerRow: number, maxParams = 2000, maxRows = Number.POSITIVE_INFINITY): T[][] {
  const size = Math.max(1, Math.min(maxRows, Math.floor(maxParams / Math.max(1, columnsPerRow))));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
