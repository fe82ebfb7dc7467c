import { expect } from 'chai';
import { getProfile } from '../../src/scoring/profiles';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

const NOW = new Date('2026-04-06T03:00:00Z');

/**
 * A custom profile (kept in kpi_profiles, named by the agency's settings) whose A is the sum of
 * the assignments due in the period: a cancelled task drops out of A, and the delays of an
 * extension reach the progress score.
 */
describe('e2e: a custom profile with assignedBasis = assignments', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;
  let hr: string;

  const ev = (id: string, type: string, occurredAt: string, subject: Record<string, unknown>, data: Record<string, unknown> = {}, actor = 'u-1') =>
    ({ id, type, occurredAt, agency: ag.code, actor: { id: actor }, subject, data });
  const task = (id: string, dueAt: string) => ({ kind: 'task', id, title: `Nhiệm vụ ${id}`, urgency: 'thuong', dueAt });

  async function march(): Promise<{ assignedMinutes: number; completedMinutes: number; qualityMinutes: number; progressMinutes: number; profile: { id: string; version: number } }> {
    const r = await h.api('GET', '/api/v1/scores?period=2026-03&user=u-1', hr);
    expect(r.status).to.equal(200);
    return r.body.scores[0];
  }

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-basis');
    hr = h.userToken(ag, 'u-hr', ['hr']);
    const profile = { ...getProfile('nd335'), id: 'so-noi-vu-2026', version: 3, assignedBasis: 'assignments' };
    await h.knex('kpi_profiles').insert({ agency_code: ag.code, id: profile.id, version: profile.version, params: JSON.stringify(profile), created_at: new Date() });
    const put = await h.api('PUT', '/api/v1/settings', h.userToken(ag, 'u-admin', ['admin']), { profile: profile.id });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const setup = await h.postEvents(ag, { events: [
      ev('u', 'unit.upserted', '2026-03-01T08:00:00+07:00', { kind: 'unit', id: 'unit-kt' }, { name: 'Phòng Kinh tế', parentId: null }, 'admin'),
      ev('p', 'user.upserted', '2026-03-01T08:00:00+07:00', { kind: 'user', id: 'u-1' }, { name: 'Trần Thị Hà', unitId: 'unit-kt', position: 'Chuyên viên', isLeader: false, active: true }, 'admin'),
      // Four tasks of 240 standard minutes each (CV-16), due in March.
      ev('a1', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T1', '2026-03-10T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'),
      ev('a2', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T2', '2026-03-11T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'),
      ev('a3', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T3', '2026-03-12T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'),
      ev('a4', 'task.assigned', '2026-03-02T08:00:00+07:00', task('T4', '2026-03-12T17:00:00+07:00'), { assigneeId: 'u-1', workItemCode: 'CV-16', quantity: 1 }, 'u-lead'),
      // T1 on time.
      ev('c1', 'task.completed', '2026-03-09T10:00:00+07:00', task('T1', '2026-03-10T17:00:00+07:00')),
      // T3: extended without excuse, then completed before the new due time: one delay, not late.
      ev('x3', 'task.extended', '2026-03-11T10:00:00+07:00', task('T3', '2026-03-12T17:00:00+07:00'), { newDueAt: '2026-03-16T17:00:00+07:00', excused: false }, 'u-lead'),
      ev('c3', 'task.completed', '2026-03-13T10:00:00+07:00', task('T3', '2026-03-12T17:00:00+07:00')),
      // T4: extended with an objective excuse, completed on the new time: no delay.
      ev('x4', 'task.extended', '2026-03-11T10:00:00+07:00', task('T4', '2026-03-12T17:00:00+07:00'), { newDueAt: '2026-03-16T17:00:00+07:00', excused: true }, 'u-lead'),
      ev('c4', 'task.completed', '2026-03-16T10:00:00+07:00', task('T4', '2026-03-12T17:00:00+07:00')),
    ] });
    expect(setup.status).to.equal(202);
    expect(setup.body.rejected).to.deep.equal([]);
  });

  after(async () => {
    await h.close();
  });

  it('when the custom profile is in force, then the score records its id and version', async () => {
    expect((await march()).profile).to.deep.equal({ id: 'so-noi-vu-2026', version: 3 });
  });

  it('when four tasks are due in March, then A is their 4 × 240 minutes and the extension costs a quarter of one task in progress', async () => {
    const s = await march();
    expect(s.assignedMinutes).to.equal(960);
    expect(s.completedMinutes).to.equal(720);
    expect(s.qualityMinutes).to.equal(720);
    expect(s.progressMinutes).to.equal(720 - 0.25 * 240);
  });

  it('when a task is cancelled, then it drops out of A', async () => {
    const r = await h.postEvents(ag, ev('k2', 'task.cancelled', '2026-03-12T09:00:00+07:00', task('T2', '2026-03-11T17:00:00+07:00'), {}, 'u-lead'));
    expect(r.status).to.equal(202);
    expect(r.body.accepted).to.equal(1);
    const s = await march();
    expect(s.assignedMinutes).to.equal(720);
    expect(s.completedMinutes).to.equal(720);
  });
});
