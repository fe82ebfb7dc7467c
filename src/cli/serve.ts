import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router } from 'express';
import { InternalError } from '../domain/errors';
import type { KpiPlugin } from '../index';
import type { CliContext } from './context';

/** How long in-flight requests may run after SIGINT/SIGTERM before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * A standalone app around the plugin: its router at KPI_BASE_PATH (or /). `host` (the demo's
 * mock E-Office, src/demo/mock-host.ts) is mounted at / before it; the production `serve` has none.
 */
export function createServeApp(plugin: Pick<KpiPlugin, 'router'>, basePath: string, host?: Router): Express {
  const app = express();
  app.disable('x-powered-by');
  if (host) app.use('/', host);
  app.use(basePath === '' ? '/' : basePath, plugin.router);
  return app;
}

export interface RunningServer {
  server: http.Server;
  /** The port actually bound (differs from the one asked for only when 0 was asked). */
  port: number;
  /** Base URL of the plugin, e.g. http://localhost:3000/kpi. */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (at most graceMs), then resolves. */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `port`; a port already taken is a runtime error that says which port. */
export async function startServer(app: Express, opts: { port: number; basePath: string; host?: string }): Promise<RunningServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new InternalError(`Cổng ${opts.port} đang được dùng, hãy đặt PORT khác (port ${opts.port} is already in use, set another PORT)`, 'port_in_use', e));
      else if (e.code === 'EACCES') reject(new InternalError(`Không được phép mở cổng ${opts.port}, hãy đặt PORT khác (not allowed to listen on port ${opts.port})`, 'port_denied', e));
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (opts.host) server.listen(opts.port, opts.host);
    else server.listen(opts.port);
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    server,
    port,
    url: `http://localhost:${port}${opts.basePath}`,
    close(graceMs = SHUTDOWN_GRACE_MS) {
      if (!closing) {
        closing = new Promise<void>((resolve) => {
          const timer = setTimeout(() => server.closeAllConnections(), graceMs);
          timer.unref();
          // A keep-alive connection whose request finishes during the grace period is closed as soon as it is idle.
          const idle = setInterval(() => server.closeIdleConnections(), 50);
          idle.unref();
          server.close(() => {
            clearTimeout(timer);
            clearInterval(idle);
            resolve();
          });
          server.closeIdleConnections();
        });
      }
      return closing;
    },
  };
}

/**
 * Resolves once the server has shut down after SIGINT or SIGTERM: new connections are refused,
 * requests under way finish (up to the grace period). A second signal cuts every connection at once.
 */
export function serveUntilSignal(running: RunningServer, signals: NodeJS.EventEmitter, opts: { onSignal?: (signal: string) => void; graceMs?: number } = {}): Promise<string> {
  return new Promise<string>((resolve) => {
    let received: string | null = null;
    const handler = (signal: string) => {
      if (received) {
        running.server.closeAllConnections();
        return;
      }
      received = signal;
      opts.onSignal?.(signal);
      void running.close(opts.graceMs).then(() => {
        for (const s of ['SIGINT', 'SIGTERM']) signals.off(s, handlers[s]!);
        resolve(signal);
      });
    };
    const handlers: Record<string, () => void> = { SIGINT: () => handler('SIGINT'), SIGTERM: () => handler('SIGTERM') };
    for (const s of ['SIGINT', 'SIGTERM']) signals.on(s, handlers[s]!);
  });
}

/**
 * `serve` (and `demo --serve`): the plugin on PORT under KPI_BASE_PATH until SIGINT/SIGTERM.
 * Resolves after a graceful shutdown; the caller then closes the database.
 */
export async function serve(ctx: CliContext, plugin: KpiPlugin, demo?: { host: Router; onListening(running: RunningServer): Promise<void> }): Promise<void> {
  const cfg = ctx.config();
  const log = ctx.logger('server');
  const running = await startServer(createServeApp(plugin, cfg.basePath, demo?.host), { port: cfg.port, basePath: cfg.basePath });
  await demo?.onListening(running);
  log.info({ url: running.url, db: cfg.db.display }, 'eoffice-kpi listening');
  ctx.out(`Đang phục vụ tại (listening on) ${running.url}  —  kiểm tra (health): ${running.url}/health`);
  ctx.out('Nhấn Ctrl+C để dừng (press Ctrl+C to stop).');
  const signal = await serveUntilSignal(running, ctx.io.signals ?? process, {
    onSignal: (s) => {
      log.info({ signal: s }, 'eoffice-kpi shutting down');
      ctx.err(`Đã nhận ${s}, đang dừng máy chủ... (stopping)`);
    },
  });
  ctx.err(`Đã dừng máy chủ (server stopped) sau ${signal}.`);
}
