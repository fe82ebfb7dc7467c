import { expect } from 'chai';
import pg from 'pg';
import { signWebhookToken } from '../../src/http/auth';
import { startHarness, testDbUrl, testDialect, type Harness, type TestAgency } from '../helpers/harness';
import { serverOf, startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { countRows } from '../helpers/count-rows';
import { injectDriverFault } from '../helpers/driver-fault';
import { ERROR_LEAKS, expectNoLeak } from '../helpers/error-body';
import { chunk, rng, shuffle } from '../helpers/random';

/**
 * "Nothing lost" (docs/integrators.md, delivery) over real HTTP, on whatever database the suite runs on:
 * the same events delivered many times by concurrent senders are stored once and make
 * their entries once; a database that stops mid-stream never gets a 2xx for an event it
 * did not store, and the host's retries complete the journal.
 */

// ------------------------------------------------------------------ a realistic stream

/** The seed of every stream, so a failure can be replayed with KPI_TEST_SEED. */
const SEED = Number(process.env.KPI_TEST_SEED ?? 20260312);

const ENTRY_TYPES = new Set(['document.received', 'document.processed', 'document.drafted', 'document.signed', 'document.issued', 'task.completed']);
const UNKNOWN_TYPES = ['document.viewed', 'comment.added', 'meeting.held'];
const DOC_TYPES = ['cong-van', 'to-trinh', 'bao-cao', 'quyet-dinh', 'ke-hoach', 'huong-dan'];
const URGENCIES = ['thuong', 'thuong', 'thuong', 'khan', 'thuong-khan'];

interface Stream {
  events: Array<Record<string, any>>;
  /** Ids of the events that must make exactly one entry (for their actor). */
  entryIds: Set<string>;
  unknownIds: Set<string>;
  tasksAssigned: number;
  tasksCompleted: number;
}

/**
 * `n` events of one agency as an E-Office host emits them over a month: documents
 * received, processed (main or support), drafted, signed and issued; tasks assigned and
 * most of them completed by their assignee; and some types the plugin does not know.
 */
function realisticStream(agency: string, n: number, tag: string, seed = SEED): Stream {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const users = Array.from({ length: 40 }, (_, i) => `u-${String(i + 1).padStart(3, '0')}`);
  const at = (): string => {
    const day = 2 + Math.floor(rand() * 27);
    const minutes = Math.floor(rand() * 24 * 60);
    return new Date(Date.UTC(2026, 2, day, 0, minutes, Math.floor(rand() * 60))).toISOString();
  };
  const events: Array<Record<string, any>> = [];
  const s: Stream = { events, entryIds: new Set(), unknownIds: new Set(), tasksAssigned: 0, tasksCompleted: 0 };
  let k = 0;
  const id = () => `evt-${tag}-${String(++k).padStart(6, '0')}`;
  const doc = (no: number, extra: Record<string, unknown> = {}) => ({
    kind: 'document', id: `VB-${tag}-${no}`, title: `Công văn số ${no}/UBND về việc triển khai nhiệm vụ`, docType: pick(DOC_TYPES), urgency: pick(URGENCIES), ...extra,
  });
  while (events.length < n) {
    const r = rand();
    const occurredAt = at();
    if (r < 0.12 && events.length + 2 <= n) {
      // A task, assigned and (mostly) completed by its assignee.
      const task = `NV-${tag}-${k}`;
      const assignee = pick(users);
      const due = new Date(Date.parse(occurredAt) + (1 + Math.floor(rand() * 5)) * 86400000).toISOString();
      const code = rand() < 0.5 ? 'CV-16' : 'CV-14';
      events.push({ id: id(), type: 'task.assigned', occurredAt, agency, actor: { id: pick(users) }, subject: { kind: 'task', id: task, title: 'Tổng hợp báo cáo tuần', dueAt: due }, data: { assigneeId: assignee, workItemCode: code, quantity: 1 } });
      s.tasksAssigned++;
      if (rand() < 0.8) {
        const done = new Date(Date.parse(occurredAt) + Math.floor(rand() * 7 * 86400000)).toISOString();
        const e = { id: id(), type: 'task.completed', occurredAt: done, agency, actor: { id: assignee }, subject: { kind: 'task', id: task, title: 'Tổng hợp báo cáo tuần', dueAt: due, urgency: pick(URGENCIES) }, data: { workItemCode: code } };
        events.push(e);
        s.entryIds.add(e.id);
        s.tasksCompleted++;
      }
      continue;
    }
    let e: Record<string, any>;
    if (r < 0.17) e = { id: id(), type: pick(UNKNOWN_TYPES), occurredAt, agency, actor: { id: pick(users) }, subject: doc(k), data: { note: 'xem văn bản' } };
    else if (r < 0.32) e = { id: id(), type: 'document.received', occurredAt, agency, actor: { id: pick(users.slice(0, 4)) }, subject: doc(k), data: {} };
    else if (r < 0.62) e = { id: id(), type: 'document.processed', occurredAt, agency, actor: { id: pick(users) }, subject: doc(k, { dueAt: occurredAt }), data: { role: rand() < 0.7 ? 'main' : 'support' } };
    else if (r < 0.78) e = { id: id(), type: 'document.drafted', occurredAt, agency, actor: { id: pick(users) }, subject: doc(k), data: { role: 'main' } };
    else if (r < 0.89) e = { id: id(), type: 'document.signed', occurredAt, agency, actor: { id: pick(users.slice(36)) }, subject: doc(k), data: {} };
    else e = { id: id(), type: 'document.issued', occurredAt, agency, actor: { id: pick(users.slice(0, 4)) }, subject: doc(k), data: {} };
    events.push(e);
    if (ENTRY_TYPES.has(e.type)) s.entryIds.add(e.id);
    else s.unknownIds.add(e.id);
  }
  return s;
}

// ------------------------------------------------------------------ the host's side of the wire

interface CallResult { status: number; text: string; ms: number; cutAtStart: boolean; cutAtEnd: boolean; error?: string }

/** One signed POST /events as a host sends it, with a deadline: a call that times out is "not 2xx". */
async function deliver(h: Harness, agency: TestAgency, batch: unknown[], timeoutMs: number, isCut: () => boolean = () => false): Promise<CallResult> {
  const cutAtStart = isCut();
  const t0 = Date.now();
  const raw = JSON.stringify({ events: batch });
  const token = signWebhookToken(agency.secret, agency.code, agency.issuer, raw);
  try {
    const res = await fetch(`${h.url}/events`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: raw, signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - t0, cutAtStart, cutAtEnd: isCut() };
  } catch (e) {
    return { status: 0, text: '', ms: Date.now() - t0, cutAtStart, cutAtEnd: isCut(), error: (e as Error).name };
  }
}

/** Every event stored exactly once, every entry-making event with exactly one entry, nothing else. */
async function expectStoredExactlyOnce(h: Harness, agency: string, s: Stream): Promise<void> {
  const ids = s.events.map((e) => e.id as string);
  const events = await h.knex('kpi_events').where({ agency_code: agency }).select('event_id', 'status');
  expect(events.length, 'kpi_events rows').to.equal(ids.length);
  const stored = new Map(events.map((r) => [String(r.event_id), String(r.status)]));
  expect(stored.size, 'distinct event ids').to.equal(ids.length);
  const missing = ids.filter((id) => !stored.has(id));
  expect(missing, 'events never stored').to.deep.equal([]);
  const wrongStatus = ids.filter((id) => stored.get(id) !== (s.unknownIds.has(id) ? 'ignored' : 'processed'));
  expect(wrongStatus.slice(0, 5), 'events with an unexpected status').to.deep.equal([]);

  const dupes = await h.knex('kpi_journal_entries').where({ agency_code: agency }).groupBy('event_id').having(h.knex.raw('count(*) > 1')).select('event_id');
  expect(dupes, 'events with more than one entry').to.deep.equal([]);
  const entries = await h.knex('kpi_journal_entries').where({ agency_code: agency }).select('event_id');
  expect(entries.length, 'journal entries').to.equal(s.entryIds.size);
  const withEntry = new Set(entries.map((r) => String(r.event_id)));
  expect([...s.entryIds].filter((id) => !withEntry.has(id)).slice(0, 5), 'entry-making events without an entry').to.deep.equal([]);

  expect(await countRows(h.knex, 'kpi_assignments', { agency_code: agency, subject_kind: 'task' }), 'task assignments').to.equal(s.tasksAssigned);
  expect(await countRows(h.knex, 'kpi_marks', { agency_code: agency, kind: 'completion' }), 'completion marks').to.equal(s.tasksCompleted);
}

/** The shared leaks, and a transaction's `commit` and the driver's own words as well. */
const LEAKS = [...ERROR_LEAKS, /\bcommit\b/i, /ECONN|terminated|SQLITE_/];

function expectUnavailable(r: CallResult): void {
  expect(r.status, `${r.status} ${r.text}`).to.equal(503);
  const body = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown } };
  expect(body.error?.code).to.equal('unavailable');
  expect(body.error?.message).to.be.a('string').and.not.be.empty;
  expectNoLeak(r.text, LEAKS, '503 body');
}

