import { expect } from 'chai';
import type { Knex } from 'knex';
import { parseDbUrl } from '../../src/db/connection';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import { FormService } from '../../src/services/form-service';
import { freshDb, testDbUrl } from '../helpers/harness';

const T0 = new Date('2026-03-12T02:15:00.123Z');

/**
 * The used form tokens and the requests (corrections, appeals) on a real database (SQLite, or
 * PostgreSQL with KPI_TEST_DB): the first use wins even when two arrive at once, a refused one
 * is forgotten, old uses are swept; a request is decided once.
 */
describe(`stores: form uses and requests on ${parseDbUrl(testDbUrl()).display}`, function () {
  this.timeout(30000);
  let knex: Knex;
  let uow: KnexUnitOfWork;

  before(async () => {
    knex = await freshDb();
    uow = new KnexUnitOfWork(knex);
  });
  after(async () => { await knex?.destroy(); });

  it('when a form token is claimed twice, then only the first claim is first, and the second reads the result the first stored', async () => {
    const f = uow.read.formUses;
    expect(await f.claim('ag-1', 'tok-1', T0)).to.deep.equal({ first: true, result: null });
    expect(await f.claim('ag-1', 'tok-1', T0)).to.deep.equal({ first: false, result: null });
    await f.finish('ag-1', 'tok-1', '{"path":"/me","params":{}}');
    expect(await f.claim('ag-1', 'tok-1', T0)).to.deep.equal({ first: false, result: '{"path":"/me","params":{}}' });
    expect(await f.claim('ag-2', 'tok-1', T0), 'another agency').to.deep.equal({ first: true, result: null });
    // inside a write transaction too (PostgreSQL must not abort the transaction on the refused row)
    const inTx = await uow.write(async (tx) => [await tx.formUses.claim('ag-1', 'tok-1', T0), await tx.formUses.claim('ag-1', 'tok-tx', T0)]);
    expect(inTx.map((x) => x.first)).to.deep.equal([false, true]);
  });

  it('when the same token is run by many at once, then the action runs once and every caller is sent to its result', async () => {
    const forms = new FormService({ uow, clock: () => T0 });
    let runs = 0;
    const run = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { path: '/me', params: { notice: 'saved' } };
    };
    const all = await Promise.all(Array.from({ length: 8 }, () => forms.once('ag-1', 'tok-many', run)));
    expect(runs).to.equal(1);
    expect(all.filter((x) => x.first)).to.have.length(1);
    const again = await forms.once('ag-1', 'tok-many', run);
    expect(again).to.deep.equal({ first: false, target: { path: '/me', params: { notice: 'saved' } } });
  });

  it('when the action is refused, then the token is forgotten and may be used again; uses older than the keep time are swept', async () => {
    const forms = new FormService({ uow, clock: () => T0 });
    let err: unknown = null;
    try { await forms.once('ag-1', 'tok-refused', async () => { throw new Error('refused'); }); } catch (e) { err = e; }
    expect((err as Error).message).to.equal('refused');
    expect((await forms.once('ag-1', 'tok-refused', async () => ({ path: '/me', params: {} }))).first).to.equal(true);
    await uow.read.formUses.claim('ag-1', 'tok-old', new Date(T0.getTime() - 2 * 3600_000));
    expect(await uow.read.formUses.sweep(new Date(T0.getTime() - 3600_000))).to.equal(1);
    expect((await uow.read.formUses.claim('ag-1', 'tok-old', T0)).first).to.equal(true);
  });

  it('when a request is stored, listed and decided, then it reads back as written, newest first, and a second decision is refused', async () => {
    const r = uow.read.requests;
    const base = {
      agency: 'ag-1', kind: 'correction' as const, type: 'wrong-item' as const, userId: 'u-1', unitId: 'p-1', entryId: '17', subjectKind: 'document', subjectId: 'VB-1',
      period: '2026-03', day: '2026-03-02', proposedUserId: null, proposedItemCode: 'CV-02', proposedQuantity: 1.5, reason: 'Nhầm đầu công việc'.normalize('NFD'), createdAt: T0,
    };
    const id1 = await r.insert(base);
    const id2 = await r.insert({ ...base, type: 'missing', entryId: null });
    await r.insert({ ...base, agency: 'ag-2' });
    const got = await r.get('ag-1', id1);
    expect(got).to.deep.include({ id: id1, type: 'wrong-item', status: 'pending', proposedQuantity: 1.5, reason: 'Nhầm đầu công việc'.normalize('NFC'), decidedBy: null, outcome: null });
    expect(got!.createdAt.toISOString()).to.equal(T0.toISOString());
    expect(await r.get('ag-2', id1)).to.equal(null);
    expect(await r.get('ag-1', 'not-an-id')).to.equal(null);
    expect((await r.list('ag-1', { kind: 'correction', unitId: 'p-1', limit: 10 })).map((x) => x.id)).to.deep.equal([id2, id1]);
    expect(await r.list('ag-1', { kind: 'appeal', limit: 10 })).to.deep.equal([]);
    const decision = { status: 'accepted' as const, decidedBy: 'lead', decidedAt: T0, decisionNote: 'Đồng ý', outcome: { created: '18' } };
    expect(await r.decide('ag-1', id1, decision)).to.equal(true);
    expect(await r.decide('ag-1', id1, { ...decision, status: 'refused' })).to.equal(false);
    expect(await r.get('ag-1', id1)).to.deep.include({ status: 'accepted', decidedBy: 'lead', decisionNote: 'Đồng ý', outcome: { created: '18' } });
    expect((await r.list('ag-1', { kind: 'correction', status: 'pending', limit: 10 })).map((x) => x.id)).to.deep.equal([id2]);
  });

  it('when a period is closed, then closedAt says when (the appeal window starts there); one never closed has none', async () => {
    const p = uow.read.periods;
    expect(await p.closedAt('ag-1', '2026-02')).to.equal(null);
    await uow.write((tx) => tx.periods.close('ag-1', '2026-02', { applyQuota: false, actor: 'hr', now: T0 }));
    expect((await p.closedAt('ag-1', '2026-02'))?.toISOString()).to.equal(T0.toISOString());
  });

  it('when one official\'s frozen score is replaced, then the others of the period stay as they were', async () => {
    const score = (userId: string, total: number) => ({ userId, unitId: 'p-1', total, classification: null, profile: { id: 'nd335', version: 1 } });
    await uow.write((tx) => tx.periods.writeSnapshots('ag-1', '2026-02', [score('u-1', 40), score('u-2', 60)], T0));
    await uow.write((tx) => tx.periods.replaceSnapshot('ag-1', '2026-02', score('u-1', 67), T0));
    const snaps = await uow.read.periods.snapshots<{ userId: string; total: number }>('ag-1', '2026-02');
    expect(snaps.map((x) => [x.userId, x.total])).to.deep.equal([['u-1', 67], ['u-2', 60]]);
  });
});

