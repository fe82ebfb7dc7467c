import { httpStatus } from '../../../src/http/errors';
import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import {
  DEFAULT_SETTINGS,
  KNOWN_EVENT_TYPES,
  defaultSettings,
  type AgencySettings,
  type KnownEventType,
  type KnownKpiEvent,
} from '../../../src/contract/events';
import { isRealInstant, validateEvent, validateEventBatch } from '../../../src/contract/event-validator';
import { pointerToField } from '../../../src/contract/messages';
import { validateSettings } from '../../../src/contract/settings-validator';
import { settingsError } from '../../helpers/expect-kpi-error';

type Json = Record<string, unknown>;

/** A valid event of each known type; tests break one field at a time. */
const VALID_DATA: Record<KnownEventType, { subject?: Json; data?: Json }> = {
  'document.received': { subject: { kind: 'document', id: 'VB-1', title: 'Công văn đến' } },
  'document.assigned': {
    subject: { kind: 'document', id: 'VB-1', dueAt: '2026-03-14T17:00:00+07:00' },
    data: { assignees: [{ userId: 'u-1', role: 'main' }, { userId: 'u-2', role: 'support' }, { userId: 'u-3', role: 'info' }] },
  },
  'document.processed': { data: { role: 'main' } },
  'document.drafted': { subject: { kind: 'document', id: 'VB-2', docType: 'cong-van' } },
  'document.signed': {},
  'document.issued': {},
  'document.returned': { data: { userId: 'u-2', excused: false } },
  'task.assigned': {
    subject: { kind: 'task', id: 'NV-1', dueAt: '2026-03-20T17:00:00+07:00' },
    data: { assigneeId: 'u-1', workItemCode: 'KH-01', quantity: 2 },
  },
  'task.completed': { subject: { kind: 'task', id: 'NV-1' } },
  'task.extended': { subject: { kind: 'task', id: 'NV-1' }, data: { newDueAt: '2026-03-25T17:00:00+07:00', excused: true } },
  'task.rejected': { subject: { kind: 'task', id: 'NV-1' }, data: { excused: false } },
  'task.cancelled': { subject: { kind: 'task', id: 'NV-1' } },
  'user.upserted': { subject: { kind: 'user', id: 'u-1' }, data: { name: 'Nguyễn Văn An', unitId: 'p-vp', position: 'Chuyên viên', isLeader: false, active: true } },
  'unit.upserted': { subject: { kind: 'unit', id: 'p-vp' }, data: { name: 'Văn phòng', parentId: null } },
};

function buildEvent(type: string, parts: { subject?: Json; data?: Json } = VALID_DATA[type as KnownEventType] ?? {}): Json {
  const event: Json = {
    id: `evt-${type}`,
    type,
    occurredAt: '2026-03-12T09:15:00+07:00',
    agency: 'ubnd-hac-thanh',
    actor: { id: 'u-1001' },
    subject: structuredClone(parts.subject ?? { kind: 'document', id: 'VB-2026-000123' }),
  };
  if (parts.data !== undefined) event['data'] = structuredClone(parts.data);
  return event;
}

