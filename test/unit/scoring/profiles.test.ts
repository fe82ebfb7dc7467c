import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import { BUILTIN_PROFILES, KH1636, ND335, getProfile, validateProfile } from '../../../src/scoring/profiles';
import { scoreUnit } from '../../../src/scoring/unit';
import { MARCH, buildOfficial, params } from './fixtures';

/** The scoring profiles (src/scoring/profiles.ts) and how the engine refuses a bad one. */
describe('scoring/profiles', () => {
  describe('profiles', () => {
    it('when reading the built-in profiles, then every number of docs/hr.md is there', () => {
      for (const p of [ND335, KH1636]) {
        expect(p.version).to.equal(1);
        expect(p).to.include({ taskMax: 70, generalMax: 30, failPenalty: 0.25, delayPenalty: 0.25, leaderAlpha: 0.5, quotaRatio: 0.2, assignedBasis: 'norm', defaultNormRatio: 1 });
        expect(p.weights).to.deep.equal({ quantity: 1 / 3, quality: 1 / 3, progress: 1 / 3 });
        expect(p.thresholds).to.deep.equal({ excellent: 90, good: 70, complete: 50 });
        expect(validateProfile(p)).to.deep.equal(p);
        expect(Object.isFrozen(p) && Object.isFrozen(p.weights)).to.equal(true);
      }
      expect(ND335.leader).to.deep.equal({ taskMax: 70, generalMax: 30 });
      expect(KH1636.leader).to.deep.equal({ taskMax: 50, generalMax: 50 });
      expect(Object.keys(BUILTIN_PROFILES).sort()).to.deep.equal(['kh1636', 'nd335']);
      expect(getProfile('kh1636')).to.equal(KH1636);
    });

    it('when asking for an unknown profile, then it is a ValidationError on "profile"; a custom one is found', () => {
      expect(() => getProfile('nd999')).to.throw(ValidationError).with.property('field', 'profile');
      const custom = validateProfile({ ...ND335, id: 'mine' });
      expect(getProfile('mine', [custom])).to.equal(custom);
    });

    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['weights that do not sum to 1', { weights: { quantity: 0.5, quality: 0.5, progress: 0.5 } }, 'profile.weights'],
      ['a negative weight', { weights: { quantity: -0.5, quality: 0.75, progress: 0.75 } }, 'profile.weights.quantity'],
      ['a fail penalty above 1', { failPenalty: 1.5 }, 'profile.failPenalty'],
      ['a delay penalty that is a string', { delayPenalty: '0.25' }, 'profile.delayPenalty'],
      ['α above 1', { leaderAlpha: 2 }, 'profile.leaderAlpha'],
      ['thresholds out of order', { thresholds: { excellent: 90, good: 95, complete: 50 } }, 'profile.thresholds.good'],
      ['an unknown key', { failPenalt: 0.2 }, 'profile.failPenalt'],
      ['an unknown basis', { assignedBasis: 'hours' }, 'profile.assignedBasis'],
      ['a zero norm ratio', { normRatios: { 'pho-phong': 0 } }, 'profile.normRatios.pho-phong'],
      ['version 0', { version: 0 }, 'profile.version'],
      ['an id with spaces', { id: 'my profile' }, 'profile.id'],
      ['a zero task maximum', { taskMax: 0 }, 'profile.taskMax'],
      ['a leader without general maximum', { leader: { taskMax: 50 } }, 'profile.leader.generalMax'],
      ['a quota ratio above 1', { quotaRatio: 1.2 }, 'profile.quotaRatio'],
    ];
    for (const [what, patch, field] of bad) {
      it(`when a custom profile has ${what}, then validateProfile names ${field}`, () => {
        expect(() => validateProfile({ ...ND335, id: 'custom', ...patch })).to.throw(ValidationError).with.property('field', field);
      });
    }

    it('when the engine is given an invalid profile or parameter, then it is a ValidationError naming it', () => {
      const o = [buildOfficial()];
      expect(() => scoreUnit(o, params({ profile: { ...ND335, failPenalty: -1 } }), MARCH)).to.throw(ValidationError).with.property('field', 'profile.failPenalty');
      expect(() => scoreUnit(o, params({ capPolicy: 'cut' as 'clip' }), MARCH)).to.throw(ValidationError).with.property('field', 'capPolicy');
      expect(() => scoreUnit(o, params({ capMinutes: 0 }), MARCH)).to.throw(ValidationError).with.property('field', 'capMinutes');
      expect(() => scoreUnit(o, params(), '2026-13')).to.throw(ValidationError).with.property('field', 'period');
    });
  });
});
