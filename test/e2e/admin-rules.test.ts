import { expect } from 'chai';
import { AUDIENCE, ROLES, type Role } from '../../src/http/auth';
import { csrfToken, deriveKeys } from '../../src/panels/context-token';
import { fullFormsOf, type FullForm } from '../helpers/form-fields';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { decode } from '../helpers/html';
import { formTarget, open } from '../helpers/panel-forms';
import jwt from 'jsonwebtoken';

/**
 * The mapping rules editor and the other admin writes (docs/integrators.md, "Mapping rules
 * editor"): "try it" answers exactly the entries that ingesting the event then makes — with
 * the saved rules and with a draft typed in the form; the rules API and forms are for the
 * agency's admin only; every form is protected against forgery; a failed event type can be
 * replayed at once; the integration check shows what arrived.
 */
describe('e2e: the mapping rules editor and the admin writes', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;

  const admin = (ag: TestAgency, extra: { locale?: 'vi' | 'en' } = {}) => h.userToken(ag, 'admin-1', ['admin'], extra);
  const ev = (ag: TestAgency, o: Record<string, unknown>) => buildEvent({ agency: ag.code, ...o });
  const entryFields = ['userId', 'unitId', 'date', 'workItemCode', 'itemVersion', 'quantity', 'coefficient', 'standardMinutes', 'minutes', 'status', 'source', 'eventId', 'subjectKind', 'subjectId', 'subjectTitle', 'fails', 'delays', 'late'] as const;

  /** The entries "try it" says, in the journal's JSON shape. */
  const tried = (entries: Array<Record<string, unknown>>) => entries.map((e) => Object.fromEntries(entryFields.map((k) => [k, k === 'date' ? e.day : e[k]])));
  /** The entries the journal holds for an event after ingesting it. */
  async function stored(ag: TestAgency, eventId: string, userId: string, day: string): Promise<Array<Record<string, unknown>>> {
    const r = await h.api('GET', `/api/v1/journal?user=${userId}&from=${day}&to=${day}`, h.userToken(ag, 'hr-1', ['hr']));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return (r.body.entries as Array<Record<string, unknown>>).filter((e) => e.eventId === eventId).map((e) => Object.fromEntries(entryFields.map((k) => [k, e[k]])));
  }

  async function page(path: string, token: string): Promise<{ status: number; html: string; location: string | null }> {
    const res = await fetch(`${h.url}${path}${path.includes('?') ? '&' : '?'}jwt=${token}`, { redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  async function submit(f: FullForm, changes: Record<string, string | undefined> = {}): Promise<{ status: number; html: string; location: string | null }> {
    const fields: Record<string, string> = { ...f.fields };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    const res = await fetch(new URL(f.action, h.url), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  function formTo(html: string, pathEnd: string): FullForm {
    const f = fullFormsOf(html).find((x) => new URL(x.action, 'http://x').pathname.endsWith(pathEnd));
    expect(f, `a form posting to …${pathEnd}`).to.not.equal(undefined);
    return f!;
  }

  before(async () => {
    h = await startHarness();
    a = await h.addAgency('ag-rules');
    b = await h.addAgency('ag-rules-b');
    const directory = [
      ev(a, { id: 'unit-1', type: 'unit.upserted', occurredAt: '2026-01-02T08:00:00+07:00', subject: { kind: 'unit', id: 'p-a' }, data: { name: 'Phòng A', parentId: null } }),
      ev(a, { id: 'user-1', type: 'user.upserted', occurredAt: '2026-01-02T08:00:00+07:00', subject: { kind: 'user', id: 'cv-1' }, data: { name: 'Nguyễn Văn A', unitId: 'p-a', position: 'Chuyên viên', isLeader: false, active: true } }),
    ];
    expect((await h.postEvents(a, { events: directory })).body.accepted).to.equal(2);
  });

  after(async () => {
    await h.close();
  });

  describe('"try it" is what ingesting makes', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['a co-drafted urgent letter (two coefficient tables)', { type: 'document.drafted', actor: { id: 'cv-1' }, subject: { kind: 'document', id: 'VB-T1', title: 'Công văn hỏa tốc', docType: 'cong-van', urgency: 'hoa-toc' }, data: { role: 'support' } }],
      ['a processed document on a late evening (the local day)', { type: 'document.processed', occurredAt: '2026-03-12T23:30:00Z', actor: { id: 'cv-1' }, subject: { kind: 'document', id: 'VB-T2', title: 'Văn bản đến', docType: 'cong-van', urgency: 'khan' }, data: { role: 'main' } }],
      ['an event of a type the plugin does not know (kept, no entry)', { type: 'document.archived', actor: { id: 'cv-1' }, subject: { kind: 'document', id: 'VB-T3', title: 'Văn bản' }, data: {} }],
    ];
    for (const [what, o] of cases) {
      it(`when ${what} is tried and then ingested, then the journal holds exactly the entries the trial showed`, async () => {
        const event = ev(a, o);
        const trial = await h.api('POST', '/api/v1/rules/try', admin(a), { event: JSON.stringify(event) });
        expect(trial.status, JSON.stringify(trial.body)).to.equal(200);
        expect(trial.body.stored).to.equal(false);
        expect((await h.api('GET', `/api/v1/events?status=processed`, admin(a))).body.events.map((x: { id: string }) => x.id)).to.not.include(event.id);
        const posted = await h.postEvents(a, event);
        expect(posted.body.accepted).to.equal(1);
        const day = trial.body.entries[0]?.day ?? '2026-03-12';
        expect(await stored(a, event.id, 'cv-1', day)).to.deep.equal(tried(trial.body.entries));
        if (o.type === 'document.archived') {
          expect(trial.body.entries).to.deep.equal([]);
          expect([trial.body.status, trial.body.noEntryReason]).to.deep.equal(['ignored', 'unknown_type']);
        } else {
          expect(trial.body.entries).to.have.length(1);
          expect(trial.body.rule.id).to.equal(trial.body.entries[0].ruleId);
        }
      });
    }

    it('when a completed task is tried after its assignment named a work item and quantity, then the trial and the journal agree on both', async () => {
      const assigned = ev(a, { type: 'task.assigned', actor: { id: 'lead-1' }, subject: { kind: 'task', id: 'NV-T1', title: 'Tổng hợp số liệu', dueAt: '2026-03-20T17:00:00+07:00' }, data: { assigneeId: 'cv-1', workItemCode: 'CV-14', quantity: 2 } });
      expect((await h.postEvents(a, assigned)).body.accepted).to.equal(1);
      const done = ev(a, { type: 'task.completed', occurredAt: '2026-03-21T09:00:00+07:00', actor: { id: 'cv-1' }, subject: { kind: 'task', id: 'NV-T1', title: 'Tổng hợp số liệu', urgency: 'khan' }, data: {} });
      const trial = await h.api('POST', '/api/v1/rules/try', admin(a), { event: done });
      expect(trial.body.entries.map((e: { workItemCode: string; quantity: number; delays: number }) => [e.workItemCode, e.quantity, e.delays])).to.deep.equal([['CV-14', 2, 1]]);
      await h.postEvents(a, done);
      expect(await stored(a, done.id, 'cv-1', '2026-03-21')).to.deep.equal(tried(trial.body.entries));
      // Tried again once stored: the same entries, and it says that sending it again changes nothing.
      const again = await h.api('POST', '/api/v1/rules/try', admin(a), { eventId: done.id });
      expect(again.body.stored).to.equal(true);
      expect(tried(again.body.entries)).to.deep.equal(tried(trial.body.entries));
    });

    it('when a draft rule typed in the form is tried, then nothing is saved; once saved, ingesting makes exactly what the trial showed', async () => {
      const before = (await h.api('GET', '/api/v1/rules', admin(a))).body.rules;
      let p = await page('/panels/admin/rules/doc-received', admin(a));
      expect(p.status).to.equal(200);
      const f = formTo(p.html, '/admin/rules/doc-received');
      // A rule without conditions or tables: three blank condition rows and two blank tables to fill.
      expect([Object.keys(f.fields).filter((k) => /^cond\dPath$/.test(k)).length, Object.keys(f.fields).filter((k) => /^coef\dPath$/.test(k)).length]).to.deep.equal([3, 2]);
      // A condition and a coefficient table, typed the way a person types them (1,5 with a comma).
      const event = ev(a, { type: 'document.received', actor: { id: 'cv-1' }, subject: { kind: 'document', id: 'VB-T9', title: 'Văn bản đến khẩn', docType: 'cong-van', urgency: 'khan' }, data: {} });
      const draft = { cond0Path: 'subject.docType', cond0Values: 'cong-van, to-trinh', coef0Path: 'subject.urgency', coef0Values: 'khan = 1,5\nhoa-toc = 2', quantity: '2', event: JSON.stringify(event) };
      p = await submit(f, { ...draft, op: 'try' });
      expect(p.status, decode(p.html).slice(0, 3000)).to.equal(200);
      expect(decode(p.html)).to.contain('Quy tắc khớp: doc-received');
      const minutes = [...p.html.matchAll(/<tr data-entry="cv-1">([\s\S]*?)<\/tr>/g)].map((m) => decode(m[1]!).replace(/<[^>]+>/g, '|'));
      expect(minutes, minutes.join('\n')).to.have.length(1);
      expect(minutes[0]).to.contain('|1,5|').and.contain('|15|'); // 2 × 5 minutes × 1,5
      expect((await h.api('GET', '/api/v1/rules', admin(a))).body.rules).to.deep.equal(before);

      const apiTrial = await h.api('POST', '/api/v1/rules/try', admin(a), { event, draft: { ...before.find((r: { id: string }) => r.id === 'doc-received'), when: { 'subject.docType': ['cong-van', 'to-trinh'] }, coefficientBy: { 'subject.urgency': { khan: 1.5, 'hoa-toc': 2 } }, quantity: 2 } });
      const saved = await submit(f, { ...draft, op: 'save' });
      expect(saved.status, decode(saved.html).slice(0, 2000)).to.equal(303);
      expect(saved.location).to.contain('notice=rule-saved');
      const rule = (await h.api('GET', '/api/v1/rules', admin(a))).body.rules.find((r: { id: string }) => r.id === 'doc-received');
      expect(rule).to.deep.include({ when: { 'subject.docType': ['cong-van', 'to-trinh'] }, coefficientBy: { 'subject.urgency': { khan: 1.5, 'hoa-toc': 2 } }, quantity: 2, active: true });
      await h.postEvents(a, event);
      expect(await stored(a, event.id, 'cv-1', '2026-03-12')).to.deep.equal(tried(apiTrial.body.entries));
      expect(tried(apiTrial.body.entries)[0]).to.deep.include({ quantity: 2, coefficient: 1.5, minutes: 15 });
    });

    it('when the form has mistakes, then nothing is saved and each is said in Vietnamese next to its field', async () => {
      const p = await page('/panels/admin/rules/new', admin(a));
      const f = formTo(p.html, '/admin/rules');
      const r = await submit(f, { op: 'save', id: 'doc-new', cond0Path: 'subject..docType', cond0Values: 'x', coefficient: '-2', priority: 'abc' });
      expect(r.status).to.equal(400);
      const text = decode(r.html);
      expect(text).to.match(/id="cond0-err" class="field-err wide">Đường dẫn không hợp lệ/);
      expect(text).to.match(/id="rule-coefficient-err" class="field-err">Hệ số phải là số dương/);
      expect(text).to.match(/id="rule-priority-err" class="field-err">Độ ưu tiên phải là một số/);
      const drafting = fullFormsOf((await page('/panels/admin/rules/doc-drafted-cong-van', admin(a))).html).find((x) => x.action.endsWith('/admin/rules/doc-drafted-cong-van'))!;
      expect([Object.keys(drafting.fields).filter((k) => /^cond\dPath$/.test(k)).length, Object.keys(drafting.fields).filter((k) => /^coef\dPath$/.test(k)).length], 'its own rows and one blank').to.deep.equal([3, 3]);
      expect((await submit(f, { op: 'save', id: 'new' })).status).to.equal(400);
      const odd = await submit(f, { op: 'save', id: 'có dấu/ và khoảng trắng', priority: '1,5' });
      expect(odd.status).to.equal(400);
      expect(decode(odd.html)).to.match(/id="rule-id-err" class="field-err">Mã quy tắc: 1–100 ký tự/).and.to.match(/id="rule-priority-err" class="field-err">Độ ưu tiên phải là một số nguyên/);
      expect(text).to.contain('value="subject..docType"');
      expect((await h.api('GET', '/api/v1/rules', admin(a))).body.rules.map((x: { id: string }) => x.id)).to.not.include('doc-new');
    });

    it('when a pasted event is not JSON, belongs to another agency or names no stored event, then the trial says so and saves nothing', async () => {
      expect((await h.api('POST', '/api/v1/rules/try', admin(a), { event: '{not json' })).body.error.code).to.equal('invalid_json');
      expect((await h.api('POST', '/api/v1/rules/try', admin(a), { event: ev(b, {}) })).body.error.code).to.equal('agency_mismatch');
      expect((await h.api('POST', '/api/v1/rules/try', admin(a), { eventId: 'nope' })).body.error.code).to.equal('unknown_event');
      const p = await page('/panels/admin', admin(a));
      const r = await submit(formTo(p.html, '/admin/rules-try'), { event: '{not json' });
      expect(r.status).to.equal(400);
      expect(decode(r.html)).to.contain('Nội dung dán vào không phải JSON hợp lệ.');
    });
  });

  describe('the rules API', () => {
    const rule = { id: 'doc-issued-qd', eventType: 'document.issued', when: { 'subject.docType': 'quyet-dinh' }, workItemCode: 'VT-04', priority: 50 };

    it('when the admin adds, edits and switches off a rule, then each applies to the events after it', async () => {
      let r = await h.api('POST', '/api/v1/rules', admin(a), rule);
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body.rule).to.deep.equal({ ...rule, active: true });
      expect((await h.api('POST', '/api/v1/rules', admin(a), rule)).status).to.equal(409);
      const issued = (id: string) => ev(a, { id, type: 'document.issued', actor: { id: 'cv-1' }, subject: { kind: 'document', id, title: 'Quyết định', docType: 'quyet-dinh', urgency: 'thuong' }, data: {} });
      await h.postEvents(a, issued('QD-1'));
      r = await h.api('PUT', '/api/v1/rules/doc-issued-qd', admin(a), { ...rule, workItemCode: 'VT-05' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      await h.postEvents(a, issued('QD-2'));
      r = await h.api('POST', '/api/v1/rules/doc-issued-qd/deactivate', admin(a), {});
      expect(r.body.active).to.equal(false);
      await h.postEvents(a, issued('QD-3'));
      const items = async (id: string) => (await stored(a, id, 'cv-1', '2026-03-12')).map((e) => e.workItemCode);
      expect([await items('QD-1'), await items('QD-2'), await items('QD-3')]).to.deep.equal([['VT-04'], ['VT-05'], ['VT-03']]);
      expect((await h.api('POST', '/api/v1/rules/doc-issued-qd/activate', admin(a), {})).body.active).to.equal(true);
    });

    it('when a rule is wrong, then 400 names the field; an unknown rule is 404; an id cannot change', async () => {
      let r = await h.api('POST', '/api/v1/rules', admin(a), { ...rule, id: 'x-1', workItemCode: 'NOPE' });
      expect([r.status, r.body.error.code, r.body.error.field]).to.deep.equal([400, 'invalid_rule', 'workItemCode']);
      r = await h.api('POST', '/api/v1/rules', admin(a), { ...rule, id: 'x-2', coefficientBy: { 'subject.urgency': { khan: -1 } } });
      expect(r.body.error.field).to.equal('coefficientBy.subject.urgency.khan');
      r = await h.api('PUT', '/api/v1/rules/nope', admin(a), rule);
      expect(r.status).to.equal(404);
      r = await h.api('PUT', '/api/v1/rules/doc-received', admin(a), { ...rule, id: 'other' });
      expect([r.status, r.body.error.field]).to.deep.equal([400, 'id']);
    });

    it('when another role, or another agency\'s admin, writes, then it is refused and the agency\'s rules do not change', async () => {
      const before = (await h.api('GET', '/api/v1/rules', admin(a))).body.rules;
      const writes: Array<[string, string, unknown]> = [
        ['POST', '/api/v1/rules', { ...rule, id: 'intruder' }],
        ['PUT', '/api/v1/rules/doc-received', { ...before[0], workItemCode: 'VT-02' }],
        ['POST', '/api/v1/rules/doc-received/deactivate', {}],
        ['POST', '/api/v1/rules/doc-received/activate', {}],
        ['POST', '/api/v1/rules/try', { event: ev(a, {}) }],
        ['POST', '/api/v1/events/replay-failed', { type: 'task.assigned' }],
        ['PUT', '/api/v1/settings', { dailyMinutes: 400 }],
      ];
      for (const [method, path, body] of writes) {
        for (const role of ROLES.filter((x) => x !== 'admin')) {
          const r = await h.api(method, path, h.userToken(a, 'u-1', [role as Role], { unit: 'p-a' }), body);
          expect([r.status, r.body.error?.code], `${method} ${path} as ${role}`).to.deep.equal([403, 'forbidden']);
        }
      }
      // Another agency's admin: the agency is the token's, so it reaches its own rules only.
      const other = admin(b);
      expect((await h.api('PUT', '/api/v1/rules/doc-received', other, { ...before.find((x: { id: string }) => x.id === 'doc-received'), workItemCode: 'VT-02' })).status).to.equal(200);
      expect((await h.api('POST', '/api/v1/rules/doc-signed/deactivate', other, {})).status).to.equal(200);
      expect((await h.api('POST', '/api/v1/rules/try', other, { eventId: 'user-1' })).body.error.code).to.equal('unknown_event');
      // A token naming agency A but signed with B's secret is no token at all.
      const forged = jwt.sign({ sub: 'admin-1', agency: a.code, roles: ['admin'] }, b.secret, { algorithm: 'HS256', audience: AUDIENCE, expiresIn: 600 });
      expect((await h.api('POST', '/api/v1/rules/doc-received/deactivate', forged, {})).status).to.equal(401);
      expect((await h.api('GET', '/api/v1/rules', admin(a))).body.rules).to.deep.equal(before);
      expect((await h.api('GET', '/api/v1/settings', admin(a))).body.dailyMinutes).to.equal(480);
    });
  });

  describe('the warnings of a saved rule', () => {
    let w: TestAgency;
    before(async () => { w = await h.addAgency('ag-rules-warn'); });

    /** The messages next to the fields of a rule's page, by kind: `field-err` or `field-warn`. */
    const notes = (html: string, kind: 'err' | 'warn'): string[] => [...decode(html).matchAll(new RegExp(`<p id="([^"]+)" class="field-${kind}[^"]*">([^<]*)</p>`, 'g'))].map((m) => `${m[1]}: ${m[2]!.trim()}`);
    const SHADOWED = 'rule-priority-warn: Quy tắc này không bao giờ được dùng vì một quy tắc không điều kiện cùng loại sự kiện đứng trước.';

    it('when a new rule is saved that an earlier unconditional rule shadows, then the admin lands on its page, saved, with the warning next to the priority; the form sent again goes there too', async () => {
      const f = formTo((await page('/panels/admin/rules/new', admin(w))).html, '/admin/rules');
      // doc-received (priority 100, no condition) takes every received document before this one.
      const typed = { op: 'save', id: 'doc-received-late', eventType: 'document.received', workItemCode: 'VT-02', cond0Path: 'subject.docType', cond0Values: 'cong-van', priority: '200' };
      const saved = await submit(f, typed);
      expect(saved.status, decode(saved.html).slice(0, 2000)).to.equal(303);
      expect(formTarget(saved.location)).to.equal('/kpi/panels/admin/rules/doc-received-late?notice=rule-saved');
      const landed = await open(h.url, saved.location!);
      expect(landed.status).to.equal(200);
      expect(landed.text).to.contain('Đã lưu quy tắc; áp dụng cho các sự kiện đến sau.');
      expect(landed.text).to.contain('<p class="warn" id="rule-warned">Quy tắc này có cảnh báo, ghi cạnh trường liên quan');
      expect(notes(landed.html, 'warn')).to.deep.equal([SHADOWED]);
      expect(notes(landed.html, 'err'), 'a warning is no error').to.deep.equal([]);
      expect(landed.html).to.match(/id="rule-priority" name="priority" value="200"[^>]*aria-describedby="rule-priority-help rule-priority-warn"/);
      expect(landed.html).to.not.contain('aria-invalid');
      const again = await submit(f, typed);
      expect(formTarget(again.location), 'the second POST goes where the first went').to.equal(formTarget(saved.location));
      expect((await h.api('GET', '/api/v1/rules', admin(w))).body.rules.filter((r: { id: string }) => r.id === 'doc-received-late')).to.have.length(1);
    });

    it('when an edit makes a rule shadowed, then the admin lands on that rule\'s page with the warning, in English for an English admin', async () => {
      const f = formTo((await page('/panels/admin/rules/doc-drafted-cong-van', admin(w, { locale: 'en' }))).html, '/admin/rules/doc-drafted-cong-van');
      // After doc-drafted-other (900, no condition), the rule for drafted letters never fires.
      const saved = await submit(f, { op: 'save', priority: '950' });
      expect(saved.status, decode(saved.html).slice(0, 2000)).to.equal(303);
      expect(formTarget(saved.location)).to.equal('/kpi/panels/admin/rules/doc-drafted-cong-van?notice=rule-saved');
      const landed = await open(h.url, saved.location!);
      expect(landed.text).to.contain('Rule saved; it applies to events that arrive from now on.').and.to.contain('This rule has warnings, shown next to their fields');
      expect(notes(landed.html, 'warn')).to.deep.equal(['rule-priority-warn: This rule never fires: an unconditional rule of the same event type comes first.']);
    });

    it('when a rule\'s page is opened later, then it shows the rule\'s warnings as they are now: gone with the rule that shadowed it, back with its retired work item', async () => {
      expect(notes((await page('/panels/admin/rules/doc-received-late', admin(w))).html, 'warn')).to.deep.equal([SHADOWED]);
      expect((await h.api('POST', '/api/v1/rules/doc-received/deactivate', admin(w), {})).status).to.equal(200);
      let p = await page('/panels/admin/rules/doc-received-late', admin(w));
      expect([notes(p.html, 'warn'), p.html.includes('id="rule-warned"')]).to.deep.equal([[], false]);
      const item = (await h.plugin.services.agencies.catalogue(w.code)).find((i) => i.code === 'VT-02')!;
      await h.plugin.services.agencies.saveCatalogue(w.code, [{ ...item, active: false }], 'admin-1');
      p = await page('/panels/admin/rules/doc-received-late', admin(w));
      expect(notes(p.html, 'warn')).to.deep.equal(['rule-item-warn: Đầu công việc đang ngừng sử dụng: quy tắc sẽ bị bỏ qua.']);
      expect(p.html).to.match(/<select id="rule-item" name="workItemCode" aria-describedby="rule-item-warn">/);
    });
  });

  describe('every admin form is protected', () => {
    /** The admin's forms: the overview's, a rule's, the settings'. */
    async function adminForms(): Promise<FullForm[]> {
      await h.postEvents(a, ev(a, { id: 'evt-bad-form', type: 'task.assigned', actor: { id: 'lead-1' }, subject: { kind: 'task', id: 'NV-F', title: 'x', dueAt: '2026-03-20T17:00:00+07:00' }, data: { assigneeId: 'cv-1', workItemCode: 'NO-SUCH' } }));
      const forms: FullForm[] = [];
      for (const path of ['/panels/admin', '/panels/admin/rules/doc-received', '/panels/admin/rules/new', '/panels/admin/settings']) {
        const p = await page(path, admin(a));
        expect(p.status, path).to.equal(200);
        forms.push(...fullFormsOf(p.html));
      }
      return forms;
    }

    it('when a form is posted without its form token, with another form\'s token, or without the context token, then 403 and nothing changes', async () => {
      const forms = await adminForms();
      const paths = forms.map((f) => new URL(f.action, 'http://x').pathname.replace(/^\/kpi\/panels/, ''));
      for (const p of ['/admin/events/evt-bad-form/replay', '/admin/replay-type', '/admin/rules-try', '/admin/rules/doc-received', '/admin/rules/doc-received/active', '/admin/rules', '/admin/settings']) expect(paths).to.include(p);
      const before = (await h.api('GET', '/api/v1/rules', admin(a))).body.rules;
      for (const f of forms) {
        const other = forms.find((x) => x.action !== f.action)!;
        for (const changes of [{ _csrf: undefined }, { _csrf: other.fields._csrf }, { ctx: undefined }, { _csrf: 'x'.repeat(43) }] as Array<Record<string, string | undefined>>) {
          const r = await submit(f, { ...changes, op: 'save', dailyMinutes: '1' });
          expect(r.status, `${f.action} ${JSON.stringify(Object.keys(changes))}`).to.be.oneOf([401, 403]);
        }
      }
      expect((await h.api('GET', '/api/v1/rules', admin(a))).body.rules).to.deep.equal(before);
      expect((await h.api('GET', '/api/v1/settings', admin(a))).body.dailyMinutes).to.equal(480);
    });

    it('when another role posts an admin form with a valid form token of its own context, then 403', async () => {
      const forms = await adminForms();
      for (const role of ROLES.filter((x) => x !== 'admin')) {
        // The panel a non-admin can open hands out a context token; the form token is made with the agency's key, as if leaked.
        const home = role === 'official' ? '/panels/me' : role === 'leader' ? '/panels/ranking' : '/panels/reports';
        const p = await page(home, h.userToken(a, 'u-2', [role as Role], { unit: 'p-a' }));
        expect(p.status, home).to.equal(200);
        const ctx = new URL(decode(/<a href="([^"]+)"/.exec(p.html)![1]!), 'http://x').searchParams.get('ctx')!;
        const jti = (jwt.decode(ctx) as { jti: string }).jti;
        for (const f of forms) {
          const action = new URL(f.action, 'http://x').pathname.replace(/^\/kpi\/panels\//, '');
          const name = formAction(action);
          const r = await submit(f, { ctx, _csrf: csrfToken(deriveKeys(a.secret), jti, name), op: 'save' });
          expect(r.status, `${role} → ${f.action}`).to.equal(403);
        }
      }
    });
  });

  /** The anti-forgery action of an admin form's path (as src/panels/forms.ts names them). */
  function formAction(path: string): string {
    let m: RegExpExecArray | null;
    if ((m = /^admin\/events\/([^/]+)\/replay$/.exec(path))) return `admin.replay:${decodeURIComponent(m[1]!)}`;
    if ((m = /^admin\/rules\/([^/]+)\/active$/.exec(path))) return `admin.rules.active:${decodeURIComponent(m[1]!)}`;
    if ((m = /^admin\/rules\/([^/]+)$/.exec(path))) return `admin.rules.edit:${decodeURIComponent(m[1]!)}`;
    return ({ 'admin/replay-type': 'admin.replay-type', 'admin/rules': 'admin.rules.create', 'admin/rules-try': 'admin.rules.try', 'admin/settings': 'admin.settings' } as Record<string, string>)[path]!;
  }

  describe('failed events and the integration check', () => {
    it('when several events of one type failed, then one replay takes them all; when they fail again, the page says so as a failure', async () => {
      const bad = (id: string) => ev(a, { id, type: 'task.assigned', actor: { id: 'lead-1' }, subject: { kind: 'task', id, title: 'x', dueAt: '2026-03-20T17:00:00+07:00' }, data: { assigneeId: 'cv-1', workItemCode: 'ZZ-1' } });
      await h.postEvents(a, { events: [bad('evt-zz-1'), bad('evt-zz-2')] });
      let p = await page('/panels/admin', admin(a));
      const f = formTo(p.html, '/admin/replay-type');
      let r = await submit(f, { type: 'task.assigned' });
      expect(r.location).to.contain('notice=replay-failed');
      p = await page(`${new URL(r.location!, 'http://x').pathname.replace(/^\/kpi/, '')}${new URL(r.location!, 'http://x').search}`, admin(a));
      expect(p.html).to.match(/class="flash err" role="alert"/);
      expect(p.html).to.not.match(/class="flash ok"/);

      const item = (await h.plugin.services.agencies.catalogue(a.code)).find((i) => i.code === 'CV-16')!;
      await h.plugin.services.agencies.saveCatalogue(a.code, [{ ...item, code: 'ZZ-1', name: 'Việc thử' }, { ...item, code: 'NO-SUCH', name: 'Việc thử 2' }], 'admin-1');
      const all = await h.api('POST', '/api/v1/events/replay-failed', admin(a), { type: 'task.assigned' });
      expect(all.body.replayed.map((x: { id: string; status: string }) => `${x.id} ${x.status}`).sort()).to.include.members(['evt-zz-1 processed', 'evt-zz-2 processed']);
      expect((await h.api('GET', '/api/v1/events?status=failed', admin(a))).body.events).to.deep.equal([]);
    });

    it('when the integration check is opened, then it shows the webhook address, what arrived per type and the clock skew of the tokens', async () => {
      const p = await page('/panels/admin/integration', admin(a));
      expect(p.status).to.equal(200);
      const text = decode(p.html);
      expect(text).to.contain(`${h.url}/events`);
      expect(text).to.match(/<tr data-type="task.assigned"><td>task.assigned<\/td><td class="num">\d+<\/td><td class="num">0<\/td><td class="small nowrap">[^<]+<\/td><td class="small">evt-zz-2<\/td>/);
      expect(text).to.match(/<tr data-type="document.issued">.*<td class="small">QD-3<\/td>/);
      expect(text).to.match(/Lần gần nhất lệch -?\d+ giây/);
      expect((await page('/panels/admin/integration', h.userToken(a, 'u-3', ['hr']))).status).to.equal(403);
    });
  });
});
