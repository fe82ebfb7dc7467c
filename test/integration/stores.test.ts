import { expect } from 'chai';
import type { Knex } from 'knex';
import { defaultSettings } from '../../src/contract/events';
import { parseDbUrl } from '../../src/db/connection';
import { parseJson, toDate } from '../../src/db/rows';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import type { Principal } from '../../src/domain/principal';
import { buildServices } from '../../src/index';
import type { IntakeService } from '../../src/intake/intake-service';
import { cloneCatalogue, type WorkItem } from '../../src/rules/catalogue';
import { cloneRules, type MappingRule } from '../../src/rules/mapping';
import type { AgencyService } from '../../src/services/agency-service';
import type { JournalService } from '../../src/services/journal-service';
import type { Stores } from '../../src/stores';
import { buildEvent, freshDb, testDbUrl, testDialect } from '../helpers/harness';

const T0 = new Date('2026-03-12T02:15:00.123Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3600_000;

/** Vietnamese with every kind of mark: precomposed vowels with tone and shape marks, đ, the en dash. */
const VI = 'Ủy ban nhân dân tỉnh Khánh Hòa – Phòng Tổ chức cán bộ: Nguyễn Thị Ánh Tuyết, Đặng Quốc Việt, Lưu Hữu Phước';
const VI_NFD = VI.normalize('NFD');

function official(agency: string, userId: string): Principal {
  return { userId, agency, name: userId, unit: null, roles: ['official'], locale: 'vi' };
}

describe(`stores on ${testDialect()} (${parseDbUrl(testDbUrl()).display})`, function () {
  this.timeout(60000);
  let knex: Knex;
  let uow: KnexUnitOfWork;
  /** The stores outside a transaction (reads, as the services make them). */
  let store: Stores;
  let agencies: AgencyService;
  let intake: IntakeService;
  let journal: JournalService;

  before(async () => {
    knex = await freshDb();
    const services = buildServices({ knex });
    uow = services.uow;
    store = uow.read;
    agencies = services.agencies;
    intake = services.intake;
    journal = services.journal;
  });

  after(async () => {
    await knex?.destroy();
  });

  async function insertAgency(code: string, name = `Cơ quan ${code}`): Promise<void> {
    await uow.write((tx) => tx.agencies.insert({ code, name, timeZone: 'Asia/Ho_Chi_Minh', issuer: 'eoffice-host', hostOrigins: ['https://vp.example.gov.vn'], rs256PublicKey: null }, T0));
  }

  describe('KnexAgencyStore, KnexCatalogueStore, KnexAuditStore', () => {
    it('when agencies are inserted, then get returns each field for field and list orders them by code', async () => {
      await insertAgency('st-b');
      await uow.write((tx) => tx.agencies.insert({
        code: 'st-a', name: 'Sở Nội vụ', timeZone: 'Asia/Bangkok', issuer: 'host-7', hostOrigins: ['https://a.example.vn', 'https://b.example.vn:8443'], rs256PublicKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      }, T0));
      const a = await store.agencies.get('st-a');
      expect(a).to.deep.equal({
        code: 'st-a', name: 'Sở Nội vụ', timeZone: 'Asia/Bangkok', issuer: 'host-7', hostOrigins: ['https://a.example.vn', 'https://b.example.vn:8443'],
        rs256PublicKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----', createdAt: T0,
      });
      expect(await store.agencies.get('st-none')).to.equal(null);
      const listed = (await store.agencies.list()).map((x) => x.code).filter((c) => c.startsWith('st-'));
      expect(listed).to.deep.equal(['st-a', 'st-b']);
    });

    it('when an agency is updated, then only the fields given change', async () => {
      await insertAgency('st-upd');
      await uow.write((tx) => tx.agencies.update('st-upd', { timeZone: 'UTC', hostOrigins: [] }, at(HOUR)));
      const a = await store.agencies.get('st-upd');
      expect(a).to.include({ name: 'Cơ quan st-upd', timeZone: 'UTC', issuer: 'eoffice-host' });
      expect(a?.hostOrigins).to.deep.equal([]);
      const row = await knex('kpi_agencies').where({ code: 'st-upd' }).first();
      expect(toDate(row.updated_at)?.getTime()).to.equal(at(HOUR).getTime());
    });

    it('when a secret is rotated with an overlap, then both are valid until the old one expires, newest first', async () => {
      await insertAgency('st-sec');
      await uow.write((tx) => tx.agencies.insertSecret('st-sec', 'secret-1', T0));
      expect((await store.agencies.validSecrets('st-sec', T0)).map((s) => s.secret)).to.deep.equal(['secret-1']);

      const until = at(HOUR);
      await uow.write(async (tx) => {
        await tx.agencies.expireSecretsAfter('st-sec', until);
        await tx.agencies.insertSecret('st-sec', 'secret-2', at(1000));
      });
      const during = await store.agencies.validSecrets('st-sec', at(HOUR / 2));
      expect(during.map((s) => s.secret)).to.deep.equal(['secret-2', 'secret-1']);
      expect(during[1]?.expiresAt?.getTime()).to.equal(until.getTime());
      expect(during[0]?.expiresAt).to.equal(null);
      expect(during[0]?.createdAt.getTime()).to.equal(at(1000).getTime());
      // At the very instant of expiry the old secret is over (expires_at > now).
      expect((await store.agencies.validSecrets('st-sec', until)).map((s) => s.secret)).to.deep.equal(['secret-2']);
      expect((await store.agencies.validSecrets('st-sec', at(2 * HOUR))).map((s) => s.secret)).to.deep.equal(['secret-2']);
      expect(await store.agencies.validSecrets('st-other', T0)).to.deep.equal([]);
    });

    it('when settings are put twice, then the JSON comes back as last put, in one row, with who put it', async () => {
      await insertAgency('st-set');
      expect(await store.agencies.settingsJson('st-set')).to.equal(null);
      const first = defaultSettings({ holidays: ['2026-04-30', '2026-05-01'], hostOrigins: ['https://vp.example.gov.vn'] });
      await uow.write((tx) => tx.agencies.putSettingsJson('st-set', first, 'admin-1', T0));
      expect(await store.agencies.settingsJson('st-set')).to.deep.equal(first);
      const second = defaultSettings({ capPolicy: 'warn', dailyMinutes: 450, timeZone: 'Asia/Bangkok' });
      await uow.write((tx) => tx.agencies.putSettingsJson('st-set', second, 'admin-2', at(HOUR)));
      expect(await store.agencies.settingsJson('st-set')).to.deep.equal(second);
      const rows = await knex('kpi_settings').where({ agency_code: 'st-set' });
      expect(rows).to.have.length(1);
      expect(rows[0].updated_by).to.equal('admin-2');
      expect(toDate(rows[0].updated_at)?.getTime()).to.equal(at(HOUR).getTime());
    });

    it('when a changed catalogue is saved, then the changed item gets version 2 and version 1 stays, closed', async () => {
      await insertAgency('st-cat');
      const items = cloneCatalogue();
      const saved = await uow.write((tx) => tx.catalogue.save('st-cat', items, T0));
      expect(saved).to.deep.equal(items.map((i) => i.code));
      const v1 = await store.catalogue.current('st-cat');
      expect(v1).to.have.length(items.length);
      expect(v1.every((i) => i.version === 1)).to.equal(true);
      const byCode = (a: WorkItem, b: WorkItem) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
      expect(v1.map(({ version: _v, validFrom: _f, sector: _s, ...rest }) => rest).sort(byCode)).to.deep.equal([...items].sort(byCode));

      expect(await uow.write((tx) => tx.catalogue.save('st-cat', cloneCatalogue(), at(HOUR)))).to.deep.equal([]);

      const changed: WorkItem[] = cloneCatalogue();
      const target = changed[1]!;
      target.standardMinutes += 5;
      target.name = `${target.name} (sửa đổi)`;
      const t2 = at(2 * HOUR);
      expect(await uow.write((tx) => tx.catalogue.save('st-cat', changed, t2))).to.deep.equal([target.code]);

      const current = await store.catalogue.current('st-cat');
      expect(current).to.have.length(items.length);
      expect(current.find((i) => i.code === target.code)).to.deep.equal({ ...target, version: 2, validFrom: null, sector: '' });
      expect(current.filter((i) => i.code !== target.code).every((i) => i.version === 1)).to.equal(true);

      const versions = await knex('kpi_work_items').where({ agency_code: 'st-cat', code: target.code }).orderBy('version');
      expect(versions.map((r) => Number(r.version))).to.deep.equal([1, 2]);
      const [old, now] = versions;
      expect(Boolean(Number(old.current))).to.equal(false);
      expect(toDate(old.valid_to)?.getTime()).to.equal(t2.getTime());
      expect(Number(old.standard_minutes)).to.equal(items[1]!.standardMinutes);
      expect(old.name).to.equal(items[1]!.name);
      expect(Boolean(Number(now.current))).to.equal(true);
      expect(now.valid_to).to.equal(null);
      expect(toDate(now.valid_from)?.getTime()).to.equal(t2.getTime());
    });

    it('when rules are replaced, then only the new set is kept, in priority order, and other agencies keep theirs', async () => {
      await insertAgency('st-rul');
      await insertAgency('st-rul2');
      const all = cloneRules();
      await uow.write((tx) => tx.catalogue.replaceRules('st-rul', all, T0));
      await uow.write((tx) => tx.catalogue.replaceRules('st-rul2', all.slice(0, 2), T0));
      const sorted = (list: MappingRule[]) => [...list].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      expect(await store.catalogue.rules('st-rul')).to.deep.equal(sorted(all));

      const next = cloneRules().filter((r) => r.eventType.startsWith('document.'));
      next[0]!.active = false;
      next[0]!.priority = 999;
      await uow.write((tx) => tx.catalogue.replaceRules('st-rul', next, at(HOUR)));
      expect(await store.catalogue.rules('st-rul')).to.deep.equal(sorted(next));
      expect(await store.catalogue.rules('st-rul2')).to.deep.equal(sorted(all.slice(0, 2)));
    });

    it('when an action is audited, then the row keeps actor, action, target, details and time', async () => {
      await insertAgency('st-aud');
      await uow.write((tx) => tx.audit.record({ agency: 'st-aud', actor: 'admin-1', action: 'settings.put', target: 'st-aud', details: { before: { capMinutes: 480 }, after: { capMinutes: 420 }, list: [1, 'hai', null] }, at: T0 }));
      await uow.write((tx) => tx.audit.record({ agency: 'st-aud', actor: 'cli', action: 'agency.rotate-secret', target: null, details: undefined, at: at(1) }));
      const rows = await knex('kpi_audit_log').where({ agency_code: 'st-aud' }).orderBy('id');
      expect(rows).to.have.length(2);
      expect(rows[0]).to.include({ actor: 'admin-1', action: 'settings.put', target: 'st-aud' });
      expect(parseJson(rows[0].details, null)).to.deep.equal({ before: { capMinutes: 480 }, after: { capMinutes: 420 }, list: [1, 'hai', null] });
      expect(toDate(rows[0].at)?.getTime()).to.equal(T0.getTime());
      expect(rows[1]).to.include({ actor: 'cli', action: 'agency.rotate-secret', target: null, details: null });
    });

    it('when a token id is reused within its lifetime, then it is refused; after its lifetime it is taken again', async () => {
      const exp = at(300_000);
      expect(await store.agencies.useTokenId('st-tok', 'jti-1', exp, T0)).to.equal(true);
      expect(await store.agencies.useTokenId('st-tok', 'jti-1', exp, at(1000))).to.equal(false);
      expect(await store.agencies.useTokenId('st-tok', 'jti-1', at(600_000), at(299_999))).to.equal(false);
      // Another agency, or another id: independent.
      expect(await store.agencies.useTokenId('st-tok2', 'jti-1', exp, at(1000))).to.equal(true);
      expect(await store.agencies.useTokenId('st-tok', 'jti-2', exp, at(1000))).to.equal(true);
      // Once its lifetime is over, the id may come back, with a new lifetime that is again guarded.
      const exp2 = at(900_000);
      expect(await store.agencies.useTokenId('st-tok', 'jti-1', exp2, at(300_001))).to.equal(true);
      expect(await store.agencies.useTokenId('st-tok', 'jti-1', exp2, at(400_000))).to.equal(false);
      const row = await knex('kpi_token_uses').where({ agency_code: 'st-tok', jti: 'jti-1' }).first();
      expect(toDate(row.expires_at)?.getTime()).to.equal(exp2.getTime());
    });
  });

  describe('Vietnamese text, stored in NFC', () => {
    before(async () => {
      expect(VI_NFD).to.not.equal(VI);
      expect(VI.normalize('NFC')).to.equal(VI);
    });

    it('when an agency is added with its name in NFC or NFD, then its name comes back NFC, unchanged', async () => {
      await agencies.addAgency({ code: 'vi-nfc', name: VI });
      await agencies.addAgency({ code: 'vi-nfd', name: VI_NFD });
      expect((await store.agencies.get('vi-nfc'))?.name).to.equal(VI);
      expect((await store.agencies.get('vi-nfd'))?.name).to.equal(VI);
      const raw = await knex('kpi_agencies').whereIn('code', ['vi-nfc', 'vi-nfd']).select('name');
      expect(raw.map((r) => r.name)).to.deep.equal([VI, VI]);
    });

    it('when users and units are upserted by events in NFC or NFD, then their names come back NFC', async () => {
      const nfc = buildEvent({ agency: 'vi-nfc', type: 'user.upserted', subject: { kind: 'user', id: 'u-nfc' }, data: { name: VI, unitId: 'p-vi', position: 'Chuyên viên chính', isLeader: false, active: true } });
      const nfd = buildEvent({ agency: 'vi-nfc', type: 'user.upserted', subject: { kind: 'user', id: 'u-nfd' }, data: { name: VI_NFD, unitId: 'p-vi', position: 'Chuyên viên chính'.normalize('NFD'), isLeader: true, active: true } });
      const unitNfd = buildEvent({ agency: 'vi-nfc', type: 'unit.upserted', subject: { kind: 'unit', id: 'p-vi' }, data: { name: `Phòng ${VI_NFD}`, parentId: null } });
      const unitNfc = buildEvent({ agency: 'vi-nfc', type: 'unit.upserted', subject: { kind: 'unit', id: 'p-vi2' }, data: { name: `Phòng ${VI}`, parentId: 'p-vi' } });
      const r = await intake.ingest([nfc, nfd, unitNfd, unitNfc], { source: 'inprocess' });
      expect(r).to.deep.equal({ accepted: 4, duplicates: 0, rejected: [] });
      const users = await knex('kpi_users').where({ agency_code: 'vi-nfc' }).orderBy('id');
      expect(users.map((u) => [u.id, u.name, u.position])).to.deep.equal([['u-nfc', VI, 'Chuyên viên chính'], ['u-nfd', VI, 'Chuyên viên chính']]);
      const units = await knex('kpi_units').where({ agency_code: 'vi-nfc' }).orderBy('id');
      expect(units.map((u) => [u.id, u.name, u.parent_id])).to.deep.equal([['p-vi', `Phòng ${VI}`, null], ['p-vi2', `Phòng ${VI}`, 'p-vi']]);
    });

    it('when work items are saved with names in NFC or NFD, then they come back NFC', async () => {
      const items = cloneCatalogue().slice(0, 2);
      items[0]!.name = VI;
      items[1]!.name = VI_NFD;
      items[1]!.unit = 'hồ sơ'.normalize('NFD');
      await agencies.saveCatalogue('vi-nfc', items, 'admin');
      const current = await store.catalogue.current('vi-nfc');
      const byCode = new Map(current.map((i) => [i.code, i]));
      expect(byCode.get(items[0]!.code)?.name).to.equal(VI);
      expect(byCode.get(items[1]!.code)?.name).to.equal(VI);
      expect(byCode.get(items[1]!.code)?.unit).to.equal('hồ sơ');
      // Saving the same items again in the other form changes nothing: NFD and NFC are the same text.
      const again = cloneCatalogue().slice(0, 2);
      again[0]!.name = VI_NFD;
      again[1]!.name = VI;
      again[1]!.unit = 'hồ sơ';
      expect(await uow.write((tx) => tx.catalogue.save('vi-nfc', again, at(HOUR)))).to.deep.equal([]);
    });

    it('when entries are made from events titled in NFC or NFD, then their subject titles come back NFC', async () => {
      const e1 = buildEvent({ agency: 'vi-nfc', type: 'document.received', actor: { id: 'u-nfc' }, subject: { kind: 'document', id: 'VB-VI-1', title: VI } });
      const e2 = buildEvent({ agency: 'vi-nfc', type: 'document.received', actor: { id: 'u-nfc' }, subject: { kind: 'document', id: 'VB-VI-2', title: VI_NFD } });
      expect(await intake.ingest([e1, e2], { source: 'inprocess' })).to.deep.equal({ accepted: 2, duplicates: 0, rejected: [] });
      const rows = await knex('kpi_journal_entries').where({ agency_code: 'vi-nfc' }).whereIn('subject_id', ['VB-VI-1', 'VB-VI-2']).orderBy('subject_id');
      expect(rows.map((r) => r.subject_title)).to.deep.equal([VI, VI]);
      const listed = await journal.list(official('vi-nfc', 'u-nfc'), { from: '2026-03-01', to: '2026-03-31' });
      expect(listed.entries.filter((e) => e.subjectId?.startsWith('VB-VI-')).map((e) => e.subjectTitle)).to.deep.equal([VI, VI]);
      // The stored payload keeps the text too, in NFC.
      const ev = await knex('kpi_events').where({ agency_code: 'vi-nfc', event_id: e2.id }).first();
      expect((parseJson<{ subject: { title: string } }>(ev.payload, { subject: { title: '' } })).subject.title).to.equal(VI);
    });

    it('when settings hold Vietnamese text in NFC or NFD, then it comes back NFC', async () => {
      await uow.write((tx) => tx.agencies.putSettingsJson('vi-nfc', { ...defaultSettings(), note: VI }, VI, T0));
      expect((await store.agencies.settingsJson('vi-nfc') as { note: string }).note).to.equal(VI);
      expect((await knex('kpi_settings').where({ agency_code: 'vi-nfc' }).first()).updated_by).to.equal(VI);
      await uow.write((tx) => tx.agencies.putSettingsJson('vi-nfd', { ...defaultSettings(), note: VI_NFD }, VI_NFD, T0));
      expect((await store.agencies.settingsJson('vi-nfd') as { note: string }).note).to.equal(VI);
      expect((await knex('kpi_settings').where({ agency_code: 'vi-nfd' }).first()).updated_by).to.equal(VI);
    });

    it('when audit details hold Vietnamese text in NFC or NFD, then they come back NFC', async () => {
      await uow.write((tx) => tx.audit.record({ agency: 'vi-nfc', actor: VI, action: 'demo.nfc', target: VI, details: { name: VI, list: [VI] }, at: T0 }));
      await uow.write((tx) => tx.audit.record({ agency: 'vi-nfc', actor: VI_NFD, action: 'demo.nfd', target: VI_NFD, details: { name: VI_NFD, list: [VI_NFD] }, at: T0 }));
      const rows = await knex('kpi_audit_log').where({ agency_code: 'vi-nfc' }).whereIn('action', ['demo.nfc', 'demo.nfd']).orderBy('action');
      expect(rows.map((r) => [r.actor, r.target, parseJson(r.details, null)])).to.deep.equal([
        [VI, VI, { name: VI, list: [VI] }],
        [VI, VI, { name: VI, list: [VI] }],
      ]);
    });
  });

  describe('days and lengths', () => {
    it('when an event happens at 2026-03-12T23:30:00Z, then its entry is on 2026-03-13 in Asia/Ho_Chi_Minh and on 2026-03-12 in an agency on UTC', async () => {
      await agencies.addAgency({ code: 'tz-hcm', name: 'Ủy ban nhân dân phường Hắc Thành' });
      await agencies.addAgency({ code: 'tz-utc', name: 'Văn phòng đại diện', timeZone: 'UTC' });
      const hcm = buildEvent({ agency: 'tz-hcm', type: 'document.received', occurredAt: '2026-03-12T23:30:00Z', actor: { id: 'u-tz' } });
      const utc = buildEvent({ agency: 'tz-utc', type: 'document.received', occurredAt: '2026-03-12T23:30:00Z', actor: { id: 'u-tz' } });
      expect(await intake.ingest([hcm, utc], { source: 'inprocess' })).to.deep.equal({ accepted: 2, duplicates: 0, rejected: [] });
      const a = await knex('kpi_journal_entries').where({ agency_code: 'tz-hcm', event_id: hcm.id }).first();
      const b = await knex('kpi_journal_entries').where({ agency_code: 'tz-utc', event_id: utc.id }).first();
      expect(a.day).to.equal('2026-03-13');
      expect(b.day).to.equal('2026-03-12');
      // The instant itself is kept in UTC, whatever the zone.
      expect(toDate(a.occurred_at)?.toISOString()).to.equal('2026-03-12T23:30:00.000Z');
      expect(toDate(b.occurred_at)?.toISOString()).to.equal('2026-03-12T23:30:00.000Z');
      const ev = await knex('kpi_events').where({ agency_code: 'tz-hcm', event_id: hcm.id }).first();
      expect(toDate(ev.occurred_at)?.toISOString()).to.equal('2026-03-12T23:30:00.000Z');
    });

    it('when events carry the longest values the contract allows, then every store keeps them whole', async () => {
      await agencies.addAgency({ code: 'len-max', name: 'Sở Thông tin và Truyền thông' });
      const id = (p: string, n: number) => `${p}${'x'.repeat(n - p.length)}`;
      const kind = id('k', 50); // subject.kind: at most 50 (event.schema.json)
      const userId = id('u-', 200);
      const received = buildEvent({ id: id('e-rcv-', 200), agency: 'len-max', type: 'document.received', actor: { id: userId }, subject: { kind, id: id('s-', 200), title: 'Đ'.repeat(600) } });
      const assigned = buildEvent({ id: id('e-asg-', 200), agency: 'len-max', type: 'task.assigned', actor: { id: id('l-', 200) }, subject: { kind, id: id('t-', 200), dueAt: '2026-03-20T17:00:00+07:00' }, data: { assigneeId: userId } });
      const user = buildEvent({ id: id('e-usr-', 200), agency: 'len-max', type: 'user.upserted', subject: { kind: 'user', id: userId }, data: { name: 'Ư'.repeat(200), unitId: id('p-', 200), position: 'Ơ'.repeat(200), isLeader: false, active: true } });
      const r = await intake.ingest([user, received, assigned], { source: 'inprocess' });
      expect(r).to.deep.equal({ accepted: 3, duplicates: 0, rejected: [] });
      const entry = await knex('kpi_journal_entries').where({ agency_code: 'len-max', event_id: received.id }).first();
      expect(entry).to.include({ user_id: userId, subject_kind: kind, subject_id: received.subject.id, unit_id: id('p-', 200) });
      expect(entry.subject_title).to.equal('Đ'.repeat(500));
      const assignment = await knex('kpi_assignments').where({ agency_code: 'len-max', subject_id: assigned.subject.id }).first();
      expect(assignment).to.include({ subject_kind: kind, user_id: userId, event_id: assigned.id });
      const u = await knex('kpi_users').where({ agency_code: 'len-max', id: userId }).first();
      expect(u).to.include({ name: 'Ư'.repeat(200), position: 'Ơ'.repeat(200) });
    });
  });
});
