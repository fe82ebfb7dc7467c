import type { Knex } from 'knex';
import { parsePeriod, periodOfDay } from '../domain/period';
import { ConflictError } from '../domain/errors';

/**
 * Periods and their state. A closed period's scores are frozen: nothing that would change
 * them is accepted (entries on its days, reviews, assessments) until an admin reopens it.
 */
export class PeriodService {
  constructor(private readonly deps: { knex: Knex; clock?: () => Date }) {}

  async status(agency: string, period: string): Promise<'open' | 'closed'> {
    const r = await this.deps.knex('kpi_periods').where({ agency_code: agency, period }).first('status');
    return r?.status === 'closed' ? 'closed' : 'open';
  }

  /** The closed periods (month, quarter, year) that contain a day. */
  async closedContaining(agency: string, day: string): Promise<string[]> {
    const keys = (['month', 'quarter', 'year'] as const).map((k) => periodOfDay(day, k).key);
    const rows = await this.deps.knex('kpi_periods').where({ agency_code: agency, status: 'closed' }).whereIn('period', keys).select('period');
    return rows.map((r) => String(r.period));
  }

  /** Throws 409 `period_closed` when a day lies in a closed month, quarter or year. */
  async assertDayOpen(agency: string, day: string): Promise<void> {
    const closed = await this.closedContaining(agency, day);
    if (closed.length > 0) throw new ConflictError(`Kỳ ${closed.join(', ')} đã khóa sổ, không thể thay đổi (period closed)`, 'period_closed');
  }

  /**
   * Throws 409 when the period itself, or a period containing it, is closed: a month in a
   * closed quarter or year, a quarter in a closed year. (A closed month does not close its
   * quarter: the quarter's own assessment stays open until the quarter is closed.)
   */
  async assertPeriodOpen(agency: string, periodKey: string): Promise<void> {
    const p = parsePeriod(periodKey);
    const keys = [p.key];
    if (p.kind === 'month') keys.push(periodOfDay(p.from, 'quarter').key, periodOfDay(p.from, 'year').key);
    if (p.kind === 'quarter') keys.push(periodOfDay(p.from, 'year').key);
    const rows = await this.deps.knex('kpi_periods').where({ agency_code: agency, status: 'closed' }).whereIn('period', keys).select('period');
    if (rows.length > 0) throw new ConflictError(`Kỳ ${rows.map((r) => String(r.period)).join(', ')} đã khóa sổ, không thể thay đổi (period closed)`, 'period_closed');
  }
}
