import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateRollbackAll, migrationNames } from '../../src/db/migrate';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { silentLogger } from '../helpers/harness';
import { CLI_MAIN, cliEnv, runCli, TEST_PG, type CliRun } from '../helpers/cli';

/**
 * The compiled `eoffice-kpi` run as a user runs it (node dist/src/cli/main.js …), against a
 * temporary SQLite file, or against KPI_TEST_DB when that is a PostgreSQL URL. The steps
 * build on each other, like an integrator's first session.
 */
const PG = TEST_PG;
type Run = CliRun;

describe(`e2e: the eoffice-kpi command line (${PG ? 'postgres' : 'sqlite'})`, function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-e2e-'));
  const dbUrl = PG ?? `sqlite:${path.join(tmp, 'db', 'x.sqlite')}`;
  let knex: Knex;
  let plugin: KpiPlugin;

  /** Runs the CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
  function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return runCli(args, { dbUrl, cwd: tmp, env });
  }

  const file = (name: string, text: string): string => {
    fs.writeFileSync(path.join(tmp, name), text);
    return name;
  };

  const event = (id: string, over: Record<string, unknown> = {}) => ({
    id, type: 'document.processed', occurredAt: '2026-03-12T09:15:00+07:00', agency: 'so-noi-vu', actor: { id: 'u-1001' },
    subject: { kind: 'document', id: `VB-${id}`, title: 'Công văn về việc triển khai nhiệm vụ', docType: 'cong-van', urgency: 'thuong' },
    data: { role: 'main' }, ...over,
  });

  before(async () => {
    if (PG) {
      // A clean schema: the CLI's own `migrate` creates it below.
      const k = openDb(parseDbUrl(PG));
      await migrateRollbackAll(k);
      await k.destroy();
    }
    knex = openDb(parseDbUrl(dbUrl));
  });

  after(async () => {
    await knex?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The test's own view of the database (after `migrate` has run). */
  async function services(): Promise<KpiPlugin['services']> {
    plugin ??= await createKpiPlugin({ knex, migrate: false, logger: silentLogger });
    return plugin.services;
  }

  describe('migrate', () => {
    it('when run on an empty database, then it creates the tables and says which migrations it applied', async () => {
      const r = await cli(['migrate']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`Đã áp dụng ${migrationNames().length} migration (applied)`).and.to.contain('20261123000001_init').and.to.contain('20261203000001_journal_days').and.to.contain('20261204000001_assessment_detail').and.to.contain('20261205020001_work_item_versions').and.to.contain('20261205050001_form_uses_and_requests').and.to.contain('20261206010001_event_actor');
      expect(await knex.schema.hasTable('kpi_events')).to.equal(true);
    });

    it('when run again, then nothing changes and it says the database is up to date', async () => {
      const r = await cli(['migrate']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Đã ở phiên bản mới nhất');
    });
  });

  describe('agency and token', () => {
    let secret = '';

    it('when an agency is added with --json, then exactly { agency, secret, issuer } is printed', async () => {
      const r = await cli(['agency', 'add', 'so-noi-vu', '--name', 'Sở Nội vụ tỉnh Thanh Hóa', '--host-origin', 'https://eoffice.thanhhoa.gov.vn', '--issuer', 'eoffice-thanhhoa', '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as Record<string, string>;
      expect(Object.keys(out).sort()).to.deep.equal(['agency', 'issuer', 'secret']);
      expect(out).to.include({ agency: 'so-noi-vu', issuer: 'eoffice-thanhhoa' });
      expect(out.secret).to.match(/^[A-Za-z0-9_-]{32,}$/);
      secret = out.secret!;
      expect(await (await services()).agencies.validSecrets('so-noi-vu')).to.deep.equal([secret]);
    });

    it('when an agency is added without --json, then the secret is printed once with the Vietnamese warning', async () => {
      const r = await cli(['agency', 'add', 'so-tai-chinh', '--name', 'Sở Tài chính']);
      expect(r.code, r.stderr).to.equal(0);
      const [stored] = await (await services()).agencies.validSecrets('so-tai-chinh');
      expect(r.stdout).to.contain(`Khóa bí mật (secret):      ${stored}`);
      expect(r.stdout).to.contain('chỉ hiển thị MỘT LẦN này, sẽ không được hiển thị lại');
    });

    it('when the code is taken, then it fails with exit code 1 and says so', async () => {
      const r = await cli(['agency', 'add', 'so-noi-vu', '--name', 'Trùng']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.equal('Lỗi: Cơ quan "so-noi-vu" đã tồn tại (agency already exists)');
    });

    it('when a token is minted, then it verifies with the agency secret and carries the claims asked for', async () => {
      const r = await cli(['token', '--agency', 'so-noi-vu', '--sub', 'u-1001', '--roles', 'official,leader', '--name', 'Lê Thị Hoa', '--unit', 'p-vp', '--locale', 'en', '--ttl', '600']);
      expect(r.code, r.stderr).to.equal(0);
      const claims = jwt.verify(r.stdout.trim(), secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' }) as jwt.JwtPayload;
      expect(claims).to.include({ sub: 'u-1001', agency: 'so-noi-vu', name: 'Lê Thị Hoa', unit: 'p-vp', locale: 'en' });
      expect(claims.roles).to.deep.equal(['official', 'leader']);
      expect(claims.exp! - claims.iat!).to.equal(600);
    });

    it('when a role is not one of official, leader, hr, admin, then it is a usage error naming the role', async () => {
      const r = await cli(['token', '--agency', 'so-noi-vu', '--sub', 'u-1', '--roles', 'official,giamdoc']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain('"giamdoc"');
      expect(r.stdout).to.equal('');
    });

    it('when the secret is rotated with an overlap, then the old and new secrets are both valid and token signs with the new one', async () => {
      const before = Date.now();
      const r = await cli(['agency', 'rotate-secret', 'so-noi-vu', '--overlap', '3600', '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as { agency: string; secret: string; previousValidUntil: string };
      expect(out.agency).to.equal('so-noi-vu');
      expect(out.secret).not.to.equal(secret);
      const until = Date.parse(out.previousValidUntil);
      expect(until).to.be.within(before + 3_595_000, Date.now() + 3_605_000);
      expect(await (await services()).agencies.validSecrets('so-noi-vu')).to.deep.equal([out.secret, secret]);

      const t = await cli(['token', '--agency', 'so-noi-vu', '--sub', 'u-1', '--roles', 'admin']);
      expect(() => jwt.verify(t.stdout.trim(), out.secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' })).not.to.throw();
      expect(() => jwt.verify(t.stdout.trim(), secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' })).to.throw();
      secret = out.secret;
    });

    it('when the agency does not exist, then rotate-secret fails with exit code 1', async () => {
      const r = await cli(['agency', 'rotate-secret', 'khong-co']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('Không tìm thấy cơ quan "khong-co"');
    });

    it('when agencies are listed, then both are shown with their issuer', async () => {
      const r = await cli(['agency', 'list']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/so-noi-vu\s+Sở Nội vụ tỉnh Thanh Hóa\s+Asia\/Ho_Chi_Minh\s+eoffice-thanhhoa\s+https:\/\/eoffice\.thanhhoa\.gov\.vn/);
      expect(r.stdout).to.contain('so-tai-chinh');
    });
  });

  describe('agency settings', () => {
    it('when no file is given, then the settings are printed as JSON', async () => {
      const r = await cli(['agency', 'settings', 'so-noi-vu']);
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ profile: 'nd335', timeZone: 'Asia/Ho_Chi_Minh', capPolicy: 'clip' });
    });

    it('when the file has an unknown key, then nothing is applied and the key is named', async () => {
      const r = await cli(['agency', 'settings', 'so-noi-vu', '--file', file('bad-settings.json', JSON.stringify({ capPolicy: 'warn', gioLamViec: 8 }))]);
      expect(r.code).to.be.oneOf([1, 2]);
      expect(r.stderr).to.contain('gioLamViec');
      expect((await (await services()).agencies.getSettings('so-noi-vu')).capPolicy).to.equal('clip');
    });

    it('when a value has the wrong type, then the key is named', async () => {
      const r = await cli(['agency', 'settings', 'so-noi-vu', '--file', file('bad-type.json', JSON.stringify({ dailyMinutes: 'tám giờ' }))]);
      expect(r.code).to.be.oneOf([1, 2]);
      expect(r.stderr).to.contain('dailyMinutes');
    });

    it('when the file is valid, then it is applied, keys left out keep their value, and the result is printed', async () => {
      const r = await cli(['agency', 'settings', 'so-noi-vu', '--file', file('good-settings.json', JSON.stringify({ capPolicy: 'warn', holidays: ['2026-04-30', '2026-05-01'] }))]);
      expect(r.code, r.stderr).to.equal(0);
      const printed = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(printed).to.include({ capPolicy: 'warn', profile: 'nd335' });
      expect(printed.hostOrigins).to.deep.equal(['https://eoffice.thanhhoa.gov.vn']);
      // A plugin of its own: this process's plugin keeps what it read for up to 2 s, and the CLI wrote from another process.
      const fresh = await createKpiPlugin({ knex, migrate: false, logger: silentLogger });
      expect((await fresh.services.agencies.getSettings('so-noi-vu')).holidays).to.deep.equal(['2026-04-30', '2026-05-01']);
    });

    it('when the file is missing, then it is a usage error naming it', async () => {
      const r = await cli(['agency', 'settings', 'so-noi-vu', '--file', 'khong-co.json']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain('khong-co.json');
    });
  });

  describe('ingest and events', () => {
    const failing = event('ev-task-1', {
      type: 'task.assigned', subject: { kind: 'task', id: 'CV-2026-1', title: 'Rà soát hồ sơ', dueAt: '2026-03-14T17:00:00+07:00' },
      data: { assigneeId: 'u-1001', workItemCode: 'XX-99' },
    });

    it('when a file mixes good lines, a duplicate, a bad event and a line that is not JSON, then each is counted and every rejected line is named', async () => {
      const lines = [
        JSON.stringify(event('ev-1')), // 1
        JSON.stringify(event('ev-2')), // 2
        '', // 3: blank, skipped
        JSON.stringify(event('ev-1')), // 4: duplicate of line 1
        JSON.stringify(event('ev-3', { subject: { kind: 'document' } })), // 5: subject.id missing
        '{"id": "ev-4", "type": ', // 6: not JSON
        JSON.stringify(failing), // 7: stored, but fails (no such work item)
        JSON.stringify(event('ev-5', { agency: 'so-tai-chinh' })), // 8: another agency than --agency
      ];
      const r = await cli(['ingest', file('events.ndjson', `${lines.join('\n')}\n`), '--agency', 'so-noi-vu']);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.match(/Đã lưu \(accepted\):\s+3\n/);
      expect(r.stdout).to.match(/Trùng lặp \(duplicates\):\s+1\n/);
      expect(r.stdout).to.match(/Bị từ chối \(rejected\):\s+3\n/);
      expect(r.stdout).to.contain('7 dòng sự kiện');
      const rejected = r.stderr.split('\n').filter((l) => l.startsWith('line '));
      expect(rejected).to.have.length(3);
      expect(rejected[0]).to.equal('line 5: subject.id: thiếu trường bắt buộc (required)');
      expect(rejected[1]).to.match(/^line 6: không phải JSON hợp lệ \(not valid JSON\)/);
      expect(rejected[2]).to.match(/^line 8: agency: .*so-tai-chinh/);
      const stored = await knex('kpi_events').where({ agency_code: 'so-noi-vu' }).orderBy('event_id').select('event_id', 'source');
      expect(stored).to.deep.equal([
        { event_id: 'ev-1', source: 'ingest' }, { event_id: 'ev-2', source: 'ingest' }, { event_id: 'ev-task-1', source: 'ingest' },
      ]);
      expect(await knex('kpi_events').where({ agency_code: 'so-tai-chinh' }).count({ n: '*' }).first()).to.satisfy((row: { n: unknown }) => Number(row.n) === 0);
    });

    it('when every line is stored or already there, then the exit code is 0', async () => {
      const r = await cli(['ingest', file('clean.ndjson', [event('ev-1'), event('ev-6')].map((e) => JSON.stringify(e)).join('\r\n'))]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/Đã lưu \(accepted\):\s+1\n/).and.to.match(/Trùng lặp \(duplicates\):\s+1\n/).and.to.match(/Bị từ chối \(rejected\):\s+0\n/);
    });

    it('when the file does not exist, then it is a usage error', async () => {
      const r = await cli(['ingest', 'khong-co.ndjson']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain('không tìm thấy tệp (file not found) "khong-co.ndjson"');
    });

    it('when failed events are listed, then the stored event that failed is there with its error', async () => {
      const r = await cli(['events', 'list', '--agency', 'so-noi-vu', '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const { events } = JSON.parse(r.stdout) as { events: Array<{ id: string; status: string; error: string; attempts: number }> };
      expect(events.map((e) => e.id)).to.deep.equal(['ev-task-1']);
      expect(events[0]!.error).to.contain('XX-99');
      const processed = await cli(['events', 'list', '--agency', 'so-noi-vu', '--status', 'processed']);
      expect(processed.stdout).to.contain('ev-1').and.to.contain('ev-2').and.to.contain('ev-6').and.not.to.contain('ev-task-1');
      // in the agency's local time (09:15 in Hà Nội), not the stored UTC instant (02:15Z)
      expect(processed.stdout).to.contain('12/03/2026 09:15').and.to.contain('Asia/Ho_Chi_Minh').and.not.to.contain('02:15');
    });

    it('when a failed event is replayed and still fails, then it says so and exits 1', async () => {
      const r = await cli(['events', 'replay', '--agency', 'so-noi-vu']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.contain('ev-task-1: vẫn lỗi (still failed)').and.to.contain('XX-99');
    });

    it('when the cause is fixed and the event replayed, then it is processed and no longer listed as failed', async () => {
      const { agencies } = await services();
      const items = await agencies.catalogue('so-noi-vu');
      await agencies.saveCatalogue('so-noi-vu', [...items, {
        code: 'XX-99', name: 'Rà soát hồ sơ đặc thù', nameEn: 'Special file review', unit: 'hồ sơ', standardMinutes: 30,
        kind: 'count', group: 'chuyen-vien', active: true, maxQuantityPerEntry: 50,
      }], 'test');
      const r = await cli(['events', 'replay', '--agency', 'so-noi-vu', 'ev-task-1']);
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      expect(r.stdout).to.contain('ev-task-1: đã xử lý (processed)');
      const after = await cli(['events', 'list', '--agency', 'so-noi-vu']);
      expect(after.stdout).to.contain('Không có sự kiện nào ở trạng thái "failed"');
    });

    it('when an id that is not a failed event is replayed, then it is named and the exit code is 1', async () => {
      const r = await cli(['events', 'replay', '--agency', 'so-noi-vu', 'ev-1']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('ev-1: không phải sự kiện lỗi');
    });
  });

  describe('demo', () => {
    let firstStored = 0;

    it('when run on a database without the demo agency, then it creates it, stores its events and prints links with tokens', async () => {
      const r = await cli(['demo', '--end-day', '2026-03-13'], { PORT: '3456', KPI_BASE_PATH: '/kpi' });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Đã tạo cơ quan trình diễn (demo agency created): ubnd-hac-thanh — UBND phường Hạc Thành');
      expect(r.stdout).to.contain('4 phòng, ban (units) · 25 cán bộ, công chức (officials)');
      const m = /Sự kiện \(events\): ([\d.]+) — đã lưu mới \(stored\) ([\d.]+), trùng lặp \(duplicates\) 0, bị từ chối \(rejected\) 0/.exec(r.stdout);
      expect(m, r.stdout).to.not.equal(null);
      firstStored = Number(m![2]!.replace(/\./g, ''));
      expect(firstStored).to.equal(Number(m![1]!.replace(/\./g, '')));
      expect(firstStored).to.be.greaterThan(500);
      expect(r.stdout).to.contain('http://localhost:3456/kpi/health');
      const links = r.stdout.match(/http:\/\/localhost:3456\/kpi\/api\/v1\/\S+/g) ?? [];
      expect(links.some((l) => l.includes('/api/v1/journal?'))).to.equal(true);
      expect(links.some((l) => l.includes('/api/v1/catalogue?'))).to.equal(true);
      const secret = await (await services()).agencies.currentSecret('ubnd-hac-thanh');
      const roles = new Set<string>();
      for (const l of links) {
        const claims = jwt.verify(new URL(l).searchParams.get('jwt')!, secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' }) as jwt.JwtPayload;
        expect(claims.agency).to.equal('ubnd-hac-thanh');
        for (const role of claims.roles as string[]) roles.add(role);
      }
      expect([...roles].sort()).to.deep.equal(['admin', 'hr', 'leader', 'official']);
      const entries = await knex('kpi_journal_entries').where({ agency_code: 'ubnd-hac-thanh' }).count({ n: '*' }).first();
      expect(Number(entries!.n)).to.be.greaterThan(100);
    });

    it('when run a second time, then the agency is reused and every event is a duplicate', async () => {
      const r = await cli(['demo', '--end-day', '2026-03-13']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Dùng lại cơ quan trình diễn đã có (reusing demo agency): ubnd-hac-thanh');
      const m = /đã lưu mới \(stored\) ([\d.]+), trùng lặp \(duplicates\) ([\d.]+)/.exec(r.stdout);
      expect(Number(m![1]!.replace(/\./g, ''))).to.equal(0);
      expect(Number(m![2]!.replace(/\./g, ''))).to.equal(firstStored);
      expect(r.stdout).to.contain('http://localhost:3000/health');
    });
  });

  describe('bad configuration and bad usage', () => {
    it('when KPI_DB is not a supported URL, then the message names KPI_DB and the exit code is 2', async () => {
      const r = await cli(['migrate'], { KPI_DB: 'foo://x' });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^Lỗi cấu hình: KPI_DB: /);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });

    it('when PORT is not a number, then the message names PORT and the exit code is 2', async () => {
      const r = await cli(['serve'], { PORT: 'abc' });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^Lỗi cấu hình: PORT: .*"abc"/);
    });

    it('when the command is unknown, then the exit code is 2 and the command is named', async () => {
      const r = await cli(['bao-cao']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain('Lệnh không tồn tại (unknown command): "bao-cao"');
    });
  });

  describe('serve', () => {
    async function freePort(): Promise<number> {
      for (;;) {
        const port = 20000 + Math.floor(Math.random() * 20000);
        const ok = await new Promise<boolean>((resolve) => {
          const s = net.createServer();
          s.once('error', () => resolve(false));
          s.listen(port, () => s.close(() => resolve(true)));
        });
        if (ok) return port;
      }
    }

    it('when served, then /health answers 200 under KPI_BASE_PATH, a minted token opens the API, and SIGTERM stops it with exit code 0', async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [CLI_MAIN, 'serve'], { cwd: tmp, env: cliEnv(dbUrl, { PORT: String(port), KPI_BASE_PATH: '/kpi', LOG_LEVEL: 'warn' }) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        let status = 0;
        for (let i = 0; i < 200 && status !== 200; i++) {
          status = await fetch(`http://127.0.0.1:${port}/kpi/health`).then((res) => res.status, () => 0);
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(status, stderr).to.equal(200);
        expect(stdout).to.contain(`http://localhost:${port}/kpi`);
        const token = (await cli(['token', '--agency', 'so-noi-vu', '--sub', 'u-1001', '--roles', 'official'])).stdout.trim();
        const res = await fetch(`http://127.0.0.1:${port}/kpi/api/v1/catalogue?jwt=${token}`);
        expect(res.status).to.equal(200);
        expect(((await res.json()) as { items: Array<{ code: string }> }).items.map((i) => i.code)).to.include('XX-99');
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, stderr).to.equal(0);
      expect(stderr).to.contain('Đã dừng máy chủ (server stopped) sau SIGTERM');
    });
  });
});
