import { expect } from 'chai';
import { validateEvent } from '../../../src/contract/event-validator';
import { DEFAULT_SETTINGS } from '../../../src/contract/events';
import { validateSettings } from '../../../src/contract/settings-validator';
import { ConfigError, ValidationError } from '../../../src/domain/errors';
import { resolvePullConfig } from '../../../src/pull/pull-job';
import { sourceKey } from '../../../src/pull/puller';
import { dayStart, daysBetween } from '../../../src/pull/reconcile';
import { hostId, rowToEvent } from '../../../src/pull/row-mapping';

const ROW = {
  event_id: 'EV-1', event_type: 'task.assigned', occurred_at: new Date('2026-03-12T02:15:00.000Z'), actor_id: 1001, subject_kind: 'task',
  subject_id: 'NV-7', data: '{"assigneeId":"u-2"}', updated_at: new Date('2026-03-12T02:15:01.000Z'), due_at: '2026-03-14 10:00:00', title: 'Báo cáo quý', urgency: null,
};

describe('pull: a row of the host view as an event', () => {
  it('when a row has the envelope and mapped columns, then it is an event of the contract: instants in UTC, numbers as ids, NULL columns left out', () => {
    const m = rowToEvent(ROW, 'ubnd-a', { due_at: 'subject.dueAt', title: 'subject.title', urgency: 'subject.urgency' });
    expect(m).to.have.property('event');
    const e = (m as { event: Record<string, unknown> }).event;
    expect(e).to.deep.equal({
      id: 'EV-1', type: 'task.assigned', occurredAt: '2026-03-12T02:15:00.000Z', agency: 'ubnd-a', actor: { id: '1001' },
      subject: { kind: 'task', id: 'NV-7', dueAt: '2026-03-14T10:00:00.000Z', title: 'Báo cáo quý' }, data: { assigneeId: 'u-2' },
    });
    expect(validateEvent(e).ok).to.equal(true);
  });

  it('when a mapped column names data or a bare key, then it lands in data', () => {
    const e = (rowToEvent({ ...ROW, role: 'main', excused: true }, 'ubnd-a', { role: 'role', excused: 'data.excused' }) as { event: { data: unknown } }).event;
    expect(e.data).to.deep.equal({ assigneeId: 'u-2', role: 'main', excused: true });
  });

  const broken: Array<[string, Record<string, unknown>, RegExp]> = [
    ['data is not JSON', { data: '{"x": nope}' }, /^data: .*not valid JSON/],
    ['data is a JSON array', { data: '[1,2]' }, /^data: .*JSON object/],
    ['the id is missing', { event_id: null }, /^event_id: .*no event id/],
    ['the id is blank', { event_id: '  ' }, /^event_id: .*no event id/],
    ['the id is too long', { event_id: 'x'.repeat(201) }, /^event_id: .*200/],
  ];
  for (const [what, over, reason] of broken) {
    it(`when ${what}, then the row is kept as broken with its reason`, () => {
      const m = rowToEvent({ ...ROW, ...over }, 'ubnd-a');
      expect(m).to.have.property('broken');
      const b = (m as { broken: { error: string; type: string; occurredAt: Date; payload: string } }).broken;
      expect(b.error).to.match(reason);
      expect(b.type).to.equal('task.assigned');
      expect(b.occurredAt.toISOString()).to.equal('2026-03-12T02:15:00.000Z');
      expect(JSON.parse(b.payload)).to.include({ subject_id: 'NV-7' });
    });
  }

  it('when the same row without an id is read twice, then it gets the same stand-in id; another row gets another', () => {
    const id = (r: Record<string, unknown>) => (rowToEvent(r, 'a') as { broken: { eventId: string } }).broken.eventId;
    expect(id({ ...ROW, event_id: null })).to.equal(id({ ...ROW, event_id: null })).and.match(/^pull-no-id:[0-9a-f]{40}$/);
    expect(id({ ...ROW, event_id: null })).to.not.equal(id({ ...ROW, event_id: null, subject_id: 'NV-8' }));
  });

  it('when ids come as strings, integers or other values, then only non-blank strings and whole numbers are ids', () => {
    expect([hostId('A'), hostId(42), hostId(BigInt(7)), hostId(1.5), hostId(''), hostId(null)]).to.deep.equal(['A', '42', '7', null, null, null]);
  });
});

