import { expect } from 'chai';
import { DEMO_WORK_ITEMS, generateDemo, type DemoData, type DemoEvent } from '../../../src/demo/demo-data';
import { ValidationError } from '../../../src/domain/errors';

const AGENCY = 'ubnd-hac-thanh';
const END_DAY = '2026-03-13'; // a Friday
const KNOWN_TYPES = [
  'document.received', 'document.assigned', 'document.processed', 'document.drafted', 'document.signed',
  'document.issued', 'document.returned', 'task.assigned', 'task.completed', 'task.extended', 'task.rejected',
  'task.cancelled', 'user.upserted', 'unit.upserted',
];
const DOC_TYPES = ['cong-van', 'to-trinh', 'bao-cao', 'quyet-dinh', 'ke-hoach'];
const URGENCIES = ['thuong', 'khan', 'hoa-toc'];
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const HAS_DIACRITIC = /[^\u0000-\u007f]/;

/** The local day and minute of an instant in Asia/Ho_Chi_Minh (UTC+7), computed from the instant, not its text. */
function local(instant: string): { day: string; weekday: number; minute: number } {
  const shifted = new Date(Date.parse(instant) + 7 * 3600_000);
  return { day: shifted.toISOString().slice(0, 10), weekday: shifted.getUTCDay(), minute: shifted.getUTCHours() * 60 + shifted.getUTCMinutes() };
}
function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (isObject(v)) Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/**
 * What docs/integrators.md (events) requires of an event of a known type, checked field by field.
 * Returns the paths that are missing or wrong (empty when the event is valid).
 */
function contractProblems(e: DemoEvent, userIds: Set<string>, unitIds: Set<string>): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, path: string): void => {
    if (!ok) bad.push(path);
  };
  need(nonEmpty(e.id) && e.id.length <= 200, 'id');
  need(INSTANT_RE.test(e.occurredAt) && !Number.isNaN(Date.parse(e.occurredAt)), 'occurredAt');
  need(e.agency === AGENCY, 'agency');
  need(isObject(e.actor) && nonEmpty(e.actor.id), 'actor.id');
  need(isObject(e.subject) && nonEmpty(e.subject.kind) && nonEmpty(e.subject.id), 'subject');
  need(isObject(e.data), 'data');
  const d = e.data;
  const s = e.subject;
  const instant = (v: unknown): boolean => typeof v === 'string' && INSTANT_RE.test(v);
  if (e.type.startsWith('document.')) {
    need(s.kind === 'document', 'subject.kind');
    need(nonEmpty(s.title), 'subject.title');
    need(DOC_TYPES.includes(String(s.docType)), 'subject.docType');
    need(URGENCIES.includes(String(s.urgency)), 'subject.urgency');
  }
  if (e.type.startsWith('task.')) {
    need(s.kind === 'task', 'subject.kind');
    need(nonEmpty(s.title), 'subject.title');
    need(instant(s.dueAt), 'subject.dueAt');
  }
  switch (e.type) {
    case 'document.assigned': {
      need(instant(s.dueAt), 'subject.dueAt');
      const assignees = d.assignees;
      need(Array.isArray(assignees) && assignees.length > 0, 'data.assignees');
      if (Array.isArray(assignees)) {
        assignees.forEach((a: unknown, i) => {
          need(isObject(a) && typeof a.userId === 'string' && userIds.has(a.userId), `data.assignees[${i}].userId`);
          need(isObject(a) && ['main', 'support', 'info'].includes(String(a.role)), `data.assignees[${i}].role`);
        });
        need(assignees.filter((a: unknown) => isObject(a) && a.role === 'main').length === 1, 'data.assignees (one main)');
        need(new Set(assignees.map((a: unknown) => (isObject(a) ? a.userId : undefined))).size === assignees.length, 'data.assignees (each user once)');
      }
      break;
    }
    case 'document.processed':
      need(d.role === 'main' || d.role === 'support', 'data.role');
      break;
    case 'document.returned':
      need(typeof d.userId === 'string' && userIds.has(d.userId), 'data.userId');
      need(typeof d.excused === 'boolean', 'data.excused');
      break;
    case 'task.assigned':
      need(typeof d.assigneeId === 'string' && userIds.has(d.assigneeId), 'data.assigneeId');
      need(!('workItemCode' in d) || d.workItemCode === null || nonEmpty(d.workItemCode), 'data.workItemCode');
      need(!('quantity' in d) || (typeof d.quantity === 'number' && d.quantity > 0), 'data.quantity');
      break;
    case 'task.extended':
      need(instant(d.newDueAt) && Date.parse(String(d.newDueAt)) > Date.parse(String(s.dueAt)), 'data.newDueAt');
      need(typeof d.excused === 'boolean', 'data.excused');
      break;
    case 'task.rejected':
      need(typeof d.excused === 'boolean', 'data.excused');
      break;
    case 'user.upserted':
      need(s.kind === 'user' && userIds.has(s.id), 'subject.id');
      need(nonEmpty(d.name), 'data.name');
      need(typeof d.unitId === 'string' && unitIds.has(d.unitId), 'data.unitId');
      need(nonEmpty(d.position), 'data.position');
      need(typeof d.isLeader === 'boolean', 'data.isLeader');
      need(typeof d.active === 'boolean', 'data.active');
      break;
    case 'unit.upserted':
      need(s.kind === 'unit' && unitIds.has(s.id), 'subject.id');
      need(nonEmpty(d.name), 'data.name');
      need(d.parentId === null || (typeof d.parentId === 'string' && unitIds.has(d.parentId)), 'data.parentId');
      break;
    default:
      break;
  }
  return bad;
}

