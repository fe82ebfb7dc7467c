import { expect } from 'chai';
import { SCHEMA_FILES, validateAgainst } from '../../src/contract/ajv';
import { signWebhookToken } from '../../src/http/auth';
import { ERROR_LEAKS, expectErrorBody } from '../helpers/error-body';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * docs/integrators.md (events and delivery) from the host's side of the wire: what a signed POST /events
 * answers, what it stores, and that a second delivery changes nothing.
 */

const FIVE_MB = 5 * 1024 * 1024;

function expectCleanError(body: unknown, status: number, code?: string): void {
  expectErrorBody(body, code, ERROR_LEAKS, `status ${status}`);
}

describe('e2e: webhook intake (docs/integrators.md (events), §2)', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;

  async function count(table: string, where: Record<string, unknown> = {}): Promise<number> {
    const [r] = await h.knex(table).where(where).count({ n: '*' });
    return Number((r as { n: unknown }).n);
  }

  /** Everything an intake can write, to compare before and after a call. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const tables = ['kpi_events', 'kpi_journal_entries', 'kpi_assignments', 'kpi_marks', 'kpi_users', 'kpi_units'];
    const out: Record<string, unknown> = {};
    for (const t of tables) out[t] = await count(t);
    out.entries = (await h.knex('kpi_journal_entries').orderBy('id').select()).map((r) => ({ ...r, id: String(r.id) }));
    out.events = (await h.knex('kpi_events').orderBy('seq').select()).map((r) => ({ ...r, seq: String(r.seq) }));
    out.assignments = (await h.knex('kpi_assignments').orderBy('id').select()).map((r) => ({ ...r, id: String(r.id) }));
    return out;
  }

  before(async () => {
    h = await startHarness();
    a = await h.addAgency('ag-in-a');
    b = await h.addAgency('ag-in-b');
  });
  after(async () => { await h?.close(); });

  describe('when a batch mixes good, invalid, unknown and foreign events', () => {
    let batch: Array<Record<string, any>>;
    let first: { status: number; body: any };
    let afterFirst: Record<string, unknown>;

    before(async () => {
      const good = (o: Record<string, unknown>) => buildEvent({ agency: a.code, ...o });
      batch = [
        good({ type: 'document.received', actor: { id: 'u-vt-1' } }),
        good({ type: 'document.processed', actor: { id: 'u-cv-1' }, data: { role: 'main' } }),
        // A known type without a field it needs.
        good({ type: 'task.assigned', actor: { id: 'u-ld-1' }, subject: { kind: 'task', id: 'NV-MISSING-DUE', title: 'Nhiệm vụ thiếu hạn' }, data: { assigneeId: 'u-cv-1' } }),
        // A type the plugin does not know: kept, but makes no entry.
        good({ type: 'meeting.held', actor: { id: 'u-cv-1' }, subject: { kind: 'meeting', id: 'HOP-01' }, data: { minutes: 90 } }),
        // An event naming another agency than the token's.
        buildEvent({ agency: b.code, type: 'document.signed', actor: { id: 'u-ld-1' } }),
        good({ type: 'document.signed', actor: { id: 'u-ld-1' } }),
        // A known type with a field of the wrong value.
        good({ type: 'document.processed', actor: { id: 'u-cv-2' }, data: { role: 'boss' } }),
        good({ type: 'task.completed', actor: { id: 'u-cv-2' }, subject: { kind: 'task', id: 'NV-OK-1', title: 'Báo cáo tuần', dueAt: '2026-03-20T17:00:00+07:00' }, data: {} }),
      ];
      first = await h.postEvents(a, { events: batch });
      afterFirst = await snapshot();
    });

    it('then the answer is 202 { accepted, duplicates, rejected: [{ index, id, error }] } and matches the published schema', () => {
      expect(first.status).to.equal(202);
      expect(first.body).to.have.all.keys('accepted', 'duplicates', 'rejected');
      expect(validateAgainst(SCHEMA_FILES.webhookResponse, first.body)).to.deep.equal({ ok: true });
      expect(first.body.accepted).to.equal(5);
      expect(first.body.duplicates).to.equal(0);
      expect(first.body.rejected.map((r: any) => r.index)).to.deep.equal([2, 4, 6]);
      for (const r of first.body.rejected) {
        expect(r).to.include.keys('index', 'id', 'error');
        expect(r.id).to.equal(batch[r.index]!.id);
        expect(r.error).to.be.a('string').and.not.be.empty;
      }
    });

    it('then a known type with a missing field is rejected with an error naming the field (subject.dueAt)', () => {
      const r = first.body.rejected.find((x: any) => x.index === 2);
      expect(r.error).to.contain('subject.dueAt');
      expect(r.field).to.equal('subject.dueAt');
      const wrong = first.body.rejected.find((x: any) => x.index === 6);
      expect(wrong.error).to.contain('data.role');
    });

    it('then an event naming another agency is rejected and stored for neither agency', async () => {
      const r = first.body.rejected.find((x: any) => x.index === 4);
      expect(r.error).to.contain('agency');
      expect(await count('kpi_events', { event_id: batch[4]!.id })).to.equal(0);
      expect(await count('kpi_events', { agency_code: b.code })).to.equal(0);
      expect(await count('kpi_journal_entries', { agency_code: b.code })).to.equal(0);
    });

    it('then the good and the unknown events are stored once, the unknown one as ignored, and rejected ones not at all', async () => {
      const rows = await h.knex('kpi_events').where({ agency_code: a.code }).whereIn('event_id', batch.map((e) => e.id)).select('event_id', 'status', 'type');
      const byId = new Map(rows.map((r) => [r.event_id, r]));
      expect(rows).to.have.length(5);
      for (const i of [0, 1, 5, 7]) expect(byId.get(batch[i]!.id)?.status, `event ${i}`).to.equal('processed');
      expect(byId.get(batch[3]!.id)).to.deep.include({ status: 'ignored', type: 'meeting.held' });
      for (const i of [2, 4, 6]) expect(byId.has(batch[i]!.id), `event ${i}`).to.equal(false);
    });

    it('then each entry-making event made exactly one entry for its actor, and the unknown and rejected ones none', async () => {
      const entries = await h.knex('kpi_journal_entries').where({ agency_code: a.code }).whereIn('event_id', batch.map((e) => e.id)).select('event_id', 'user_id', 'source');
      expect(entries.map((e) => `${e.event_id}:${e.user_id}:${e.source}`).sort()).to.deep.equal(
        [0, 1, 5, 7].map((i) => `${batch[i]!.id}:${batch[i]!.actor.id}:event`).sort(),
      );
    });

    it('when the same batch is delivered again, then everything is a duplicate and nothing changes', async () => {
      const again = await h.postEvents(a, { events: batch });
      expect(again.status).to.equal(202);
      expect(again.body.accepted).to.equal(0);
      expect(again.body.duplicates).to.equal(5);
      expect(again.body.rejected.map((r: any) => r.index)).to.deep.equal([2, 4, 6]);
      expect(await snapshot()).to.deep.equal(afterFirst);
    });

    it('when the good events come back one by one, then each is a duplicate and nothing changes', async () => {
      for (const i of [0, 3, 7]) {
        const one = await h.postEvents(a, batch[i]);
        expect(one.status).to.equal(202);
        expect(one.body).to.deep.equal({ accepted: 0, duplicates: 1, rejected: [] });
      }
      expect(await snapshot()).to.deep.equal(afterFirst);
    });
  });

  describe('when events are sent one at a time or repeated inside a batch', () => {
    it('when a single event object is posted, then it is accepted like a batch of one', async () => {
      const e = buildEvent({ agency: a.code, type: 'document.issued', actor: { id: 'u-vt-2' } });
      const res = await h.postEvents(a, e);
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
      expect(await count('kpi_journal_entries', { agency_code: a.code, event_id: e.id })).to.equal(1);
    });

    it('when the same id appears twice in one batch, then the second is a duplicate and makes no second entry', async () => {
      const e = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-vt-3' } });
      const res = await h.postEvents(a, { events: [e, { ...e, actor: { id: 'u-vt-4' } }] });
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ accepted: 1, duplicates: 1, rejected: [] });
      expect(await count('kpi_events', { agency_code: a.code, event_id: e.id })).to.equal(1);
      const entries = await h.knex('kpi_journal_entries').where({ agency_code: a.code, event_id: e.id }).select('user_id');
      expect(entries.map((r) => r.user_id)).to.deep.equal(['u-vt-3']);
    });

    it('when one agency reuses an id another agency already sent, then both are stored (ids are unique per agency)', async () => {
      const e = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-vt-5' } });
      expect((await h.postEvents(a, e)).body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
      expect((await h.postEvents(b, { ...e, agency: b.code })).body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
      expect(await count('kpi_events', { event_id: e.id })).to.equal(2);
      expect(await count('kpi_journal_entries', { event_id: e.id })).to.equal(2);
    });
  });

  describe('when days are counted (Asia/Ho_Chi_Minh, UTC+7)', () => {
    it('when an event occurred at 2026-03-12T23:30:00Z, then its entry is dated 2026-03-13 in the official\'s journal', async () => {
      const e = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-tz-1' }, occurredAt: '2026-03-12T23:30:00Z' });
      expect((await h.postEvents(a, e)).status).to.equal(202);
      const token = h.userToken(a, 'u-tz-1', ['official']);
      const march = await h.api('GET', '/api/v1/journal?from=2026-03-01&to=2026-03-31', token);
      expect(march.status).to.equal(200);
      const mine = march.body.entries.filter((x: any) => x.eventId === e.id);
      expect(mine).to.have.length(1);
      expect(mine[0]).to.include({ date: '2026-03-13', userId: 'u-tz-1', source: 'event', workItemCode: 'VT-01' });
      const the12th = await h.api('GET', '/api/v1/journal?from=2026-03-12&to=2026-03-12', token);
      expect(the12th.body.entries.filter((x: any) => x.eventId === e.id)).to.have.length(0);
    });

    it('when events fall either side of local midnight, then 16:59:59Z is the 12th and 17:00:00Z the 13th', async () => {
      const before = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-tz-2' }, occurredAt: '2026-03-12T16:59:59Z' });
      const after = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-tz-2' }, occurredAt: '2026-03-12T17:00:00.000Z' });
      // An offset other than +07:00 is converted, not read as local.
      const offset = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'u-tz-2' }, occurredAt: '2026-03-13T01:30:00+09:00' });
      expect((await h.postEvents(a, { events: [before, after, offset] })).body.accepted).to.equal(3);
      const res = await h.api('GET', '/api/v1/journal?from=2026-03-01&to=2026-03-31', h.userToken(a, 'u-tz-2', ['official']));
      const day = (id: string) => res.body.entries.find((x: any) => x.eventId === id)?.date;
      expect(day(before.id)).to.equal('2026-03-12');
      expect(day(after.id)).to.equal('2026-03-13');
      expect(day(offset.id)).to.equal('2026-03-12');
    });
  });

  describe('when the body is too large or not JSON', () => {
    it('when the body is over 5 MB (signed correctly), then 413 and nothing is stored', async () => {
      const events = await count('kpi_events');
      const e = buildEvent({ agency: a.code, type: 'document.received' });
      const padded = JSON.stringify({ events: [{ ...e, data: { note: 'x'.repeat(FIVE_MB) } }] });
      expect(Buffer.byteLength(padded)).to.be.greaterThan(FIVE_MB);
      const res = await h.postEvents(a, null, { rawBody: padded });
      expect(res.status).to.equal(413);
      expectCleanError(res.body, 413);
      expect(await count('kpi_events')).to.equal(events);
      expect(await count('kpi_events', { event_id: e.id })).to.equal(0);
    });

    it('when there are 1001 events (under 5 MB), then 413 naming the limit and nothing is stored', async () => {
      const events = await count('kpi_events');
      const uses = await count('kpi_token_uses');
      const batch = Array.from({ length: 1001 }, () => buildEvent({ agency: a.code, type: 'document.received' }));
      const res = await h.postEvents(a, { events: batch });
      expect(res.status).to.equal(413);
      expectCleanError(res.body, 413, 'too_many_events');
      expect(res.body.error.message).to.contain('1000');
      expect(await count('kpi_events')).to.equal(events);
      // The token itself was genuine, so its id is spent; nothing else is written.
      expect(await count('kpi_token_uses')).to.equal(uses + 1);
    });

    it('when there are exactly 1000 events in just under 5 MB, then all are accepted (the limits are not tighter than the contract)', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => buildEvent({ agency: a.code, type: i % 10 === 0 ? 'meeting.held' : 'document.received', actor: { id: `u-big-${i % 7}` } }));
      const base = Buffer.byteLength(JSON.stringify({ events: batch }));
      const pad = Math.floor((FIVE_MB - base - 30_000) / 1000);
      for (const e of batch) e.data = { note: 'đ'.repeat(Math.floor(pad / 2)) };
      const raw = JSON.stringify({ events: batch });
      expect(Buffer.byteLength(raw)).to.be.within(FIVE_MB - 60_000, FIVE_MB);
      const res = await h.postEvents(a, null, { rawBody: raw });
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ accepted: 1000, duplicates: 0, rejected: [] });
      expect(await count('kpi_events', { agency_code: a.code, type: 'meeting.held', status: 'ignored' })).to.be.at.least(100);
    });

    it('when the body is not JSON (with a valid token over that raw body), then 400 invalid_json and nothing is stored', async () => {
      const events = await count('kpi_events');
      for (const raw of ['{"events": [ {"id": "evt-x", ', 'not json at all', '']) {
        const res = await h.postEvents(a, null, { rawBody: raw });
        expect(res.status, JSON.stringify(raw)).to.equal(400);
        expectCleanError(res.body, 400, 'invalid_json');
      }
      expect(await count('kpi_events')).to.equal(events);
    });

    it('when the body is JSON but neither an event nor { events: [...] }, then 400', async () => {
      for (const raw of ['[]', '"text"', '42', 'null']) {
        const res = await h.postEvents(a, null, { rawBody: raw });
        expect(res.status, raw).to.equal(400);
        expectCleanError(res.body, 400);
      }
    });

    it('when the body is not JSON and the token is forged, then it is 401 (authentication comes first)', async () => {
      const raw = '{"events": [';
      const res = await h.postEvents(a, null, { rawBody: raw, token: signWebhookToken(b.secret, a.code, a.issuer, raw) });
      expect(res.status).to.equal(401);
      expectCleanError(res.body, 401, 'unauthorized');
    });
  });
});
