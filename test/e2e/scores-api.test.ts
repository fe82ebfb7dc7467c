import { expect } from 'chai';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';

const NOW = new Date('2026-04-10T03:00:00Z');

function directory(agency: string): Array<Record<string, unknown>> {
  const at = '2026-02-01T08:00:00+07:00';
  const unit = (id: string, name: string) => ({ id: `dir-${id}`, type: 'unit.upserted', occurredAt: at, agency, actor: { id: 'admin' }, subject: { kind: 'unit', id }, data: { name, parentId: null } });
  const user = (id: string, name: string, unitId: string, isLeader: boolean) => ({
    id: `dir-${id}`, type: 'user.upserted', occurredAt: at, agency, actor: { id: 'admin' }, subject: { kind: 'user', id },
    data: { name, unitId, position: isLeader ? 'Trưởng phòng' : 'Chuyên viên', isLeader, active: true },
  });
  return [
    unit('unit-kt', 'Phòng Kinh tế'), unit('unit-vp', 'Văn phòng'),
    user('u-lead', 'Nguyễn Văn Trưởng', 'unit-kt', true), user('u-1', 'Trần Thị Hà', 'unit-kt', false), user('u-2', 'Lê Văn Bình', 'unit-kt', false),
    user('u-vp', 'Phạm Thị Lan', 'unit-vp', false), user('u-hr', 'Đỗ Thu Trang', 'unit-vp', false),
  ];
}

