import { httpStatus } from '../../src/http/errors';
import { expect } from 'chai';
import sinon from 'sinon';
import { UnavailableError } from '../../src/domain/errors';
import type { IngestResult } from '../../src/intake/intake-service';
import { buildEvent, startHarness, testDialect, type Harness } from '../helpers/harness';
import { injectDriverFault } from '../helpers/driver-fault';

/**
 * Group commit (IntakeService): concurrent intake calls of one agency share transactions,
 * yet each caller hears only its own counts, only after the transaction holding its events
 * committed, and all of them hear 503 when that transaction fails. Runs on the harness
 * database (SQLite, or PostgreSQL with KPI_TEST_DB).
 */

type Ev = Record<string, any>;

/**
 * Counts the transactions opened from now on, at the knex edge (`knex.transaction`): the
 * intake opens exactly one per stored group, and nothing else in these paths opens any
 * (webhook authentication writes outside transactions).
 */
function countTransactions(h: Harness): sinon.SinonSpy {
  return sinon.spy(h.knex as unknown as { transaction: (...a: unknown[]) => unknown }, 'transaction');
}

async function count(h: Harness, table: string, where: Record<string, unknown>): Promise<number> {
  const [r] = await h.knex(table).where(where).count({ n: '*' });
  return Number((r as { n: unknown }).n);
}

