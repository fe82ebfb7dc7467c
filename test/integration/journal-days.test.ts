import { expect } from 'chai';
import { dialectFor } from '../../src/db/sql-dialects';
import { JournalDays } from '../../src/db/journal-days';
import { buildEvent, startHarness, testDialect, type Harness, type TestAgency } from '../helpers/harness';
import { expectRollupsMatchEntries } from '../helpers/rollups';

/**
 * The daily roll-ups (kpi_journal_days) stay exactly what the entries give, through every
 * path that changes entries: the intake (new entries, a completion credited once its
 * assignment arrives, fails and delays re-derived when a mark arrives late), an official's
 * manual entries (add, move to another day, withdraw) and a leader's review (approve,
 * return, rate, "not met"). The roll-up is built BEFORE the changes, so each one must keep
 * it in step by itself; the check recomputes it from the entry rows in plain code.
 */
describe(`integration: the journal's daily roll-ups follow every change (${testDialect()})`, function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  const at = (day: string, hm = '09:15') => `2026-03-${day}T${hm}:00+07:00`;

  before(async () => {
    h = await startHarness({ clock: () => new Date('2026-03-20T03:00:00Z') });
    a = await h.addAgency('cuon-ngay');
    const built = await new JournalDays(dialectFor(h.knex)).ensure(h.knex, a.code, { fail: 0.25, delay: 0.25 });
    expect(built, 'built (empty) before any entry').to.equal(true);
    const dir = '2026-03-01T01:00:00Z';
    const res = await h.postEvents(a, { events: [
      buildEvent({ agency: a.code, type: 'unit.upserted', occurredAt: dir, actor: { id: 'host' }, subject: { kind: 'unit', id: 'P1' }, data: { name: 'Phòng Kinh tế', parentId: null } }),
      ...[['u-1', false], ['u-2', false], ['u-lead', true]].map(([id, lead]) => buildEvent({
        agency: a.code, type: 'user.upserted', occurredAt: dir, actor: { id: 'host' }, subject: { kind: 'user', id: id as string },
        data: { name: `Cán bộ ${String(id)}`, unitId: 'P1', position: lead ? 'Trưởng phòng' : 'Chuyên viên', isLeader: lead, active: true },
      })),
    ] });
    expect(res.status).to.equal(202);
  });

  after(() => h.close());

  async function post(events: Array<Record<string, unknown>>): Promise<void> {
    const res = await h.postEvents(a, { events });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.body.rejected, JSON.stringify(res.body.rejected)).to.deep.equal([]);
  }

  it('when event entries arrive, several on one day and a day over the cap, then each (official, day) row is their sum', async () => {
    const docs = Array.from({ length: 30 }, (_, i) => buildEvent({
      agency: a.code, type: i % 3 === 0 ? 'document.drafted' : 'document.processed', occurredAt: at(String(2 + (i % 6)).padStart(2, '0'), `0${i % 9}:10`),
      actor: { id: i % 2 ? 'u-1' : 'u-2' }, subject: { kind: 'document', id: `VB-${i}`, title: 'Tờ trình phê duyệt kế hoạch', docType: 'to-trinh', urgency: i % 5 === 0 ? 'khan' : 'thuong' },
    }));
    await post(docs);
    expect(await expectRollupsMatchEntries(h.knex, a.code)).to.be.greaterThan(5);
  });

  it('when a draft is returned after it was processed and a task is rejected and extended after its completion, then the fails and delays re-derived land in the roll-up', async () => {
    await post([
      buildEvent({ agency: a.code, type: 'task.assigned', occurredAt: at('03'), actor: { id: 'u-lead' }, subject: { kind: 'task', id: 'NV-1', title: 'Báo cáo quý', urgency: 'thuong', dueAt: at('05', '17:00') }, data: { assigneeId: 'u-1' } }),
      buildEvent({ agency: a.code, type: 'task.completed', occurredAt: at('06'), actor: { id: 'u-1' }, subject: { kind: 'task', id: 'NV-1', title: 'Báo cáo quý', urgency: 'thuong', dueAt: at('05', '17:00') } }),
    ]);
    await post([
      buildEvent({ agency: a.code, type: 'task.rejected', occurredAt: at('07'), actor: { id: 'u-lead' }, subject: { kind: 'task', id: 'NV-1', title: 'Báo cáo quý', urgency: 'thuong' }, data: { excused: false } }),
      buildEvent({ agency: a.code, type: 'task.extended', occurredAt: at('04'), actor: { id: 'u-lead' }, subject: { kind: 'task', id: 'NV-1', title: 'Báo cáo quý', urgency: 'thuong' }, data: { newDueAt: at('10', '17:00'), excused: false } }),
      buildEvent({ agency: a.code, type: 'document.returned', occurredAt: at('08'), actor: { id: 'u-lead' }, subject: { kind: 'document', id: 'VB-3', title: 'Tờ trình', docType: 'to-trinh', urgency: 'thuong' }, data: { userId: 'u-1', excused: false } }),
    ]);
    const penalised = await h.knex('kpi_journal_entries').where({ agency_code: a.code }).andWhere((q) => q.where('fails', '>', 0).orWhere('delays', '>', 0)).count({ n: '*' }).first();
    expect(Number(penalised?.n), 'entries with fails or delays').to.be.greaterThan(0);
    await expectRollupsMatchEntries(h.knex, a.code);
  });

  it('when a completion arrives before its assignment, then the entry re-credited with the assigned work item is summed anew', async () => {
    await post([buildEvent({ agency: a.code, type: 'task.completed', occurredAt: at('09'), actor: { id: 'u-2' }, subject: { kind: 'task', id: 'NV-2', title: 'Kiểm tra hồ sơ', urgency: 'thuong' } })]);
    const before = await h.knex('kpi_journal_days').where({ agency_code: a.code, user_id: 'u-2', day: '2026-03-09' }).first('a_t');
    await post([buildEvent({ agency: a.code, type: 'task.assigned', occurredAt: at('08'), actor: { id: 'u-lead' }, subject: { kind: 'task', id: 'NV-2', title: 'Kiểm tra hồ sơ', urgency: 'thuong', dueAt: at('12', '17:00') }, data: { assigneeId: 'u-2', workItemCode: 'CV-16', quantity: 3 } })]);
    const after = await h.knex('kpi_journal_days').where({ agency_code: a.code, user_id: 'u-2', day: '2026-03-09' }).first('a_t');
    expect(Number(after?.a_t), 'the completion now counts the assigned work').to.not.equal(Number(before?.a_t));
    await expectRollupsMatchEntries(h.knex, a.code);
  });

  it('when an official adds, moves and withdraws manual entries and the leader approves, returns, rates and fails, then the roll-up follows each', async () => {
    const off = h.userToken(a, 'u-1', ['official'], { unit: 'P1' });
    const lead = h.userToken(a, 'u-lead', ['leader'], { unit: 'P1' });
    const made: string[] = [];
    for (const [date, code, quantity] of [['2026-03-16', 'CV-04', 2], ['2026-03-16', 'CH-01', 1], ['2026-03-17', 'CV-04', 1], ['2026-03-17', 'CH-08', 1], ['2026-03-18', 'CV-04', 3]] as const) {
      const res = await h.api('POST', '/api/v1/journal', off, { date, workItemCode: code, quantity, note: 'Họp bàn triển khai' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      made.push(res.body.id);
    }
    await expectRollupsMatchEntries(h.knex, a.code);
    const step = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await h.api(method, path, token, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 204]);
      await expectRollupsMatchEntries(h.knex, a.code);
    };
    await step('PATCH', `/api/v1/journal/${made[0]}`, off, { date: '2026-03-19', quantity: 4 });
    await step('DELETE', `/api/v1/journal/${made[2]}`, off);
    await step('POST', `/api/v1/journal/${made[0]}/approve`, lead);
    await step('POST', `/api/v1/journal/${made[1]}/return`, lead, { reason: 'Không có biên bản họp' });
    await step('POST', `/api/v1/journal/${made[3]}/rate`, lead, { rating: 0.6 });
    await step('POST', `/api/v1/journal/${made[4]}/approve`, lead);
    await step('POST', `/api/v1/journal/${made[4]}/fail`, lead, { excused: false });
    const days = await h.knex('kpi_journal_days').where({ agency_code: a.code, user_id: 'u-1', day: '2026-03-16' }).first();
    expect(days, 'both entries of 16 March are gone from it (one moved, one returned)').to.equal(undefined);
  });

  it('when the scores come from the roll-up, then they equal the scores after a rebuild from scratch', async () => {
    const hr = h.userToken(a, 'u-hr', ['hr']);
    const live = await h.api('GET', '/api/v1/scores?period=2026-03', hr);
    expect(live.status).to.equal(200);
    await h.knex('kpi_journal_days').where({ agency_code: a.code }).delete();
    await h.knex('kpi_journal_days_state').where({ agency_code: a.code }).update({ fail_penalty: null, delay_penalty: null });
    const rebuilt = await h.api('GET', '/api/v1/scores?period=2026-03', hr);
    expect(rebuilt.status).to.equal(200);
    const strip = (b: any) => b.scores.map((s: any) => ({ userId: s.userId, total: s.total, taskScore: s.taskScore, completedMinutes: s.completedMinutes, qualityPct: s.qualityPct, progressPct: s.progressPct }));
    expect(strip(live.body)).to.deep.equal(strip(rebuilt.body));
    expect(live.body.scores.some((s: any) => s.completedMinutes > 0)).to.equal(true);
    await expectRollupsMatchEntries(h.knex, a.code);
  });

  it('when the profile changes a penalty, then the next score rebuilds the roll-up with it', async () => {
    const days = new JournalDays(dialectFor(h.knex));
    expect(await days.ensure(h.knex, a.code, { fail: 0.5, delay: 0.25 })).to.equal(true);
    await expectRollupsMatchEntries(h.knex, a.code, { fail: 0.5, delay: 0.25 });
    expect(await days.ensure(h.knex, a.code, { fail: 0.25, delay: 0.25 })).to.equal(true);
    await expectRollupsMatchEntries(h.knex, a.code);
  });
});
