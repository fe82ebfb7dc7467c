import { expect } from 'chai';
import { catalogueOn, itemOn } from '../../../src/services/agency-service';
import type { StoredWorkItem } from '../../../src/stores';

/** The catalogue an entry of a day is made with (docs/catalogue.md, versions), from an agency's loaded context. */

const item = (code: string, version: number, standardMinutes: number, validFrom: string | null, o: Partial<StoredWorkItem> = {}): StoredWorkItem => ({
  code, version, validFrom, standardMinutes, name: code, nameEn: '', unit: 'việc', kind: 'count', group: 'chuyen-vien', active: true, maxQuantityPerEntry: 10, sector: '', ...o,
});

function context(history: StoredWorkItem[]) {
  const versions = new Map<string, StoredWorkItem[]>();
  for (const v of history) versions.set(v.code, [...(versions.get(v.code) ?? []), v]);
  const items = [...versions.values()].map((vs) => vs[vs.length - 1]!);
  const latestFrom = history.map((v) => v.validFrom).filter((d): d is string => d !== null).sort().pop() ?? null;
  return { items, versions, byDay: new Map<string, StoredWorkItem[]>(), latestFrom };
}

describe('services/agency-service: the catalogue of a day', () => {
  const ctx = context([
    item('CV-01', 1, 30, null), item('CV-01', 2, 45, '2026-04-06'),
    item('CV-02', 1, 15, null),
    item('NV-01', 1, 960, '2026-05-01'),
    item('CH-07', 1, 240, null), item('CH-07', 2, 240, '2026-04-20', { active: false }),
  ]);
  const on = (day: string) => catalogueOn(ctx, day).map((i) => `${i.code} v${i.version}${i.active ? '' : ' off'}`);

  it('when a day is before a change, then the old version is in force and an item not yet valid is absent', () => {
    expect(on('2026-04-05')).to.deep.equal(['CV-01 v1', 'CV-02 v1', 'CH-07 v1']);
    expect(itemOn(ctx, 'CV-01', '2026-04-05')?.standardMinutes).to.equal(30);
    expect(itemOn(ctx, 'NV-01', '2026-04-30')).to.equal(undefined);
  });

  it('when a day is on or after a change, then the new version is in force, a retired item shows retired', () => {
    expect(on('2026-04-06')).to.deep.equal(['CV-01 v2', 'CV-02 v1', 'CH-07 v1']);
    expect(on('2026-04-20')).to.deep.equal(['CV-01 v2', 'CV-02 v1', 'CH-07 v2 off']);
    expect(itemOn(ctx, 'CV-01', '2026-12-31')?.standardMinutes).to.equal(45);
  });

  it('when a day is on or after every change, then the latest versions are given as they are; an earlier day is built once and reused', () => {
    expect(catalogueOn(ctx, '2026-05-01')).to.equal(ctx.items);
    expect(catalogueOn(ctx, '2026-04-07')).to.equal(catalogueOn(ctx, '2026-04-07'));
    const plain = context([item('CV-02', 1, 15, null)]);
    expect(catalogueOn(plain, '2020-01-01')).to.equal(plain.items);
  });
});
