/**
 * A demo agency: its units, its officials and some weeks of host events
 * (docs/integrators.md (events)), made up but shaped like a Vietnamese commune People's
 * Committee (UBND xã) running an E-Office system.
 *
 * Pure and deterministic: the same inputs give the same output, byte for byte
 * (a seeded PRNG, no clock, no I/O). The `demo` command and the tests feed the
 * events through the real intake.
 *
 * Time: the agency's zone is Asia/Ho_Chi_Minh, a fixed UTC+7 with no daylight
 * saving, so the generator counts in local seconds and writes every instant
 * with a `+07:00` offset. Office hours are 07:30–11:30 and 13:30–17:00,
 * Monday to Friday; every event falls inside them.
 *
 * What the agency is made of and works on (units, staff, names, document and
 * task templates) is plain data in demo-agency.ts.
 */
import { ValidationError } from '../domain/errors';
import { isValidDay } from '../domain/time';
import {
  AD_HOC_MEETINGS, CANCEL_REASONS, EXTEND_REASONS, FAMILY_NAMES, GIVEN_NAMES, INCOMING, MIDDLE_NAMES, OUTGOING, REJECT_REASONS,
  RETURN_REASONS, TASKS, UNIT_PLANS, VILLAGES, type DemoDocType, type DemoRole, type DemoUrgency, type StaffSlot, type UnitPlan,
} from './demo-agency';

export type { DemoDocType, DemoRole, DemoUrgency } from './demo-agency';

export interface DemoUnit {
  id: string;
  name: string;
  parentId: string | null;
}

export interface DemoUser {
  id: string;
  name: string;
  unitId: string;
  position: string;
  isLeader: boolean;
  active: boolean;
  roles: DemoRole[];
}

/** One host event as docs/integrators.md (events) shapes it. */
export interface DemoEvent {
  id: string;
  type: string;
  occurredAt: string;
  agency: string;
  actor: { id: string };
  subject: {
    kind: string;
    id: string;
    title?: string;
    docType?: DemoDocType;
    urgency?: DemoUrgency;
    dueAt?: string;
  };
  data: Record<string, unknown>;
}

export interface DemoData {
  units: DemoUnit[];
  users: DemoUser[];
  /** Directory events first, then the weeks of work; sorted by `occurredAt`, ids numbered in that order. */
  events: DemoEvent[];
}

export interface GenerateDemoOptions {
  /** The agency code, e.g. `ubnd-hac-thanh`; it goes into every event and event id. */
  agency: string;
  /** The last local day (`YYYY-MM-DD`, Asia/Ho_Chi_Minh) the events may fall on. */
  endDay: string;
  /** How many weeks, ending at `endDay`, to fill with work. Default 6. */
  weeks?: number;
  /** An instant (ISO 8601): events after it are left out, as not happened yet. Default: none left out. */
  notAfter?: string;
  /** PRNG seed; by default derived from the agency code. */
  seed?: number;
}

/** Work items of the default catalogue (src/rules/catalogue.ts) that the demo's tasks name. */
export const DEMO_WORK_ITEMS: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'CV-06', name: 'Tổng hợp, xây dựng báo cáo định kỳ' },
  { code: 'CH-02', name: 'Chuẩn bị nội dung cuộc họp, kỳ họp' },
  { code: 'CV-12', name: 'Rà soát hồ sơ' },
  { code: 'CV-17', name: 'Cập nhật thông tin, dữ liệu' },
  { code: 'CH-03', name: 'Kiểm tra, xác minh tại hiện trường' },
  { code: 'CH-03', name: 'Đo đạc, cắm mốc giới' },
  { code: 'CV-14', name: 'Thống kê số liệu' },
  { code: 'CV-16', name: 'Công tác dân vận, vận động nhân dân' },
  { code: 'CV-16', name: 'Tuyên truyền, phổ biến' },
  { code: 'CV-13', name: 'Hướng dẫn thủ tục hành chính' },
  { code: 'CV-17', name: 'Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính' },
];