// ------------------------------------------------------------------ faults at the driver edge


const ENTRIES_INSERT = /^\s*insert\s+into\s+["`]?kpi_journal_entries["`]?/i;

// ------------------------------------------------------------------ an outage, seen by a host

interface Outage { cut(): void; restore(): void; isCut(): boolean }

interface OutageReport {
  /** Every call of the first pass (each batch sent once). */
  calls: Array<CallResult & { batch: number }>;
  /** Batches answered 202 in the first pass, checked as stored before any retry. */
  acceptedFirstPass: number[];
  storedAfterFirstPass: Set<string>;
  /** Every resend, until each batch had its 202. */
  retries: CallResult[];
  health: { duringCut: number; afterRestore: number };
}

/**
 * Streams the batches with `senders` concurrent senders; after `cutAfter` calls have been
 * answered 202 the database goes away (while other calls are in flight), and comes back
 * once `callsWhileCut` calls started during the outage have been answered. Then the host
 * resends every batch that had no 202, until it has one.
 */
async function streamThroughOutage(h: Harness, agency: TestAgency, batches: unknown[][], outage: Outage, o: { senders: number; cutAfter: number; callsWhileCut: number; timeoutMs: number }): Promise<OutageReport> {
  const report: OutageReport = { calls: [], acceptedFirstPass: [], storedAfterFirstPass: new Set(), retries: [], health: { duringCut: 0, afterRestore: 0 } };
  let next = 0;
  let ok = 0;
  let whileCut = 0;
  let phase: 'before' | 'cut' | 'after' = 'before';
  const health = async () => (await fetch(`${h.url}/health`, { signal: AbortSignal.timeout(o.timeoutMs) }).catch(() => ({ status: 0 }))).status;
  let healthDuringCut: Promise<number> | null = null;

  const sender = async () => {
    while (next < batches.length) {
      const i = next++;
      const r = await deliver(h, agency, batches[i]!, o.timeoutMs, () => outage.isCut());
      report.calls.push({ ...r, batch: i });
      if (phase === 'before' && r.status === 202 && ++ok >= o.cutAfter) {
        outage.cut();
        phase = 'cut';
        healthDuringCut = health();
      } else if (phase === 'cut' && r.cutAtStart && ++whileCut >= o.callsWhileCut) {
        report.health.duringCut = await healthDuringCut!;
        outage.restore();
        phase = 'after';
      }
    }
  };
  await Promise.all(Array.from({ length: o.senders }, sender));
  if ((phase as string) === 'cut') {
    report.health.duringCut = await healthDuringCut!;
    outage.restore();
  }
  report.health.afterRestore = await health();

  // Before any retry: every event of every batch answered 202 must already be stored.
  report.acceptedFirstPass = report.calls.filter((c) => c.status === 202).map((c) => c.batch);
  const rows = await h.knex('kpi_events').where({ agency_code: agency.code }).select('event_id');
  report.storedAfterFirstPass = new Set(rows.map((r) => String(r.event_id)));

  // The host's retries: every batch without a 202 is sent again until it has one.
  const pending = [...new Set(report.calls.filter((c) => c.status !== 202).map((c) => c.batch))].sort((x, y) => x - y);
  for (const i of pending) {
    for (let attempt = 1; ; attempt++) {
      const r = await deliver(h, agency, batches[i]!, o.timeoutMs);
      report.retries.push(r);
      if (r.status === 202) break;
      if (attempt >= 40) throw new Error(`batch ${i} still not accepted after ${attempt} retries: ${r.status} ${r.text}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  return report;
}

