import Database from 'better-sqlite3';
import pg from 'pg';
import sinon from 'sinon';
import { testDialect } from './harness';

/**
 * Makes the database driver fail the statements `when` picks, as a lost connection would,
 * whatever path the plugin takes to the driver (knex or its own prepared statements):
 * - SQLite (better-sqlite3): the statement throws SQLITE_IOERR instead of running;
 * - PostgreSQL (pg): the statement is sent and the socket under it is destroyed, so the
 *   server rolls the transaction back and the client sees the connection drop.
 * `fired()` counts the statements failed so far.
 */
export function injectDriverFault(when: (sql: string) => boolean): { fired(): number; restore(): void } {
  let fired = 0;
  if (testDialect() === 'sqlite') {
    const probe = new Database(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
    probe.close();
    const stubs = (['run', 'get', 'all', 'iterate'] as const).map((m) => {
      const real = proto[m]!;
      return sinon.stub(proto, m).callsFake(function (this: { source: string }, ...args: unknown[]) {
        if (when(this.source)) {
          fired++;
          throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
        }
        return real.apply(this, args);
      });
    });
    return { fired: () => fired, restore: () => { for (const st of stubs) st.restore(); } };
  }
  if (testDialect() === 'postgres') {
    const proto = pg.Client.prototype as unknown as { query(...a: unknown[]): unknown };
    const real = proto.query;
    const stub = sinon.stub(proto, 'query').callsFake(function (this: { connection: { stream: { destroy(): void } } }, ...args: unknown[]) {
      const cfg = args[0] as string | { text?: string } | undefined;
      const text = typeof cfg === 'string' ? cfg : cfg?.text ?? '';
      const out = real.apply(this, args);
      if (when(text)) {
        fired++;
        this.connection.stream.destroy();
      }
      return out;
    });
    return { fired: () => fired, restore: () => stub.restore() };
  }
  throw new Error(`no driver fault for ${testDialect()}`);
}
