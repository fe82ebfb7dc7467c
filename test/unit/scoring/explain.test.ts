import { expect } from 'chai';
import { workingDays } from '../../../src/domain/calendar';
import { parsePeriod } from '../../../src/domain/period';
import { mulberry32 } from '../../../src/demo/demo-data';
import { assignedFormula, explanationEntryLines, explanationLines } from '../../../src/i18n/explanation-text';
import { formatNumber, formatVi } from '../../../src/i18n/i18n';
import {
  KH1636,
  ND335,
  type Classification,
  type EntryInput,
  type OfficialInput,
  type PeriodExplanation,
  type Score,
  type ScoringParams,
  type ScoringProfile,
  type YearExplanation,
  applyQuota,
  explain,
  round2,
  scoreUnit,
  scoreUnitDetailed,
  scoreYear,
  validateProfile,
} from '../../../src/scoring';
import { ALL_MARCH, MARCH, MARCH_WD, type Official, buildEntry, buildOfficial, en, fullDays, params, RANDOM_PROFILES, vi, withEntries, workedExample } from './fixtures';

/** S recomputed from the explanation's own numbers only. */
function recomputeS(e: PeriodExplanation): number {
  const A = e.assigned.minutes;
  if (e.assigned.basis === 'norm') expect(A).to.equal(e.assigned.workingDays * e.assigned.dailyMinutes * e.assigned.normRatio);
  if (e.assigned.basis === 'assignments') expect(A).to.equal(e.assigned.assignmentMinutes);
  if (e.assigned.basis === 'max') expect(A).to.equal(Math.max(e.assigned.normMinutes, e.assigned.assignmentMinutes));
  const pc = (x: number): number => (A > 0 ? Math.min(100, (100 * x) / A) : 0);
  const q = pc(e.completed.C);
  const l = pc(e.completed.CL);
  const t = pc(e.completed.CT);
  expect([q, l, t]).to.deep.equal([e.percentages.quantity.value, e.percentages.quality.value, e.percentages.progress.value]);
  const w = e.task.weights;
  const rOwn = A > 0 ? (e.task.taskMax * (w.quantity * q + w.quality * l + w.progress * t)) / 100 : 0;
  expect(rOwn).to.equal(e.task.ownTaskScore);
  let R = rOwn;
  if (e.task.alpha !== null && e.task.unitMean !== null) {
    const u = e.task.unitMean;
    expect(u.value).to.be.closeTo(u.raw * u.scale, 1e-9);
    R = e.task.alpha * rOwn + (1 - e.task.alpha) * u.value;
  }
  expect(R).to.equal(e.task.value);
  return R + (e.general.value ?? 0);
}

function expectAddsUp(s: Score): void {
  const e = s.explanation as PeriodExplanation;
  expect(e.kind).to.equal('period');
  const S = recomputeS(e);
  expect(round2(S), `${s.userId}: S from the explanation`).to.equal(s.total);
  expect(e.total).to.equal(s.total);
  expect(round2(e.percentages.quantity.value)).to.equal(s.quantityPct);
  expect(round2(e.percentages.quality.value)).to.equal(s.qualityPct);
  expect(round2(e.percentages.progress.value)).to.equal(s.progressPct);
  expect(round2(e.task.value)).to.equal(s.taskScore);
  expect(e.general.value === null ? null : round2(e.general.value)).to.equal(s.generalScore);
  if (e.completed.entrySums) {
    expect(e.completed.entrySums.C).to.be.closeTo(e.completed.C, 1e-6);
    expect(e.completed.entrySums.CL).to.be.closeTo(e.completed.CL, 1e-6);
    expect(e.completed.entrySums.CT).to.be.closeTo(e.completed.CT, 1e-6);
  }
  // the lines show the rounded total, in both languages, and the engine wrote none itself
  expect(explanationLines(e, 'vi').some((line) => line.includes(formatVi(s.total)))).to.equal(true);
  expect(explanationLines(e, 'en').some((line) => line.includes(formatNumber('en', s.total)))).to.equal(true);
  expect(e).to.not.have.property('lines');
}