// ---------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a small, fast 32-bit PRNG; good enough for demo data and fully reproducible. Tests and benchmarks seed it too. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to turn the agency code into a default seed. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  /** `count` distinct items, in the list's order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const chosen = new Set<number>();
    const n = Math.min(count, items.length);
    while (chosen.size < n) chosen.add(Math.floor(this.next() * items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i] as T);
  }
}

// ---------------------------------------------------------------------------
// Office time. A working day is 07:30–11:30 + 13:30–17:00 = 27 000 office
// seconds. "Office time" O counts office seconds since the first weekday of
// the Unix epoch, so adding a duration to O skips nights and weekends.

const OFFICE_DAY = 27_000;
const MORNING_START = 7 * 3600 + 30 * 60; // 07:30
const MORNING_LENGTH = 4 * 3600; // until 11:30
const AFTERNOON_START = 13 * 3600 + 30 * 60; // 13:30, until 17:00
const HOUR = 3600;
const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 of a `YYYY-MM-DD`. */
function dayNumber(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
}
/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
function weekdayOf(dayNum: number): number {
  return (((dayNum + 3) % 7) + 7) % 7;
}
/** The ordinal of the first weekday on or after `dayNum`, counting weekdays only. */
function workdayOrdinalFrom(dayNum: number): number {
  const week = Math.floor((dayNum + 3) / 7);
  return week * 5 + Math.min(weekdayOf(dayNum), 5);
}
function dayOfOrdinal(ordinal: number): number {
  return Math.floor(ordinal / 5) * 7 + (ordinal % 5) - 3;
}
/** Local seconds since the epoch (in +07:00 wall-clock terms) of an office instant. */
function localSecondsOf(o: number): number {
  const ordinal = Math.floor(o / OFFICE_DAY);
  const offset = o - ordinal * OFFICE_DAY;
  const secondOfDay = offset < MORNING_LENGTH ? MORNING_START + offset : AFTERNOON_START + offset - MORNING_LENGTH;
  return dayOfOrdinal(ordinal) * SECONDS_PER_DAY + secondOfDay;
}
function isoLocal(localSeconds: number): string {
  return `${new Date(localSeconds * 1000).toISOString().slice(0, 19)}+07:00`;
}
/** `17:00` on the working day with this ordinal: the usual deadline. */
function deadlineOf(ordinal: number): string {
  return isoLocal(dayOfOrdinal(ordinal) * SECONDS_PER_DAY + 17 * HOUR);
}
/** The office instant that closes a working day (the deadline itself); anything before it is on time. */
function endOfOrdinal(ordinal: number): number {
  return (ordinal + 1) * OFFICE_DAY;
}
function isoDay(dayNum: number): string {
  return new Date(dayNum * 86_400_000).toISOString().slice(0, 10);
}
function isoWeek(dayNum: number): number {
  const thursday = dayNum - weekdayOf(dayNum) + 3;
  const jan1 = dayNumber(`${isoDay(thursday).slice(0, 4)}-01-01`);
  return Math.floor((thursday - jan1) / 7) + 1;
}

// ---------------------------------------------------------------------------

interface Member extends DemoUser {
  plan: StaffSlot;
}

interface Staffed {
  plan: UnitPlan;
  unit: DemoUnit;
  members: Member[];
  head: Member;
  deputy: Member;
  /** Who processes, drafts and carries out tasks: not the head, not the văn thư. */
  workers: Member[];
}

interface Pending {
  o: number;
  seq: number;
  event: Omit<DemoEvent, 'id' | 'occurredAt' | 'agency'>;
}

function validate(opts: GenerateDemoOptions): { weeks: number; seed: number } {
  if (typeof opts.agency !== 'string' || opts.agency.trim() === '') throw new ValidationError('agency: a non-empty agency code is required', 'agency');
  if (typeof opts.endDay !== 'string' || !isValidDay(opts.endDay)) throw new ValidationError(`endDay: not a YYYY-MM-DD day: ${String(opts.endDay)}`, 'endDay');
  const weeks = opts.weeks ?? 6;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) throw new ValidationError(`weeks: an integer from 1 to 104 is required, got ${String(weeks)}`, 'weeks');
  const seed = opts.seed ?? hashString(opts.agency);
  if (!Number.isFinite(seed)) throw new ValidationError(`seed: a finite number is required, got ${String(seed)}`, 'seed');
  return { weeks, seed: Math.trunc(seed) >>> 0 };
}

