import { httpStatus } from '../../../src/http/errors';
import { expect } from 'chai';
import { fails } from '../../helpers/expect-kpi-error';
import { parsePeriod } from '../../../src/domain/period';
import { DEFAULT_CATALOGUE } from '../../../src/rules/catalogue';
import { matchRule, type PlannerEvent } from '../../../src/rules/planner';
import type { MappingRule } from '../../../src/rules/mapping';
import { checkGeneral, DISQUALIFIED_GROUNDS, GROUP_MAX, groupsTotal, parseAssessmentInput } from '../../../src/services/assessment-service';
import { emptyWorkingDays, overCapDays, suggestedQuantity } from '../../../src/services/insights-service';
import { likeLiteral } from '../../../src/db/knex-event-store';


describe('services/insights-service: pure parts', () => {
  describe('overCapDays', () => {
    it('when entries of a day sum past the cap, then the day is listed with its total, the cap and the count, in day order', () => {
      const rows = [
        { day: '2026-03-05', minutes: 300 }, { day: '2026-03-05', minutes: 200.5 },
        { day: '2026-03-02', minutes: 480 },
        { day: '2026-03-03', minutes: 1440 },
        { day: '2026-03-04', minutes: 0.1 }, { day: '2026-03-04', minutes: 0.2 },
      ];
      expect(overCapDays(rows, 480)).to.deep.equal([
        { date: '2026-03-03', totalMinutes: 1440, capMinutes: 480, entries: 1 },
        { date: '2026-03-05', totalMinutes: 500.5, capMinutes: 480, entries: 2 },
      ]);
    });
    it('when the cap is lowered, then a day at the old cap passes it', () => {
      expect(overCapDays([{ day: '2026-03-02', minutes: 480 }], 479).map((d) => d.date)).to.deep.equal(['2026-03-02']);
    });
    it('when there are no entries, then nothing is listed', () => expect(overCapDays([], 480)).to.deep.equal([]));
  });

  describe('emptyWorkingDays', () => {
    const march = parsePeriod('2026-03');
    const none = { holidays: [] as string[], makeUpDays: [] as string[] };
    const always = { from: null, to: null };

    it('when nothing is logged, then every weekday before today is reminded (today is still being worked)', () => {
      const days = emptyWorkingDays(march, '2026-03-06', none, always, new Set()).map((r) => r.date);
      expect(days).to.deep.equal(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
    });
    it('when holidays, make-up days and logged days are given, then holidays and logged days drop and make-up days join', () => {
      const cal = { holidays: ['2026-03-03'], makeUpDays: ['2026-03-07'] };
      const days = emptyWorkingDays(march, '2026-03-10', cal, always, new Set(['2026-03-04'])).map((r) => r.date);
      expect(days).to.deep.equal(['2026-03-02', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-09']);
    });
    it('when the official was active only part of the period, then only those days count', () => {
      const days = emptyWorkingDays(march, '2026-04-15', none, { from: '2026-03-25', to: '2026-03-27' }, new Set()).map((r) => r.date);
      expect(days).to.deep.equal(['2026-03-25', '2026-03-26', '2026-03-27']);
    });
    it('when the period is past, then it runs to its last day; when it starts today or later, then nothing', () => {
      expect(emptyWorkingDays(parsePeriod('2026-02'), '2026-03-20', none, always, new Set()).at(-1)).to.deep.equal({ date: '2026-02-27' });
      expect(emptyWorkingDays(march, '2026-03-01', none, always, new Set())).to.deep.equal([]);
      expect(emptyWorkingDays(parsePeriod('2026-04'), '2026-03-20', none, always, new Set())).to.deep.equal([]);
    });
  });

  describe('likeLiteral', () => {
    it('when an id holds LIKE wildcards or the escape character, then each is escaped with "!"', () => {
      expect(likeLiteral('"u_1%[a]!"')).to.equal('"u!_1!%![a]!!"');
      expect(likeLiteral('"u-1001"')).to.equal('"u-1001"');
    });
  });

  describe('suggestedQuantity', () => {
    const event = (data: Record<string, unknown>): PlannerEvent => ({
      id: 'e', type: 'document.received', occurredAt: '2026-03-12T09:00:00+07:00', agency: 'a', actor: { id: 'u' }, subject: { kind: 'document', id: 'VB-1' }, data,
    });
    const rule = (quantity: MappingRule['quantity']): MappingRule => ({ id: 'r', eventType: 'document.received', workItemCode: 'VT-01', priority: 1, active: true, ...(quantity === undefined ? {} : { quantity }) });
    const match = (ev: PlannerEvent, r: MappingRule) => {
      const m = matchRule(ev, [r], DEFAULT_CATALOGUE);
      if (!m.matched) throw new Error('rule should match');
      return m;
    };
    it('when the rule has no quantity, then 1', () => expect(suggestedQuantity(event({}), match(event({}), rule(undefined)))).to.equal(1));
    it('when the rule has a number, then that number', () => expect(suggestedQuantity(event({}), match(event({}), rule(3)))).to.equal(3));
    it('when the rule reads a path, then the value there (a numeric string too)', () => {
      expect(suggestedQuantity(event({ pages: 4 }), match(event({ pages: 4 }), rule({ path: 'data.pages' })))).to.equal(4);
      expect(suggestedQuantity(event({ pages: '2.5' }), match(event({ pages: '2.5' }), rule({ path: 'data.pages' })))).to.equal(2.5);
    });
    it('when the path is missing or not a positive number, then 1', () => {
      expect(suggestedQuantity(event({}), match(event({}), rule({ path: 'data.pages' })))).to.equal(1);
      expect(suggestedQuantity(event({ pages: -2 }), match(event({ pages: -2 }), rule({ path: 'data.pages' })))).to.equal(1);
    });
    it('when the quantity passes the item maximum (VT-01: 500), then it is held to it', () => {
      expect(suggestedQuantity(event({ pages: 9999 }), match(event({ pages: 9999 }), rule({ path: 'data.pages' })))).to.equal(500);
    });
  });
});

describe('services/assessment-service: pure parts', () => {
  it('when a body is complete, then the period is parsed and the fields kept', () => {
    const out = parseAssessmentInput({ userId: 'u-1', period: '2026-Q1', general: 27.5, disqualified: false });
    expect(out.period.key).to.equal('2026-Q1');
    expect(out).to.include({ userId: 'u-1', general: 27.5, disqualified: false });
  });
  it('when only disqualified is sent, then general is left out (kept as stored)', () => {
    expect(parseAssessmentInput({ userId: 'u-1', period: '2026', disqualified: true })).to.not.have.property('general');
  });
  const bad: Array<[string, unknown, string, string | undefined]> = [
    ['the body is not an object', [], 'invalid_body', undefined],
    ['userId is missing', { period: '2026-03', general: 1 }, 'required', 'userId'],
    ['period is malformed', { userId: 'u', period: '2026-Q5', general: 1 }, 'invalid_input', 'period'],
    ['period is not a string', { userId: 'u', period: 202603, general: 1 }, 'required', 'period'],
    ['neither general nor disqualified', { userId: 'u', period: '2026-03' }, 'required', 'general'],
    ['disqualified is a string', { userId: 'u', period: '2026-03', disqualified: 'true' }, 'invalid_disqualified', 'disqualified'],
    ['a key is unknown', { userId: 'u', period: '2026-03', general: 1, classification: 'HTXSNV' }, 'unknown_field', 'classification'],
  ];
  it('when general is a string, then the parser keeps it as not a number and checkGeneral refuses it with the limit (400 invalid_general)', () => {
    const out = parseAssessmentInput({ userId: 'u', period: '2026-03', general: '20' });
    expect(Number.isNaN(out.general)).to.equal(true);
    const e = fails(() => checkGeneral(out.general as number, 30));
    expect([httpStatus(e), e.code, e.field, e.details]).to.deep.equal([400, 'invalid_general', 'general', { max: 30 }]);
  });
  for (const [what, body, code, field] of bad) {
    it(`when ${what}, then 400 ${code}`, () => {
      const e = fails(() => parseAssessmentInput(body));
      expect([httpStatus(e), e.code, e.field]).to.deep.equal([400, code, field]);
    });
  }
  it('when the three groups of form no. 01 are sent, then they are kept and general, if also sent, must be their sum', () => {
    const out = parseAssessmentInput({ userId: 'u-1', period: '2026-03', groups: { I: 9.5, II: 7.5, III: 6.25 }, selfGroups: { I: 10, II: 10, III: 0 } });
    expect(out).to.deep.include({ groups: { I: 9.5, II: 7.5, III: 6.25 }, selfGroups: { I: 10, II: 10, III: 0 } });
    expect(out).to.not.have.property('general');
    expect(groupsTotal({ I: 9.5, II: 7.5, III: 6.25 })).to.equal(23.25);
    expect(groupsTotal({ I: 0.1, II: 0.2, III: 0 })).to.equal(0.3);
    expect(parseAssessmentInput({ userId: 'u-1', period: '2026-03', general: 0.3, groups: { I: 0.1, II: 0.2, III: 0 } })).to.deep.include({ general: 0.3 });
    expect(parseAssessmentInput({ userId: 'u-1', period: '2026-03', groups: null })).to.deep.include({ groups: null });
    expect(parseAssessmentInput({ userId: 'u-1', period: '2026', disqualified: true, disqualifiedGround: 'discipline' })).to.deep.include({ disqualifiedGround: 'discipline' });
    expect(GROUP_MAX).to.deep.equal({ I: 10, II: 10, III: 10 });
    expect(DISQUALIFIED_GROUNDS).to.deep.equal(['degradation', 'discipline', 'leader-corruption']);
  });
  const badDetail: Array<[string, unknown, string, string]> = [
    ['a group is over its 10 points', { groups: { I: 10.01, II: 0, III: 0 } }, 'invalid_groups', 'groups.I'],
    ['a group has 3 decimals', { groups: { I: 1, II: 2.125, III: 0 } }, 'invalid_groups', 'groups.II'],
    ['a group is missing', { groups: { I: 1, II: 2 } }, 'invalid_groups', 'groups.III'],
    ['a group is null', { groups: { I: 1, II: 2, III: null } }, 'invalid_groups', 'groups.III'],
    ['groups is a number', { groups: 25 }, 'invalid_groups', 'groups'],
    ['a group is unknown', { groups: { I: 1, II: 2, III: 3, IV: 4 } }, 'unknown_field', 'groups.IV'],
    ['a self group is negative', { selfGroups: { I: -1, II: 2, III: 3 } }, 'invalid_groups', 'selfGroups.I'],
    ['general differs from the sum', { general: 6.01, groups: { I: 1, II: 2, III: 3 } }, 'general_mismatch', 'general'],
    ['general is null beside groups', { general: null, groups: { I: 1, II: 2, III: 3 } }, 'general_mismatch', 'general'],
    ['the ground is not the decree\'s', { disqualified: true, disqualifiedGround: 'late' }, 'invalid_ground', 'disqualifiedGround'],
  ];
  for (const [what, body, code, field] of badDetail) {
    it(`when ${what}, then 400 ${code} naming ${field}`, () => {
      const e = fails(() => parseAssessmentInput({ userId: 'u', period: '2026-03', ...(body as object) }));
      expect([httpStatus(e), e.code, e.field]).to.deep.equal([400, code, field]);
      expect(e.message.startsWith(`${field}: `), e.message).to.equal(true);
    });
  }
  it('when general is within 0..max with at most 2 decimals (or null), then it passes; otherwise 400 naming general', () => {
    for (const g of [null, 0, 29.99, 30]) expect(() => checkGeneral(g, 30)).to.not.throw();
    for (const g of [-0.01, 30.01, 29.999]) expect(fails(() => checkGeneral(g, 30)).field).to.equal('general');
    expect(() => checkGeneral(50, 50)).to.not.throw();
    expect(fails(() => checkGeneral(50.5, 50)).message).to.contain('50');
  });
});