describe('e2e: scores, periods and their roles (docs/integrators.md (panels and API))', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-scores');
    const events: Array<Record<string, unknown>> = [...directory(ag.code)];
    // March 2026: u-1 processes one incoming document as main (CV-01, 30 min) on each of 10 working days.
    for (let d = 2; d <= 13; d++) {
      const day = `2026-03-${String(d).padStart(2, '0')}`;
      if ([7, 8].includes(d)) continue; // a weekend
      events.push(buildEvent({ agency: ag.code, actor: { id: 'u-1' }, occurredAt: `${day}T09:00:00+07:00` }));
    }
    events.push(buildEvent({ agency: ag.code, actor: { id: 'u-2' }, occurredAt: '2026-03-05T10:00:00+07:00' }));
    // 23:30 UTC on 31 March is 1 April in Asia/Ho_Chi_Minh: it belongs to April.
    events.push(buildEvent({ id: 'late-night', agency: ag.code, actor: { id: 'u-2' }, occurredAt: '2026-03-31T23:30:00Z' }));
    const r = await h.postEvents(ag, { events });
    expect(r.status).to.equal(202);
    expect(r.body.rejected).to.deep.equal([]);
    // A pending manual entry of u-1 (120 min), as the journal API makes it.
    await h.knex('kpi_journal_entries').insert({
      agency_code: ag.code, user_id: 'u-1', unit_id: 'unit-kt', day: '2026-03-16', work_item_code: 'CH-01', item_version: 1, item_kind: 'count', standard_minutes: 120,
      quantity: 1, coefficient: 1, rating: 1, minutes: 120, status: 'pending', source: 'manual', event_id: null, rule_id: null, subject_kind: null, subject_id: null,
      subject_title: null, fails: 0, delays: 0, late: false, completes: false, note: 'Họp giao ban', review_reason: null, reviewed_by: null, reviewed_at: null,
      occurred_at: NOW, created_at: NOW, updated_at: NOW,
    });
  });

  after(async () => {
    await h.close();
  });

  const tok = (sub: string, roles: Array<'official' | 'leader' | 'hr' | 'admin'>, unit?: string) => h.userToken(ag, sub, roles, unit ? { unit } : {});

  it('when an official asks for scores, then only their own come back, with the explanation', async () => {
    const r = await h.api('GET', '/api/v1/scores?period=2026-03', tok('u-1', ['official']));
    expect(r.status).to.equal(200);
    expect(r.body.scores.map((s: { userId: string }) => s.userId)).to.deep.equal(['u-1']);
    const s = r.body.scores[0];
    expect(s.workingDays).to.equal(22);
    expect(s.assignedMinutes).to.equal(22 * 480);
    expect(s.profile).to.deep.equal({ id: 'nd335', version: 1 });
    expect(s.explanation).to.be.an('object');
  });

  it('when the period is open, then the pending manual entry counts and the score is provisional', async () => {
    const r = await h.api('GET', '/api/v1/scores?period=2026-03&user=u-1', tok('u-1', ['official']));
    const s = r.body.scores[0];
    expect(s.provisional).to.equal(true);
    expect(s.completedMinutes).to.equal(10 * 30 + 120);
    expect(r.body.status).to.equal('open');
  });

  it('when an official asks for another official or a unit, then 403', async () => {
    expect((await h.api('GET', '/api/v1/scores?period=2026-03&user=u-2', tok('u-1', ['official']))).status).to.equal(403);
    expect((await h.api('GET', '/api/v1/scores?period=2026-03&unit=unit-kt', tok('u-1', ['official']))).status).to.equal(403);
  });

  it('when a leader asks, then their unit comes back, and another unit is refused', async () => {
    const r = await h.api('GET', '/api/v1/scores?period=2026-03', tok('u-lead', ['leader'], 'unit-kt'));
    expect(r.status).to.equal(200);
    expect(r.body.scores.map((s: { userId: string }) => s.userId).sort()).to.deep.equal(['u-1', 'u-2', 'u-lead']);
    const lead = r.body.scores.find((s: { userId: string }) => s.userId === 'u-lead');
    expect(lead.isLeader).to.equal(true);
    expect(lead.unitMean).to.be.a('number');
    expect((await h.api('GET', '/api/v1/scores?period=2026-03&unit=unit-vp', tok('u-lead', ['leader'], 'unit-kt'))).status).to.equal(403);
  });

  it('when an event happened at 23:30 UTC on the last day of March, then it counts in April, not March', async () => {
    const hr = tok('u-hr', ['hr']);
    const march = (await h.api('GET', '/api/v1/scores?period=2026-03&user=u-2', hr)).body.scores[0];
    const april = (await h.api('GET', '/api/v1/scores?period=2026-04&user=u-2', hr)).body.scores[0];
    expect(march.completedMinutes).to.equal(30);
    expect(april.completedMinutes).to.equal(30);
  });

  it('when an official or a leader tries to close a period, then 403; a year or a future period cannot be closed', async () => {
    expect((await h.api('POST', '/api/v1/periods/2026-03/close', tok('u-1', ['official']), {})).status).to.equal(403);
    expect((await h.api('POST', '/api/v1/periods/2026-03/close', tok('u-lead', ['leader'], 'unit-kt'), {})).status).to.equal(403);
    const year = await h.api('POST', '/api/v1/periods/2026/close', tok('u-hr', ['hr']), {});
    expect(year.status).to.equal(400);
    expect(year.body.error.code).to.equal('invalid_input');
    expect((await h.api('POST', '/api/v1/periods/2026-12/close', tok('u-hr', ['hr']), {})).status).to.equal(409);
    expect((await h.api('POST', '/api/v1/periods/2026-13/close', tok('u-hr', ['hr']), {})).status).to.equal(400);
    expect((await h.api('POST', '/api/v1/periods/2026-03/close', tok('u-hr', ['hr']), { applyQuota: 'yes' })).status).to.equal(400);
  });

  it('when HR closes the month, then pending entries are warned of, left out, and the scores are frozen', async () => {
    const hr = tok('u-hr', ['hr']);
    const close = await h.api('POST', '/api/v1/periods/2026-03/close', hr, { applyQuota: true });
    expect(close.status).to.equal(200);
    expect(close.body.pendingEntries).to.equal(1);
    expect(close.body.warnings[0]).to.match(/chờ duyệt/);
    const after = (await h.api('GET', '/api/v1/scores?period=2026-03&user=u-1', hr)).body;
    expect(after.status).to.equal('closed');
    expect(after.scores[0].provisional).to.equal(false);
    expect(after.scores[0].completedMinutes).to.equal(10 * 30);

    // A change to the data after the close does not move the frozen score.
    await h.knex('kpi_journal_entries').where({ agency_code: ag.code, user_id: 'u-1', status: 'pending' }).update({ status: 'approved' });
    const frozen = (await h.api('GET', '/api/v1/scores?period=2026-03&user=u-1', hr)).body.scores[0];
    expect(frozen.completedMinutes).to.equal(10 * 30);

    const again = await h.api('POST', '/api/v1/periods/2026-03/close', hr, {});
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('period_closed');
  });

  it('when a closed period is reopened, then only an admin with a reason may, it is audited, and scores are live again', async () => {
    expect((await h.api('POST', '/api/v1/periods/2026-03/reopen', tok('u-hr', ['hr']), { reason: 'Sai sót' })).status).to.equal(403);
    const noReason = await h.api('POST', '/api/v1/periods/2026-03/reopen', tok('admin-1', ['admin']), { reason: '  ' });
    expect(noReason.status).to.equal(400);
    expect(noReason.body.error.message).to.match(/^reason/);
    const ok = await h.api('POST', '/api/v1/periods/2026-03/reopen', tok('admin-1', ['admin']), { reason: 'Bổ sung hồ sơ phê duyệt muộn' });
    expect(ok.status).to.equal(200);
    const audit = await h.knex('kpi_audit_log').where({ agency_code: ag.code, action: 'period.reopen' });
    expect(audit).to.have.length(1);
    expect(JSON.parse(audit[0].details).reason).to.equal('Bổ sung hồ sơ phê duyệt muộn');
    const live = (await h.api('GET', '/api/v1/scores?period=2026-03&user=u-1', tok('u-hr', ['hr']))).body;
    expect(live.status).to.equal('open');
    expect(live.scores[0].completedMinutes).to.equal(10 * 30 + 120);
  });

  it('when the ranking is asked for, then units come with their mean, lowest first on request; an official is refused', async () => {
    const r = await h.api('GET', '/api/v1/ranking?period=2026-03&order=lowest', tok('u-hr', ['hr']));
    expect(r.status).to.equal(200);
    const means = r.body.units.filter((u: { mean: number | null }) => u.mean !== null).map((u: { mean: number }) => u.mean);
    expect(means).to.deep.equal([...means].sort((a: number, b: number) => a - b));
    expect((await h.api('GET', '/api/v1/ranking?period=2026-03', tok('u-1', ['official']))).status).to.equal(403);
    // Without a period: this month in the agency's time zone, by the plugin's clock.
    expect((await h.api('GET', '/api/v1/ranking', tok('u-hr', ['hr']))).body.period).to.equal('2026-04');
  });

  it('when a quarter and a year are asked for, then they come back as the mean of what was scored', async () => {
    const q = (await h.api('GET', '/api/v1/scores?period=2026-Q1&user=u-1', tok('u-1', ['official']))).body.scores[0];
    expect(q.period).to.equal('2026-Q1');
    const y = await h.api('GET', '/api/v1/scores?period=2026&user=u-1', tok('u-1', ['official']));
    expect(y.status).to.equal(200);
    expect(y.body.scores[0].period).to.equal('2026');
  });
});
