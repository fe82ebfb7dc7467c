import { expect } from 'chai';
import { GroupCommit, type Counts, type Slice } from '../../../src/intake/group-commit';

/**
 * GroupCommit alone, with a fake `storeGroup` whose transactions the test commits or fails
 * one by one: who shares a transaction, when each caller hears its answer, and that a
 * failure (or a bug) never leaves a caller hanging. The same over a database: test/integration/group-commit.test.ts.
 */

interface Deferred<T> { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets the event loop turn (the drain starts on the next turn; a commit is answered within one). */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise's outcome, read without awaiting it. */
interface Watched<T> { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown }
function watch<T>(p: Promise<T>): Watched<T> {
  const w: Watched<T> = { state: 'pending' };
  p.then((value) => Object.assign(w, { state: 'resolved', value }), (error) => Object.assign(w, { state: 'rejected', error }));
  return w;
}

/** Items are strings; those starting with `dup` are duplicates. */
const countsOf = (items: readonly string[]): Counts => ({ accepted: items.filter((x) => !x.startsWith('dup')).length, duplicates: items.filter((x) => x.startsWith('dup')).length });
const items = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const noop = (): void => {};

/** A storeGroup that waits for the test: each call is one transaction, committed or failed by index. */
class FakeTransactions {
  readonly calls: Array<{ key: string; slices: string[][]; metas: string[]; done: Deferred<Counts[]> }> = [];
  readonly storeGroup = (key: string, group: ReadonlyArray<Slice<string, string>>): Promise<Counts[]> => {
    const done = deferred<Counts[]>();
    this.calls.push({ key, slices: group.map((s) => [...s.items]), metas: group.map((s) => s.meta), done });
    return done.promise;
  };

  commit(i: number, counts?: Counts[]): void {
    const c = this.calls[i]!;
    c.done.resolve(counts ?? c.slices.map(countsOf));
  }

  fail(i: number, e: unknown): void {
    this.calls[i]!.done.reject(e);
  }

  /** Every item any transaction was given. */
  stored(): string[] {
    return this.calls.flatMap((c) => c.slices.flat());
  }
}

describe('intake/group-commit: GroupCommit with a fake storeGroup', () => {
  it('when a caller has no items, then it hears zero counts and no transaction runs', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(10, tx.storeGroup);
    expect(await gc.submit('AG', [], 'A', noop)).to.deep.equal({ accepted: 0, duplicates: 0 });
    await turns();
    expect(tx.calls).to.have.length(0);
  });

  it('when a caller is alone, then its items are stored on the next turn in one group and it hears its own counts', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(10, tx.storeGroup);
    const a = watch(gc.submit('AG', ['a1', 'a2', 'dup-a3'], 'A', noop));
    await turns(1);
    expect(tx.calls.map((c) => ({ key: c.key, slices: c.slices, metas: c.metas }))).to.deep.equal([{ key: 'AG', slices: [['a1', 'a2', 'dup-a3']], metas: ['A'] }]);
    expect(a.state).to.equal('pending');
    tx.commit(0);
    await turns();
    expect(a).to.deep.equal({ state: 'resolved', value: { accepted: 2, duplicates: 1 } });
  });

