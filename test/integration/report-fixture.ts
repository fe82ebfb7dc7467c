import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { buildServices, type Services } from '../../src/index';
import type { Principal } from '../../src/domain/principal';
import { freshDb } from '../helpers/harness';

/**
 * The agency the report tests share: two units, officials whose names try every formula trigger,
 * a character XML forbids, and the same Vietnamese name sent as NFC and as NFD; a month of
 * processed documents; general scores (one as three groups with a self score), a disqualified
 * official with the decree's ground. "Now" is after 2026-Q1, so its months may be closed.
 */
export const AGENCY = 'so-noi-vu-rep';
export const NOW = new Date('2026-04-15T03:00:00Z');
export const VI_NAME = 'Nguyễn Thị Hương';
export const MALICIOUS = {
  'u-cmd': "=cmd|' /C calc'!A0",
  'u-sum': '+SUM(1,2)',
  'u-link': '@HYPERLINK("http://x")',
  'u-minus': '-2+3',
  'u-tab': '\t=1+1',
  'u-cr': '\r=1+1',
  'u-lf': '\n=1+1',
} as const;

export interface Person { id: string; name: string; unit: string; position: string; leader: boolean }

export const UNITS = [
  { id: 'p-tccb', name: 'Phòng Tổ chức cán bộ' },
  { id: 'p-khtc', name: 'Phòng Kế hoạch - Tài chính'.normalize('NFD') },
];

export const PEOPLE: Person[] = [
  { id: 'u-lead1', name: 'Trần Văn Lãnh', unit: 'p-tccb', position: 'Trưởng phòng', leader: true },
  { id: 'u-nfc', name: VI_NAME, unit: 'p-tccb', position: 'Chuyên viên', leader: false },
  { id: 'u-nfd', name: VI_NAME.normalize('NFD'), unit: 'p-khtc', position: 'Chuyên viên', leader: false },
  { id: 'u-xml', name: 'Lê\u0001 Văn\u000B Bình\uFFFE', unit: 'p-khtc', position: 'Chuyên viên', leader: false },
  { id: 'u-lead2', name: 'Phạm Thị Đào', unit: 'p-khtc', position: 'Trưởng phòng', leader: true },
  ...Object.entries(MALICIOUS).map(([id, name], i) => ({ id, name, unit: i % 2 === 0 ? 'p-tccb' : 'p-khtc', position: i === 0 ? '=HYPERLINK("http://evil")' : 'Chuyên viên', leader: false })),
];

export const HR: Principal = { userId: 'u-hr', agency: AGENCY, name: 'HR', unit: null, roles: ['hr'], locale: 'vi' };

let seq = 0;
function ev(type: string, at: string, subject: Record<string, unknown>, actor: string, data: Record<string, unknown>): Record<string, unknown> {
  return { id: `rep-${++seq}`, type, occurredAt: at, agency: AGENCY, actor: { id: actor }, subject, data };
}

export async function buildAgency(url?: string): Promise<{ knex: Knex; services: Services }> {
  const knex = await freshDb(url);
  const services = buildServices({ knex, clock: () => NOW });
  await services.agencies.addAgency({ code: AGENCY, name: 'Sở Nội vụ tỉnh Khánh Hòa' });
  await services.agencies.putSettings(AGENCY, { report: { governingBody: 'Ủy ban nhân dân tỉnh Khánh Hòa', place: 'Khánh Hòa', preparedBy: 'Ngô Thị Lập', headOfAgency: '', headTitle: 'Giám đốc' } }, 'test');
  const events: Array<Record<string, unknown>> = [];
  for (const u of UNITS) events.push(ev('unit.upserted', '2026-01-01T08:00:00+07:00', { kind: 'unit', id: u.id }, 'host', { name: u.name }));
  for (const p of PEOPLE) events.push(ev('user.upserted', '2026-01-01T08:00:00+07:00', { kind: 'user', id: p.id }, 'host', { name: p.name, unitId: p.unit, position: p.position, isLeader: p.leader, active: true }));
  // Working days of March 2026 (and so of Q1): two reports drafted a day (240 minutes each), some
  // officials skipping every 2nd to 5th day, so that the classes spread.
  let k = 0;
  PEOPLE.forEach((p, i) => {
    const skipEvery = [0, 5, 4, 3, 2][i % 5]!;
    let dayIndex = 0;
    for (let d = 2; d <= 31; d++) {
      const day = `2026-03-${String(d).padStart(2, '0')}`;
      const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
      if (wd === 0 || wd === 6) continue;
      dayIndex++;
      if (skipEvery > 0 && dayIndex % skipEvery === 0) continue;
      for (let n = 0; n < 2; n++) {
        events.push(ev('document.drafted', `${day}T${n === 0 ? '09' : '14'}:00:00+07:00`,
          { kind: 'document', id: `VB-${++k}`, title: i === 5 ? '=HYPERLINK("http://x","bấm")' : 'Báo cáo kết quả thực hiện nhiệm vụ', docType: 'bao-cao', urgency: 'thuong' },
          p.id, {}));
      }
    }
  });
  for (let i = 0; i < events.length; i += 500) await services.intake.ingest(events.slice(i, i + 500), { source: 'inprocess' });
  for (const period of ['2026-03', '2026-Q1']) {
    await services.assessments.put(HR, { userId: 'u-lead1', period, general: 28 });
    await services.assessments.put(HR, { userId: 'u-nfc', period, groups: { I: 9.5, II: 9, III: 8 } });
    await services.assessments.put(HR, { userId: 'u-nfd', period, general: 27.5 });
    await services.assessments.put(HR, { userId: 'u-cmd', period, general: 25, disqualified: true, disqualifiedGround: 'discipline' });
    await services.assessments.put(HR, { userId: 'u-sum', period, general: 30 });
    await services.assessments.put(HR, { userId: 'u-lead2', period, general: 29 });
  }
  await services.assessments.put({ ...HR, userId: 'u-nfc', roles: ['official'], unit: 'p-tccb' }, { userId: 'u-nfc', period: '2026-Q1', selfGroups: { I: 10, II: 9.5, III: 8.5 } });
  return { knex, services };
}

/** Runs `write` into memory and returns the bytes. */
export async function toBuffer<T>(write: (out: NodeJS.WritableStream) => Promise<T>): Promise<{ buf: Buffer; result: T }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => out.on('end', resolve));
  const result = await write(out);
  out.end();
  await ended;
  return { buf: Buffer.concat(chunks), result };
}

export async function readWorkbook(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

/** The files of a zip (stored or deflated), by name: enough for an xlsx, no library needed. */
export function unzip(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const lNameLen = buf.readUInt16LE(local + 26);
    const lExtraLen = buf.readUInt16LE(local + 28);
    const data = buf.subarray(local + 30 + lNameLen + lExtraLen, local + 30 + lNameLen + lExtraLen + size);
    out.set(name.replace(/^\//, ''), (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The text of every cell of a sheet, row by row (values as exceljs reads them). */
export function cellsOf(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    const vals: unknown[] = [];
    row.eachCell({ includeEmpty: true }, (c, col) => { vals[col - 1] = c.isMerged && c.master !== c ? null : c.value ?? null; });
    rows[n - 1] = vals;
  });
  return rows;
}

export function allText(ws: ExcelJS.Worksheet): string {
  return cellsOf(ws).map((r) => (r ?? []).map((v) => (v === null || v === undefined ? '' : String(v))).join('|')).join('\n');
}
