import { expect } from 'chai';
import type { JournalEntryJson } from '../../../src/domain/journal';
import { itemChoices, searchKey } from '../../../src/panels/entry-picker';
import { cloneCatalogue } from '../../../src/rules/catalogue';
import type { StoredWorkItem } from '../../../src/stores';

/** The add-entry form's work items: searched by name or code without diacritics, recently used first. */
describe('panels: the add-entry form\'s choice of work item', () => {
  const catalogue = cloneCatalogue().map((i) => ({ ...i, version: 1 })) as unknown as StoredWorkItem[];
  const entry = (id: string, date: string, workItemCode: string): JournalEntryJson => ({ id, date, workItemCode } as JournalEntryJson);

  it('when searched without diacritics or by part of a code, then only matching items are offered, and a single match is chosen', () => {
    expect(searchKey('Soạn thảo BÁO CÁO đ')).to.equal('soan thao bao cao d');
    const found = itemChoices('vi', catalogue, { q: 'soan thao bao cao', recent: [] });
    expect(found.matches).to.equal(1);
    expect(found.groups.flatMap((g) => g.items).map((i) => [i.code, i.selected])).to.deep.equal([['CV-06', true]]);
    const byCode = itemChoices('vi', catalogue, { q: 'ch-0', recent: [] });
    expect(byCode.groups.flatMap((g) => g.items).every((i) => i.code.startsWith('CH-0'))).to.equal(true);
    expect(byCode.matches).to.be.above(1);
    expect(itemChoices('en', catalogue, { q: 'draft a report', recent: [] }).matches).to.equal(1);
    expect(itemChoices('vi', catalogue, { q: 'không có gì như vậy', recent: [] }).groups).to.deep.equal([]);
  });

  it('when the official used items lately, then they come first, newest first, once each, and each item is offered once in all', () => {
    const recent = [entry('1', '2026-03-02', 'CV-03'), entry('2', '2026-03-05', 'CH-01'), entry('3', '2026-03-04', 'CV-03'), entry('4', '2026-03-05', 'CV-06')];
    const all = itemChoices('vi', catalogue, { q: '', recent });
    expect(all.groups[0]!.label).to.equal('Dùng gần đây');
    expect(all.groups[0]!.items.map((i) => i.code)).to.deep.equal(['CV-06', 'CH-01', 'CV-03']);
    const codes = all.groups.flatMap((g) => g.items).map((i) => i.code);
    expect(codes.length).to.equal(new Set(codes).size);
    expect(codes.length).to.equal(catalogue.filter((i) => i.active).length);
    expect(all.groups.flatMap((g) => g.items).some((i) => i.selected)).to.equal(false);
  });
});