/** Every user id an event names: the actor, assignees, the returned drafter, attendees. */
function referencedUserIds(e: DemoEvent): string[] {
  const ids = [e.actor.id];
  const d = e.data;
  if (Array.isArray(d.assignees)) for (const a of d.assignees as Array<{ userId: string }>) ids.push(a.userId);
  for (const key of ['userId', 'assigneeId']) if (typeof d[key] === 'string') ids.push(d[key] as string);
  if (Array.isArray(d.attendeeIds)) ids.push(...(d.attendeeIds as string[]));
  if (e.type === 'user.upserted') ids.push(e.subject.id);
  return ids;
}

describe('demo data generator', () => {
  let demo: DemoData;
  let userIds: Set<string>;
  let unitIds: Set<string>;

  before(() => {
    demo = generateDemo({ agency: AGENCY, endDay: END_DAY, seed: 42 });
    userIds = new Set(demo.users.map((u) => u.id));
    unitIds = new Set(demo.units.map((u) => u.id));
  });

  describe('determinism', () => {
    it('when called twice with the same inputs, then the output is identical', () => {
      const again = generateDemo({ agency: AGENCY, endDay: END_DAY, seed: 42 });
      expect(JSON.stringify(again)).to.equal(JSON.stringify(demo));
      expect(JSON.stringify(generateDemo({ agency: AGENCY, endDay: END_DAY }))).to.equal(JSON.stringify(generateDemo({ agency: AGENCY, endDay: END_DAY })));
    });

    it('when the seed changes, then the people and the events change', () => {
      const other = generateDemo({ agency: AGENCY, endDay: END_DAY, seed: 43 });
      expect(other.users.map((u) => u.name)).not.to.deep.equal(demo.users.map((u) => u.name));
      expect(other.events.map((e) => e.occurredAt)).not.to.deep.equal(demo.events.map((e) => e.occurredAt));
    });

    it('when the result is mutated, then a second call is unaffected and events share no objects', () => {
      const first = generateDemo({ agency: AGENCY, endDay: END_DAY, seed: 42 });
      const processed = first.events.filter((e) => e.type === 'document.processed');
      const subject = processed[0]!.subject;
      const sameSubject = first.events.filter((e) => e.subject.id === subject.id && e !== processed[0]);
      expect(sameSubject.length).to.be.greaterThan(0);
      subject.title = 'changed';
      for (const e of sameSubject) expect(e.subject.title).not.to.equal('changed');
      expect(JSON.stringify(generateDemo({ agency: AGENCY, endDay: END_DAY, seed: 42 }))).to.equal(JSON.stringify(demo));
    });
  });

  describe('the directory', () => {
    it('when generated, then about 25 officials work in 4 units and each unit has a leader', () => {
      expect(demo.units).to.have.length(4);
      expect(demo.users.length).to.be.within(22, 28);
      expect(new Set(demo.users.map((u) => u.id)).size).to.equal(demo.users.length);
      for (const unit of demo.units) {
        const members = demo.users.filter((u) => u.unitId === unit.id);
        expect(members.length, unit.name).to.be.at.least(4);
        expect(members.some((u) => u.isLeader && u.roles.includes('leader')), unit.name).to.equal(true);
      }
      for (const u of demo.users) {
        expect(unitIds.has(u.unitId), u.id).to.equal(true);
        expect(u.roles, u.id).to.include('official');
        expect(u.isLeader, u.id).to.equal(u.roles.includes('leader'));
        expect(u.active).to.equal(true);
      }
      expect(demo.units.map((u) => u.name)).to.include.members(['Văn phòng HĐND và UBND', 'Phòng Kinh tế', 'Phòng Văn hóa - Xã hội', 'Trung tâm Phục vụ hành chính công']);
    });

    it('when generated, then there is one HR official, one admin and one văn thư', () => {
      expect(demo.users.filter((u) => u.roles.includes('hr'))).to.have.length(1);
      expect(demo.users.filter((u) => u.roles.includes('admin'))).to.have.length(1);
      expect(demo.users.filter((u) => u.position === 'Văn thư')).to.have.length(1);
      const positions = new Set(demo.users.map((u) => u.position));
      for (const p of ['Chánh Văn phòng', 'Trưởng phòng', 'Phó Trưởng phòng', 'Chuyên viên', 'Văn thư']) expect(positions.has(p), p).to.equal(true);
    });

    it('when generated, then names are Vietnamese in NFC with diacritics, family name first', () => {
      const names = demo.users.map((u) => u.name);
      expect(new Set(names).size).to.equal(names.length);
      for (const name of [...names, ...demo.units.map((u) => u.name)]) {
        expect(name.normalize('NFC'), name).to.equal(name);
        expect(HAS_DIACRITIC.test(name), name).to.equal(true);
      }
      for (const name of names) expect(name.split(' ').length, name).to.equal(3);
    });

    it('when events begin, then they first upsert every unit and every user exactly as returned', () => {
      const units = demo.units.length;
      const head = demo.events.slice(0, units + demo.users.length);
      expect(head.slice(0, units).map((e) => e.type)).to.deep.equal(demo.units.map(() => 'unit.upserted'));
      expect(head.slice(units).map((e) => e.type)).to.deep.equal(demo.users.map(() => 'user.upserted'));
      expect(head.slice(0, units).map((e) => ({ id: e.subject.id, ...e.data }))).to.deep.equal(demo.units);
      expect(head.slice(units).map((e) => ({ id: e.subject.id, ...e.data }))).to.deep.equal(demo.users);
      expect(demo.events.slice(head.length).some((e) => e.type.endsWith('.upserted'))).to.equal(false);
    });
  });

  describe('the events', () => {
    it('when generated, then every id is unique, numbered per agency, and events are sorted by occurredAt', () => {
      const ids = demo.events.map((e) => e.id);
      expect(new Set(ids).size).to.equal(ids.length);
      ids.forEach((id, i) => expect(id).to.equal(`evt-${AGENCY}-${String(i + 1).padStart(6, '0')}`));
      for (let i = 1; i < demo.events.length; i++) {
        expect(Date.parse(demo.events[i]!.occurredAt), demo.events[i]!.id).to.be.at.least(Date.parse(demo.events[i - 1]!.occurredAt));
      }
    });

    it('when generated, then every occurredAt has a +07:00 offset and falls in office hours on a weekday of the 6 weeks ending at endDay', () => {
      const first = addDays(END_DAY, -41);
      for (const e of demo.events) {
        expect(e.occurredAt, e.id).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
        const { day, weekday, minute } = local(e.occurredAt);
        expect(day >= first && day <= END_DAY, `${e.id} ${day}`).to.equal(true);
        expect(weekday, `${e.id} ${day}`).to.be.within(1, 5);
        expect(minute, `${e.id} ${e.occurredAt}`).to.be.within(7 * 60 + 30, 17 * 60 - 1);
        expect(minute >= 11 * 60 + 30 && minute < 13 * 60 + 30, `${e.id} ${e.occurredAt} in the lunch break`).to.equal(false);
      }
      // 2026-01-31 is a Saturday: the 30 working days run from Monday 2 February to Friday 13 March
      const days = [...new Set(demo.events.map((e) => local(e.occurredAt).day))].sort();
      expect(days).to.have.length(30);
      expect([days[0], days.at(-1)]).to.deep.equal(['2026-02-02', END_DAY]);
    });

    it('when generated, then each working day has about 40 to 80 events', () => {
      const perDay = new Map<string, number>();
      for (const e of demo.events) perDay.set(local(e.occurredAt).day, (perDay.get(local(e.occurredAt).day) ?? 0) + 1);
      for (const [day, n] of perDay) expect(n, day).to.be.within(30, 100);
      expect(demo.events.length / perDay.size).to.be.within(40, 80);
    });

    it('when generated, then every referenced user exists', () => {
      for (const e of demo.events) for (const id of referencedUserIds(e)) expect(userIds.has(id), `${e.id} names ${id}`).to.equal(true);
    });

    it('when generated, then every known-type event has the fields docs/integrators.md (events) requires for its type', () => {
      const known = demo.events.filter((e) => KNOWN_TYPES.includes(e.type));
      expect(known.length).to.be.greaterThan(1000);
      for (const e of known) expect(contractProblems(e, userIds, unitIds), `${e.id} ${e.type}`).to.deep.equal([]);
    });

    it('when the checker meets a broken event, then it names the field (so the check above can fail)', () => {
      const assigned = demo.events.find((e) => e.type === 'document.assigned')!;
      const broken: DemoEvent = { ...assigned, subject: { ...assigned.subject }, data: { assignees: [{ userId: 'u-nobody', role: 'main' }] } };
      delete broken.subject.dueAt;
      expect(contractProblems(broken, userIds, unitIds)).to.deep.equal(['subject.dueAt', 'data.assignees[0].userId']);
      const extended = demo.events.find((e) => e.type === 'task.extended')!;
      expect(contractProblems({ ...extended, data: { ...extended.data, excused: 'yes' } }, userIds, unitIds)).to.deep.equal(['data.excused']);
    });

    it('when generated, then every type of docs/integrators.md (events) occurs, and an unknown type too', () => {
      const types = new Set(demo.events.map((e) => e.type));
      for (const t of KNOWN_TYPES) expect(types.has(t), t).to.equal(true);
      const unknown = [...types].filter((t) => !KNOWN_TYPES.includes(t));
      expect(unknown).to.include('calendar.meeting.created');
    });

    it('when generated, then every string is NFC and titles are Vietnamese', () => {
      for (const text of strings(demo.events)) expect(text.normalize('NFC'), text).to.equal(text);
      const titles = demo.events.filter((e) => e.subject.title !== undefined).map((e) => e.subject.title!);
      expect(titles.length).to.be.greaterThan(1000);
      expect(titles.every((t) => HAS_DIACRITIC.test(t))).to.equal(true);
      for (const e of demo.events.filter((x) => x.type === 'document.drafted')) {
        const prefix = { 'cong-van': 'Công văn', 'to-trinh': 'Tờ trình', 'bao-cao': 'Báo cáo', 'quyet-dinh': 'Quyết định', 'ke-hoach': 'Kế hoạch' }[e.subject.docType!];
        expect(e.subject.title!.startsWith(prefix), e.subject.title).to.equal(true);
      }
    });

    it('when generated, then subject ids look like the host\'s and each drafted docType and urgency occurs', () => {
      for (const e of demo.events) {
        if (e.subject.kind === 'document') expect(e.subject.id).to.match(/^VB-\d{4}-\d{6}$/);
        if (e.subject.kind === 'task') expect(e.subject.id).to.match(/^CV-\d{4}-\d{6}$/);
      }
      const drafted = demo.events.filter((e) => e.type === 'document.drafted');
      expect(new Set(drafted.map((e) => e.subject.docType))).to.deep.equal(new Set(DOC_TYPES));
      expect(new Set(demo.events.filter((e) => e.type === 'document.received').map((e) => e.subject.urgency))).to.deep.equal(new Set(URGENCIES));
    });
  });

  describe('the flows', () => {
    const firstOf = (type: string, subjectId: string): DemoEvent | undefined => demo.events.find((e) => e.type === type && e.subject.id === subjectId);
    const precedes = (a: DemoEvent, b: DemoEvent): boolean => demo.events.indexOf(a) < demo.events.indexOf(b);

    it('when a document is processed, then it was received by the văn thư and assigned to that official in that role', () => {
      const clerk = demo.users.find((u) => u.position === 'Văn thư')!;
      const leaders = new Set(demo.users.filter((u) => u.isLeader).map((u) => u.id));
      const processed = demo.events.filter((e) => e.type === 'document.processed');
      expect(processed.filter((e) => e.data.role === 'support')).not.to.be.empty;
      for (const e of processed) {
        const received = firstOf('document.received', e.subject.id);
        const assigned = firstOf('document.assigned', e.subject.id);
        expect(received, e.id).to.not.equal(undefined);
        expect(assigned, e.id).to.not.equal(undefined);
        expect(received!.actor.id).to.equal(clerk.id);
        expect(leaders.has(assigned!.actor.id), assigned!.id).to.equal(true);
        expect(precedes(received!, assigned!) && precedes(assigned!, e), e.id).to.equal(true);
        expect(assigned!.data.assignees, e.id).to.deep.include({ userId: e.actor.id, role: e.data.role });
        expect(e.subject.dueAt).to.equal(assigned!.subject.dueAt);
      }
    });

    it('when documents are processed, then most are on time and some are late', () => {
      const main = demo.events.filter((e) => e.type === 'document.processed' && e.data.role === 'main');
      const late = main.filter((e) => Date.parse(e.occurredAt) > Date.parse(e.subject.dueAt!));
      expect(late.length).to.be.greaterThan(0);
      expect(late.length / main.length).to.be.below(0.25);
    });

    it('when a draft is issued, then it was drafted, signed by a leader of the drafter\'s unit and issued by the văn thư; returns name the drafter', () => {
      const clerk = demo.users.find((u) => u.position === 'Văn thư')!;
      const byId = new Map(demo.users.map((u) => [u.id, u]));
      const returned = demo.events.filter((e) => e.type === 'document.returned');
      expect(returned.some((e) => e.data.excused === true) && returned.some((e) => e.data.excused === false)).to.equal(true);
      for (const e of returned) expect(e.data.userId, e.id).to.equal(firstOf('document.drafted', e.subject.id)!.actor.id);
      for (const issued of demo.events.filter((e) => e.type === 'document.issued')) {
        const drafted = firstOf('document.drafted', issued.subject.id)!;
        const signed = firstOf('document.signed', issued.subject.id)!;
        expect(precedes(drafted, signed) && precedes(signed, issued), issued.id).to.equal(true);
        const signer = byId.get(signed.actor.id)!;
        expect(signer.isLeader && signer.unitId === byId.get(drafted.actor.id)!.unitId, signed.id).to.equal(true);
        expect(issued.actor.id).to.equal(clerk.id);
        expect(issued.data.number, issued.id).to.match(/^\d+\/[\p{L}-]+$/u);
      }
    });

    it('when tasks are assigned, then the workItemCode is sometimes a catalogue code, sometimes null and sometimes absent', () => {
      const assigned = demo.events.filter((e) => e.type === 'task.assigned');
      const codes = new Set(DEMO_WORK_ITEMS.map((w) => w.code));
      expect(assigned.some((e) => typeof e.data.workItemCode === 'string')).to.equal(true);
      expect(assigned.some((e) => e.data.workItemCode === null)).to.equal(true);
      expect(assigned.some((e) => !('workItemCode' in e.data))).to.equal(true);
      for (const e of assigned) if (typeof e.data.workItemCode === 'string') expect(codes.has(e.data.workItemCode), e.id).to.equal(true);
    });

    it('when a task ends, then it is by its assignee after assignment, some late, extended with and without excuse', () => {
      const assignedBy = new Map(demo.events.filter((e) => e.type === 'task.assigned').map((e) => [e.subject.id, e]));
      let late = 0;
      let onTime = 0;
      for (const e of demo.events.filter((x) => x.type.startsWith('task.') && x.type !== 'task.assigned')) {
        const assigned = assignedBy.get(e.subject.id);
        expect(assigned, e.id).to.not.equal(undefined);
        expect(precedes(assigned!, e), e.id).to.equal(true);
        if (e.type === 'task.completed') {
          expect(e.actor.id, e.id).to.equal(assigned!.data.assigneeId);
          if (Date.parse(e.occurredAt) > Date.parse(e.subject.dueAt!)) late++;
          else onTime++;
        } else {
          expect(e.data.assigneeId, e.id).to.equal(assigned!.data.assigneeId);
        }
      }
      expect(late).to.be.greaterThan(0);
      expect(onTime).to.be.greaterThan(late);
      const extended = demo.events.filter((e) => e.type === 'task.extended');
      expect(extended.some((e) => e.data.excused === true) && extended.some((e) => e.data.excused === false)).to.equal(true);
      for (const e of extended) {
        const completed = demo.events.find((x) => x.type === 'task.completed' && x.subject.id === e.subject.id);
        if (completed) expect(completed.subject.dueAt, completed.id).to.equal(e.data.newDueAt);
      }
      for (const e of demo.events.filter((x) => x.type === 'task.cancelled')) {
        expect(demo.events.some((x) => x.type === 'task.completed' && x.subject.id === e.subject.id), e.id).to.equal(false);
      }
    });
  });

  describe('options', () => {
    it('when endDay is a Sunday and weeks is 1, then events fall on that week\'s Monday to Friday only', () => {
      const { events } = generateDemo({ agency: 'ubnd-xa-demo', endDay: '2026-03-15', weeks: 1, seed: 7 });
      const days = [...new Set(events.map((e) => local(e.occurredAt).day))].sort();
      expect(days).to.deep.equal(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13']);
      expect(events.every((e) => e.agency === 'ubnd-xa-demo' && e.id.startsWith('evt-ubnd-xa-demo-'))).to.equal(true);
    });

    it('when the window crosses a year end, then events stay inside it and subject ids carry their year', () => {
      const { events } = generateDemo({ agency: AGENCY, endDay: '2026-01-06', weeks: 2, seed: 3 });
      const days = new Set(events.map((e) => local(e.occurredAt).day));
      expect(days.has('2025-12-31') && days.has('2026-01-05')).to.equal(true);
      expect([...days].every((d) => d >= '2025-12-24' && d <= '2026-01-06')).to.equal(true);
      const received = events.filter((e) => e.type === 'document.received');
      for (const e of received) expect(e.subject.id.slice(3, 7), e.id).to.equal(local(e.occurredAt).day.slice(0, 4));
    });

    it('when the inputs are wrong, then a ValidationError names the field', () => {
      const fieldOf = (fn: () => unknown): string | undefined => {
        try {
          fn();
        } catch (err) {
          expect(err).to.be.instanceOf(ValidationError);
          return (err as ValidationError).field;
        }
        return 'no error';
      };
      expect(fieldOf(() => generateDemo({ agency: '', endDay: END_DAY }))).to.equal('agency');
      expect(fieldOf(() => generateDemo({ agency: AGENCY, endDay: '2026-02-30' }))).to.equal('endDay');
      expect(fieldOf(() => generateDemo({ agency: AGENCY, endDay: '13/03/2026' }))).to.equal('endDay');
      expect(fieldOf(() => generateDemo({ agency: AGENCY, endDay: END_DAY, weeks: 0 }))).to.equal('weeks');
      expect(fieldOf(() => generateDemo({ agency: AGENCY, endDay: END_DAY, weeks: 1.5 }))).to.equal('weeks');
      expect(fieldOf(() => generateDemo({ agency: AGENCY, endDay: END_DAY, seed: Number.NaN }))).to.equal('seed');
    });
  });
});
