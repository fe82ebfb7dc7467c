import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { dialectFor } from '../../src/db/sql-dialects';
import { migrateLatest } from '../../src/db/migrate';

/**
 * SQLite and a second process (another `eoffice-kpi ingest`, the server beside a CLI run):
 * a transaction that reads and then writes, while the other process commits in between, must
 * wait for it and go on — not fail with "database is locked". The other process is a real
 * child holding SQLite's write lock for a moment, so the timing is SQLite's own.
 */
const BETTER_SQLITE3 = require.resolve('better-sqlite3');

/** Starts a process that takes the write lock, adds one row, holds the lock `holdMs`, then commits. */
function holdWriteLock(file: string, holdMs: number): Promise<{ child: ChildProcess; done: Promise<number | null> }> {
  const script = `
    const Database = require(${JSON.stringify(BETTER_SQLITE3)});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    db.prepare('insert into probe_rows (n) values (1)').run();
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('locked')) resolve({ child, done });
    });
    void done.then((code) => reject(new Error(`the lock holder exited (${code}) before taking the lock`)));
  });
}

describe('integration: SQLite writers in two processes', function () {
  this.timeout(30_000);
  let tmp: string;
  let file: string;
  let knex: Knex;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-lock-'));
    file = path.join(tmp, 'kpi.sqlite');
    knex = openDb(parseDbUrl(`sqlite:${file}`));
    await migrateLatest(knex);
    await knex.schema.createTable('probe_rows', (t) => t.integer('n'));
  });

  afterEach(async () => {
    await knex.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when a plain deferred transaction reads, and another process commits before it writes, then SQLite refuses it (the failure writeTransaction avoids)', async () => {
    // Held long enough that the read below surely comes before the commit, even on a busy machine.
    const holder = await holdWriteLock(file, 1500);
    const attempt = knex.transaction(async (trx) => {
      await trx('probe_rows').count({ n: '*' });
      await trx('probe_rows').insert({ n: 2 });
    });
    const err = await attempt.then(() => null, (e: unknown) => e as { code?: string });
    expect(await holder.done).to.equal(0);
    expect(err?.code).to.match(/^SQLITE_BUSY/);
    const rows = await knex('probe_rows').pluck('n');
    expect(rows).to.deep.equal([1]);
  });

  it('when writeTransaction reads and writes while another process holds the lock, then it waits, sees that commit and writes', async () => {
    const holder = await holdWriteLock(file, 400);
    const seen = await dialectFor(knex).writeTransaction(knex, async (trx) => {
      const [r] = await trx('probe_rows').count({ n: '*' });
      await trx('probe_rows').insert({ n: 2 });
      return Number((r as { n: unknown }).n);
    });
    expect(await holder.done).to.equal(0);
    expect(seen, 'the read inside came after the other process committed').to.equal(1);
    const rows = await knex('probe_rows').orderBy('n').pluck('n');
    expect(rows).to.deep.equal([1, 2]);
  });
});
