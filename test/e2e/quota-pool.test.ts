import { expect } from 'chai';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * The excellence quota's pool (docs/hr.md, issue 7), through the API on a database: an agency of
 * two units where the small one is all excellent. Decree 335 counts the 20% in the whole agency
 * (settings `quotaScope: agency`, the default); `quotaScope: unit` keeps the old count per unit.
 */
const NOW = new Date('2026-04-10T03:00:00Z');
const MARCH_DAYS = Array.from({ length: 31 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`).filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));

/** s-1..s-4 in the small unit (G 22 → S 92); b-01, b-02 (G 25 → S 95) and b-03..b-11 (G 10 → S 80) in the large one. */
const OFFICIALS: Array<{ id: string; unit: string; general: number }> = [
  ...['s-1', 's-2', 's-3', 's-4'].map((id) => ({ id, unit: 'p-small', general: 22 })),
  { id: 'b-01', unit: 'p-big', general: 25 },
  { id: 'b-02', unit: 'p-big', general: 25 },
  ...Array.from({ length: 9 }, (_, i) => ({ id: `b-${String(i + 3).padStart(2, '0')}`, unit: 'p-big', general: 10 })),
];

interface ScoreJson { userId: string; unitId: string; total: number; classification: string | null; overQuota: boolean; explanation: { quota: any; lines: string[] } }

describe('e2e: the quota pool, per agency (Decree 335) or per unit (docs/hr.md)', function () {
  this.timeout(60000);
  let h: Harness;
  let ag: TestAgency;
  const tok = (sub: string, roles: Array<'official' | 'leader' | 'hr' | 'admin'>, unit?: string) => h.userToken(ag, sub, roles, unit ? { unit } : {});
  const scores = async (query: string, token = tok('hr-1', ['hr'])): Promise<Map<string, ScoreJson>> => {
    const r = await h.api('GET', `/api/v1/scores?period=2026-03${query}`, token);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return new Map((r.body.scores as ScoreJson[]).map((s) => [s.userId, s]));
  };
  const putSettings = async (body: Record<string, unknown>) => {
    const r = await h.api('PUT', '/api/v1/settings', tok('admin-1', ['admin']), body);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body;
  };

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    ag = await h.addAgency('ag-quota-pool');
    const at = '2026-02-01T08:00:00+07:00';
    const events = [
      ...['p-small', 'p-big'].map((id) => ({ id: `dir-${id}`, type: 'unit.upserted', occurredAt: at, agency: ag.code, actor: { id: 'admin' }, subject: { kind: 'unit', id }, data: { name: `Phòng ${id}`, parentId: null } })),
      ...OFFICIALS.map((o) => ({
        id: `dir-${o.id}`, type: 'user.upserted', occurredAt: at, agency: ag.code, actor: { id: 'admin' }, subject: { kind: 'user', id: o.id },
        data: { name: `Cán bộ ${o.id}`, unitId: o.unit, position: 'Chuyên viên', isLeader: false, active: true },
      })),
    ];
    const r = await h.postEvents(ag, { events });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body.rejected).to.deep.equal([]);
    // A full, approved day of work on every working day of March: C = A, so R = 70 and S = 70 + G.
    const rows = OFFICIALS.flatMap((o) => MARCH_DAYS.map((day) => ({
      agency_code: ag.code, user_id: o.id, unit_id: o.unit, day, work_item_code: 'CV-01', item_version: 1, item_kind: 'count', standard_minutes: 480,
      quantity: 1, coefficient: 1, rating: 1, minutes: 480, status: 'approved', source: 'manual', event_id: null, rule_id: null, subject_kind: null, subject_id: null,
      subject_title: null, fails: 0, delays: 0, late: false, completes: false, note: null, review_reason: null, reviewed_by: 'hr-1', reviewed_at: NOW,
      occurred_at: NOW, created_at: NOW, updated_at: NOW,
    })));
    // s-3 also logs an hour more on 2 March: a day over the 480-minute cap, clipped, so no score moves.
    rows.push({ ...rows.find((r) => r.user_id === 's-3' && r.day === '2026-03-02')!, standard_minutes: 60, minutes: 60 });
    for (let i = 0; i < rows.length; i += 50) await h.knex('kpi_journal_entries').insert(rows.slice(i, i + 50));
    for (const o of OFFICIALS) {
      const a = await h.api('POST', '/api/v1/assessments', tok('hr-1', ['hr']), { userId: o.id, period: '2026-03', general: o.general });
      expect(a.status, JSON.stringify(a.body)).to.equal(201);
    }
  });

  after(async () => {
    await h?.close();
  });

  it('when the stored settings predate the quota keys, then they read as their defaults (agency, no groups, blank report names)', async () => {
    // Settings stored before issue 7: the same JSON without the three keys.
    const row = await h.knex('kpi_settings').where({ agency_code: ag.code }).first('settings');
    const old = JSON.parse(String(row.settings)) as Record<string, unknown>;
    for (const k of ['quotaScope', 'quotaGroups', 'report']) delete old[k];
    await h.knex('kpi_settings').where({ agency_code: ag.code }).update({ settings: JSON.stringify(old) });
    const r = await h.api('GET', '/api/v1/settings', tok('admin-1', ['admin']));
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ quotaScope: 'agency', quotaGroups: [], report: { governingBody: '', place: '', preparedBy: '', headOfAgency: '', headTitle: '' } });
  });

  it('when the pool is the agency (default), then 3 of the 15 rated good keep HTXSNV: the two 95s and one 92 of the small unit', async () => {
    const all = await scores('');
    expect([...all.values()].filter((s) => s.classification === 'HTXSNV' && !s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['b-01', 'b-02', 's-1']);
    expect([...all.values()].filter((s) => s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['s-2', 's-3', 's-4']);
    const q = all.get('s-2')!.explanation.quota;
    expect(q).to.deep.include({ eligible: 15, limit: 3, candidates: 6, rank: 4, overQuota: true, applied: false });
    expect(q.pool).to.deep.equal({ scope: 'agency', kind: 'non-leaders', groupId: null, groupName: null, unitId: null, members: 15 });
    expect(all.get('s-2')!.explanation.lines).to.include('Nhóm xét tỷ lệ HTXSNV: toàn cơ quan, nhóm công chức không giữ chức vụ lãnh đạo (15 người).');
  });

  it('when one unit or one official is asked for, then the quota still counts the whole agency', async () => {
    const small = await scores('&unit=p-small');
    expect([...small.keys()].sort()).to.deep.equal(['s-1', 's-2', 's-3', 's-4']);
    expect([...small.values()].map((s) => [s.userId, s.overQuota, s.explanation.quota?.limit])).to.deep.equal([...small.values()].map((s) => [s.userId, s.userId !== 's-1', 3]));
    const one = await scores('&user=s-3', tok('s-3', ['official']));
    expect([...one.keys()]).to.deep.equal(['s-3']);
    expect(one.get('s-3')!.explanation.quota).to.deep.include({ eligible: 15, limit: 3, rank: 5, overQuota: true });
    // The pool that ranks s-3 is read without the days over the cap (it is never shown); s-3's own
    // score still carries theirs, and ranks as in the agency's whole list.
    expect(one.get('s-3')!.explanation).to.have.nested.property('cap.warnings').that.deep.equals([{ day: '2026-03-02', minutes: 540, capMinutes: 480, clipped: true, factor: 480 / 540 }]);
    expect((await scores('')).get('s-3')!.explanation.quota).to.deep.include({ eligible: 15, limit: 3, rank: 5, overQuota: true });
    const good = await scores('&user=b-07', tok('b-07', ['official']));
    expect(good.get('b-07')).to.deep.include({ classification: 'HTTNV', overQuota: false, total: 80 });
    expect(good.get('b-07')!.explanation.quota).to.equal(null);
  });

  it('when the pool is set to the unit, then the old result: nobody of the unit of four, two of the large unit', async () => {
    await putSettings({ quotaScope: 'unit' });
    try {
      const all = await scores('');
      expect([...all.values()].filter((s) => s.classification === 'HTXSNV' && !s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['b-01', 'b-02']);
      expect([...all.values()].filter((s) => s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['s-1', 's-2', 's-3', 's-4']);
      expect(all.get('s-1')!.explanation.quota).to.deep.include({ eligible: 4, limit: 0, rank: 1, overQuota: true });
      expect(all.get('s-1')!.explanation.quota.pool).to.deep.equal({ scope: 'unit', kind: 'unit', groupId: null, groupName: null, unitId: 'p-small', members: 4 });
      const one = await scores('&user=s-1', tok('s-1', ['official']));
      expect(one.get('s-1')).to.deep.include({ overQuota: true });
    } finally {
      await putSettings({ quotaScope: 'agency' });
    }
  });

  it('when groups are defined by position, then the pool is the group; a bad group is a 400 naming its field', async () => {
    await putSettings({ quotaGroups: [{ id: 'cv', name: 'Chuyên viên', positions: ['chuyên viên'] }] });
    try {
      const all = await scores('');
      expect(all.get('s-1')!.explanation.quota.pool).to.deep.include({ scope: 'agency', kind: 'group', groupId: 'cv', groupName: 'Chuyên viên', members: 15 });
      const bad = await h.api('PUT', '/api/v1/settings', tok('admin-1', ['admin']), { quotaGroups: [{ id: 'cv', name: 'A', positions: ['Chuyên viên'] }, { id: 'cv', name: 'B', positions: [] }] });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.field).to.equal('quotaGroups[1].id');
    } finally {
      await putSettings({ quotaGroups: [] });
    }
  });

  it('when HR closes the period with the quota applied, then the snapshot keeps the agency-wide result', async () => {
    const r = await h.api('POST', '/api/v1/periods/2026-03/close', tok('hr-1', ['hr']), { applyQuota: true });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const all = await scores('');
    expect([...all.values()].filter((s) => s.classification === 'HTXSNV').map((s) => s.userId).sort()).to.deep.equal(['b-01', 'b-02', 's-1']);
    expect(['s-2', 's-3', 's-4'].map((u) => all.get(u)!.classification)).to.deep.equal(['HTTNV', 'HTTNV', 'HTTNV']);
    expect(all.get('s-4')!.explanation.quota.pool).to.deep.include({ scope: 'agency', members: 15 });
  });
});