/** Adds `minutes` of clean work to working days, never taking a day past the cap; null when there is not enough room. */
function fill(entries: EntryInput[], wd: readonly string[], cap: number, minutes: number): EntryInput[] | null {
  const raw = new Map<string, number>();
  for (const e of entries) raw.set(e.day, (raw.get(e.day) ?? 0) + e.minutes);
  const out = [...entries];
  let left = minutes;
  for (const day of wd) {
    if (left <= 0) break;
    const room = Math.max(0, cap - (raw.get(day) ?? 0));
    const take = Math.min(room, left);
    if (take > 0) {
      out.push(buildEntry({ day, minutes: take }));
      left -= take;
    }
  }
  return left > 1e-9 ? null : out;
}

const RANK: Record<Classification, number> = { KHTNV: 0, HTNV: 1, HTTNV: 2, HTXSNV: 3 };

// ---------------------------------------------------------------------------

describe('scoring/explain, written out by i18n/explanation-text', () => {
  describe('the worked example', () => {
    const [s] = scoreUnit([workedExample()], params(), MARCH);
    const e = (s as Score).explanation as PeriodExplanation;

    it('when explained, then A shows its formula and the period, profile and working days are there', () => {
      expect(assignedFormula(e.assigned, 'vi')).to.equal('22 × 480 × 1');
      expect(assignedFormula(e.assigned, 'en')).to.equal('22 × 480 × 1');
      expect(e.assigned).to.not.have.property('formula');
      expect(e.assigned.minutes).to.equal(10560);
      expect(e).to.include({ period: '2026-03', from: '2026-03-01', to: '2026-03-31', workingDays: 22, classification: 'HTXSNV', total: 90.45 });
      expect(e.profile).to.deep.equal({ id: 'nd335', version: 1 });
      expect(e.completed).to.include({ C: 9600, CL: 9577.5, CT: 9540 });
    });

    it('when rendered in Vietnamese, then each line carries its numbers filled in', () => {
      const want = [
        'Số ngày làm việc: 22',
        'Khối lượng được giao A = 22 × 480 × 1 = 10 560 phút',
        "Khối lượng hoàn thành C = Σ m'(e) = 9 600 phút",
        "Chất lượng CL = Σ m'(e) × max(0, 1 − 0,25 × số lần không đạt) = 9 577,50 phút",
        "Tiến độ CT = Σ m'(e) × max(0, 1 − 0,25 × số lần trễ hạn) = 9 540 phút",
        'Số lượng = min(100, 100 × 9 600 / 10 560) = 90,91%',
        'Chất lượng = min(100, 100 × 9 577,50 / 10 560) = 90,70%',
        'Tiến độ = min(100, 100 × 9 540 / 10 560) = 90,34%',
        'Điểm kết quả nhiệm vụ R = 70 × (90,91 + 90,70 + 90,34) / 300 = 63,45 (tối đa 70)',
        'Tiêu chí chung G = 27 (tối đa 30)',
        'Tổng điểm S = R + G = 63,45 + 27 = 90,45',
        'Xếp loại: HTXSNV — Hoàn thành xuất sắc nhiệm vụ (S ≥ 90)',
      ];
      const lines = explanationLines(e, 'vi');
      for (const line of want) expect(lines).to.include(line);
      expect(lines[0]).to.equal('Kỳ 2026-03 (01/03/2026 – 31/03/2026); hồ sơ chấm điểm nd335, phiên bản 1');
    });

    it('when rendered in English, then the same lines carry the same numbers, English style', () => {
      const want = [
        'Period 2026-03 (1 Mar 2026 – 31 Mar 2026); scoring profile nd335, version 1',
        'Working days: 22',
        'Assigned work A = 22 × 480 × 1 = 10,560 min',
        "Completed C = Σ m'(e) = 9,600 min",
        "Quality CL = Σ m'(e) × max(0, 1 − 0.25 × failures) = 9,577.50 min",
        "Progress CT = Σ m'(e) × max(0, 1 − 0.25 × delays) = 9,540 min",
        'Quantity = min(100, 100 × 9,600 / 10,560) = 90.91%',
        'Quality = min(100, 100 × 9,577.50 / 10,560) = 90.70%',
        'Progress = min(100, 100 × 9,540 / 10,560) = 90.34%',
        'Task results R = 70 × (90.91 + 90.70 + 90.34) / 300 = 63.45 (out of 70)',
        'General criteria G = 27 (out of 30)',
        'Total S = R + G = 63.45 + 27 = 90.45',
        'Class: HTXSNV — Excellent completion of duties (S ≥ 90)',
      ];
      expect(explanationLines(e, 'en')).to.deep.equal(want);
      expect(explanationLines(e, 'vi')).to.have.length(want.length);
    });

    it('when the entries are given, then each is listed with its marks and they sum to C, CL, CT', () => {
      const entries = e.completed.entries ?? [];
      expect(entries).to.have.length(22);
      expect(entries.find((x) => x.id === 'draft-1')).to.include({ minutes: 90, countedMinutes: 90, qualityMinutes: 67.5, progressMinutes: 90, clipped: false });
      expect(entries.find((x) => x.id === 'draft-1')?.marks).to.deep.equal(['failed(1)']);
      expect(entries.find((x) => x.id === 'task-7')).to.include({ progressMinutes: 180, late: true });
      expect(entries.find((x) => x.id === 'task-7')?.marks).to.deep.equal(['late(1)']);
      expect(e.completed.entrySums).to.deep.equal({ C: 9600, CL: 9577.5, CT: 9540 });
      expect(vi(s as Score).some((l) => l.includes('VB-DT (#draft-1): 90 phút → C 90, CL 67,50, CT 90 [không đạt chất lượng 1 lần]'))).to.equal(true);
      expect(vi(s as Score)).to.include(`  • ${MARCH_WD[0]} VB-DT (#draft-1): 90 phút → C 90, CL 67,50, CT 90 [không đạt chất lượng 1 lần]`);
      expect(explanationEntryLines(e, 'vi')).to.include(`${MARCH_WD[0]} VB-DT (#draft-1): 90 phút → C 90, CL 67,50, CT 90 [không đạt chất lượng 1 lần]`);
      expect(explanationEntryLines(e, 'en')).to.include(`${MARCH_WD[1]} NV-HT (#task-7): 240 min → C 240, CL 240, CT 180 [late 1×]`);
      expect(explanationEntryLines(e, 'vi')).to.have.length(22);
      // without { entries: true } the entries are left to explanationEntryLines
      expect(explanationLines(e, 'vi')).to.have.length(vi(s as Score).length - 22);
      expect(explanationLines(e, 'vi').some((l) => l.includes('#draft-1'))).to.equal(false);
    });

    it('when the score is recomputed from the explanation, then it adds up to 90.45', () => {
      expectAddsUp(s as Score);
    });

    it('when the official is already HTXSNV, then there is no next class', () => {
      expect(e.nextClass).to.equal(null);
    });
  });

  describe('adding up, case by case', () => {
    // A = 4800. lead: 80% → R_own 56 (nd335) / 40 (kh1636); m1: 100% → R 70; m2: 50%, 37.5%, 50% → R 32.083…;
    // U = (70 + 32.083…) / 2 = 51.041…; nd335: R = 28 + 25.52… = 53.52; kh1636: U × 50/70 = 36.458…, R = 20 + 18.229… = 38.23
    function leaderUnit(profile: ScoringProfile): Official[] {
      return [
        buildOfficial({ userId: 'lead', isLeader: true, workingDays: 10, general: profile.leader.generalMax * 0.8, entries: fullDays(8) }),
        buildOfficial({ userId: 'm1', workingDays: 10, general: 20, entries: fullDays(10) }),
        buildOfficial({ userId: 'm2', workingDays: 10, general: 20, entries: fullDays(5, 480, { fails: 1 }) }),
      ];
    }
    const cases: Array<{ name: string; officials: () => Official[]; prm: ScoringParams; check?: (s: Score[]) => void }> = [
      { name: 'the worked example', officials: () => [workedExample()], prm: params() },
      {
        name: 'a clipped day',
        officials: () => [buildOfficial({ general: 22, entries: [...fullDays(9), buildEntry({ id: 'big', day: MARCH_WD[9], minutes: 700, fails: 2 })] })],
        prm: params(),
        check: ([s]) => {
          const e = (s as Score).explanation as PeriodExplanation;
          expect(e.completed.entries?.find((x) => x.id === 'big')?.marks).to.deep.equal(['clipped', 'failed(2)']);
          expect(vi(s as Score).some((l) => l.startsWith(`Cảnh báo ngày ${MARCH_WD[9]}: 700 phút, vượt trần 480 phút/ngày`))).to.equal(true);
          expect(en(s as Score)).to.include(`Warning for ${MARCH_WD[9]}: 700 min, over the cap of 480 min/day; the day's entries are scaled × 480/700`);
        },
      },
      {
        name: 'a day over the cap under warn',
        officials: () => [buildOfficial({ general: 22, entries: [...fullDays(9), buildEntry({ day: MARCH_WD[9], minutes: 700 })] })],
        prm: params({ capPolicy: 'warn' }),
        check: ([s]) => {
          expect(vi(s as Score).some((l) => l.includes('chỉ cảnh báo, không quy đổi'))).to.equal(true);
          expect(en(s as Score).some((l) => l.includes('a warning only, nothing scaled'))).to.equal(true);
        },
      },
      {
        name: 'an nd335 leader with members',
        officials: () => leaderUnit(ND335),
        prm: params(),
        check: (ss) => {
          const e = (ss.find((s) => s.userId === 'lead') as Score).explanation as PeriodExplanation;
          expect(explanationLines(e, 'vi')).to.include('Điểm kết quả nhiệm vụ R = 0,5 × 56 + 0,5 × 51,04 = 53,52');
          expect(explanationLines(e, 'en')).to.include('Task results R = 0.5 × 56 + 0.5 × 51.04 = 53.52');
        },
      },
      {
        name: 'a kh1636 leader with members (U on the leader’s scale)',
        officials: () => leaderUnit(KH1636),
        prm: params({ profile: KH1636 }),
        check: (ss) => {
          const e = (ss.find((s) => s.userId === 'lead') as Score).explanation as PeriodExplanation;
          expect(e.task.unitMean?.scale).to.equal(50 / 70);
          expect(explanationLines(e, 'vi').some((l) => l.startsWith('Kết quả đơn vị U = trung bình R của 2 cán bộ') && l.includes('51,04 × 50/70 = 36,46'))).to.equal(true);
          expect(explanationLines(e, 'vi')).to.include('Điểm kết quả nhiệm vụ R = 0,5 × 40 + 0,5 × 36,46 = 38,23');
          expect(explanationLines(e, 'en')).to.include('Unit result U = mean R of the 2 scored non-leaders × 50/70 = 51.04 × 50/70 = 36.46');
        },
      },
      {
        name: 'a leader alone',
        officials: () => [buildOfficial({ userId: 'lead', isLeader: true, workingDays: 10, general: 25, entries: fullDays(8) })],
        prm: params(),
        check: ([s]) => {
          expect(vi(s as Score)).to.include('Đơn vị chưa có cán bộ không giữ chức vụ lãnh đạo được chấm: U = R_own, nên R = 56');
          expect(en(s as Score)).to.include('No scored non-leader in the unit: U = R_own, so R = 56');
        },
      },
      {
        name: 'a missing G',
        officials: () => [buildOfficial({ general: null, entries: fullDays(11) })],
        prm: params(),
        check: ([s]) => {
          expect(vi(s as Score)).to.include('Tổng điểm (tạm, chỉ gồm R) = 35');
          expect(vi(s as Score)).to.include('Xếp loại: chưa xếp loại (chưa có điểm tiêu chí chung)');
          expect(en(s as Score)).to.include('Total (partial, R only) = 35');
        },
      },
      {
        name: 'an unscored official',
        officials: () => [buildOfficial({ workingDays: 0, general: 20, entries: fullDays(3) })],
        prm: params(),
        check: ([s]) => {
          expect(vi(s as Score)).to.include('A = 0: kỳ này chưa được chấm điểm (không chia cho 0).');
          expect(en(s as Score)).to.include('A = 0: this period is not scored (never divided by zero).');
        },
      },
      {
        name: 'a disqualified official',
        officials: () => [buildOfficial({ general: 30, disqualified: true, entries: fullDays(22) })],
        prm: params(),
        check: ([s]) => {
          expect(vi(s as Score).some((l) => l.startsWith('Xếp loại: KHTNV'))).to.equal(true);
          expect(vi(s as Score)).to.include('Xếp loại: KHTNV — Không hoàn thành nhiệm vụ (bị xử lý kỷ luật trong kỳ, không phụ thuộc điểm)');
          expect(en(s as Score).some((l) => l.startsWith('Class: KHTNV'))).to.equal(true);
        },
      },
      {
        name: 'unequal weights and the max basis',
        officials: () => [buildOfficial({ general: 20, assignmentMinutes: 12000, position: 'pho-phong', entries: fullDays(15, 480, { delays: 1 }) })],
        prm: params({ profile: validateProfile({ ...ND335, id: 'w', assignedBasis: 'max', weights: { quantity: 0.5, quality: 0.25, progress: 0.25 }, normRatios: { 'pho-phong': 0.9 } }) }),
        check: ([s]) => {
          const e = (s as Score).explanation as PeriodExplanation;
          expect(assignedFormula(e.assigned, 'vi')).to.equal('max(22 × 480 × 0,9, 12 000)');
          expect(assignedFormula(e.assigned, 'en')).to.equal('max(22 × 480 × 0.9, 12,000)');
          expect(explanationLines(e, 'vi').some((l) => l.includes('70 × (0,5 × 60 + 0,25 × 60 + 0,25 × 45) / 100'))).to.equal(true);
          expect(explanationLines(e, 'en').some((l) => l.includes('70 × (0.5 × 60 + 0.25 × 60 + 0.25 × 45) / 100'))).to.equal(true);
        },
      },
    ];
    for (const c of cases) {
      it(`when explaining ${c.name}, then S recomputed from the explanation equals the total`, () => {
        const scores = scoreUnit(c.officials(), c.prm, MARCH);
        scores.forEach(expectAddsUp);
        c.check?.(scores);
      });
    }

    it('when explain is called directly with internals and entries, then it matches the attached explanation', () => {
      const o = workedExample();
      const [d] = scoreUnitDetailed([o], params(), MARCH);
      const { explanation, ...core } = d?.score as Score;
      expect(explain(core, d?.internals as never, o.entries)).to.deep.equal(explanation);
      expect(explain(core, d?.internals as never).completed.entries).to.equal(null);
    });

    it('when a quota is applied, then the explanation says so and still adds up', () => {
      const officials = Array.from({ length: 6 }, (_, k) => buildOfficial({ userId: `u-${k}`, workingDays: 10, general: k < 2 ? 25 : 10, entries: fullDays(10) }));
      const out = applyQuota(scoreUnit(officials, params(), MARCH), params(), { applyQuota: true });
      const over = out.find((s) => s.overQuota) as Score;
      expect(over.userId).to.equal('u-1');
      expect(vi(over).some((l) => l.includes('vượt chỉ tiêu, chuyển xếp loại HTTNV'))).to.equal(true);
      expect(vi(over)[vi(over).length - 1]).to.equal('Xếp loại sau khi áp dụng tỷ lệ: HTTNV — Hoàn thành tốt nhiệm vụ');
      expect(en(over)[en(over).length - 1]).to.equal('Class after the quota: HTTNV — Good completion of duties');
      expect(vi(over)).to.include('Xếp loại: HTXSNV — Hoàn thành xuất sắc nhiệm vụ (S ≥ 90)');
      expect(vi(out.find((s) => s.userId === 'u-0') as Score).some((l) => l.includes('xếp thứ 1: trong chỉ tiêu'))).to.equal(true);
      expect(en(out.find((s) => s.userId === 'u-0') as Score).some((l) => l.includes('ranked 1: within the quota'))).to.equal(true);
      out.forEach(expectAddsUp);
    });

    it('when a year is explained, then the mean of the counted quarters adds up to its total', () => {
      const quarters = [1, 2, 3, 4].map((q, i) => {
        const p = parsePeriod(`2026-Q${q}`);
        const wd = workingDays(p.from, p.to, { holidays: [], makeUpDays: [] });
        const entries = wd.slice(0, 6 + i).map((day) => buildEntry({ day, minutes: 480, fails: i % 2 }));
        return scoreUnit([buildOfficial({ workingDays: q === 4 ? 0 : 10, general: 20 + i, entries })], params(), p.key)[0] as Score;
      });
      const [y] = scoreYear(quarters);
      const e = (y as Score).explanation as YearExplanation;
      const counted = e.quarters.filter((q) => q.counted).map((q) => q.total);
      expect(counted).to.have.length(3);
      expect(round2(counted.reduce((a, b) => a + b, 0) / counted.length)).to.equal(y?.total);
      expect(explanationLines(e, 'vi').some((l) => l.startsWith('Điểm năm = trung bình các quý được chấm = ('))).to.equal(true);
      expect(explanationLines(e, 'vi')).to.include('  • Quý 2026-Q4: — (không được chấm, không tính)');
      expect(explanationLines(e, 'en')).to.include('  • Quarter 2026-Q4: — (not scored, not counted)');
      expect(explanationLines(e, 'en')).to.include(`Year score = mean of the scored quarters = (${counted.map((x) => formatNumber('en', x)).join(' + ')}) / 3 = ${formatNumber('en', y?.total as number)}`);
      expect(e).to.not.have.property('lines');
    });
  });

  describe('nextClass', () => {
    const wd10 = MARCH_WD.slice(0, 10);
    function one(entries: EntryInput[], general: number, extra: Partial<OfficialInput> = {}): Official {
      return buildOfficial({ workingDays: 10, workingDayList: wd10, general, entries, ...extra });
    }

    it('when an official is at S = 86, then 274 more clean minutes reach HTXSNV and 273 do not', () => {
      // R = 70 × (3840 + x) / 4800; S = R + 30 ≥ 89.995 ⇔ x ≥ 273.94…
      const o = one(fullDays(8), 30);
      const [s] = scoreUnit([o], params(), MARCH);
      expect(s).to.include({ total: 86, classification: 'HTTNV' });
      expect(s?.explanation.nextClass).to.deep.equal({ target: 'HTXSNV', threshold: 90, minutes: 274, totalAfter: 90 });
      expect(vi(s as Score)).to.include('Để đạt HTXSNV (S ≥ 90) cần thêm 274 phút chuẩn công việc được duyệt, đúng hạn, không lỗi (tổng khi đó 90).');
      expect(en(s as Score)).to.include('To reach HTXSNV (S ≥ 90): 274 more standard minutes of approved, on-time, error-free work (the total would then be 90).');
      for (const [n, cls] of [
        [274, 'HTXSNV'],
        [273, 'HTTNV'],
      ] as const) {
        const more = fill(o.entries, wd10, 480, n) as EntryInput[];
        expect(scoreUnit([withEntries(o, more, params())], params(), MARCH)[0]?.classification).to.equal(cls);
      }
    });

    const nulls: Array<[string, () => Official]> = [
      ['no room is left under the cap', () => one(fullDays(10, 480, { fails: 4 }), 0)],
      ['the room left cannot reach the threshold', () => one(fullDays(5, 480, { fails: 4, delays: 4 }), 0)],
      ['G is missing', () => one(fullDays(5), 0, { general: null })],
      ['the official is disqualified', () => one(fullDays(5), 10, { disqualified: true })],
      ['A = 0', () => one(fullDays(5), 10, { workingDays: 0, workingDayList: [] })],
    ];
    for (const [why, make] of nulls) {
      it(`when ${why}, then nextClass is null`, () => {
        const [s] = scoreUnit([make()], params(), MARCH);
        expect(s?.classification).not.to.equal('HTXSNV');
        expect(s?.explanation.nextClass).to.equal(null);
      });
    }

    it('when the working days are not listed, then the room is estimated from |W| and the days with entries', () => {
      const [s] = scoreUnit([buildOfficial({ workingDays: 10, general: 30, entries: fullDays(8) })], params(), MARCH);
      expect(s?.explanation.nextClass?.minutes).to.equal(274);
    });
  });

  // -------------------------------------------------------------------------
  describe('properties over random inputs (seeded)', () => {

    function randomUnit(rnd: () => number): { prm: ScoringParams; officials: Official[] } {
      const int = (n: number): number => Math.floor(rnd() * n);
      const prm = params({ profile: RANDOM_PROFILES[int(RANDOM_PROFILES.length)] as ScoringProfile, capPolicy: rnd() < 0.5 ? 'clip' : 'warn' });
      const n = 1 + int(5);
      const officials: Official[] = [];
      for (let k = 0; k < n; k++) {
        const isLeader = k === 0 && rnd() < 0.6;
        const w = rnd() < 0.05 ? 0 : 12 + int(11);
        const entries: EntryInput[] = [];
        const count = int(40);
        for (let j = 0; j < count; j++) {
          entries.push(
            buildEntry({
              day: (rnd() < 0.9 ? MARCH_WD[int(MARCH_WD.length)] : ALL_MARCH[int(ALL_MARCH.length)]) as string,
              minutes: Math.round(rnd() * 3000) / 10,
              fails: rnd() < 0.75 ? 0 : 1 + int(5),
              delays: rnd() < 0.75 ? 0 : 1 + int(5),
              late: rnd() < 0.1,
            }),
          );
        }
        const gmax = isLeader ? prm.profile.leader.generalMax : prm.profile.generalMax;
        officials.push(
          buildOfficial(
            {
              userId: `u-${k}`,
              isLeader,
              position: rnd() < 0.3 ? 'pho-phong' : null,
              workingDays: w,
              workingDayList: MARCH_WD.slice(0, w),
              assignmentMinutes: int(10000),
              general: rnd() < 0.1 ? null : Math.round(rnd() * gmax * 100) / 100,
              disqualified: rnd() < 0.05,
              provisional: rnd() < 0.2,
              entries,
            },
            prm,
          ),
        );
      }
      return { prm, officials };
    }

    it('when 800 random units are explained, then every explanation adds up to its score', () => {
      const rnd = mulberry32(90);
      for (let i = 0; i < 800; i++) {
        const { prm, officials } = randomUnit(rnd);
        const scores = scoreUnit(officials, prm, MARCH);
        scores.forEach(expectAddsUp);
        applyQuota(scores, prm, { applyQuota: rnd() < 0.5 }).forEach(expectAddsUp);
      }
    });

    it('when 500 random officials get a nextClass, then exactly that many clean minutes reach the next class and one fewer does not', () => {
      const rnd = mulberry32(45);
      let checkedReach = 0;
      let checkedNull = 0;
      for (let i = 0; i < 500; i++) {
        const { prm, officials } = randomUnit(rnd);
        const scores = scoreUnit(officials, prm, MARCH);
        const k = Math.floor(rnd() * officials.length);
        const s = scores[k] as Score;
        const o = officials[k] as Official;
        const rescored = (entries: EntryInput[] | null): Score | null => {
          if (entries === null) return null;
          return scoreUnit(officials.map((x, j) => (j === k ? withEntries(x, entries, prm) : x)), prm, MARCH)[k] as Score;
        };
        const nc = s.explanation.nextClass;
        const wd = o.workingDayList ?? [];
        if (nc) {
          expect(RANK[nc.target]).to.equal(RANK[s.classification as Classification] + 1);
          const reached = rescored(fill(o.entries, wd, prm.capMinutes, nc.minutes)) as Score;
          expect(reached, `case ${i}: room for ${nc.minutes}`).not.to.equal(null);
          expect(reached.total, `case ${i}`).to.be.at.least(nc.threshold);
          expect(reached.total).to.equal(nc.totalAfter);
          expect(RANK[reached.classification as Classification]).to.be.at.least(RANK[nc.target]);
          if (nc.minutes > 1) {
            const short = rescored(fill(o.entries, wd, prm.capMinutes, nc.minutes - 1)) as Score;
            expect(short.total, `case ${i}`).to.be.below(nc.threshold);
          }
          checkedReach++;
        } else if (s.scored && !s.disqualified && s.generalScore !== null && s.classification !== 'HTXSNV') {
          // unreachable: even all the room left does not reach the next threshold
          const raw = new Map<string, number>();
          for (const e of o.entries) raw.set(e.day, (raw.get(e.day) ?? 0) + e.minutes);
          const room = wd.reduce((a, d) => a + Math.max(0, prm.capMinutes - (raw.get(d) ?? 0)), 0);
          const full = rescored(fill(o.entries, wd, prm.capMinutes, Math.floor(room + 1e-9)));
          const th = prm.profile.thresholds;
          const next = s.classification === 'HTTNV' ? th.excellent : s.classification === 'HTNV' ? th.good : th.complete;
          if (full) expect(full.total, `case ${i}`).to.be.below(next);
          checkedNull++;
        }
      }
      expect(checkedReach).to.be.above(100);
      expect(checkedNull).to.be.above(10);
    });
  });
});

