/**
 * Host events for the ingest and latency benchmarks: one agency (a district People's
 * Committee) with its directory, and the everyday flow of an E-Office system —
 * incoming documents registered by the văn thư and processed by a main handler and
 * supporters, outgoing drafts, completed tasks — with Vietnamese titles, in
 * working hours of 2026-Q1. Deterministic (seeded), so every phase of a run, and
 * every run, ingests the same events.
 */

export interface BenchUnit { id: string; name: string }
export interface BenchUser { id: string; name: string; unitId: string; position: string; isLeader: boolean; clerk: boolean }
export interface BenchDirectory { units: BenchUnit[]; users: BenchUser[] }

/** A benchmark event is an event of the contract (docs/integrators.md (events)). */
export type BenchEvent = KpiEvent;

/** The demo's seeded PRNG (mulberry32): small, fast, reproducible. */
export { mulberry32 as rng } from '../../src/demo/demo-data';
import { mulberry32 as rng } from '../../src/demo/demo-data';
import type { KpiEvent } from '../../src/contract/events';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));

const UNIT_NAMES = [
  'Văn phòng HĐND và UBND', 'Phòng Nội vụ', 'Phòng Tài chính - Kế hoạch', 'Phòng Kinh tế, Hạ tầng và Đô thị', 'Phòng Văn hóa, Khoa học và Thông tin',
  'Phòng Y tế', 'Phòng Giáo dục và Đào tạo', 'Phòng Tư pháp', 'Thanh tra huyện', 'Phòng Nông nghiệp và Môi trường',
  'Trung tâm Phục vụ hành chính công', 'Ban Quản lý dự án đầu tư xây dựng', 'Phòng Dân tộc và Tôn giáo', 'Trung tâm Văn hóa - Thể thao', 'Phòng Y tế dự phòng',
];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Trịnh', 'Đinh', 'Phan'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh', 'Thu', 'Ngọc', 'Thanh', 'Quang', 'Hồng'];
const GIVEN = ['Hùng', 'Dũng', 'Hương', 'Lan', 'Tuấn', 'Trang', 'Hải', 'Thảo', 'Long', 'Linh', 'Sơn', 'Huyền', 'Khánh', 'Yến', 'Phúc', 'Nhung'];
const VILLAGES = ['xã Đồng Tâm', 'xã Tân Lập', 'thị trấn Phú Sơn', 'xã Yên Bình', 'xã Thống Nhất', 'xã Quyết Thắng', 'xã Trung Hòa', 'xã Bắc Sơn'];
const INCOMING = [
  'Công văn về việc báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội tháng {m}',
  'Công văn về việc tăng cường kỷ luật, kỷ cương hành chính trong thực thi công vụ',
  'Công văn về việc đánh giá, xếp loại chất lượng công chức theo Nghị định 335/2025/NĐ-CP',
  'Công văn về việc đôn đốc thu ngân sách nhà nước quý I năm 2026',
  'Công văn về việc rà soát, cập nhật biến động đất đai tại {v}',
  'Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026',
  'Công văn về việc rà soát hộ nghèo, hộ cận nghèo năm 2026',
  'Quyết định công bố danh mục thủ tục hành chính được sửa đổi, bổ sung lĩnh vực đất đai',
  'Công văn về việc triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư',
  'Công văn về việc đẩy mạnh chuyển đổi số trong cơ quan nhà nước',
];
const OUTGOING: Array<[docType: string, title: string]> = [
  ['bao-cao', 'Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội tháng {m} năm 2026'],
  ['ke-hoach', 'Kế hoạch công tác cải cách hành chính năm 2026'],
  ['quyet-dinh', 'Quyết định về việc kiện toàn Tổ công nghệ số cộng đồng tại {v}'],
  ['to-trinh', 'Tờ trình về việc đề nghị phê duyệt dự toán công trình đường giao thông {v}'],
  ['cong-van', 'Công văn về việc xác minh nguồn gốc đất của hộ gia đình tại {v}'],
  ['cong-van', 'Công văn về việc đề nghị các phòng chuyên môn giải quyết hồ sơ đúng hạn'],
  ['thong-bao', 'Thông báo kết luận của Chủ tịch UBND tại cuộc họp giao ban tháng {m}'],
];
const TASKS: Array<[title: string, code: string | null, qty: [number, number] | null]> = [
  ['Tổng hợp báo cáo giao ban tuần', 'CV-06', null],
  ['Rà soát hồ sơ công chức phục vụ đánh giá quý I', 'CV-12', [2, 8]],
  ['Kiểm tra hiện trường vi phạm đất đai tại {v}', 'CH-03', null],
  ['Thống kê diện tích gieo cấy vụ Đông Xuân', 'CV-14', null],
  ['Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tháng {m}', 'CV-17', [20, 60]],
  ['Vận động nhân dân tham gia bảo hiểm y tế hộ gia đình tại {v}', null, null],
  ['Hướng dẫn người dân nộp hồ sơ trực tuyến tại {v}', 'CV-13', [1, 5]],
];
const URGENCY: Array<[string, number]> = [['thuong', 0.7], ['khan', 0.2], ['thuong-khan', 0.06], ['hoa-toc', 0.04]];

