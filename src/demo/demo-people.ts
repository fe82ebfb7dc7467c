/**
 * The four people the demo speaks for: an official, the head of that official's own unit,
 * HR and an admin. The printed links and the mock E-Office's user switcher both use them, so
 * the leader shown always leads the official shown.
 */
import type { DemoData, DemoUser } from './demo-data';

export type DemoPersonKey = 'official' | 'leader' | 'hr' | 'admin';

export interface DemoPerson {
  key: DemoPersonKey;
  who: string;
  user: DemoUser;
}

export const DEMO_PERSON_KEYS: readonly DemoPersonKey[] = ['official', 'leader', 'hr', 'admin'];

/** The official, the head of their unit, HR and an admin; throws when the data lacks one. */
export function demoPeople(data: DemoData): DemoPerson[] {
  const pick = (what: string, f: (u: DemoUser) => boolean): DemoUser => {
    const u = data.users.find(f);
    if (!u) throw new Error(`demo data has no ${what}`);
    return u;
  };
  // An official of a unit without HR or admin staff, so that unit's board is an ordinary one.
  const staffUnits = new Set(data.users.filter((u) => u.roles.includes('hr') || u.roles.includes('admin')).map((u) => u.unitId));
  const official = pick('official', (u) => !u.isLeader && u.roles.length === 1 && u.roles[0] === 'official' && u.position === 'Chuyên viên' && !staffUnits.has(u.unitId));
  const leader = pick('leader', (u) => u.unitId === official.unitId && u.isLeader && u.roles.includes('leader') && !u.position.startsWith('Phó'));
  return [
    { key: 'official', who: 'Cán bộ, công chức (official)', user: official },
    { key: 'leader', who: 'Lãnh đạo phòng (unit leader)', user: leader },
    { key: 'hr', who: 'Tổ chức cán bộ (HR)', user: pick('hr', (u) => u.roles.includes('hr')) },
    { key: 'admin', who: 'Quản trị (admin)', user: pick('admin', (u) => u.roles.includes('admin')) },
  ];
}
