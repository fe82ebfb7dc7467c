import { expect } from 'chai';
import type { Knex } from 'knex';
import { periodTotals } from '../../src/db/journal-totals';
import { dialectFor } from '../../src/db/sql-dialects';
import { KnexEventStore } from '../../src/db/knex-event-store';
import { freshDb } from '../helpers/harness';

/**
 * SQLite's planner has no statistics on an embedded database (nobody runs ANALYZE), and guesses
 * that `agency_code = ?` matches ten rows: a unit's totals were read through the covering day
 * index, the whole agency's period (0.8 s on the scoring bench's 2,000,000 entries, for one
 * official's My KPI). These plans are the SQLite dialect's own business, so this suite always
 * runs on SQLite, whatever database the rest of the suite uses.
 */
describe('integration: SQLite reads a few officials\' totals by their primary key', function () {
  this.timeout(60000);
  let knex: Knex;
  const AGENCY = 'ke-hoach';
  const USERS = Array.from({ length: 300 }, (_, i) => `u-${String(i).padStart(3, '0')}`);
  const DAYS = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 0, 5 + i)).toISOString().slice(0, 10));
  const query = { agency: AGENCY, from: '2026-01-01', to: '2026-03-31', statuses: ['approved', 'pending'] as Array<'approved' | 'pending'>, capMinutes: 480, clip: true, failPenalty: 0.5, delayPenalty: 0.3 };

  before(async () => {
    knex = await freshDb('sqlite::memory:');
    await knex('kpi_agencies').insert({ code: AGENCY, name: 'Sở Kế hoạch', issuer: 'host', host_origins: '[]', created_at: new Date(), updated_at: new Date() });
    const rows = USERS.flatMap((u, i) => DAYS.map((day, j) => ({ agency_code: AGENCY, user_id: u, day, a_t: 300 + ((i * 7 + j * 13) % 300), a_l: 250, a_p: 200, a_n: 2, p_t: 0, p_l: 0, p_p: 0, p_n: 0 })));
    for (let i = 0; i < rows.length; i += 500) await knex('kpi_journal_days').insert(rows.slice(i, i + 500));
  });

  after(() => knex.destroy());

  it('when one unit\'s officials are asked for, then every read of the roll-up seeks by agency and user, and the totals equal the whole agency\'s for them', async () => {
    const few = USERS.slice(30, 63);
    const seen: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const listen = (q: { sql: string; bindings: readonly unknown[] }) => seen.push(q);
    knex.on('query', listen);
    const mine = await periodTotals(knex, dialectFor(knex), { ...query, userIds: few });
    knex.off('query', listen);
    const sql = seen.find((q) => q.sql.startsWith('with'))!;
    const plan = (await knex.raw(`explain query plan ${sql.sql}`, sql.bindings as Knex.RawBinding[])) as Array<{ detail: string }>;
    const reads = plan.map((p) => p.detail).filter((d) => /kpi_journal_days/.test(d));
    expect(reads, JSON.stringify(plan)).to.have.length(2);
    for (const d of reads) expect(d).to.match(/USING INDEX sqlite_autoindex_kpi_journal_days_1 \(agency_code=\? AND user_id=\?/);

    const all = await periodTotals(knex, dialectFor(knex), query);
    expect([...mine.totals.keys()].sort()).to.deep.equal(few);
    for (const u of few) expect(mine.totals.get(u)).to.deep.equal(all.totals.get(u));
    expect(mine.overDays.size).to.be.greaterThan(0);
    for (const [u, days] of mine.overDays) expect(days).to.deep.equal(all.overDays.get(u));
  });
  it('when an official\'s events of a month are asked (My KPI\'s suggestions), then each read seeks by actor, or by status and time, and none reads the agency\'s month', async () => {
    const events = new KnexEventStore(knex, dialectFor(knex));
    const seen: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const listen = (q: { sql: string; bindings: readonly unknown[] }) => seen.push(q);
    knex.on('query', listen);
    await events.mentioning(AGENCY, { userId: 'u-001', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z'), types: ['document.received', 'task.completed'], statuses: ['failed', 'ignored'], limit: 200 });
    knex.off('query', listen);
    expect(seen).to.have.length(3);
    const plans: string[] = [];
    for (const q of seen) plans.push(((await knex.raw(`explain query plan ${q.sql}`, q.bindings as Knex.RawBinding[])) as Array<{ detail: string }>).map((p) => p.detail).join(' | '));
    expect(plans[0]).to.match(/^SEARCH kpi_events USING INDEX ix_kpi_events_actor \(agency_code=\? AND actor_id=\? AND occurred_at>\? AND occurred_at<\?\)$/);
    expect(plans[1]).to.match(/^SEARCH kpi_events USING INDEX ix_kpi_events_actor \(agency_code=\? AND actor_id=\? AND occurred_at>\? AND occurred_at<\?\)$/);
    expect(plans[2]).to.match(/^SEARCH kpi_events USING INDEX ix_kpi_events_status_at \(agency_code=\? AND status=\? AND occurred_at>\? AND occurred_at<\?\)/);
    for (const p of plans) expect(p).to.not.match(/ix_kpi_events_occurred|SCAN kpi_events/);
  });
  it('when the newest events of a status are listed, then they are read in seq order from the status index, not all of the status sorted', async () => {
    const events = new KnexEventStore(knex, dialectFor(knex));
    const seen: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const listen = (q: { sql: string; bindings: readonly unknown[] }) => seen.push(q);
    knex.on('query', listen);
    await events.list(AGENCY, 'processed', 500);
    await events.failed(AGENCY);
    knex.off('query', listen);
    expect(seen).to.have.length(2);
    for (const q of seen) {
      const plan = ((await knex.raw(`explain query plan ${q.sql}`, q.bindings as Knex.RawBinding[])) as Array<{ detail: string }>).map((p) => p.detail).join(' | ');
      expect(plan).to.match(/^SEARCH kpi_events USING INDEX ix_kpi_events_status \(agency_code=\? AND status=\?\)$/);
    }
  });
});