/**
 * The outage scenario both variants share, and its assertions: `start` opens the harness and
 * says how to cut the database (closing them is the caller's `after`); 2,400 events of the
 * agency `o.agency` go out in batches of 100 from 3 senders, and the database is cut after 6
 * answers for at least 6 calls.
 */
function outageScenario(o: { agency: string; tag: string; start: () => Promise<{ h: Harness; outage: Outage }> }): void {
  const CALLS_WHILE_CUT = 6;
  let h: Harness;
  let agency: TestAgency;
  let stream: Stream;
  let batches: Array<Array<Record<string, any>>>;
  let report: OutageReport;

  before(async () => {
    const started = await o.start();
    h = started.h;
    agency = await h.addAgency(o.agency);
    stream = realisticStream(agency.code, 2400, o.tag);
    batches = chunk(stream.events, 100);
    report = await streamThroughOutage(h, agency, batches, started.outage, { senders: 3, cutAfter: 6, callsWhileCut: CALLS_WHILE_CUT, timeoutMs: 20000 });
  });

  it('then the outage really happened mid-stream: calls were made while the database was down, and some failed', () => {
    expect(report.calls.filter((c) => c.cutAtStart).length).to.be.at.least(CALLS_WHILE_CUT);
    expect(report.calls.filter((c) => c.status !== 202).length).to.be.at.least(CALLS_WHILE_CUT);
    expect(report.acceptedFirstPass.length, 'batches accepted before and after the outage').to.be.at.least(2);
  });

  it('then no call made while the database was down was answered 2xx', () => {
    const during = report.calls.filter((c) => c.cutAtStart && c.cutAtEnd);
    expect(during.length).to.be.at.least(1);
    for (const c of during) expect(c.status >= 200 && c.status < 300, `batch ${c.batch}: ${c.status} ${c.text}`).to.equal(false);
  });

  it('then every call that could not be made durable was a 503 with a JSON error, never a stack trace or SQL', () => {
    const failed = report.calls.filter((c) => c.status !== 202);
    expect(failed.length).to.be.at.least(1);
    const wrong = failed.filter((c) => { try { expectUnavailable(c); return false; } catch { return true; } });
    expect(wrong.map((c) => `batch ${c.batch}: ${c.status} ${c.error ?? ''}${c.text}`), `${wrong.length} of ${failed.length} failed calls`).to.deep.equal([]);
  });

  it('then every batch answered 202 was stored before any retry (never a 2xx for an unstored event)', () => {
    const lost = report.acceptedFirstPass.flatMap((i) => batches[i]!.map((e) => e.id as string)).filter((id) => !report.storedAfterFirstPass.has(id));
    expect(lost).to.deep.equal([]);
  });

  it('then /health said the database was unavailable during the outage and ok after it', () => {
    expect(report.health).to.deep.equal({ duringCut: 503, afterRestore: 200 });
  });

  it("then the host's retries complete the journal: every event stored once, every entry made once", async () => {
    expect(report.retries.filter((r) => r.status === 202).length).to.equal(new Set(report.calls.filter((c) => c.status !== 202).map((c) => c.batch)).size);
    await expectStoredExactlyOnce(h, agency.code, stream);
  });
}

