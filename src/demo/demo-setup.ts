/**
 * Installs the demo agency (`demo`, `npm start`, the browser tests): the agency with its
 * secret, the weeks of host events through the real intake, and — on a fresh agency whose
 * data ends today — what a month of real use leaves behind, so every part of the panels has
 * something to show:
 *
 * - manual entries that officials added this month, approved by their leader, the last
 *   working day's left pending in the printed leader's unit (an approval queue);
 * - the general criteria (G) of every official (a leader's by HR), but for one member of
 *   that unit, so the leader's form has work left;
 * - classes across the range: a few officials filled to the day's cap (excellent, one more
 *   than the 20% quota allows), most good or complete, one not complete, one disqualified
 *   by HR with the decree's ground;
 * - one host event that fails (a work item the catalogue lacks), for the admin to replay.
 *
 * Everything goes through the services, as a user's clicks would; nothing is written around them.
 */
import type { KpiEvent } from '../contract/events';
import { workingDays } from '../domain/calendar';
import type { Principal, Role } from '../domain/principal';
import { DEFAULT_TIME_ZONE, today } from '../domain/time';
import type { IngestResult } from '../intake/intake-service';
import type { AgencyService } from '../services/agency-service';
import type { AssessmentService } from '../services/assessment-service';
import type { ReviewService } from '../services/review-service';
import type { IntakeService } from '../intake/intake-service';
import { generateDemo, type DemoData, type DemoUser } from './demo-data';
import { demoPeople } from './demo-people';

export interface DemoServices {
  agencies: AgencyService;
  intake: IntakeService;
  review: ReviewService;
  assessments: AssessmentService;
}

export interface InstallDemoOptions {
  agency: string;
  name: string;
  endDay: string;
  weeks: number;
  /** The clock's now: no event after it; the month's extras are added only when endDay is its day. */
  now: Date;
  onProgress?: (done: number, total: number) => void;
}

export interface InstalledDemo {
  data: DemoData;
  secret: string;
  created: boolean;
  result: IngestResult;
  /** Whether this month's entries, assessments and the failed event were added (fresh agency, data ending today). */
  shaped: boolean;
}

/** The item officials log by hand in the demo: settling an administrative dossier, 45 minutes each. */
export const DEMO_MANUAL_ITEM = 'CV-13';
const MANUAL_ITEM_MINUTES = 45;
/** A work item the catalogue lacks: the event naming it fails, and stays for the admin to replay. */
export const DEMO_FAILING_ITEM = 'XD-01';

/** What one official gets this month: minutes added per working day (as a share of 480) and G. */
export interface ShapePlan {
  userId: string;
  share: number;
  general: number | null;
  disqualified: boolean;
}

/**
 * The month's plan for every active official, deterministic from the data: leaders a moderate
 * share and G 26 (by HR); among the others, three filled to the cap with G 29, 28 and 27
 * (one of them in the printed official's unit, the lowest, so the quota flags it), one left
 * with nothing added (not complete), one disqualified, one in the printed unit without G,
 * and the rest spread between good and complete.
 */
export function demoShapes(data: DemoData): ShapePlan[] {
  const people = demoPeople(data);
  const shown = people.find((p) => p.key === 'official')!.user;
  const staff = new Set(people.filter((p) => p.key === 'hr' || p.key === 'admin').map((p) => p.user.id));
  const active = data.users.filter((u) => u.active);
  const members = active.filter((u) => !u.isLeader && !staff.has(u.id) && u.id !== shown.id);
  const inShownUnit = members.filter((u) => u.unitId === shown.unitId);
  const elsewhere = members.filter((u) => u.unitId !== shown.unitId);
  const plans = new Map<string, ShapePlan>();
  const set = (u: DemoUser | undefined, share: number, general: number | null, disqualified = false): void => {
    if (u && !plans.has(u.id)) plans.set(u.id, { userId: u.id, share, general, disqualified });
  };
  set(elsewhere[0], 1, 29);
  set(elsewhere[3], 1, 28);
  set(inShownUnit[0], 1, 27); // the lowest of the excellent: over the quota
  set(inShownUnit[1], 0, 18); // not complete
  set(inShownUnit[2], 0.6, null); // G still to be given by the leader
  set(elsewhere[6], 0.6, 25, true); // disqualified by HR
  set(shown, 0.55, 24);
  for (const u of active) {
    if (u.isLeader) set(u, 0.45, 26);
    else set(u, plans.size % 3 === 0 ? 0.3 : 0.6, plans.size % 3 === 0 ? 21 : 25);
  }
  return [...plans.values()];
}

