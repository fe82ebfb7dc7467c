/**
 * Full scores of the officials of one or more units (docs/hr.md): R (a leader's blended with U,
 * the mean R of the unit's scored non-leaders), G, S and the class, each with its explanation.
 */
import { containsDay, parsePeriod } from '../domain/period';
import { explain } from './explain';
import { withLazyExplanation } from './lazy-explanation';
import { blend, checkParams, classify, nextClassOf, ownOf, roomOf, totalWith } from './official';
import { round2 } from './rounding';
import type { Classification, OfficialInput, OwnScore, Score, ScoreCore, ScoredOfficial, ScoreInternals, ScoringParams, UnitMeanInfo } from './types';
import { groupKey } from './util';
import { checkEntry, checkedDayLists, checkOfficial, fail } from './validate';

/**
 * The scores' numbers for the officials of one or more units, with the internals an explanation is
 * written from when `detailed`. Officials are grouped by unitId (null is a unit of its own); U for a
 * leader is the mean R of the SCORED non-leaders of the same unit, disqualified ones included
 * (disqualification decides a class, not the work done).
 */
function scoreAll(officials: readonly OfficialInput[], params: ScoringParams, period: string, detailed: boolean): Array<{ core: ScoreCore; internals: ScoreInternals | null }> {
  const p = parsePeriod(period);
  const prm = checkParams(params);
  if (!Array.isArray(officials as unknown)) fail('officials', 'phải là một mảng', 'must be an array');
  const seen = new Set<string>();
  officials.forEach((o, i) => {
    const f = `officials[${i}]`;
    checkOfficial(o, f);
    if (seen.has(o.userId)) fail(`${f}.userId`, `trùng cán bộ "${o.userId}"`, 'duplicate official');
    seen.add(o.userId);
    o.days.forEach((d, j) => {
      if (!containsDay(p, d.day)) fail(`${f}.days[${j}].day`, `ngày ${d.day} không thuộc kỳ ${p.key}`, `day is outside period ${p.key}`);
    });
    const inside = o.workingDayList ? checkedDayLists.get(o.workingDayList) : undefined;
    if (o.workingDayList && !inside?.has(p.key)) {
      o.workingDayList.forEach((d, j) => {
        if (!containsDay(p, d)) fail(`${f}.workingDayList[${j}]`, `ngày ${d} không thuộc kỳ ${p.key}`, `day is outside period ${p.key}`);
      });
      inside?.add(p.key);
    }
    o.entries?.forEach((e, j) => checkEntry(e, `${f}.entries[${j}]`));
  });

  const owns = officials.map((o) => ownOf(o, prm));

  // U per unit: mean R of scored non-leaders (their R is R_own).
  const unitStats = new Map<string, { sum: number; n: number }>();
  officials.forEach((o, i) => {
    const own = owns[i] as OwnScore;
    if (o.isLeader || !own.scored) return;
    const k = groupKey(p.key, o.unitId);
    const s = unitStats.get(k) ?? { sum: 0, n: 0 };
    s.sum += own.ownTaskScore;
    s.n += 1;
    unitStats.set(k, s);
  });

  const profile = prm.profile;
  // One (frozen) object for every score of the call, not one each.
  const profileRef = Object.freeze({ id: profile.id, version: profile.version });
  return officials.map((o, i) => {
    const own = owns[i] as OwnScore;
    let alpha: number | null = null;
    let unitMean: UnitMeanInfo | null = null;
    if (o.isLeader && own.scored) {
      alpha = profile.leaderAlpha;
      const s = unitStats.get(groupKey(p.key, o.unitId));
      if (s && s.n > 0) {
        const raw = s.sum / s.n;
        // U is put on the leader's own scale (kh1636: a leader's task results are out of 50, members' out of 70).
        const scale = profile.leader.taskMax / profile.taskMax;
        unitMean = { members: s.n, raw, scale, value: scale === 1 ? raw : raw * scale };
      }
    }
    const G = o.general;
    if (G !== null && G > own.generalMax) fail(`officials[${i}].general`, `không được lớn hơn ${own.generalMax}`, `must be at most ${own.generalMax}`);
    const R = own.scored ? blend(own.ownTaskScore, alpha, unitMean) : 0;
    const S = totalWith(own, prm, alpha, unitMean, G, 0);
    const total = round2(S);
    const incomplete = G === null;
    const classification: Classification | null = o.disqualified ? 'KHTNV' : !own.scored || incomplete ? null : classify(total, profile.thresholds);
    let internals: ScoreInternals | null = null;
    if (detailed) {
      const roomMinutes = roomOf(own, o, prm.capMinutes);
      internals = {
        period: p,
        params: prm,
        own,
        isLeader: o.isLeader,
        alpha,
        unitMean,
        R,
        G,
        S,
        roomMinutes,
        nextClass: nextClassOf(own, prm, alpha, unitMean, G, o.disqualified, roomMinutes),
      };
    }
    const core: ScoreCore = {
      userId: o.userId,
      unitId: o.unitId,
      period: p.key,
      profile: profileRef,
      isLeader: o.isLeader,
      position: o.position ?? null,
      workingDays: o.workingDays,
      assignedMinutes: round2(own.assigned.minutes),
      completedMinutes: round2(own.C),
      qualityMinutes: round2(own.CL),
      progressMinutes: round2(own.CT),
      quantityPct: round2(own.quantityPct),
      qualityPct: round2(own.qualityPct),
      progressPct: round2(own.progressPct),
      taskMax: own.taskMax,
      generalMax: own.generalMax,
      ownTaskScore: round2(own.ownTaskScore),
      unitMean: unitMean ? round2(unitMean.value) : null,
      taskScore: round2(R),
      generalScore: G === null ? null : round2(G),
      total,
      classification,
      overQuota: false,
      provisional: o.provisional,
      disqualified: o.disqualified,
      scored: own.scored,
      incomplete,
      // The engine's own warnings where rounding leaves them as they are (the usual case): one copy, not two.
      capWarnings: own.capWarnings.map((w) => (round2(w.minutes) === w.minutes ? w : { ...w, minutes: round2(w.minutes) })),
    };
    return { core, internals };
  });
}

/** Full scores (with internals) for the officials of one or more units, each with its explanation. */
export function scoreUnitDetailed(officials: readonly OfficialInput[], params: ScoringParams, period: string): ScoredOfficial[] {
  return scoreAll(officials, params, period, true).map(({ core, internals }, i) => {
    // Built when first read (lazy-explanation.ts); the closure keeps this official's entries alone, not the unit's inputs.
    const entries = officials[i]!.entries;
    const score: Score = withLazyExplanation({ ...core }, () => explain(core, internals!, entries));
    return { score, internals: internals! };
  });
}

/**
 * The scores' numbers alone, without explanations: what a table of the whole agency needs (HR's
 * workbook, the ranking), at a fraction of the memory. Equal, field by field, to scoreUnitDetailed's.
 */
export function scoreUnitNumbers(officials: readonly OfficialInput[], params: ScoringParams, period: string): ScoreCore[] {
  return scoreAll(officials, params, period, false).map((x) => x.core);
}

/** Full scores for a unit (or several): R, the leaders' blend with U, G, S, class. Apply `applyQuota` afterwards. */
export function scoreUnit(officials: readonly OfficialInput[], params: ScoringParams, period: string): Score[] {
  return scoreUnitDetailed(officials, params, period).map((x) => x.score);
}
