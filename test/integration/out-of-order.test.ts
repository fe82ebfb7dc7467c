import { expect } from 'chai';
import type { Knex } from 'knex';
import { generateDemo, mulberry32 as rng } from '../../src/demo/demo-data';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { freshDb, silentLogger } from '../helpers/harness';
import { chunk, shuffle } from '../helpers/random';

/** Everything the events caused in one agency, without the agency code and the surrogate ids. */
async function state(knex: Knex, agency: string): Promise<{ entries: unknown[]; assignments: unknown[]; events: unknown[]; users: unknown[] }> {
  const entries = (await knex('kpi_journal_entries').where({ agency_code: agency })
    .select('event_id', 'user_id', 'unit_id', 'day', 'work_item_code', 'quantity', 'coefficient', 'minutes', 'status', 'fails', 'delays', 'late', 'completes', 'subject_id'))
    .map((r) => ({ ...r, late: Boolean(r.late), completes: Boolean(r.completes), quantity: Number(r.quantity), coefficient: Number(r.coefficient), minutes: Number(r.minutes), fails: Number(r.fails), delays: Number(r.delays) }))
    .sort((a, b) => `${a.event_id}|${a.user_id}`.localeCompare(`${b.event_id}|${b.user_id}`));
  const assignments = (await knex('kpi_assignments').where({ agency_code: agency })
    .select('subject_kind', 'subject_id', 'user_id', 'role', 'due_day', 'work_item_code', 'quantity', 'minutes', 'status'))
    .map((r) => ({ ...r, quantity: r.quantity === null ? null : Number(r.quantity), minutes: Number(r.minutes) }))
    .sort((a, b) => `${a.subject_kind}|${a.subject_id}|${a.user_id}`.localeCompare(`${b.subject_kind}|${b.subject_id}|${b.user_id}`));
  const events = (await knex('kpi_events').where({ agency_code: agency }).select('event_id', 'status')).sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));
  const users = (await knex('kpi_users').where({ agency_code: agency }).select('id', 'name', 'unit_id', 'is_leader', 'active'))
    .map((r) => ({ ...r, is_leader: Boolean(r.is_leader), active: Boolean(r.active) })).sort((a, b) => String(a.id).localeCompare(String(b.id)));
  return { entries, assignments, events, users };
}

describe('integration: events out of order end in the same state as in order', function () {
  this.timeout(120000);
  let knex: Knex;
  let plugin: KpiPlugin;

  before(async () => {
    knex = await freshDb();
    plugin = await createKpiPlugin({ knex, logger: silentLogger });
  });

  after(async () => {
    await knex.destroy();
  });

  it('when six weeks of an agency arrive shuffled in small batches, then entries, fails, delays, lateness and assignments equal the in-order run', async () => {
    const demo = generateDemo({ agency: 'x', endDay: '2026-03-13', weeks: 6, seed: 11 });
    const forAgency = (code: string) => demo.events.map((e) => ({ ...e, agency: code }));
    await plugin.services.agencies.addAgency({ code: 'in-order', name: 'Theo thứ tự' });
    await plugin.services.agencies.addAgency({ code: 'shuffled', name: 'Đảo thứ tự' });

    const ordered = forAgency('in-order');
    for (const batch of chunk(ordered, 500)) await plugin.ingest(batch);

    const r = rng(42);
    const mixed = shuffle(forAgency('shuffled'), r);
    for (let i = 0; i < mixed.length;) {
      const n = 1 + Math.floor(r() * 60);
      await plugin.ingest(mixed.slice(i, i + n));
      i += n;
    }

    const a = await state(knex, 'in-order');
    const b = await state(knex, 'shuffled');
    // The run must exercise what could go wrong: fails, delays, lateness and cancellations.
    expect(a.entries.length).to.be.greaterThan(500);
    expect(a.entries.some((e: any) => e.fails > 0)).to.equal(true);
    expect(a.entries.some((e: any) => e.delays > 0 && e.late)).to.equal(true);
    expect(a.entries.some((e: any) => e.delays > 0 && !e.late)).to.equal(true);
    expect(a.assignments.some((x: any) => x.status === 'cancelled')).to.equal(true);
    expect(a.assignments.some((x: any) => x.status === 'completed')).to.equal(true);
    expect(a.entries.some((e: any) => e.work_item_code !== 'CV-16' && e.completes && String(e.subject_id).startsWith('CV-'))).to.equal(true);

    expect(b.events).to.deep.equal(a.events);
    expect(b.users).to.deep.equal(a.users);
    expect(b.assignments).to.deep.equal(a.assignments);
    expect(b.entries).to.deep.equal(a.entries);
  });
});