function weighted<T>(r: () => number, xs: ReadonlyArray<readonly [T, number]>): T {
  let x = r() * xs.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of xs) {
    x -= w;
    if (x < 0) return v;
  }
  return xs[xs.length - 1]![0];
}

/** `units` units of `perUnit` officials: a head and a deputy (leaders), a văn thư in the first unit, specialists. */
export function buildDirectory(units: number, perUnit: number, seed = 7): BenchDirectory {
  const r = rng(seed);
  const out: BenchDirectory = { units: [], users: [] };
  let n = 0;
  for (let u = 0; u < units; u++) {
    const unit = { id: `don-vi-${String(u + 1).padStart(3, '0')}`, name: u < UNIT_NAMES.length ? UNIT_NAMES[u]! : `${pick(r, UNIT_NAMES)} ${u + 1}` };
    out.units.push(unit);
    for (let i = 0; i < perUnit; i++) {
      const position = i === 0 ? 'Trưởng phòng' : i === 1 ? 'Phó Trưởng phòng' : u === 0 && i === 2 ? 'Văn thư' : 'Chuyên viên';
      out.users.push({
        id: `cb-${String(++n).padStart(5, '0')}`,
        name: `${pick(r, FAMILY)} ${pick(r, MIDDLE)} ${pick(r, GIVEN)}`,
        unitId: unit.id, position, isLeader: i < 2, clerk: u === 0 && i === 2,
      });
    }
  }
  return out;
}

const AT_DIRECTORY = '2025-12-31T08:00:00+07:00';

export function directoryEvents(agency: string, dir: BenchDirectory, idPrefix = 'dir'): BenchEvent[] {
  const events: BenchEvent[] = [];
  for (const u of dir.units) {
    events.push({ id: `${idPrefix}-unit-${u.id}`, type: 'unit.upserted', occurredAt: AT_DIRECTORY, agency, actor: { id: 'admin' }, subject: { kind: 'unit', id: u.id }, data: { name: u.name, parentId: null } });
  }
  for (const u of dir.users) {
    events.push({
      id: `${idPrefix}-user-${u.id}`, type: 'user.upserted', occurredAt: AT_DIRECTORY, agency, actor: { id: 'admin' }, subject: { kind: 'user', id: u.id },
      data: { name: u.name, unitId: u.unitId, position: u.position, isLeader: u.isLeader, active: true },
    });
  }
  return events;
}

// Working days of 2026-Q1 (Monday to Friday), office hours 07:30–17:00 at +07:00.
const Q1_DAYS: string[] = (() => {
  const days: string[] = [];
  for (let t = Date.UTC(2026, 0, 2); t <= Date.UTC(2026, 2, 31); t += 86_400_000) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
})();

const pad = (n: number) => String(n).padStart(2, '0');
/** Local office time: `slot` seconds after 07:30 on Q1 working day `d` (wrapping to the next day). */
function instant(d: number, slot: number): string {
  const span = 9.5 * 3600;
  const day = Math.min(Q1_DAYS.length - 1, d + Math.floor(slot / span));
  const s = 7.5 * 3600 + (slot % span);
  return `${Q1_DAYS[day]}T${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(Math.floor(s % 60))}+07:00`;
}

