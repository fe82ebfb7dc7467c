import { expect } from 'chai';
import { signWebhookToken } from '../../src/http/auth';
import type { Harness, TestAgency } from './harness';

/** The host's events the panel tests send: ids `<prefix>-1`, `-2`…, a unit, a user, a processed document. */
export function hostEvents(prefix: string) {
  let n = 0;
  const ev = (agency: TestAgency, o: Record<string, unknown>): Record<string, unknown> => ({ id: `${prefix}-${++n}`, agency: agency.code, occurredAt: '2026-01-05T08:00:00+07:00', actor: { id: 'host' }, ...o });
  const unit = (agency: TestAgency, id: string, name: string) => ev(agency, { type: 'unit.upserted', occurredAt: '2026-01-02T08:00:00+07:00', subject: { kind: 'unit', id }, data: { name, parentId: null } });
  const user = (agency: TestAgency, id: string, name: string, unitId: string, isLeader = false) =>
    ev(agency, { type: 'user.upserted', subject: { kind: 'user', id }, data: { name, unitId, position: isLeader ? 'Trưởng phòng' : 'Chuyên viên', isLeader, active: true } });
  const processed = (agency: TestAgency, actor: string, docId: string, day: string, title = 'Công văn về việc triển khai nhiệm vụ', role = 'main') =>
    ev(agency, { type: 'document.processed', occurredAt: `${day}T09:15:00+07:00`, actor: { id: actor }, subject: { kind: 'document', id: docId, title, docType: 'cong-van', urgency: 'thuong' }, data: { role } });
  /**
   * The agency of the panel and workbook tests: Phòng Tổng hợp (two officials and their head),
   * Phòng Kế hoạch – Tài chính (one official and the head) and Phòng Tổ chức cán bộ (HR).
   */
  const directory = (agency: TestAgency) => [
    unit(agency, 'p-a', 'Phòng Tổng hợp'), unit(agency, 'p-b', 'Phòng Kế hoạch – Tài chính'), unit(agency, 'p-tc', 'Phòng Tổ chức cán bộ'),
    user(agency, 'off-1', 'Nguyễn Thị Ánh', 'p-a'), user(agency, 'off-2', 'Trần Văn Bình', 'p-a'), user(agency, 'lead-a', 'Lê Hoàng Phúc', 'p-a', true),
    user(agency, 'off-b', 'Phạm Thu Hằng', 'p-b'), user(agency, 'lead-b', 'Đặng Quốc Việt', 'p-b', true), user(agency, 'hr-1', 'Vũ Minh Châu', 'p-tc'),
  ];
  return { ev, unit, user, processed, directory };
}

/** POSTs events to the webhook signed at `now` (the tests' clock), and expects every one accepted. */
export async function postSigned(h: Harness, agency: TestAgency, events: Array<Record<string, unknown>>, now: Date): Promise<void> {
  const raw = JSON.stringify({ events });
  const r = await h.postEvents(agency, { events }, { token: signWebhookToken(agency.secret, agency.code, agency.issuer, raw, 120, now), rawBody: raw });
  expect(r.status, JSON.stringify(r.body)).to.equal(202);
  expect(r.body.rejected).to.deep.equal([]);
}
