import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../src/i18n/i18n';
import { cliEnv } from '../helpers/cli';

/**
 * `npm start` as a new user runs it, in a child process: the mock E-Office answers at /, and
 * Ctrl+C (SIGINT) or a service manager's SIGTERM sent to npm stops the server — npm passes
 * the signal to the server itself, which leaves nothing listening behind. Always on a
 * temporary SQLite file: `npm start` is the embedded database's first run.
 */
describe('e2e: npm start stops on SIGINT and SIGTERM', function () {
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-npm-start-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
  }

  const listening = (port: number): Promise<boolean> => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`when npm start has served the mock E-Office and npm gets ${signal}, then npm exits and nothing listens on the port any more`, async () => {
      const port = await freePort();
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const child = spawn(npm, ['start'], { cwd: packageRoot(__dirname), env: cliEnv(`sqlite:${path.join(tmp, 'kpi.sqlite')}`, { PORT: String(port), LOG_LEVEL: 'warn' }) });
      let out = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        let status = 0;
        for (let i = 0; i < 1200 && status !== 200; i++) {
          status = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status, () => 0);
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(status, out).to.equal(200);
        expect(out).to.contain(`http://localhost:${port}/`);
      } catch (e) {
        child.kill('SIGKILL');
        throw e;
      }
      child.kill(signal); // to npm, as a terminal or a service manager sends it
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
      expect(code, out).to.not.equal('timeout');
      let open = true;
      for (let i = 0; i < 50 && open; i++) {
        open = await listening(port);
        if (open) await new Promise((r) => setTimeout(r, 100));
      }
      expect(open, `the server still listens after ${signal}:\n${out}`).to.equal(false);
      expect(out).to.contain(`Đã dừng máy chủ (server stopped) sau ${signal}`);
    });
  }
});