describe('explain: entries of a score computed from the database totals', () => {
  it('when the day totals come from the database (no days) and a day passed the cap, then each entry is shown after the cap and they add up to C, CL and CT', () => {
    const prm = params();
    const entries = [
      ...fullDays(3, 300),
      buildEntry({ day: MARCH_WD[0], minutes: 399, fails: 1 }),
      buildEntry({ day: MARCH_WD[1], minutes: 60, delays: 1 }),
    ];
    const fromDays = scoreUnit([buildOfficial({ entries }, prm)], prm, MARCH)[0];
    const ed = fromDays.explanation as PeriodExplanation;
    // the same official as the service builds it: sums from the database, the entries apart, no days
    const totals = { C: ed.completed.C, CL: ed.completed.CL, CT: ed.completed.CT, daysLogged: 3, capWarnings: ed.cap.warnings };
    const fromTotals = scoreUnit([{ ...buildOfficial({}, prm), days: [], totals, entries }], prm, MARCH)[0];
    expect(fromTotals.total).to.equal(fromDays.total);
    const e = fromTotals.explanation as PeriodExplanation;
    const listed = e.completed.entries!;
    expect(listed.reduce((a, x) => a + x.minutes, 0)).to.equal(300 * 3 + 399 + 60);
    expect(e.completed.entrySums!.C).to.be.closeTo(e.completed.C, 1e-9);
    expect(e.completed.entrySums!.CL).to.be.closeTo(e.completed.CL, 1e-9);
    expect(e.completed.entrySums!.CT).to.be.closeTo(e.completed.CT, 1e-9);
    const clipped = listed.filter((x) => x.clipped);
    expect(clipped.map((x) => x.day)).to.include.members([MARCH_WD[0]]);
    expect(clipped.find((x) => x.minutes === 399)!.countedMinutes).to.be.closeTo((399 * 480) / 699, 1e-9);
  });
});