function principalOf(agency: string, u: DemoUser): Principal {
  return { userId: u.id, agency, name: u.name, unit: u.unitId, roles: u.roles as Role[], locale: 'vi' };
}

/** Creates (or reuses) the demo agency and ingests its events; on a fresh agency whose data ends today, adds the month's extras. */
export async function installDemo(s: DemoServices, o: InstallDemoOptions): Promise<InstalledDemo> {
  const existing = await s.agencies.getAgency(o.agency);
  // Always Asia/Ho_Chi_Minh, whatever KPI_TZ says: the demo's events are written at +07:00 office hours (demo-data.ts).
  const secret = existing ? await s.agencies.currentSecret(o.agency) : (await s.agencies.addAgency({ code: o.agency, name: o.name, timeZone: DEFAULT_TIME_ZONE })).secret;
  // Nothing the host reports has happened yet after now: no event after the clock.
  const data = generateDemo({ agency: o.agency, endDay: o.endDay, weeks: o.weeks, notAfter: o.now.toISOString() });
  const result = await s.intake.ingest(data.events, { source: 'demo', agency: o.agency, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const shaped = !existing && o.endDay === today(DEFAULT_TIME_ZONE, o.now);
  if (shaped) await shapeMonth(s, o, data);
  return { data, secret, created: !existing, result, shaped };
}

async function shapeMonth(s: DemoServices, o: InstallDemoOptions, data: DemoData): Promise<void> {
  const users = new Map(data.users.map((u) => [u.id, u]));
  const people = demoPeople(data);
  const shown = people.find((p) => p.key === 'official')!.user;
  const hr = principalOf(o.agency, people.find((p) => p.key === 'hr')!.user);
  const days = workingDays(`${o.endDay.slice(0, 7)}-01`, o.endDay, { holidays: [], makeUpDays: [] });
  const period = o.endDay.slice(0, 7);
  const headOf = (unitId: string): DemoUser => data.users.find((u) => u.unitId === unitId && u.isLeader && !u.position.startsWith('Phó'))!;
  /** Who approves `u`'s entries: the head of the unit, or for the head the deputy. */
  const reviewerOf = (u: DemoUser): DemoUser => data.users.find((x) => x.unitId === u.unitId && x.isLeader && x.id !== u.id && (u.id !== headOf(u.unitId).id || x.position.startsWith('Phó')))!;
  for (const plan of demoShapes(data)) {
    const u = users.get(plan.userId)!;
    const me = principalOf(o.agency, u);
    const quantity = Math.round((plan.share * 480) / MANUAL_ITEM_MINUTES);
    for (const [i, day] of days.entries()) {
      if (quantity < 1) break;
      const entry = await s.review.create(me, { date: day, workItemCode: DEMO_MANUAL_ITEM, quantity, note: 'Giải quyết hồ sơ tại Bộ phận một cửa (kê khai bổ sung)' });
      const lastDay = i === days.length - 1;
      if (lastDay && u.unitId === shown.unitId) continue; // the leader's queue
      await s.review.approve(principalOf(o.agency, reviewerOf(u)), entry.id);
    }
    if (plan.general !== null) {
      const by = u.isLeader ? hr : principalOf(o.agency, headOf(u.unitId));
      await s.assessments.put(by, { userId: u.id, period, general: plan.general });
    }
    if (plan.disqualified) await s.assessments.put(hr, { userId: u.id, period, disqualified: true, disqualifiedGround: 'discipline' });
  }
  const leader = headOf(shown.unitId);
  const at = `${days[days.length - 1] ?? o.endDay}T07:45:00+07:00`;
  const failing: KpiEvent = {
    id: `evt-${o.agency}-failed-000001`, type: 'task.assigned', occurredAt: at, agency: o.agency, actor: { id: leader.id },
    subject: { kind: 'task', id: `CV-${o.endDay.slice(0, 4)}-900001`, title: 'Kiểm tra trật tự xây dựng khu dân cư mới', dueAt: `${o.endDay}T17:00:00+07:00` },
    data: { assigneeId: shown.id, workItemCode: DEMO_FAILING_ITEM, quantity: 1 },
  } as unknown as KpiEvent;
  if (Date.parse(at) <= o.now.getTime()) await s.intake.ingest([failing], { source: 'demo', agency: o.agency });
}
