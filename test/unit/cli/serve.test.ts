import { EventEmitter } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createServeApp, serveUntilSignal, startServer, type RunningServer } from '../../../src/cli/serve';
import { KpiError } from '../../../src/domain/errors';

/** A router that stands in for plugin.router: /health, and /slow that answers after `ms`. */
function fakePlugin() {
  const router = express.Router();
  router.get('/health', (_req, res) => { res.json({ status: 'ok' }); });
  router.get('/slow', (req, res) => { setTimeout(() => res.json({ slow: true }), Number(req.query.ms ?? 200)); });
  return { router };
}

describe('cli/serve', () => {
  const running: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close(10)));
  });

  async function start(basePath: string): Promise<RunningServer> {
    const r = await startServer(createServeApp(fakePlugin(), basePath), { port: 0, basePath, host: '127.0.0.1' });
    running.push(r);
    return r;
  }

  it('when KPI_BASE_PATH is /kpi, then the plugin answers under /kpi and nowhere else', async () => {
    const r = await start('/kpi');
    expect(r.url).to.equal(`http://localhost:${r.port}/kpi`);
    expect((await fetch(`http://127.0.0.1:${r.port}/kpi/health`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status).to.equal(404);
  });

  it('when no base path is set, then the plugin answers at the root and express does not announce itself', async () => {
    const r = await start('');
    const res = await fetch(`http://127.0.0.1:${r.port}/health`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-powered-by')).to.equal(null);
  });

  it('when the port is taken, then startup fails with a KpiError naming the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await startServer(createServeApp(fakePlugin(), ''), { port, basePath: '', host: '127.0.0.1' });
      expect.fail('expected startServer to fail');
    } catch (e) {
      expect(e).to.be.instanceOf(KpiError);
      expect((e as KpiError).code).to.equal('port_in_use');
      expect((e as KpiError).message).to.contain(`Cổng ${port} đang được dùng`).and.to.contain('PORT');
    } finally {
      blocker.close();
    }
  });

  it('when SIGTERM arrives during a request, then that request still completes and the server then stops', async () => {
    const r = await start('');
    const signals = new EventEmitter();
    const seen: string[] = [];
    const stopped = serveUntilSignal(r, signals, { onSignal: (s) => seen.push(s) });
    const inFlight = fetch(`http://127.0.0.1:${r.port}/slow?ms=300`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    signals.emit('SIGTERM');
    const res = await inFlight;
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ slow: true });
    expect(await stopped).to.equal('SIGTERM');
    expect(seen).to.deep.equal(['SIGTERM']);
    expect(r.server.listening).to.equal(false);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).to.equal(0);
  });

  it('when a request outlives the grace period, then its connection is cut and the shutdown still ends', async () => {
    const r = await start('');
    const signals = new EventEmitter();
    const stopped = serveUntilSignal(r, signals, { graceMs: 50 });
    const inFlight = fetch(`http://127.0.0.1:${r.port}/slow?ms=5000`).then(() => 'answered', () => 'cut');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t0 = Date.now();
    signals.emit('SIGINT');
    expect(await stopped).to.equal('SIGINT');
    expect(Date.now() - t0).to.be.lessThan(2000);
    expect(await inFlight).to.equal('cut');
  });
});