describe('pull: settings, sources and days', () => {
  it('when pull settings are given, then they are checked: a source of a known kind or env:NAME, a plain view name, mapped columns into subject or data', () => {
    const ok = validateSettings({ pull: { source: 'env:EOFFICE_DB', view: 'dbo.kpi_events_v', every: 30, batch: 1000, columns: { title: 'subject.title', role: 'role' } } }, { partial: true });
    expect(ok.pull).to.deep.equal({ source: 'env:EOFFICE_DB', view: 'dbo.kpi_events_v', every: 30, batch: 1000, columns: { title: 'subject.title', role: 'role' } });
    const bad: Array<[unknown, string]> = [
      [{ ...DEFAULT_SETTINGS.pull, source: 'mysql://x' }, 'pull.source'],
      [{ ...DEFAULT_SETTINGS.pull, view: 'events; drop table x' }, 'pull.view'],
      [{ ...DEFAULT_SETTINGS.pull, batch: 0 }, 'pull.batch'],
      [{ ...DEFAULT_SETTINGS.pull, columns: { title: 'actor.name' } }, 'pull.columns.title'],
      [{ ...DEFAULT_SETTINGS.pull, password: 'x' }, 'pull.password'],
    ];
    for (const [pull, field] of bad) {
      let err: unknown = null;
      try {
        validateSettings({ pull }, { partial: true });
      } catch (e) {
        err = e;
      }
      expect(err, field).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).field, field).to.equal(field);
    }
  });

  it('when the source is env:NAME, then the connection string is read from the environment and never shown with its password', () => {
    const cfg = resolvePullConfig({ ...DEFAULT_SETTINGS.pull, source: 'env:HOST_DB' }, { batch: 50 }, { HOST_DB: 'mssql://kpi_reader:S3cret@eoffice-db:1433/eoffice?trustServerCertificate=true' });
    expect(cfg).to.include({ url: 'mssql://kpi_reader:S3cret@eoffice-db:1433/eoffice?trustServerCertificate=true', view: 'eoffice_kpi_events', batch: 50, everySeconds: 60 });
    expect(cfg!.display).to.not.contain('S3cret');
    expect(sourceKey(cfg!.display, cfg!.view)).to.equal('mssql://kpi_reader:***@eoffice-db:1433/eoffice?trustServerCertificate=true#eoffice_kpi_events');
    expect(resolvePullConfig(DEFAULT_SETTINGS.pull, {}, {})).to.equal(null);
    expect(() => resolvePullConfig({ ...DEFAULT_SETTINGS.pull, source: 'env:HOST_DB' }, {}, {})).to.throw(ConfigError, /HOST_DB/);
    expect(() => resolvePullConfig(DEFAULT_SETTINGS.pull, { source: 'sqlite:x.db', view: 'x; drop' }, {})).to.throw(ConfigError, /--view/);
  });

  it('when a local day begins, then it is midnight in the agency\'s zone; days between two days include both', () => {
    expect(dayStart('2026-03-04', 'Asia/Ho_Chi_Minh').toISOString()).to.equal('2026-03-03T17:00:00.000Z');
    expect(dayStart('2026-03-29', 'Europe/Berlin').toISOString()).to.equal('2026-03-28T23:00:00.000Z');
    expect(dayStart('2026-03-30', 'Europe/Berlin').toISOString()).to.equal('2026-03-29T22:00:00.000Z');
    expect(daysBetween('2026-02-27', '2026-03-02')).to.deep.equal(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
});
