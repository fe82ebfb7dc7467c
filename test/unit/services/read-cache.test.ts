import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { ReadCache, WriteGenerations } from '../../../src/services/read-cache';
import { COUNTED_BY, type Stores, type UnitOfWork, type WriteOptions, type WriteReach } from '../../../src/stores';

/** The kept reads (services/read-cache.ts): until the next write transaction, or the TTL (other instances' writes). */
describe('ReadCache and WriteGenerations', () => {
  const fakeUow = (fail = false): UnitOfWork => ({
    read: {} as Stores,
    write: async <T>(work: (s: Stores) => Promise<T>) => {
      if (fail) throw new Error('conflict');
      return work({} as Stores);
    },
    ping: async () => undefined,
  });

  it('when a read is asked for again, then it is made once; after a write transaction (committed or failed), it is made again', async () => {
    const gens = new WriteGenerations();
    const uow = gens.watch(fakeUow());
    const cache = new ReadCache<number>(gens, { ttlMs: 60_000, max: 10 });
    let made = 0;
    const read = () => cache.get('k', async () => ++made);
    expect(await read()).to.equal(1);
    expect(await read()).to.equal(1);
    await cache.get('other', async () => 0);
    expect(cache.size).to.equal(2);
    await uow.write(async () => undefined);
    expect(await read()).to.equal(2);
    expect(cache.size, 'the reads made before the write are let go').to.equal(1);
    const failing = gens.watch(fakeUow(true));
    await failing.write(async () => undefined).catch(() => undefined);
    expect(await read()).to.equal(3);
  });

  it('when reads are asked for while one is being made, then they share it', async () => {
    const cache = new ReadCache<number>(new WriteGenerations(), { ttlMs: 60_000, max: 10 });
    let made = 0;
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('k', async () => { await new Promise((r) => setTimeout(r, 5)); return ++made; })));
    expect(made).to.equal(1);
    expect(new Set(all)).to.deep.equal(new Set([1]));
  });

  it('when the TTL has passed (another instance may have written), then the read is made again', async () => {
    let now = 1000;
    const cache = new ReadCache<number>(new WriteGenerations(), { ttlMs: 2000, max: 10, now: () => now });
    let made = 0;
    await cache.get('k', async () => ++made);
    now += 1999;
    expect(await cache.get('k', async () => ++made)).to.equal(1);
    now += 1;
    expect(await cache.get('k', async () => ++made)).to.equal(2);
  });

  it('when a read fails, then it is not kept', async () => {
    const cache = new ReadCache<number>(new WriteGenerations(), { ttlMs: 60_000, max: 10 });
    await cache.get('k', async () => { throw new Error('down'); }).catch(() => undefined);
    expect(await cache.get('k', async () => 7)).to.equal(7);
  });

  it('when more than `max` reads are kept, then the oldest go first', async () => {
    const cache = new ReadCache<string>(new WriteGenerations(), { ttlMs: 60_000, max: 2 });
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => k);
    expect(cache.size).to.equal(2);
    expect(await cache.get('a', async () => 'again')).to.equal('again');
    expect(await cache.get('c', async () => 'again')).to.equal('c');
  });

  it('when a statement that writes answers on the connection, then the generation moves; a read does not move it', () => {
    const db = new EventEmitter();
    const gens = WriteGenerations.of(db as never);
    expect(WriteGenerations.of(db as never)).to.equal(gens);
    const g0 = gens.current;
    db.emit('query-response', [], { method: 'select', sql: 'select 1' });
    db.emit('query-response', [], { method: 'raw', sql: 'with d as (select 1) select * from d' });
    // PostgreSQL's periodTotals sets its work_mem for the read: a session setting, no data.
    db.emit('query-response', [], { method: 'raw', sql: "set local work_mem = '64MB'" });
    expect(gens.current).to.equal(g0);
    db.emit('query-response', 1, { method: 'update', sql: 'update kpi_assessments set general = 1' });
    expect(gens.current).to.equal(g0 + 1);
    db.emit('query-response', 1, { method: 'raw', sql: 'delete from kpi_journal_entries' });
    expect(gens.current).to.equal(g0 + 2);
    expect(db.listenerCount('query-response')).to.equal(1);
  });

  it('when writes say whose scores they moved, then movedSince tells them agency by agency; one that says nothing (or `all`) makes it null', async () => {
    const gens = new WriteGenerations();
    let seen: WriteOptions | undefined;
    const uow = gens.watch({ ...fakeUow(), write: async <T>(work: (s: Stores) => Promise<T>, opts?: WriteOptions) => { seen = opts; return work({} as Stores); } });
    const reach = (agency: string, users: string[], all = false): WriteReach => ({ agency, users: new Set(users), all });
    const g0 = gens.current;
    expect(gens.movedSince(g0), 'nothing written since').to.deep.equal(new Map());
    const r1 = reach('ag-a', []);
    await uow.write(async () => { r1.users.add('u-1'); }, { reach: r1 });
    expect(seen?.countedBy, 'the unit of work is told who counts its transaction').to.equal(gens);
    await uow.write(async () => undefined, { reach: reach('ag-a', ['u-2']) });
    await uow.write(async () => undefined, { reach: reach('ag-b', ['u-1']) });
    await uow.write(async () => undefined, { reach: reach('ag-a', []) });
    expect(gens.movedSince(g0)).to.deep.equal(new Map([['ag-a', new Set(['u-1', 'u-2'])], ['ag-b', new Set(['u-1'])]]));
    expect(gens.movedSince(g0 + 3), 'a write that moved nobody').to.deep.equal(new Map());
    const g1 = gens.current;
    await uow.write(async () => undefined, { reach: reach('ag-a', ['u-3'], true) });
    expect(gens.movedSince(g1), 'a write that could not tell').to.equal(null);
    expect(gens.movedSince(g0)).to.equal(null);
    const g2 = gens.current;
    await uow.write(async () => undefined);
    expect(gens.movedSince(g2), 'a write that gave no reach').to.equal(null);
    const g3 = gens.current;
    gens.bump();
    expect(gens.movedSince(g3)).to.equal(null);
    expect(gens.movedSince(gens.current + 1), 'a count not reached yet').to.equal(null);
  });

  it('when a failed write said whose scores it moved, then those officials are told (nothing committed, nothing lost by telling)', async () => {
    const gens = new WriteGenerations();
    const failing = gens.watch(fakeUow(true));
    const g0 = gens.current;
    await failing.write(async () => undefined, { reach: { agency: 'ag-a', users: new Set(['u-1']), all: false } }).catch(() => undefined);
    expect(gens.current).to.equal(g0 + 1);
    expect(gens.movedSince(g0)).to.deep.equal(new Map([['ag-a', new Set(['u-1'])]]));
  });

  it('when more writes happened than are remembered, then movedSince is null (the pool is read whole)', async () => {
    const gens = new WriteGenerations();
    const uow = gens.watch(fakeUow());
    const g0 = gens.current;
    for (let i = 0; i < 1000; i++) await uow.write(async () => undefined, { reach: { agency: 'ag-a', users: new Set([`u-${i % 3}`]), all: false } });
    expect(gens.movedSince(g0)).to.deep.equal(new Map([['ag-a', new Set(['u-0', 'u-1', 'u-2'])]]));
    await uow.write(async () => undefined, { reach: { agency: 'ag-a', users: new Set(), all: false } });
    expect(gens.movedSince(g0)).to.equal(null);
    expect(gens.movedSince(g0 + 1)).to.deep.equal(new Map([['ag-a', new Set(['u-0', 'u-1', 'u-2'])]]));
  });

  it('when one write names more than 256 officials, then it is remembered as moving anything', async () => {
    const gens = new WriteGenerations();
    const uow = gens.watch(fakeUow());
    const names = (n: number) => new Set(Array.from({ length: n }, (_, i) => `u-${i}`));
    let g = gens.current;
    await uow.write(async () => undefined, { reach: { agency: 'ag-a', users: names(256), all: false } });
    expect(gens.movedSince(g)?.get('ag-a')?.size).to.equal(256);
    g = gens.current;
    await uow.write(async () => undefined, { reach: { agency: 'ag-a', users: names(257), all: false } });
    expect(gens.movedSince(g)).to.equal(null);
  });

  it('when a statement runs in a transaction this counter counts, then it is left to the transaction; writing a token id, a form use or a lease moves nothing', () => {
    const db = new EventEmitter();
    const gens = WriteGenerations.of(db as never);
    const other = new WriteGenerations();
    const g0 = gens.current;
    const inOurs = { client: { [COUNTED_BY]: gens } };
    const inOthers = { client: { [COUNTED_BY]: other } };
    db.emit('query-response', 1, { method: 'insert', sql: 'insert into "kpi_journal_entries" ("id") values (?)' }, inOurs);
    expect(gens.current, 'counted when the transaction ends, with its reach').to.equal(g0);
    db.emit('query-response', 1, { method: 'insert', sql: 'insert into "kpi_journal_entries" ("id") values (?)' }, inOthers);
    expect(gens.current, 'a transaction another counter counts').to.equal(g0 + 1);
    expect(gens.movedSince(g0)).to.equal(null);
    const g1 = gens.current;
    db.emit('query-response', 1, { method: 'insert', sql: 'insert into `kpi_token_uses` (`agency_code`, `jti`) values (?, ?)' });
    db.emit('query-response', 1, { method: 'del', sql: 'delete from "kpi_token_uses" where "expires_at" < ?' });
    db.emit('query-response', 1, { method: 'update', sql: 'update [kpi_leases] set [expires_at] = @p0 where [name] = @p1' });
    db.emit('query-response', 1, { method: 'insert', sql: 'insert into "kpi_form_uses" ("agency_code", "token") values ($1, $2)' });
    expect(gens.current).to.equal(g1);
    db.emit('query-response', 1, { method: 'update', sql: 'update "kpi_token_uses_x" set "a" = 1' });
    db.emit('query-response', 1, { method: 'raw', sql: 'insert into kpi_journal_days select * from kpi_token_uses' });
    expect(gens.current, 'another table, even one that reads the token ids').to.equal(g1 + 2);
  });
});