function buildDirectory(rng: Random): { units: DemoUnit[]; users: DemoUser[]; staffed: Staffed[] } {
  const usedNames = new Set<string>();
  const personName = (): string => {
    for (;;) {
      const sex = rng.chance(0.5) ? 'male' : 'female';
      const name = `${rng.pick(FAMILY_NAMES)} ${rng.pick(MIDDLE_NAMES[sex])} ${rng.pick(GIVEN_NAMES[sex])}`.normalize('NFC');
      // every name carries diacritics and is unique, so the demo shows both off
      if (/[^\u0000-\u007f]/.test(name) && !usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };
  const units: DemoUnit[] = [];
  const users: DemoUser[] = [];
  const staffed: Staffed[] = [];
  let userNo = 1001;
  for (const plan of UNIT_PLANS) {
    const unit: DemoUnit = { id: `unit-${plan.key}`, name: plan.name, parentId: null };
    units.push(unit);
    const members: Member[] = plan.staff.map((slot) => {
      const roles: DemoRole[] = ['official', ...(slot.leader ? (['leader'] as const) : []), ...(slot.roles ?? [])];
      return { id: `u-${userNo++}`, name: personName(), unitId: unit.id, position: slot.position, isLeader: slot.leader !== undefined, active: true, roles, plan: slot };
    });
    for (const { plan: _slot, ...user } of members) users.push(user);
    const head = members.find((m) => m.plan.leader === 'head');
    const deputy = members.find((m) => m.plan.leader === 'deputy');
    if (!head || !deputy) throw new Error(`demo unit ${plan.key} lacks a head or a deputy`);
    staffed.push({ plan, unit, members, head, deputy, workers: members.filter((m) => m.plan.leader !== 'head' && !m.plan.clerk) });
  }
  return { units, users, staffed };
}

/** Generates the demo agency and its events. Pure: the same options always give the same result. */
export function generateDemo(opts: GenerateDemoOptions): DemoData {
  const { weeks, seed } = validate(opts);
  const rng = new Random(seed);
  const { units, users, staffed } = buildDirectory(rng);
  const byKey = new Map(staffed.map((s) => [s.plan.key, s]));
  const unitOf = (key: UnitPlan['key']): Staffed => byKey.get(key)!;
  const office = unitOf('vp');
  const clerk = office.members.find((m) => m.plan.clerk)!;
  const admin = users.find((u) => u.roles.includes('admin'))!;

  const endNum = dayNumber(opts.endDay);
  const startNum = endNum - 7 * weeks + 1;
  const firstOrdinal = workdayOrdinalFrom(startNum);
  const stopOrdinal = workdayOrdinalFrom(endNum + 1); // first working day after the window
  const stopO = stopOrdinal * OFFICE_DAY;

  const pending: Pending[] = [];
  const emit = (o: number, event: Pending['event']): void => {
    pending.push({ o: Math.floor(o), seq: pending.length, event });
  };

  // The directory comes first, at 07:30 on the first working day.
  let o0 = firstOrdinal * OFFICE_DAY;
  for (const unit of units) emit(o0++, { type: 'unit.upserted', actor: { id: admin.id }, subject: { kind: 'unit', id: unit.id }, data: { name: unit.name, parentId: unit.parentId } });
  for (const user of users) {
    const { id, ...data } = user;
    emit(o0++, { type: 'user.upserted', actor: { id: admin.id }, subject: { kind: 'user', id }, data: { ...data, roles: [...data.roles] } });
  }

  let docNo = 0;
  let taskNo = 0;
  let meetingNo = 0;
  const outNumbers = new Map<string, number>();
  const subjectId = (prefix: string, dayNum: number, n: number): string => `${prefix}-${isoDay(dayNum).slice(0, 4)}-${String(n).padStart(6, '0')}`;
  const fill = (template: string, dayNum: number): string => {
    const day = isoDay(dayNum);
    const year = Number(day.slice(0, 4));
    const month = Number(day.slice(5, 7));
    return template
      .replace('{month}', String(month))
      .replace('{quarter}', ['I', 'II', 'III', 'IV'][Math.floor((month - 1) / 3)]!)
      .replace('{year}', String(year))
      .replace('{nextYear}', String(year + 1))
      .replace('{week}', String(isoWeek(dayNum)))
      .replace('{village}', rng.pick(VILLAGES))
      .normalize('NFC');
  };
  const unitWeights: Array<readonly [UnitPlan['key'], number]> = [['vp', 25], ['kt', 30], ['vhxh', 30], ['tthcc', 15]];
  const leaderOf = (s: Staffed): Member => (rng.chance(0.7) ? s.head : s.deputy);
  /** A random office instant between a and b, with a and b office instants. */
  const between = (a: number, b: number): number => a + rng.float() * (b - a);

  const incoming = (start: number, dayNum: number): void => {
    const template = rng.pick(INCOMING);
    const s = unitOf(template.unit);
    const urgency = rng.weighted<DemoUrgency>([['thuong', 70], ['khan', 22], ['hoa-toc', 8]]);
    const startOrdinal = Math.floor(start / OFFICE_DAY);
    const dueOrdinal = startOrdinal + (urgency === 'hoa-toc' ? 1 : urgency === 'khan' ? 2 : rng.int(3, 7));
    const subject = { kind: 'document', id: subjectId('VB', dayNum, ++docNo), title: fill(template.title, dayNum), docType: template.docType, urgency, dueAt: deadlineOf(dueOrdinal) };
    emit(start, { type: 'document.received', actor: { id: clerk.id }, subject, data: { sender: template.sender[0], number: `${rng.int(100, 4999)}/${template.sender[1]}`, handlingUnitId: s.unit.id } });

    const assigned = start + (urgency === 'hoa-toc' ? rng.int(300, 1800) : urgency === 'khan' ? rng.int(900, 2 * HOUR) : rng.int(HOUR, OFFICE_DAY));
    const assigner = leaderOf(s);
    const candidates = s.workers.filter((m) => m.id !== assigner.id);
    const main = rng.pick(candidates);
    const supportPool = [...candidates.filter((m) => m.id !== main.id), ...(rng.chance(0.25) ? rng.pick(staffed.filter((x) => x !== s)).workers : [])];
    const supports = rng.sample(supportPool, rng.weighted([[0, 35], [1, 45], [2, 20]]));
    const otherLeader = assigner === s.head ? s.deputy : s.head;
    const info = rng.chance(0.3) && otherLeader !== main && !supports.includes(otherLeader) ? [otherLeader] : [];
    const assignees = [
      { userId: main.id, role: 'main' },
      ...supports.map((m) => ({ userId: m.id, role: 'support' })),
      ...info.map((m) => ({ userId: m.id, role: 'info' })),
    ];
    emit(assigned, { type: 'document.assigned', actor: { id: assigner.id }, subject, data: { assignees, note: 'Đề nghị tham mưu, xử lý theo quy định' } });

    const dueEnd = endOfOrdinal(dueOrdinal);
    for (const m of supports) emit(between(assigned + 600, assigned + 0.5 * (dueEnd - assigned)), { type: 'document.processed', actor: { id: m.id }, subject, data: { role: 'support' } });
    const late = urgency !== 'hoa-toc' && rng.chance(0.1);
    const done = late ? dueEnd + rng.int(1800, 2 * OFFICE_DAY) : between(assigned + 0.55 * (dueEnd - assigned), dueEnd - 60);
    emit(done, { type: 'document.processed', actor: { id: main.id }, subject, data: { role: 'main' } });
  };

  const outgoing = (start: number, dayNum: number): void => {
    const template = rng.pick(OUTGOING);
    const s = unitOf(template.unit);
    // mostly the unit's staff; now and then its deputy leader drafts
    const drafter = rng.pick(rng.chance(0.85) ? s.workers.filter((m) => !m.isLeader) : s.workers);
    const signer = drafter.id === s.deputy.id || rng.chance(0.7) ? s.head : s.deputy;
    const urgency = rng.weighted<DemoUrgency>([['thuong', 85], ['khan', 12], ['hoa-toc', 3]]);
    const subject = { kind: 'document', id: subjectId('VB', dayNum, ++docNo), title: fill(template.title, dayNum), docType: template.docType, urgency };
    emit(start, { type: 'document.drafted', actor: { id: drafter.id }, subject, data: {} });
    let t = start;
    if (rng.chance(0.08)) {
      t += rng.int(1800, OFFICE_DAY);
      emit(t, { type: 'document.returned', actor: { id: signer.id }, subject, data: { userId: drafter.id, excused: rng.chance(0.3), reason: rng.pick(RETURN_REASONS) } });
      t += rng.int(HOUR, Math.round(1.5 * OFFICE_DAY));
    } else {
      t += rng.int(1800, OFFICE_DAY);
    }
    emit(t, { type: 'document.signed', actor: { id: signer.id }, subject, data: {} });
    const year = isoDay(dayNum).slice(0, 4);
    const sign = { 'cong-van': `UBND-${s.plan.sign}`, 'bao-cao': 'BC-UBND', 'to-trinh': 'TTr-UBND', 'quyet-dinh': 'QĐ-UBND', 'ke-hoach': 'KH-UBND' }[template.docType];
    const key = `${year}/${sign}`;
    const n = (outNumbers.get(key) ?? 0) + 1;
    outNumbers.set(key, n);
    emit(t + rng.int(900, 4 * HOUR), { type: 'document.issued', actor: { id: clerk.id }, subject, data: { number: `${n}/${sign}` } });
  };

  const task = (start: number, dayNum: number): void => {
    const template = rng.pick(TASKS);
    const s = unitOf(template.unit);
    const assignee = rng.pick(s.workers);
    const assigner = assignee.id === s.deputy.id || rng.chance(0.7) ? s.head : s.deputy;
    const dueOrdinal = Math.floor(start / OFFICE_DAY) + rng.int(2, 10);
    const dueEnd = endOfOrdinal(dueOrdinal);
    const id = subjectId('CV', dayNum, ++taskNo);
    const title = fill(template.title, dayNum);
    const subjectDue = (ordinal: number) => ({ kind: 'task', id, title, dueAt: deadlineOf(ordinal) });
    const data: Record<string, unknown> = { assigneeId: assignee.id };
    const codeMode = rng.weighted([['code', 60], ['null', 20], ['absent', 20]] as const);
    if (codeMode === 'code') {
      data.workItemCode = template.code;
      data.quantity = template.quantity ? rng.int(...template.quantity) : 1;
    } else if (codeMode === 'null') {
      data.workItemCode = null;
    }
    emit(start, { type: 'task.assigned', actor: { id: assigner.id }, subject: subjectDue(dueOrdinal), data });

    const outcome = rng.weighted([['onTime', 69], ['late', 12], ['extended', 10], ['rejected', 5], ['cancelled', 4]] as const);
    const onTime = (from: number, end: number): number => between(from + 0.2 * (end - from), end - 60);
    const completed = (at: number, ordinal = dueOrdinal): void => {
      emit(at, { type: 'task.completed', actor: { id: assignee.id }, subject: subjectDue(ordinal), data: {} });
    };
    switch (outcome) {
      case 'onTime':
        completed(onTime(start, dueEnd));
        break;
      case 'late':
        completed(dueEnd + rng.int(1800, 3 * OFFICE_DAY));
        break;
      case 'extended': {
        const asked = Math.max(start + HOUR, dueEnd - rng.int(HOUR, Math.round(1.5 * OFFICE_DAY)));
        const newDueOrdinal = dueOrdinal + rng.int(2, 5);
        emit(asked, { type: 'task.extended', actor: { id: assigner.id }, subject: subjectDue(dueOrdinal), data: { assigneeId: assignee.id, newDueAt: deadlineOf(newDueOrdinal), excused: rng.chance(0.6), reason: rng.pick(EXTEND_REASONS) } });
        const newDueEnd = endOfOrdinal(newDueOrdinal);
        completed(rng.chance(0.8) ? onTime(asked, newDueEnd) : newDueEnd + rng.int(1800, 2 * OFFICE_DAY), newDueOrdinal);
        break;
      }
      case 'rejected': {
        const done = onTime(start, dueEnd);
        completed(done);
        emit(done + rng.int(HOUR, OFFICE_DAY), { type: 'task.rejected', actor: { id: assigner.id }, subject: subjectDue(dueOrdinal), data: { assigneeId: assignee.id, excused: rng.chance(0.25), reason: rng.pick(REJECT_REASONS) } });
        break;
      }
      case 'cancelled':
        emit(between(start + 1800, Math.min(dueEnd - 60, start + 3 * OFFICE_DAY)), { type: 'task.cancelled', actor: { id: assigner.id }, subject: subjectDue(dueOrdinal), data: { assigneeId: assignee.id, reason: rng.pick(CANCEL_REASONS) } });
        break;
    }
  };

  const meeting = (at: number, dayNum: number, title: string, organiser: Member, attendees: Member[], startsAt: string): void => {
    emit(at, {
      type: 'calendar.meeting.created',
      actor: { id: organiser.id },
      subject: { kind: 'meeting', id: subjectId('LH', dayNum, ++meetingNo), title },
      data: { startAt: startsAt, location: 'Phòng họp Ủy ban nhân dân xã', attendeeIds: attendees.map((m) => m.id) },
    });
  };

  for (let ordinal = firstOrdinal; ordinal < stopOrdinal; ordinal++) {
    const dayNum = dayOfOrdinal(ordinal);
    const dayStart = ordinal * OFFICE_DAY + (ordinal === firstOrdinal ? 900 : 0); // after the directory on the first day
    const dayEnd = endOfOrdinal(ordinal);
    const busy = weekdayOf(dayNum) === 0 ? 2 : 0; // Mondays bring the weekend's mail
    // the day's flows start in time order, so documents and tasks are numbered as the host would register them
    const starts: Array<{ at: number; flow: typeof incoming }> = [];
    const plan = (count: number, flow: typeof incoming): void => {
      for (let i = 0; i < count; i++) starts.push({ at: between(dayStart, dayEnd - 1800), flow });
    };
    plan(rng.int(8, 11) + busy, incoming);
    plan(rng.int(3, 6), outgoing);
    plan(rng.int(3, 5), task);
    for (const { at, flow } of starts.sort((a, b) => a.at - b.at)) flow(at, dayNum);
    if (weekdayOf(dayNum) === 4) {
      // Friday: the office schedules Monday's briefing of the agency's leaders
      const leaders = staffed.flatMap((s) => [s.head, s.deputy]);
      meeting(between(dayStart, dayEnd - 1800), dayNum, `Họp giao ban lãnh đạo tuần ${isoWeek(dayNum + 3)}`, office.deputy, leaders, isoLocal((dayNum + 3) * SECONDS_PER_DAY + MORNING_START));
    }
    if (rng.chance(0.15)) {
      const s = rng.pick(staffed);
      const at = between(dayStart, dayEnd - 1800);
      meeting(at, dayNum, fill(rng.pick(AD_HOC_MEETINGS), dayNum), s.head, s.members, isoLocal(dayOfOrdinal(ordinal + 1) * SECONDS_PER_DAY + 14 * HOUR));
    }
  }

  const notAfterMs = opts.notAfter === undefined ? Infinity : Date.parse(opts.notAfter);
  if (Number.isNaN(notAfterMs)) throw new ValidationError(`notAfter: not an instant: ${String(opts.notAfter)}`, 'notAfter');
  const events = pending
    .filter((p) => p.o < stopO && (localSecondsOf(p.o) - 7 * HOUR) * 1000 <= notAfterMs)
    .sort((a, b) => a.o - b.o || a.seq - b.seq)
    .map((p, i): DemoEvent => {
      // each event gets its own objects: a flow's events share a subject while being built
      const { type, actor, subject, data } = structuredClone(p.event);
      return { id: `evt-${opts.agency}-${String(i + 1).padStart(6, '0')}`, type, occurredAt: isoLocal(localSecondsOf(p.o)), agency: opts.agency, actor, subject, data };
    });
  return { units, users, events };
}
