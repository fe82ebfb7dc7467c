import { ConflictError } from '../domain/errors';
import { parsePeriod, periodOfDay } from '../domain/period';
import type { PeriodStore, UnitOfWork } from '../stores';

const messages = {
  closed: (periods: string[]) => `Kỳ ${periods.join(', ')} đã khóa sổ, không thể thay đổi (period closed)`,
};

/** The closed periods (month, quarter, year) that contain a day. */
export function closedContaining(periods: PeriodStore, agency: string, day: string): Promise<string[]> {
  return periods.closedAmong(agency, (['month', 'quarter', 'year'] as const).map((k) => periodOfDay(day, k).key));
}

/** Throws 409 `period_closed` when a day lies in a closed month, quarter or year (call it inside the writing transaction). */
export async function assertDayOpen(periods: PeriodStore, agency: string, day: string): Promise<void> {
  const closed = await closedContaining(periods, agency, day);
  if (closed.length > 0) throw new ConflictError(messages.closed(closed), 'period_closed');
}

/**
 * Throws 409 when the period itself, or a period containing it, is closed: a month in a
 * closed quarter or year, a quarter in a closed year. (A closed month does not close its
 * quarter: the quarter's own assessment stays open until the quarter is closed.)
 */
export async function assertPeriodOpen(periods: PeriodStore, agency: string, periodKey: string): Promise<void> {
  const p = parsePeriod(periodKey);
  const keys = [p.key];
  if (p.kind === 'month') keys.push(periodOfDay(p.from, 'quarter').key, periodOfDay(p.from, 'year').key);
  if (p.kind === 'quarter') keys.push(periodOfDay(p.from, 'year').key);
  const closed = await periods.closedAmong(agency, keys);
  if (closed.length > 0) throw new ConflictError(messages.closed(closed), 'period_closed');
}

/**
 * Periods and their state. A closed period's scores are frozen: nothing that would change
 * them is accepted (entries on its days, reviews, assessments) until an admin reopens it.
 */
export class PeriodService {
  constructor(private readonly deps: { uow: UnitOfWork }) {}

  async status(agency: string, period: string): Promise<'open' | 'closed'> {
    return (await this.deps.uow.read.periods.state(agency, period)).status;
  }

  closedContaining(agency: string, day: string): Promise<string[]> {
    return closedContaining(this.deps.uow.read.periods, agency, day);
  }

  assertDayOpen(agency: string, day: string): Promise<void> {
    return assertDayOpen(this.deps.uow.read.periods, agency, day);
  }

  assertPeriodOpen(agency: string, periodKey: string): Promise<void> {
    return assertPeriodOpen(this.deps.uow.read.periods, agency, periodKey);
  }
}
