import { expect } from 'chai';
import {
  DEFAULT_CATALOGUE,
  WORK_ITEM_CODE_RE,
  WORK_ITEM_GROUPS,
  cloneCatalogue,
  findWorkItem,
  validateCatalogue,
  type WorkItem,
} from '../../../src/rules/catalogue';

/** Letters that only Vietnamese spelling with diacritics uses (lower case; names are lower-cased before the test). */
const VIETNAMESE_LETTERS = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/u;
const COMBINING_MARKS = /[\u0300-\u036f]/u;

function item(overrides: Partial<WorkItem> = {}): WorkItem {
  return {
    code: 'X-01',
    name: 'Soạn thảo công văn',
    nameEn: 'Draft a letter',
    unit: 'văn bản',
    standardMinutes: 60,
    kind: 'count',
    group: 'chuyen-vien',
    active: true,
    maxQuantityPerEntry: 10,
    ...overrides,
  };
}

describe('rules/catalogue', () => {
  describe('DEFAULT_CATALOGUE', () => {
    it('when the default catalogue is loaded, then it has at least 30 items', () => {
      expect(DEFAULT_CATALOGUE.length).to.be.at.least(30);
    });

    it('when codes are listed, then every code is unique and a short ASCII code', () => {
      const codes = DEFAULT_CATALOGUE.map((i) => i.code);
      expect(new Set(codes).size).to.equal(codes.length);
      for (const code of codes) expect(code, code).to.match(WORK_ITEM_CODE_RE).and.match(/^[\x21-\x7e]+$/);
    });

    it('when kinds are listed, then both count and rated items are present', () => {
      const kinds = new Set(DEFAULT_CATALOGUE.map((i) => i.kind));
      expect([...kinds].sort()).to.deep.equal(['count', 'rated']);
    });

    it('when the rated items are listed, then they cover dân vận, giám sát and đoàn thể', () => {
      const rated = DEFAULT_CATALOGUE.filter((i) => i.kind === 'rated').map((i) => i.name.toLowerCase());
      expect(rated.some((n) => n.includes('dân vận'))).to.equal(true);
      expect(rated.some((n) => n.includes('giám sát'))).to.equal(true);
      expect(rated.some((n) => n.includes('đoàn thể'))).to.equal(true);
    });

    it('when groups are listed, then each of văn thư, chuyên viên, lãnh đạo and chung has items', () => {
      for (const group of WORK_ITEM_GROUPS) {
        expect(DEFAULT_CATALOGUE.filter((i) => i.group === group).length, group).to.be.at.least(3);
      }
      expect(DEFAULT_CATALOGUE.every((i) => WORK_ITEM_GROUPS.includes(i.group))).to.equal(true);
    });

    it('when names and units are read, then they are NFC Vietnamese with diacritics and no combining marks', () => {
      for (const i of DEFAULT_CATALOGUE) {
        expect(i.name, i.code).to.equal(i.name.normalize('NFC'));
        expect(i.name, i.code).not.to.match(COMBINING_MARKS);
        expect(i.name.toLowerCase(), i.code).to.match(VIETNAMESE_LETTERS);
        expect(i.unit, i.code).to.equal(i.unit.normalize('NFC'));
        expect(i.unit.trim(), i.code).not.to.equal('');
        expect(i.nameEn.trim(), i.code).not.to.equal('');
      }
    });

    it('when standard minutes and quantity caps are read, then they are positive and within a working week', () => {
      for (const i of DEFAULT_CATALOGUE) {
        expect(i.standardMinutes, i.code).to.be.a('number').above(0).and.at.most(5 * 480);
        expect(i.maxQuantityPerEntry, i.code).to.be.a('number').above(0);
        expect(i.active, i.code).to.equal(true);
      }
    });

    it('when the items the default rules rely on are looked up, then they have the expected units', () => {
      expect(findWorkItem(DEFAULT_CATALOGUE, 'VT-01')?.unit).to.equal('văn bản');
      expect(findWorkItem(DEFAULT_CATALOGUE, 'CH-01')?.unit).to.equal('cuộc');
      expect(findWorkItem(DEFAULT_CATALOGUE, 'CV-12')?.unit).to.equal('hồ sơ');
      expect(findWorkItem(DEFAULT_CATALOGUE, 'NOPE')).to.equal(undefined);
    });

    it('when the default catalogue is validated, then there is no problem', () => {
      expect(validateCatalogue(DEFAULT_CATALOGUE)).to.deep.equal([]);
    });
  });

  describe('cloneCatalogue', () => {
    it('when a clone is edited, then the default is unchanged', () => {
      const copy = cloneCatalogue();
      (copy[0] as WorkItem).standardMinutes = 999;
      (copy[0] as WorkItem).active = false;
      expect(DEFAULT_CATALOGUE[0]?.standardMinutes).not.to.equal(999);
      expect(DEFAULT_CATALOGUE[0]?.active).to.equal(true);
    });
  });

  describe('validateCatalogue', () => {
    const cases: Array<{ name: string; items: WorkItem[]; expected: Array<[number, string, string]> }> = [
      { name: 'a valid list', items: [item(), item({ code: 'X-02' })], expected: [] },
      { name: 'a duplicate code', items: [item(), item()], expected: [[1, 'code', 'duplicate_code']] },
      { name: 'a code with a space and diacritics', items: [item({ code: 'VT 01' }), item({ code: 'Văn-01' })], expected: [[0, 'code', 'bad_code'], [1, 'code', 'bad_code']] },
      { name: 'an empty name', items: [item({ name: '  ' })], expected: [[0, 'name', 'bad_name']] },
      { name: 'a decomposed (NFD) name', items: [item({ name: 'Soạn thảo công văn'.normalize('NFD') })], expected: [[0, 'name', 'bad_name']] },
      { name: 'an empty unit', items: [item({ unit: '' })], expected: [[0, 'unit', 'bad_unit']] },
      { name: 'zero standard minutes', items: [item({ standardMinutes: 0 })], expected: [[0, 'standardMinutes', 'bad_standard_minutes']] },
      { name: 'NaN standard minutes', items: [item({ standardMinutes: Number.NaN })], expected: [[0, 'standardMinutes', 'bad_standard_minutes']] },
      { name: 'an unknown kind', items: [item({ kind: 'hours' as never })], expected: [[0, 'kind', 'bad_kind']] },
      { name: 'an unknown group', items: [item({ group: 'ke-toan' as never })], expected: [[0, 'group', 'bad_group']] },
      { name: 'a non-boolean active', items: [item({ active: 'yes' as never })], expected: [[0, 'active', 'bad_active']] },
      { name: 'a negative quantity cap', items: [item({ maxQuantityPerEntry: -1 })], expected: [[0, 'maxQuantityPerEntry', 'bad_max_quantity']] },
    ];
    for (const c of cases) {
      it(`when the list has ${c.name}, then the problems are ${c.expected.map((e) => e[2]).join(', ') || 'none'}`, () => {
        const problems = validateCatalogue(c.items);
        expect(problems.map((p) => [p.index, p.field, p.problem])).to.deep.equal(c.expected);
        for (const p of problems) expect(p.message).to.be.a('string').and.not.equal('');
      });
    }
  });
});