const EVENTS_INSERT = /^\s*insert\s+into\s+["`]?kpi_events["`]?/i;

/** Fails the first statement that inserts into kpi_events, once, as a lost connection would. */
function failEventsInsertOnce(): { fired(): number; restore(): void } {
  let armed = true;
  return injectDriverFault((sql) => {
    if (!armed || !EVENTS_INSERT.test(sql)) return false;
    armed = false;
    return true;
  });
}

/** Everything an agency's events caused, without the agency code and surrogate ids (to compare two agencies). */
async function state(h: Harness, agency: string): Promise<Record<string, unknown[]>> {
  const events = (await h.knex('kpi_events').where({ agency_code: agency }).select('event_id', 'type', 'status', 'error', 'source', 'payload'))
    .map((r) => ({ ...r, payload: JSON.parse(String(r.payload).split(agency).join('<agency>')) }))
    .sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));
  const entries = (await h.knex('kpi_journal_entries').where({ agency_code: agency })
    .select('event_id', 'user_id', 'day', 'work_item_code', 'quantity', 'coefficient', 'minutes', 'status', 'fails', 'delays', 'late', 'completes', 'subject_id'))
    .map((r) => ({ ...r, quantity: Number(r.quantity), coefficient: Number(r.coefficient), minutes: Number(r.minutes), fails: Number(r.fails), delays: Number(r.delays), late: Boolean(r.late), completes: Boolean(r.completes) }))
    .sort((a, b) => `${a.event_id}|${a.user_id}`.localeCompare(`${b.event_id}|${b.user_id}`));
  const assignments = (await h.knex('kpi_assignments').where({ agency_code: agency }).select('subject_kind', 'subject_id', 'user_id', 'role', 'work_item_code', 'quantity', 'minutes', 'status'))
    .map((r) => ({ ...r, quantity: r.quantity === null ? null : Number(r.quantity), minutes: Number(r.minutes) }))
    .sort((a, b) => `${a.subject_id}|${a.user_id}`.localeCompare(`${b.subject_id}|${b.user_id}`));
  const marks = (await h.knex('kpi_marks').where({ agency_code: agency }).select('subject_id', 'user_id', 'kind', 'event_id'))
    .sort((a, b) => `${a.event_id}|${a.kind}`.localeCompare(`${b.event_id}|${b.kind}`));
  return { events, entries, assignments, marks };
}

describe(`integration: group commit of concurrent intake calls on ${testDialect()}`, function () {
  this.timeout(60000);
  let h: Harness;

  before(async () => { h = await startHarness(); });
  afterEach(() => sinon.restore());
  after(async () => { await h?.close(); });

  /** Each of the events stored once, as processed, with exactly one entry for its actor. */
  async function expectEachStoredOnce(agency: string, events: Ev[], source: string): Promise<void> {
    const rows = await h.knex('kpi_events').where({ agency_code: agency }).select('event_id', 'status', 'source');
    expect(rows.map((r) => String(r.event_id)).sort()).to.deep.equal(events.map((e) => e.id as string).sort());
    for (const r of rows) expect(r).to.deep.include({ status: 'processed', source });
    const entries = await h.knex('kpi_journal_entries').where({ agency_code: agency }).select('event_id', 'user_id');
    expect(entries.map((r) => `${r.event_id}:${r.user_id}`).sort()).to.deep.equal(events.map((e) => `${e.id}:${e.actor.id}`).sort());
  }

  it('when 50 single-event calls are made at once, then each hears its own event accepted, each event is one row with one entry, and they took fewer transactions than calls', async () => {
    const agency = await h.addAgency('ag-gc-fifty');
    const events = Array.from({ length: 50 }, (_, i) => buildEvent({ agency: agency.code, actor: { id: `u-gc-${i}` } }));
    const tx = countTransactions(h);
    // What POST /events calls for each request.
    const results = await Promise.all(events.map((e) => h.plugin.services.intake.ingest([e], { source: 'webhook', agency: agency.code })));
    const transactions = tx.callCount;
    tx.restore();

    expect(results).to.deep.equal(events.map(() => ({ accepted: 1, duplicates: 0, rejected: [] })));
    await expectEachStoredOnce(agency.code, events, 'webhook');
    expect(transactions, `intake transactions for 50 calls: ${transactions}`).to.be.at.least(1).and.below(50);
  });

  it('when 50 single-event webhook POSTs arrive while a transaction of their agency is running, then each is answered 202 with its own event accepted, each event is one row, and they took fewer transactions than requests', async () => {
    const agency = await h.addAgency('ag-gc-fifty-http');
    const events = Array.from({ length: 50 }, (_, i) => buildEvent({ agency: agency.code, actor: { id: `u-gh-${i}` } }));
    // Hold every transaction at the knex edge until all 50 requests have reached the intake,
    // so that they really overlap (over loopback a request can otherwise run from parse to
    // commit before the next one is even read). Without group commit that is 50 transactions.
    const real = h.knex.transaction as unknown as (...a: unknown[]) => unknown;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const tx = sinon.stub(h.knex as unknown as { transaction: (...a: unknown[]) => unknown }, 'transaction').callsFake(async (...args: unknown[]) => {
      await gate;
      return real.apply(h.knex, args);
    });
    const reached = sinon.spy(h.plugin.services.intake, 'ingest');
    const pending = Promise.all(events.map((e) => h.postEvents(agency, e)));
    while (reached.callCount < events.length) await new Promise((resolve) => setTimeout(resolve, 2));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    open();
    const answers = await pending;
    const transactions = tx.callCount;
    tx.restore();
    reached.restore();

    for (const [i, a] of answers.entries()) expect(a, `call ${i}`).to.deep.equal({ status: 202, body: { accepted: 1, duplicates: 0, rejected: [] } });
    await expectEachStoredOnce(agency.code, events, 'webhook');
    expect(transactions, `intake transactions for 50 requests: ${transactions}`).to.be.at.least(1).and.below(50);
  });

  it('when two callers send the same event id at the same time, then they share one transaction, exactly one is accepted, the other hears duplicate, and the stored event and entry are the accepted caller\'s', async () => {
    const agency = await h.addAgency('ag-gc-same-id');
    const first = buildEvent({ agency: agency.code, type: 'document.received', actor: { id: 'u-first' } });
    const second = { ...first, actor: { id: 'u-second' } };
    const tx = countTransactions(h);
    const results = await Promise.all([h.plugin.ingest(first), h.plugin.ingest(second)]);
    expect(tx.callCount, 'both callers in one transaction').to.equal(1);
    tx.restore();

    const accepted = results.map((r) => r.accepted);
    expect([...accepted].sort()).to.deep.equal([0, 1]);
    for (const r of results) expect(r).to.deep.equal(r.accepted === 1 ? { accepted: 1, duplicates: 0, rejected: [] } : { accepted: 0, duplicates: 1, rejected: [] });
    const winner = accepted[0] === 1 ? first : second;
    const rows = await h.knex('kpi_events').where({ agency_code: agency.code, event_id: first.id }).select('payload');
    expect(rows).to.have.length(1);
    expect(JSON.parse(String(rows[0]!.payload)).actor.id).to.equal(winner.actor.id);
    const entries = await h.knex('kpi_journal_entries').where({ agency_code: agency.code, event_id: first.id }).select('user_id');
    expect(entries.map((r) => r.user_id)).to.deep.equal([winner.actor.id]);
  });

  it('when ten webhook callers race with the same event id, then exactly one is accepted and nine hear duplicate, and one row and one entry exist', async () => {
    const agency = await h.addAgency('ag-gc-race');
    const base = buildEvent({ agency: agency.code, type: 'document.received' });
    const variants = Array.from({ length: 10 }, (_, i) => ({ ...base, actor: { id: `u-race-${i}` } }));
    const answers = await Promise.all(variants.map((e) => h.postEvents(agency, e)));
    for (const a of answers) expect(a.status).to.equal(202);
    expect(answers.map((a) => a.body.accepted).reduce((s: number, n: number) => s + n, 0)).to.equal(1);
    expect(answers.map((a) => a.body.duplicates).reduce((s: number, n: number) => s + n, 0)).to.equal(9);
    const winner = variants[answers.findIndex((a) => a.body.accepted === 1)]!;
    expect(await count(h, 'kpi_events', { agency_code: agency.code, event_id: base.id })).to.equal(1);
    const entries = await h.knex('kpi_journal_entries').where({ agency_code: agency.code, event_id: base.id }).select('user_id');
    expect(entries.map((r) => r.user_id)).to.deep.equal([winner.actor.id]);
  });

  it('when one of twenty concurrent webhook callers sends an invalid event and another an event of another agency, then each hears its own rejection with its own index and every other event is accepted', async () => {
    const agency = await h.addAgency('ag-gc-invalid');
    const other = await h.addAgency('ag-gc-invalid-other');
    const singles = Array.from({ length: 20 }, () => buildEvent({ agency: agency.code }));
    // Caller 7: a task.assigned without subject.dueAt between two good events.
    const bad = buildEvent({ agency: agency.code, type: 'task.assigned', subject: { kind: 'task', id: 'NV-GC-NO-DUE', title: 'Thiếu hạn' }, data: { assigneeId: 'u-x' } });
    const seventh = [singles[7]!, bad, buildEvent({ agency: agency.code })];
    // Caller 12: an event naming another agency than the token's, after a good one.
    const foreign = buildEvent({ agency: other.code });
    const twelfth = [singles[12]!, foreign];
    const bodies: unknown[] = singles.map((e, i) => (i === 7 ? { events: seventh } : i === 12 ? { events: twelfth } : e));
    const tx = countTransactions(h);
    const answers = await Promise.all(bodies.map((b) => h.postEvents(agency, b)));
    const transactions = tx.callCount;
    tx.restore();

    for (const [i, a] of answers.entries()) {
      expect(a.status, `call ${i}`).to.equal(202);
      if (i === 7 || i === 12) continue;
      expect(a.body, `call ${i}`).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
    }
    expect(answers[7]!.body.accepted).to.equal(2);
    expect(answers[7]!.body.duplicates).to.equal(0);
    expect(answers[7]!.body.rejected).to.have.length(1);
    expect(answers[7]!.body.rejected[0]).to.deep.include({ index: 1, id: bad.id, field: 'subject.dueAt', code: 'invalid_event' });
    expect(answers[12]!.body.accepted).to.equal(1);
    expect(answers[12]!.body.rejected).to.have.length(1);
    expect(answers[12]!.body.rejected[0]).to.deep.include({ index: 1, id: foreign.id, field: 'agency', code: 'agency_mismatch' });

    const stored = (await h.knex('kpi_events').where({ agency_code: agency.code }).select('event_id')).map((r) => String(r.event_id)).sort();
    expect(stored).to.deep.equal([...singles, seventh[2]!].map((e) => e.id as string).sort());
    expect(await count(h, 'kpi_events', { event_id: bad.id })).to.equal(0);
    expect(await count(h, 'kpi_events', { event_id: foreign.id })).to.equal(0);
    expect(transactions, 'intake transactions for 20 calls').to.be.below(20);
  });

  it('when the shared transaction of ten concurrent callers loses its connection at the events insert, then every one of them gets the 503 error, nothing of theirs is stored, and their retries are then accepted', async () => {
    const agency = await h.addAgency('ag-gc-fail');
    const calls: Ev[][] = Array.from({ length: 10 }, (_, i) => Array.from({ length: 1 + (i % 3) }, () => buildEvent({ agency: agency.code, actor: { id: `u-fail-${i}` } })));
    const fault = failEventsInsertOnce();
    const tx = countTransactions(h);
    let settled: Array<PromiseSettledResult<IngestResult>>;
    try {
      settled = await Promise.allSettled(calls.map((c) => h.plugin.ingest(c)));
    } finally {
      fault.restore();
    }
    expect(fault.fired(), 'the events insert was reached and failed').to.equal(1);
    expect(tx.callCount, 'the ten callers shared one transaction').to.equal(1);
    tx.restore();

    for (const [i, s] of settled.entries()) {
      expect(s.status, `caller ${i}`).to.equal('rejected');
      const err = (s as PromiseRejectedResult).reason as UnavailableError;
      expect(err, `caller ${i}`).to.be.instanceOf(UnavailableError);
      expect(httpStatus(err)).to.equal(503);
      expect(err.code).to.equal('unavailable');
    }
    expect(await count(h, 'kpi_events', { agency_code: agency.code })).to.equal(0);
    expect(await count(h, 'kpi_journal_entries', { agency_code: agency.code })).to.equal(0);

    const again = await Promise.all(calls.map((c) => h.plugin.ingest(c)));
    expect(again).to.deep.equal(calls.map((c) => ({ accepted: c.length, duplicates: 0, rejected: [] })));
    const ids = calls.flat().map((e) => e.id as string);
    expect((await h.knex('kpi_events').where({ agency_code: agency.code }).select('event_id')).map((r) => String(r.event_id)).sort()).to.deep.equal([...ids].sort());
    const entries = await h.knex('kpi_journal_entries').where({ agency_code: agency.code }).select('event_id');
    expect(entries.map((r) => String(r.event_id)).sort()).to.deep.equal([...ids].sort());
  });

  it('when mixed batches are sent concurrently to one agency and one at a time to another, then every caller hears exactly what it hears alone and both agencies end in the same state', async () => {
    const together = await h.addAgency('ag-gc-together');
    const alone = await h.addAgency('ag-gc-alone');
    const t = (o: Record<string, unknown>) => buildEvent({ agency: '<agency>', ...o });
    const seed = [t({ type: 'document.received', actor: { id: 'u-seed' } })];
    const task = { kind: 'task', id: 'NV-GC-1', title: 'Báo cáo quý', dueAt: '2026-03-20T17:00:00+07:00' };
    const dupInCall = t({ type: 'document.drafted', actor: { id: 'u-c1' } });
    const batches: unknown[][] = [
      [t({ actor: { id: 'u-c0' } }), t({ type: 'document.signed', actor: { id: 'u-c0' } })],
      [dupInCall, t({ data: { role: 'boss' } }), { ...dupInCall, actor: { id: 'u-c1-again' } }, t({ actor: { id: 'u-c1' } })],
      [seed[0]!, t({ actor: { id: 'u-c2' } })],
      [t({ type: 'meeting.held', subject: { kind: 'meeting', id: 'HOP-GC' }, data: { minutes: 60 } }), t({ type: 'document.issued', actor: { id: 'u-c3' } })],
      [t({ agency: 'ag-gc-not-registered' }), t({ actor: { id: 'u-c4' } })],
      [t({ type: 'task.completed', actor: { id: 'u-c5' }, subject: task, data: {} })],
      [t({ type: 'task.assigned', actor: { id: 'u-boss' }, subject: task, data: { assigneeId: 'u-c5', workItemCode: 'CV-16', quantity: 2 } })],
      [],
      ['not an event', { id: 'evt-gc-broken' }],
      [t({ type: 'document.processed', actor: { id: 'u-c9' }, data: { role: 'support' } })],
    ];
    const forAgency = (code: string, list: unknown[]): unknown[] => list.map((e) => (e !== null && typeof e === 'object' && (e as Ev).agency === '<agency>' ? { ...(e as Ev), agency: code } : e));

    await h.plugin.ingest(forAgency(together.code, seed));
    await h.plugin.ingest(forAgency(alone.code, seed));
    const tx = countTransactions(h);
    const concurrent = await Promise.all(batches.map((b) => h.plugin.ingest(forAgency(together.code, b))));
    const transactions = tx.callCount;
    tx.restore();
    const txAlone = countTransactions(h);
    const sequential: IngestResult[] = [];
    for (const b of batches) sequential.push(await h.plugin.ingest(forAgency(alone.code, b)));
    const transactionsAlone = txAlone.callCount;
    txAlone.restore();

    expect(transactions, `transactions together (${transactions}) and alone (${transactionsAlone})`).to.be.at.least(1).and.below(transactionsAlone);
    expect(concurrent).to.deep.equal(sequential);
    // Sanity: the batches exercise what they claim to.
    expect(sequential[1]).to.include({ accepted: 2, duplicates: 1 });
    expect(sequential[1]!.rejected.map((r) => r.index)).to.deep.equal([1]);
    expect(sequential[2]).to.deep.equal({ accepted: 1, duplicates: 1, rejected: [] });
    expect(sequential[4]!.rejected.map((r) => [r.index, r.code])).to.deep.equal([[0, 'unknown_agency']]);
    expect(sequential[7]).to.deep.equal({ accepted: 0, duplicates: 0, rejected: [] });
    expect(sequential[8]!.rejected.map((r) => r.index)).to.deep.equal([0, 1]);
    expect(await state(h, together.code)).to.deep.equal(await state(h, alone.code));
  });
});

describe(`integration: group commit respects chunkSize and progress on ${testDialect()}`, function () {
  this.timeout(60000);
  const CHUNK = 20;
  let h: Harness;
  // A clock that moves 1 ms per reading: each transaction stamps its rows with its own received_at.
  let tick = Date.parse('2026-03-20T01:00:00Z');

  before(async () => { h = await startHarness({ chunkSize: CHUNK, clock: () => new Date(tick++) }); });
  afterEach(() => sinon.restore());
  after(async () => { await h?.close(); });

  /** Events per transaction, from the received_at every transaction stamps on its rows. */
  async function groupSizes(agency: string): Promise<number[]> {
    const rows = await h.knex('kpi_events').where({ agency_code: agency }).groupBy('received_at').select('received_at').count({ n: '*' });
    return rows.map((r) => Number((r as { n: unknown }).n));
  }

  it('when one large call is alone, then it is stored chunk by chunk as before, with progress after each committed chunk', async () => {
    const agency = await h.addAgency('ag-gc-big-alone');
    const events = Array.from({ length: 70 }, () => buildEvent({ agency: agency.code }));
    const progress: Array<[number, number]> = [];
    const tx = countTransactions(h);
    const r = await h.plugin.services.intake.ingest(events, { source: 'ingest', onProgress: (done, total) => progress.push([done, total]) });
    expect(tx.callCount).to.equal(4);
    tx.restore();
    expect(r).to.deep.equal({ accepted: 70, duplicates: 0, rejected: [] });
    expect(progress).to.deep.equal([[20, 70], [40, 70], [60, 70], [70, 70]]);
    expect((await groupSizes(agency.code)).sort((a, b) => b - a)).to.deep.equal([20, 20, 20, 10]);
  });

  it('when a large call and fifteen single-event calls arrive together, then no transaction holds more than chunkSize events, they take fewer transactions than alone, the large call reports its own progress and every caller its own counts', async () => {
    const agency = await h.addAgency('ag-gc-big-mixed');
    const big = Array.from({ length: 70 }, () => buildEvent({ agency: agency.code }));
    big.push({ ...big[3]! }); // the same id twice in the call: a duplicate
    const singles = Array.from({ length: 15 }, () => buildEvent({ agency: agency.code }));
    const progress: Array<[number, number]> = [];
    const tx = countTransactions(h);
    const [bigResult, ...singleResults] = await Promise.all([
      h.plugin.services.intake.ingest(big, { source: 'ingest', onProgress: (done, total) => progress.push([done, total]) }),
      ...singles.map((e) => h.plugin.ingest(e)),
    ]);
    const transactions = tx.callCount;
    tx.restore();

    expect(bigResult).to.deep.equal({ accepted: 70, duplicates: 1, rejected: [] });
    for (const r of singleResults) expect(r).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
    expect(progress).to.deep.equal([[20, 71], [40, 71], [60, 71], [71, 71]]);
    const sizes = await groupSizes(agency.code);
    expect(sizes.reduce((s, n) => s + n, 0)).to.equal(85);
    expect(Math.max(...sizes), 'events in one transaction').to.be.at.most(CHUNK);
    expect(sizes.length, 'one received_at per transaction').to.equal(transactions);
    // Alone, the large call takes 4 transactions and each single call one: 19.
    expect(transactions).to.be.below(19);
    const sources = await h.knex('kpi_events').where({ agency_code: agency.code }).select('event_id', 'source');
    const bySource = new Map(sources.map((r) => [String(r.event_id), String(r.source)]));
    for (const e of big) expect(bySource.get(e.id)).to.equal('ingest');
    for (const e of singles) expect(bySource.get(e.id)).to.equal('inprocess');
  });
});