/**
 * `count` events of the everyday flow, time-ordered, each making exactly one journal entry
 * under the default rules: about 40% document.processed (main and support), 20%
 * document.received, 20% document.drafted and 20% task.completed (a third of the flows
 * each: an incoming document makes about three events).
 */
export function workEvents(agency: string, dir: BenchDirectory, count: number, opts: { seed?: number; idPrefix?: string } = {}): BenchEvent[] {
  const r = rng(opts.seed ?? 11);
  const prefix = opts.idPrefix ?? 'evt';
  const clerks = dir.users.filter((u) => u.clerk);
  const byUnit = new Map<string, BenchUser[]>();
  for (const u of dir.users) if (!u.clerk) byUnit.set(u.unitId, [...(byUnit.get(u.unitId) ?? []), u]);
  const unitIds = [...byUnit.keys()];
  const fill = (t: string, d: number) => t.replace('{m}', String(Number(Q1_DAYS[d]!.slice(5, 7)))).replace('{v}', pick(r, VILLAGES));
  const pending: Array<{ key: number; e: Omit<BenchEvent, 'id' | 'agency'> }> = [];
  const push = (d: number, slot: number, e: Omit<BenchEvent, 'id' | 'agency' | 'occurredAt'>) => {
    const occurredAt = instant(d, slot);
    pending.push({ key: Date.parse(occurredAt) * 64 + (pending.length % 64), e: { ...e, occurredAt } });
  };
  let doc = 0;
  let task = 0;
  while (pending.length < count) {
    const d = Math.floor(r() * Q1_DAYS.length);
    const start = int(r, 0, 8 * 3600);
    const staff = byUnit.get(pick(r, unitIds))!;
    const flow = r();
    if (flow < 1 / 3) {
      // incoming: registered by a văn thư, processed by a main handler and 0–2 supporters
      const subject = { kind: 'document', id: `VB-2026-${String(++doc).padStart(6, '0')}`, title: fill(pick(r, INCOMING), d), docType: 'cong-van', urgency: weighted(r, URGENCY), dueAt: `${Q1_DAYS[Math.min(Q1_DAYS.length - 1, d + int(r, 1, 7))]}T17:00:00+07:00` };
      push(d, start, { type: 'document.received', actor: { id: (clerks.length > 0 ? pick(r, clerks) : staff[0]!).id }, subject, data: { sender: 'Ủy ban nhân dân tỉnh', number: `${int(r, 100, 4999)}/UBND-VX` } });
      const main = pick(r, staff);
      push(d, start + int(r, 3600, 12 * 3600), { type: 'document.processed', actor: { id: main.id }, subject, data: { role: 'main' } });
      const supporters = int(r, 0, 2);
      for (let i = 0; i < supporters; i++) push(d, start + int(r, 1800, 8 * 3600), { type: 'document.processed', actor: { id: pick(r, staff).id }, subject, data: { role: 'support' } });
    } else if (flow < 2 / 3) {
      const [docType, title] = pick(r, OUTGOING);
      const subject = { kind: 'document', id: `VB-2026-${String(++doc).padStart(6, '0')}`, title: fill(title, d), docType, urgency: weighted(r, URGENCY) };
      push(d, start, { type: 'document.drafted', actor: { id: pick(r, staff).id }, subject, data: r() < 0.8 ? { role: 'main' } : { role: 'support' } });
    } else {
      const [title, code, qty] = pick(r, TASKS);
      const subject = { kind: 'task', id: `NV-2026-${String(++task).padStart(6, '0')}`, title: fill(title, d), urgency: weighted(r, URGENCY), dueAt: `${Q1_DAYS[Math.min(Q1_DAYS.length - 1, d + int(r, 2, 10))]}T17:00:00+07:00` };
      const data: Record<string, unknown> = code === null ? {} : { workItemCode: code, quantity: qty ? int(r, qty[0], qty[1]) : 1 };
      push(d, start + int(r, 3600, 20 * 3600), { type: 'task.completed', actor: { id: pick(r, staff).id }, subject, data });
    }
  }
  return pending
    .slice(0, count)
    .sort((a, b) => a.key - b.key)
    .map((p, i) => ({ id: `${prefix}-${String(i + 1).padStart(7, '0')}`, agency, ...p.e }) as BenchEvent);
}

/** Splits into batches of `size`. */
export function batches<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
