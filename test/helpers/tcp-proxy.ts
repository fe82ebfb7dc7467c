import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between the plugin and a database server, to stop "the database" without
 * stopping the server that other suites share: listens on 127.0.0.1 (a free port) and
 * forwards every connection to `target`.
 *
 * - `cut()` destroys every open connection (both sides, with a reset) and, until
 *   `restore()`, refuses new ones (`'refuse'`: accepted then reset at once, the way a
 *   stopped server answers) or swallows them (`'blackhole'`: accepted, never answered,
 *   the way a dead network answers).
 * - `close()` ends everything, the listener included, so a test leaves no socket behind.
 */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (forwarded or not). */
  readonly accepted: number;
  readonly isCut: boolean;
  cut(mode?: 'refuse' | 'blackhole'): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  let accepted = 0;

  const track = (s: net.Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    // A reset from either side is expected here (that is the point of the proxy).
    s.on('error', () => s.destroy());
  };
  const kill = (s: net.Socket): void => {
    if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
    else s.destroy();
  };

  const server = net.createServer((client) => {
    accepted++;
    if (mode === 'refuse') {
      client.on('error', () => undefined);
      kill(client);
      return;
    }
    track(client);
    if (mode === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const dropAll = (): void => {
    for (const s of [...open]) kill(s);
  };

  return {
    host: '127.0.0.1',
    port,
    get accepted() { return accepted; },
    get isCut() { return mode !== 'forward'; },
    cut(m = 'refuse') {
      mode = m;
      dropAll();
    },
    restore() {
      // Black-holed connections were never forwarded: end them so their owners notice.
      if (mode === 'blackhole') dropAll();
      mode = 'forward';
    },
    async close() {
      mode = 'refuse';
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same database URL, pointed at the proxy instead of the server. */
export function viaProxy(dbUrl: string, proxy: Pick<TcpProxy, 'host' | 'port'>): string {
  const u = new URL(dbUrl);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}

/** Host and port of a postgres:// URL (5432 when none is given). */
export function serverOf(dbUrl: string): { host: string; port: number } {
  const u = new URL(dbUrl);
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 5432 };
}