/** Sets (or, with `undefined`, deletes) a dotted path such as `data.assignees.0.role`. */
function set(obj: Json, dotted: string, value: unknown): Json {
  const keys = dotted.split('.');
  let cursor: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) cursor = cursor[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete cursor[last];
  else cursor[last] = value;
  return obj;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expectRejected(raw: unknown, field: string): string {
  const result = validateEvent(raw);
  if (result.ok) expect.fail(`expected a rejection naming ${field}`);
  expect(result.field).to.equal(field);
  // "<field>: <Vietnamese> (<English>)"
  expect(result.error).to.match(new RegExp(`^${escape(field)}: [^(]+ \\(.+\\)$`));
  return result.error;
}

describe('contract/validate', () => {
  describe('validateEvent: each known type', () => {
    for (const type of KNOWN_EVENT_TYPES) {
      it(`when a complete ${type} event arrives, then it is accepted as known`, () => {
        const result = validateEvent(buildEvent(type));
        expect(result.ok).to.equal(true);
        if (!result.ok) return;
        expect(result.known).to.equal(true);
        expect(result.event.type).to.equal(type);
        expect(result.event.data).to.be.an('object');
      });
    }

    // [type, path to break (dotted, with numeric array indexes), the value (undefined = remove), the field named when not the path]
    const cases: Array<[KnownEventType, string, unknown, string?]> = [
      ['document.assigned', 'subject.dueAt', undefined],
      ['document.assigned', 'subject.dueAt', null],
      ['document.assigned', 'subject.dueAt', '2026-03-14T17:00:00'],
      ['document.assigned', 'data', undefined],
      ['document.assigned', 'data.assignees', undefined],
      ['document.assigned', 'data.assignees', []],
      ['document.assigned', 'data.assignees', 'u-1'],
      ['document.assigned', 'data.assignees.0.role', 'boss', 'data.assignees[0].role'],
      ['document.assigned', 'data.assignees.2.role', undefined, 'data.assignees[2].role'],
      ['document.assigned', 'data.assignees.1.userId', undefined, 'data.assignees[1].userId'],
      ['document.assigned', 'data.assignees.1.userId', '', 'data.assignees[1].userId'],
      ['document.processed', 'data.role', undefined],
      ['document.processed', 'data.role', 'info'],
      ['document.processed', 'data', undefined],
      ['document.drafted', 'subject.docType', undefined],
      ['document.drafted', 'subject.docType', ''],
      ['document.drafted', 'subject.docType', null],
      ['document.returned', 'data.userId', undefined],
      ['document.returned', 'data.userId', 42],
      ['document.returned', 'data.excused', undefined],
      ['document.returned', 'data.excused', 'no'],
      ['task.assigned', 'data.assigneeId', undefined],
      ['task.assigned', 'subject.dueAt', undefined],
      ['task.assigned', 'data.quantity', 0],
      ['task.assigned', 'data.quantity', -1],
      ['task.assigned', 'data.quantity', '2'],
      ['task.assigned', 'data.workItemCode', 7],
      ['task.assigned', 'data.workItemCode', ''],
      ['task.extended', 'data.newDueAt', undefined],
      ['task.extended', 'data.newDueAt', '2026-03-25T17:00:00'],
      ['task.extended', 'data.newDueAt', '2026-04-31T17:00:00+07:00'],
      ['task.extended', 'data.excused', undefined],
      ['task.extended', 'data.excused', 1],
      ['task.rejected', 'data.excused', undefined],
      ['task.rejected', 'data.excused', 'true'],
      ['user.upserted', 'data.name', undefined],
      ['user.upserted', 'data.name', ''],
      ['user.upserted', 'data.unitId', undefined],
      ['user.upserted', 'data.position', undefined],
      ['user.upserted', 'data.isLeader', 'yes'],
      ['user.upserted', 'data.active', undefined],
      ['user.upserted', 'data.active', 0],
      ['unit.upserted', 'data.name', undefined],
      ['unit.upserted', 'data.parentId', 5],
      ['document.received', 'actor.id', undefined],
      ['document.signed', 'subject.kind', ''],
      ['document.issued', 'subject', undefined],
      ['task.completed', 'subject.id', undefined],
      ['task.cancelled', 'actor', 'u-1'],
    ];
    for (const [type, at, value, named] of cases) {
      const field = named ?? at;
      const what = value === undefined ? 'missing' : `set to ${JSON.stringify(value)}`;
      it(`when ${type} has ${at} ${what}, then it is rejected naming ${field}`, () => {
        expectRejected(set(buildEvent(type), at, value), field);
      });
    }

    it('when a required field is missing, then the message says so in Vietnamese, then English', () => {
      const error = expectRejected(set(buildEvent('document.assigned'), 'subject.dueAt', undefined), 'subject.dueAt');
      expect(error).to.equal('subject.dueAt: thiếu trường bắt buộc (required)');
    });

    it('when an enum value is wrong, then the message lists the allowed values', () => {
      const error = expectRejected(set(buildEvent('document.assigned'), 'data.assignees.0.role', 'boss'), 'data.assignees[0].role');
      expect(error).to.contain('main, support, info');
    });
  });

  describe('validateEvent: the envelope', () => {
    it('when the id has 200 characters, then it is accepted', () => {
      expect(validateEvent({ ...buildEvent('document.signed'), id: 'x'.repeat(200) }).ok).to.equal(true);
    });

    it('when the id has 201 characters, then it is rejected naming id', () => {
      const error = expectRejected({ ...buildEvent('document.signed'), id: 'x'.repeat(201) }, 'id');
      expect(error).to.contain('200');
    });

    const envelopeCases: Array<[string, unknown, string]> = [
      ['id', '', 'id'],
      ['id', 123, 'id'],
      ['type', undefined, 'type'],
      ['type', '', 'type'],
      ['agency', undefined, 'agency'],
      ['occurredAt', undefined, 'occurredAt'],
      ['occurredAt', '2026-03-12T09:15:00', 'occurredAt'],
      ['occurredAt', '2026-03-12 09:15:00+07:00', 'occurredAt'],
      ['occurredAt', '2026-13-12T09:15:00+07:00', 'occurredAt'],
      ['occurredAt', '2026-02-30T09:15:00+07:00', 'occurredAt'],
      ['occurredAt', '2026-03-12T24:00:00Z', 'occurredAt'],
      ['occurredAt', '2026-03-12T09:15:00+0700', 'occurredAt'],
      ['occurredAt', 1773281700000, 'occurredAt'],
      ['subject.dueAt', '2025-02-29T17:00:00+07:00', 'subject.dueAt'],
      ['subject.title', 12, 'subject.title'],
      ['data', [], 'data'],
      ['data', 'x', 'data'],
    ];
    for (const [at, value, field] of envelopeCases) {
      const what = value === undefined ? 'missing' : `set to ${JSON.stringify(value)}`;
      it(`when ${at} is ${what}, then the event is rejected naming ${field}`, () => {
        expectRejected(set(buildEvent('document.received'), at, value), field);
      });
    }

    it('when occurredAt has no offset, then the message asks for one', () => {
      const error = expectRejected(set(buildEvent('document.received'), 'occurredAt', '2026-03-12T09:15:00'), 'occurredAt');
      expect(error).to.contain('2026-03-12T09:15:00+07:00');
    });

    it('when occurredAt is 30 February, then the message says it does not exist', () => {
      const error = expectRejected(set(buildEvent('document.received'), 'occurredAt', '2026-02-30T09:15:00+07:00'), 'occurredAt');
      expect(error).to.contain('không phải thời điểm có thật');
    });

    for (const occurredAt of ['2026-03-12T23:30:00Z', '2026-03-12T09:15:00.1234567+07:00', '2026-03-12T09:15+07:00', '2024-02-29T00:00:00-05:30']) {
      it(`when occurredAt is ${occurredAt}, then it is accepted`, () => {
        expect(validateEvent(set(buildEvent('document.received'), 'occurredAt', occurredAt)).ok).to.equal(true);
      });
    }

    for (const raw of [null, 'evt', 42, [buildEvent('document.received')]]) {
      it(`when the event is ${JSON.stringify(raw)?.slice(0, 20)}, then it is rejected as not an object`, () => {
        const result = validateEvent(raw);
        expect(result.ok).to.equal(false);
        if (!result.ok) {
          expect(result.field).to.equal('');
          expect(result.error).to.contain('(an event must be a JSON object)');
        }
      });
    }
  });

  describe('validateEvent: unknown types and normalization', () => {
    it('when the type is unknown and the envelope is valid, then it is accepted with known=false', () => {
      const raw = { ...buildEvent('meeting.held'), data: { room: 'A1' }, hostExtra: 1 };
      const result = validateEvent(raw);
      expect(result).to.deep.include({ ok: true, known: false });
      if (result.ok) {
        expect(result.event.data).to.deep.equal({ room: 'A1' });
        expect((result.event as unknown as Json)['hostExtra']).to.equal(1);
      }
    });

    it('when the type is unknown and has no data, then data becomes {}', () => {
      const result = validateEvent(buildEvent('document.archived', {}));
      expect(result.ok && result.event.data).to.deep.equal({});
    });

    it('when the type is unknown but the envelope is broken, then it is rejected naming the field', () => {
      expectRejected(set(buildEvent('meeting.held'), 'actor.id', ''), 'actor.id');
    });

    it('when a known type carries fields of another known type wrongly, then only its own schema applies', () => {
      // document.signed requires nothing in data: a stray data.role is kept, not checked
      const result = validateEvent({ ...buildEvent('document.signed'), data: { role: 'boss' } });
      expect(result.ok).to.equal(true);
    });

    it('when optional fields are null, then they are accepted and removed from the event', () => {
      const raw = buildEvent('task.assigned');
      set(raw, 'subject.title', null);
      set(raw, 'subject.urgency', null);
      set(raw, 'data.workItemCode', null);
      set(raw, 'data.quantity', null);
      const result = validateEvent(raw);
      expect(result.ok).to.equal(true);
      if (!result.ok) return;
      expect(result.event.subject).to.not.have.any.keys('title', 'urgency');
      expect(result.event.data).to.deep.equal({ assigneeId: 'u-1' });
      expect((raw['subject'] as Json)['title']).to.equal(null); // the input is left alone
    });

    it('when data is null, then the event gets data {}', () => {
      const result = validateEvent({ ...buildEvent('task.completed'), data: null });
      expect(result.ok && result.event.data).to.deep.equal({});
    });

    it('when unit.upserted has no parentId, then parentId is null', () => {
      const raw = buildEvent('unit.upserted');
      set(raw, 'data.parentId', undefined);
      const result = validateEvent(raw);
      expect(result.ok && result.event.data).to.deep.equal({ name: 'Văn phòng', parentId: null });
    });

    it('when a known event is validated, then its type narrows data and subject', () => {
      const summary = (e: KnownKpiEvent): string => {
        switch (e.type) {
          case 'document.assigned':
            return `${e.subject.dueAt} ${e.data.assignees.map((a) => `${a.userId}:${a.role}`).join(',')}`;
          case 'task.assigned':
            return `${e.data.assigneeId} ${e.data.quantity ?? 1} ${e.subject.dueAt}`;
          case 'unit.upserted':
            return `${e.data.name} ${e.data.parentId ?? '-'}`;
          default:
            return e.type;
        }
      };
      const assigned = validateEvent(buildEvent('document.assigned'));
      const task = validateEvent(buildEvent('task.assigned'));
      if (!assigned.ok || !assigned.known || !task.ok || !task.known) return expect.fail('expected known events');
      expect(summary(assigned.event)).to.equal('2026-03-14T17:00:00+07:00 u-1:main,u-2:support,u-3:info');
      expect(summary(task.event)).to.equal('u-1 2 2026-03-20T17:00:00+07:00');
    });
  });

  describe('validateEventBatch', () => {
    it('when a batch holds 1000 events, then its shape is accepted and bad events are left to validateEvent', () => {
      const result = validateEventBatch({ events: [...Array.from({ length: 999 }, () => buildEvent('document.signed')), { nonsense: true }] });
      expect(result.ok && result.events.length).to.equal(1000);
    });

    it('when a batch holds 1001 events, then it is rejected naming events', () => {
      const result = validateEventBatch({ events: Array.from({ length: 1001 }, () => ({})) });
      expect(result).to.deep.include({ ok: false, field: 'events' });
    });

    it('when events is not an array, then it is rejected naming events', () => {
      expect(validateEventBatch({ events: {} })).to.deep.include({ ok: false, field: 'events' });
      expect(validateEventBatch({})).to.deep.include({ ok: false, field: 'events' });
    });
  });

  describe('isRealInstant and pointerToField', () => {
    const table: Array<[string, boolean]> = [
      ['2026-03-12T09:15:00+07:00', true],
      ['2026-03-12T09:15:00Z', true],
      ['2024-02-29T12:00:00Z', true],
      ['2026-03-12T09:15:00', false],
      ['2026-02-29T12:00:00Z', false],
      ['2026-13-01T00:00:00Z', false],
      ['2026-03-12T23:60:00Z', false],
      ['2026-03-12T09:15:00+24:00', false],
      ['2026-03-12', false],
    ];
    for (const [value, expected] of table) {
      it(`when the value is ${value}, then isRealInstant is ${expected}`, () => {
        expect(isRealInstant(value)).to.equal(expected);
      });
    }

    it('when a pointer crosses an array, then the index is written in brackets', () => {
      const root = { data: { assignees: [{ role: 'x' }], 'a/b': 1 } };
      expect(pointerToField('/data/assignees/0/role', root)).to.equal('data.assignees[0].role');
      expect(pointerToField('/data/a~1b', root)).to.equal('data.a/b');
      expect(pointerToField('', root)).to.equal('');
    });
  });

  describe('validateSettings', () => {
    it('when the defaults are validated whole, then they come back as an equal copy', () => {
      const result = validateSettings(DEFAULT_SETTINGS);
      expect(result).to.deep.equal(DEFAULT_SETTINGS);
      expect(result).to.not.equal(DEFAULT_SETTINGS);
      expect(result.holidays).to.not.equal(DEFAULT_SETTINGS.holidays);
    });

    it('when complete settings with every kind of value are validated, then they are accepted', () => {
      const settings: AgencySettings = defaultSettings({
        profile: 'kh1636',
        timeZone: 'Asia/Saigon',
        capPolicy: 'warn',
        holidays: ['2026-04-30', '2026-05-01', '2026-09-02'],
        makeUpDays: ['2026-05-09'],
        hostOrigins: ['https://eoffice.hacthanh.gov.vn', 'http://localhost:8080', 'http://[::1]:3000'],
        autoApproveEventEntries: false,
      });
      expect(validateSettings(settings)).to.deep.equal(settings);
    });

    it('when only some keys are given in partial mode, then just those come back', () => {
      expect(validateSettings({ capMinutes: 600, capPolicy: 'warn' }, { partial: true })).to.deep.equal({ capMinutes: 600, capPolicy: 'warn' });
    });

    it('when a key is missing outside partial mode, then the error names it', () => {
      const { hostOrigins: _omitted, ...rest } = defaultSettings();
      const err = settingsError(rest, false);
      expect(err.field).to.equal('hostOrigins');
      expect(err.message).to.equal('hostOrigins: thiếu trường bắt buộc (required)');
    });

    it('when an unknown key is sent, then a 400 names it', () => {
      const err = settingsError({ capMinutes: 480, foo: 1 });
      expect(httpStatus(err)).to.equal(400);
      expect(err.field).to.equal('foo');
      expect(err.message).to.equal('foo: khóa không được hỗ trợ (unknown key)');
    });

    const wrong: Array<[string, unknown, string, string?]> = [
      ['capMinutes', '480', 'capMinutes', 'capMinutes: phải là số nguyên (must be integer)'],
      ['capMinutes', 480.5, 'capMinutes', 'capMinutes: phải là số nguyên (must be integer)'],
      ['capMinutes', 0, 'capMinutes'],
      ['capMinutes', 1441, 'capMinutes'],
      ['dailyMinutes', true, 'dailyMinutes'],
      ['dailyMinutes', -5, 'dailyMinutes'],
      ['capPolicy', 'cut', 'capPolicy', 'capPolicy: phải là một trong: clip, warn (must be one of: clip, warn)'],
      ['profile', 'my profile', 'profile'],
      ['profile', 335, 'profile'],
      ['timeZone', 7, 'timeZone'],
      ['timeZone', '+07:00', 'timeZone'],
      ['autoApproveEventEntries', 'yes', 'autoApproveEventEntries', 'autoApproveEventEntries: phải là giá trị đúng/sai (must be boolean)'],
      ['manualEntriesNeedApproval', null, 'manualEntriesNeedApproval'],
      ['holidays', '2026-04-30', 'holidays', 'holidays: phải là mảng (must be array)'],
      ['holidays', ['2026-4-30'], 'holidays[0]'],
      ['holidays', ['2026-04-30', '2026-02-30'], 'holidays[1]'],
      ['makeUpDays', ['2026-13-01'], 'makeUpDays[0]'],
      ['makeUpDays', [20260509], 'makeUpDays[0]'],
      ['hostOrigins', 'https://eoffice.gov.vn', 'hostOrigins'],
      ['hostOrigins', ['https://eoffice.gov.vn/app'], 'hostOrigins[0]'],
      ['hostOrigins', ['https://ok.gov.vn', 'https://eoffice.gov.vn/'], 'hostOrigins[1]'],
      ['hostOrigins', ['ftp://eoffice.gov.vn'], 'hostOrigins[0]'],
      ['hostOrigins', ['eoffice.gov.vn'], 'hostOrigins[0]'],
      ['hostOrigins', ['https://eoffice.gov.vn:99999'], 'hostOrigins[0]'],
    ];
    for (const [key, value, field, message] of wrong) {
      it(`when ${key} is ${JSON.stringify(value)}, then the error names ${field}`, () => {
        const err = settingsError({ [key]: value });
        expect(err.field).to.equal(field);
        expect(err.message.startsWith(`${field}: `)).to.equal(true);
        if (message !== undefined) expect(err.message).to.equal(message);
      });
    }

    it('when the time zone is not a real IANA zone, then the error names timeZone', () => {
      const err = settingsError({ timeZone: 'Asia/Hanoi' });
      expect(err.field).to.equal('timeZone');
      expect(err.message).to.contain('Asia/Hanoi').and.to.contain('IANA');
    });

    it('when a day is both a holiday and a make-up day, then the error names the make-up day', () => {
      const err = settingsError({ holidays: ['2026-05-01'], makeUpDays: ['2026-05-09', '2026-05-01'] });
      expect(err.field).to.equal('makeUpDays[1]');
    });

    for (const raw of [null, [], 'nd335']) {
      it(`when the settings are ${JSON.stringify(raw)}, then they are rejected as not an object`, () => {
        expect(settingsError(raw).message).to.contain('(settings must be a JSON object)');
      });
    }

    it('when the defaults are frozen, then changing them throws and defaultSettings() gives a mutable copy', () => {
      expect(() => (DEFAULT_SETTINGS.holidays as string[]).push('2026-01-01')).to.throw(TypeError);
      const copy = defaultSettings();
      copy.holidays.push('2026-01-01');
      expect(DEFAULT_SETTINGS.holidays).to.deep.equal([]);
    });
  });
});
