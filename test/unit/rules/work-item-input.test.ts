import { expect } from 'chai';
import { validateCatalogue, WORK_ITEM_CODE_RE } from '../../../src/rules/catalogue';
import { findTemplate, SECTOR_TEMPLATES, templateItems } from '../../../src/rules/sector-templates';
import { checkValidFrom, parseWorkItem, sameWorkItem, startsLikeFormula, versionOn, WORK_ITEM_LIMITS } from '../../../src/rules/work-item-input';

/** The checks behind every catalogue edit (API, panel forms, Excel rows), the versions by day, and the shipped templates. */

const whole = { code: 'CV-50', name: 'Rà soát văn bản', unit: 'văn bản', standardMinutes: 90, kind: 'count' };

describe('rules/work-item-input', () => {
  describe('parseWorkItem', () => {
    it('when a whole item gives only what is required, then the defaults fill the rest (group chuyen-vien, maximum 100, active, general sector)', () => {
      expect(parseWorkItem({ ...whole }, { partial: false })).to.deep.equal({
        fields: { ...whole, nameEn: '', sector: '', group: 'chuyen-vien', maxQuantityPerEntry: 100, active: true }, problems: [],
      });
    });

    const cases: Array<[string, Record<string, unknown>, Array<[string, string, (string | number)?]>]> = [
      ['a missing code', { code: '' }, [['code', 'required']]],
      ['a code with a space', { code: 'CV 1' }, [['code', 'bad_code', 40]]],
      ['a code too long', { code: 'C'.repeat(41) }, [['code', 'too_long', 40]]],
      ['negative minutes', { standardMinutes: -5 }, [['standardMinutes', 'out_of_range', WORK_ITEM_LIMITS.standardMinutesMax]]],
      ['zero minutes', { standardMinutes: 0 }, [['standardMinutes', 'out_of_range', 9600]]],
      ['minutes past the limit', { standardMinutes: 9601 }, [['standardMinutes', 'out_of_range', 9600]]],
      ['minutes as words', { standardMinutes: 'ba mươi' }, [['standardMinutes', 'not_number']]],
      ['an unknown kind', { kind: 'đếm' }, [['kind', 'bad_kind', 'count|rated']]],
      ['an unknown group', { group: 'ke-toan' }, [['group', 'bad_group', 'van-thu|chuyen-vien|lanh-dao|chung']]],
      ['a formula for a name', { name: '=HYPERLINK("x")' }, [['name', 'formula']]],
      ['a name behind spaces and a full-width plus', { name: '  ＋1' }, [['name', 'formula']]],
      ['a name too long', { name: 'a'.repeat(501) }, [['name', 'too_long', 500]]],
      ['a sector with capitals', { sector: 'Noi-Vu' }, [['sector', 'bad_sector']]],
      ['active as text', { active: 'có' }, [['active', 'bad_active']]],
      ['a maximum past its limit', { maxQuantityPerEntry: 10001 }, [['maxQuantityPerEntry', 'out_of_range', 10000]]],
      ['an unknown field', { rating: 1 }, [['rating', 'unknown_field']]],
    ];
    for (const [what, change, expected] of cases) {
      it(`when an item has ${what}, then exactly that field is named with its limit`, () => {
        const { problems } = parseWorkItem({ ...whole, ...change }, { partial: false });
        expect(problems.map((p) => [p.field, p.problem, ...(p.limit === undefined ? [] : [p.limit])])).to.deep.equal(expected);
      });
    }

    it('when a patch gives some fields, then only those are read and nothing is defaulted', () => {
      expect(parseWorkItem({ standardMinutes: 75, name: ' Soạn thảo tờ trình ' }, { partial: true })).to.deep.equal({ fields: { standardMinutes: 75, name: 'Soạn thảo tờ trình' }, problems: [] });
    });

    it('when a name comes decomposed (NFD), then it is kept composed (NFC)', () => {
      expect(parseWorkItem({ ...whole, name: 'Tiếp công dân'.normalize('NFD') }, { partial: false }).fields.name).to.equal('Tiếp công dân'.normalize('NFC'));
    });
  });

  describe('versions by day', () => {
    const v = (version: number, validFrom: string | null) => ({ version, validFrom });
    const versions = [v(1, null), v(2, '2026-04-06'), v(3, '2026-05-01')];
    const cases: Array<[string, number | undefined]> = [['2026-01-01', 1], ['2026-04-05', 1], ['2026-04-06', 2], ['2026-04-30', 2], ['2026-05-01', 3], ['2027-01-01', 3]];
    for (const [day, expected] of cases) {
      it(`when an entry is made on ${day}, then version ${expected} applies`, () => {
        expect(versionOn(versions, day)?.version).to.equal(expected);
      });
    }

    it('when an item first applies from a day, then before that day it does not exist', () => {
      expect(versionOn([v(1, '2026-06-01')], '2026-05-31')).to.equal(undefined);
    });

    it('when a new version would start before the previous one, then validFrom is refused naming that day; a bad day is refused as such', () => {
      expect(checkValidFrom('2026-04-01', '2026-04-06')).to.deep.equal({ field: 'validFrom', problem: 'too_early', limit: '2026-04-06' });
      expect(checkValidFrom('2026-04-06', '2026-04-06')).to.equal(null);
      expect(checkValidFrom('2026-02-30', null)).to.deep.equal({ field: 'validFrom', problem: 'bad_day', limit: 'YYYY-MM-DD' });
    });
  });

  describe('sector templates', () => {
    it('when the templates are read, then the general one comes first and each is a valid catalogue whose codes no other template uses', () => {
      expect(SECTOR_TEMPLATES.map((x) => x.id)).to.deep.equal(['chung', 'noi-vu', 'tai-chinh-ke-hoach']);
      const seen = new Set<string>();
      for (const tpl of SECTOR_TEMPLATES) {
        expect(validateCatalogue(tpl.items), tpl.id).to.deep.equal([]);
        expect(tpl.items.length, tpl.id).to.be.greaterThan(10);
        for (const i of tpl.items) {
          expect(WORK_ITEM_CODE_RE.test(i.code)).to.equal(true);
          expect(seen.has(i.code), i.code).to.equal(false);
          seen.add(i.code);
          expect(startsLikeFormula(i.name), i.code).to.equal(false);
          expect(i.standardMinutes).to.be.at.most(WORK_ITEM_LIMITS.standardMinutesMax);
          if (tpl.id !== 'chung') expect(i.sector).to.equal(tpl.id);
        }
      }
    });

    it('when a template is adopted, then the agency gets a copy: changing it leaves the template as shipped', () => {
      const tpl = findTemplate('noi-vu')!;
      const copy = templateItems(tpl);
      copy[0]!.standardMinutes = 1;
      expect(tpl.items[0]!.standardMinutes).to.equal(960);
      expect(sameWorkItem(copy[1]!, tpl.items[1]!)).to.equal(true);
      expect(sameWorkItem(copy[0]!, tpl.items[0]!)).to.equal(false);
    });
  });
});