  it('when callers submit in the same turn, then they share the first group and each hears its own counts', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(10, tx.storeGroup);
    const a = watch(gc.submit('AG', ['a1', 'dup-a2'], 'A', noop));
    const b = watch(gc.submit('AG', ['b1', 'b2', 'b3'], 'B', noop));
    await turns();
    expect(tx.calls).to.have.length(1);
    expect(tx.calls[0]!.metas).to.deep.equal(['A', 'B']);
    tx.commit(0);
    await turns();
    expect(a.value).to.deep.equal({ accepted: 1, duplicates: 1 });
    expect(b.value).to.deep.equal({ accepted: 3, duplicates: 0 });
  });

  it('when callers arrive while a group runs, then the next group stores as many of them as fit in chunkSize, and the rest the one after', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(10, tx.storeGroup);
    const a = watch(gc.submit('AG', items('a', 3), 'A', noop));
    await turns();
    const b = watch(gc.submit('AG', items('b', 4), 'B', noop));
    const c = watch(gc.submit('AG', ['c1', 'c2', 'dup-c3', 'c4'], 'C', noop));
    const d = watch(gc.submit('AG', items('d', 4), 'D', noop));
    await turns();
    expect(tx.calls, 'nothing starts while the first group runs').to.have.length(1);

    tx.commit(0);
    await turns();
    expect(a.state).to.equal('resolved');
    expect(tx.calls[1]!.metas, 'B and C fit in 10, D would not').to.deep.equal(['B', 'C']);
    expect([b.state, c.state, d.state]).to.deep.equal(['pending', 'pending', 'pending']);

    tx.commit(1);
    await turns();
    expect(b.value).to.deep.equal({ accepted: 4, duplicates: 0 });
    expect(c.value).to.deep.equal({ accepted: 3, duplicates: 1 });
    expect(tx.calls[2]!.metas).to.deep.equal(['D']);
    tx.commit(2);
    await turns();
    expect(d.value).to.deep.equal({ accepted: 4, duplicates: 0 });
    expect(tx.calls).to.have.length(3);
  });

  it('when a caller has more items than chunkSize, then they are cut into slices and it is answered only after the last slice commits, with its own counts', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(3, tx.storeGroup);
    const a = watch(gc.submit('AG', ['a1', 'dup-a2', 'a3', 'a4', 'a5', 'dup-a6', 'a7'], 'A', noop));
    await turns();
    const b = watch(gc.submit('AG', ['b1', 'dup-b2'], 'B', noop));

    tx.commit(0);
    await turns();
    expect(a.state, 'after the first slice').to.equal('pending');
    tx.commit(1);
    await turns();
    expect(a.state, 'after the second slice').to.equal('pending');
    expect(tx.calls.map((c) => c.slices)).to.deep.equal([
      [['a1', 'dup-a2', 'a3']],
      [['a4', 'a5', 'dup-a6']],
      [['a7'], ['b1', 'dup-b2']], // the last slice of A and B fit in one group
    ]);
    tx.commit(2);
    await turns();
    expect(a.value).to.deep.equal({ accepted: 5, duplicates: 2 });
    expect(b.value).to.deep.equal({ accepted: 1, duplicates: 1 });
    for (const c of tx.calls) expect(c.slices.flat().length).to.be.at.most(3);
  });

  it('when a group fails, then every caller in it hears that error, the rest of a failed caller\'s slices are not stored, and a caller in a later group still succeeds', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(4, tx.storeGroup);
    const a = watch(gc.submit('AG', ['a1'], 'A', noop));
    const b = watch(gc.submit('AG', ['b1', 'b2'], 'B', noop));
    await turns();
    const c = watch(gc.submit('AG', items('c', 6), 'C', noop)); // slices c1-c4, c5-c6
    const d = watch(gc.submit('AG', items('d', 2), 'D', noop));

    const lost = new Error('connection lost');
    tx.fail(0, lost);
    await turns();
    expect(a).to.deep.equal({ state: 'rejected', error: lost });
    expect(b).to.deep.equal({ state: 'rejected', error: lost });
    expect(tx.calls[1]!.slices).to.deep.equal([['c1', 'c2', 'c3', 'c4']]);

    const busy = new Error('busy');
    tx.fail(1, busy);
    await turns();
    expect(c).to.deep.equal({ state: 'rejected', error: busy });
    expect(tx.calls[2]!.slices, 'c5 and c6 are dropped').to.deep.equal([['d1', 'd2']]);
    tx.commit(2);
    await turns();
    expect(d.value).to.deep.equal({ accepted: 2, duplicates: 0 });
    expect(tx.stored()).to.not.include.members(['c5', 'c6']);
    expect(tx.calls).to.have.length(3);
  });

  it('when slices commit, then onCommitted reports each slice\'s size as it commits, before the caller is answered', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(3, tx.storeGroup);
    const progress: Array<{ n: number; transactions: number }> = [];
    const promise = gc.submit('AG', items('a', 7), 'A', (n) => progress.push({ n, transactions: tx.calls.length }));
    const a = watch(promise);
    let seenAtAnswer = -1;
    void promise.then(() => (seenAtAnswer = progress.length));
    await turns();
    const bProgress: number[] = [];
    const b = watch(gc.submit('AG', ['b1', 'b2'], 'B', (n) => bProgress.push(n)));
    for (let i = 0; i < 3; i++) {
      tx.commit(i);
      await turns();
    }
    expect(progress).to.deep.equal([{ n: 3, transactions: 1 }, { n: 3, transactions: 2 }, { n: 1, transactions: 3 }]);
    expect(seenAtAnswer).to.equal(3);
    expect(bProgress).to.deep.equal([2]);
    expect([a.state, b.state]).to.deep.equal(['resolved', 'resolved']);
  });

  it('when two keys submit at once, then each has its own transaction and neither waits for the other', async () => {
    const tx = new FakeTransactions();
    const gc = new GroupCommit(10, tx.storeGroup);
    const one = watch(gc.submit('AG1', ['x1'], 'A', noop));
    const two = watch(gc.submit('AG2', ['y1'], 'B', noop));
    await turns();
    expect(tx.calls.map((c) => c.key)).to.deep.equal(['AG1', 'AG2']);
    tx.commit(1);
    await turns();
    expect([one.state, two.state]).to.deep.equal(['pending', 'resolved']);
    tx.commit(0);
    await turns();
    expect(one.state).to.equal('resolved');
  });

  describe('a bug never leaves a caller hanging', () => {
    it('when storeGroup throws synchronously, then the callers of that group hear its error and a later caller is served', async () => {
      const tx = new FakeTransactions();
      const bug = new TypeError('storeGroup bug');
      let first = true;
      const gc = new GroupCommit(10, (key: string, group: ReadonlyArray<Slice<string, string>>) => {
        if (first) {
          first = false;
          throw bug;
        }
        return tx.storeGroup(key, group);
      });
      const a = watch(gc.submit('AG', ['a1'], 'A', noop));
      const b = watch(gc.submit('AG', ['b1'], 'B', noop));
      await turns();
      expect(a).to.deep.equal({ state: 'rejected', error: bug });
      expect(b).to.deep.equal({ state: 'rejected', error: bug });
      const c = watch(gc.submit('AG', ['c1'], 'C', noop));
      await turns();
      tx.commit(0);
      await turns();
      expect(c.value).to.deep.equal({ accepted: 1, duplicates: 0 });
    });

    it('when onCommitted throws, then that caller hears the thrown error, the rest of its slices are not stored, and the other callers are served', async () => {
      const tx = new FakeTransactions();
      const gc = new GroupCommit(3, tx.storeGroup);
      const oops = new Error('progress callback bug');
      const a = watch(gc.submit('AG', items('a', 5), 'A', () => {
        throw oops;
      }));
      await turns();
      const b = watch(gc.submit('AG', ['b1'], 'B', noop));
      tx.commit(0);
      await turns();
      expect(a).to.deep.equal({ state: 'rejected', error: oops });
      expect(tx.calls[1]!.slices, 'a4 and a5 are dropped').to.deep.equal([['b1']]);
      tx.commit(1);
      await turns();
      expect(b.value).to.deep.equal({ accepted: 1, duplicates: 0 });
      expect(tx.stored()).to.not.include.members(['a4', 'a5']);
    });

    it('when storeGroup answers fewer counts than slices, then every caller not yet answered (in the group or queued) hears the error and a later caller is served', async () => {
      const tx = new FakeTransactions();
      const gc = new GroupCommit(10, tx.storeGroup);
      const a = watch(gc.submit('AG', ['a1'], 'A', noop));
      const b = watch(gc.submit('AG', ['b1'], 'B', noop));
      await turns();
      const c = watch(gc.submit('AG', ['c1'], 'C', noop));
      tx.commit(0, [{ accepted: 1, duplicates: 0 }]); // B's counts are missing
      await turns();
      expect(a.value, 'A\'s slice committed with its counts').to.deep.equal({ accepted: 1, duplicates: 0 });
      expect(b.state).to.equal('rejected');
      expect(b.error).to.be.instanceOf(TypeError);
      expect(c.state).to.equal('rejected');
      expect(c.error).to.equal(b.error);
      expect(tx.calls, 'C was answered, not stored').to.have.length(1);

      const d = watch(gc.submit('AG', ['d1'], 'D', noop));
      await turns();
      tx.commit(1);
      await turns();
      expect(d.value).to.deep.equal({ accepted: 1, duplicates: 0 });
    });
  });
});
