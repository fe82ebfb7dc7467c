import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { ReadCache, WriteGenerations } from '../../../src/services/read-cache';
import type { Stores, UnitOfWork } from '../../../src/stores';

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
});