describe(`e2e: durability on ${testDialect()} (nothing lost, nothing twice)`, function () {
  this.timeout(240000);

  describe('when 5,000 events are each delivered 10 times by 8 concurrent senders in batches of 500', () => {
    const SENDERS = 8;
    const ROUNDS = 10;
    /** CI's budget for the PostgreSQL pass on 2 cores; no new call starts after it. */
    const BUDGET_MS = 60000;
    let h: Harness;
    let agency: TestAgency;
    let stream: Stream;
    let results: CallResult[];
    let notSent = 0;
    let elapsedMs = 0;

    before(async function () {
      this.timeout(BUDGET_MS + 120000);
      h = await startHarness();
      agency = await h.addAgency('ag-concurrent');
      stream = realisticStream(agency.code, 5000, 'cc');
      const rand = rng(SEED + 1);
      // Each round is the whole stream in a new random order, cut into batches of 500;
      // the 100 batches of the 10 rounds are then shuffled together, and the 8 senders
      // take the next batch as soon as their previous call is answered.
      const batches = shuffle(Array.from({ length: ROUNDS }, () => chunk(shuffle(stream.events, rand), 500)).flat(), rand);
      let next = 0;
      results = [];
      const t0 = Date.now();
      await Promise.all(Array.from({ length: SENDERS }, async () => {
        while (next < batches.length) {
          if (Date.now() - t0 > BUDGET_MS) {
            notSent = batches.length - next;
            next = batches.length;
            break;
          }
          const batch = batches[next++]!;
          results.push(await deliver(h, agency, batch, 90000));
        }
      }));
      elapsedMs = Date.now() - t0;
    });
    after(async () => { await h?.close(); });

    it(`then all 100 calls were made within the ${BUDGET_MS / 1000} s budget and every one was answered 202`, () => {
      const statuses: Record<string, number> = {};
      for (const r of results) statuses[r.error ?? String(r.status)] = (statuses[r.error ?? String(r.status)] ?? 0) + 1;
      const firstBad = results.find((r) => r.status !== 202);
      expect({ sent: results.length, notSent, statuses }, `after ${(elapsedMs / 1000).toFixed(1)} s; first failure: ${firstBad ? `${firstBad.status} ${firstBad.text.slice(0, 300)}` : 'none'}`)
        .to.deep.equal({ sent: ROUNDS * 10, notSent: 0, statuses: { 202: ROUNDS * 10 } });
    });

    it('then the answers add up: 5,000 accepted once, 45,000 duplicates, nothing rejected', () => {
      const bodies = results.filter((r) => r.status === 202).map((r) => JSON.parse(r.text) as { accepted: number; duplicates: number; rejected: unknown[] });
      expect(bodies.flatMap((b) => b.rejected)).to.deep.equal([]);
      expect(bodies.reduce((n, b) => n + b.accepted, 0)).to.equal(5000);
      expect(bodies.reduce((n, b) => n + b.duplicates, 0)).to.equal(45000);
    });

    it('then there is exactly one kpi_events row per event id and exactly one entry per entry-making event', async () => {
      expect(stream.entryIds.size).to.be.within(3500, 4700);
      expect(stream.unknownIds.size).to.be.at.least(150);
      await expectStoredExactlyOnce(h, agency.code, stream);
    });
  });

  if (testDialect() === 'sqlite' || testDialect() === 'postgres') {
    describe("when the connection drops part-way through a batch's transaction (its events written, its entries not yet)", () => {
      let h: Harness;
      let restoreFault: (() => void) | null = null;
      after(async () => {
        restoreFault?.();
        await h?.close();
      });

      it('then the call is a 503, none of its events are kept, and the resend stores each once with its entry', async () => {
        h = await startHarness();
        const agency = await h.addAgency('ag-mid-tx');
        const stream = realisticStream(agency.code, 300, 'mt', SEED + 7);
        let reached = 0;
        restoreFault = injectDriverFault((sql) => ENTRIES_INSERT.test(sql) && ++reached > 0).restore;
        const r = await deliver(h, agency, stream.events, 30000);
        restoreFault();
        restoreFault = null;
        expect(reached, 'the statement writing the entries was reached').to.be.at.least(1);
        expectUnavailable(r);
        expect(await countRows(h.knex, 'kpi_events', { agency_code: agency.code }), 'events kept without their entries').to.equal(0);
        expect(await countRows(h.knex, 'kpi_journal_entries', { agency_code: agency.code })).to.equal(0);
        expect(await countRows(h.knex, 'kpi_assignments', { agency_code: agency.code })).to.equal(0);

        const again = await deliver(h, agency, stream.events, 30000);
        expect(again.status, again.text).to.equal(202);
        expect(JSON.parse(again.text)).to.deep.equal({ accepted: 300, duplicates: 0, rejected: [] });
        await expectStoredExactlyOnce(h, agency.code, stream);
      });
    });
  }

  if (testDialect() === 'postgres') {
    describe('when PostgreSQL goes away mid-stream (a TCP proxy between the plugin and the server is cut, then restored)', () => {
      let proxy: TcpProxy;
      let h: Harness;
      after(async () => {
        proxy?.restore();
        await h?.close();
        await proxy?.close();
      });

      it('then the plugin really talked to PostgreSQL through the proxy', () => {
        expect(proxy.accepted).to.be.at.least(1);
      });
      outageScenario({
        agency: 'ag-outage-pg',
        tag: 'pg',
        start: async () => {
          proxy = await startTcpProxy(serverOf(testDbUrl()));
          h = await startHarness({ url: viaProxy(testDbUrl(), proxy) });
          return { h, outage: { cut: () => proxy.cut('refuse'), restore: () => proxy.restore(), isCut: () => proxy.isCut } };
        },
      });
    });
  }

  if (testDialect() === 'sqlite') {
    describe('when the SQLite database fails mid-stream (every statement fails at the driver, as with a lost disk)', () => {
      let h: Harness;
      let restoreFault: (() => void) | null = null;
      after(async () => {
        restoreFault?.();
        await h?.close();
      });

      outageScenario({
        agency: 'ag-outage-sqlite',
        tag: 'sq',
        start: async () => {
          h = await startHarness();
          let down = false;
          // Every statement fails while "down"; a rollback still reaches the file, as the
          // engine undoes an interrupted transaction itself when the database comes back.
          restoreFault = injectDriverFault((sql) => down && !/^\s*rollback/i.test(sql)).restore;
          return { h, outage: { cut: () => { down = true; }, restore: () => { down = false; }, isCut: () => down } };
        },
      });
    });
  }
});
