import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Command } from 'commander';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { demoLinks, demoPeople } from '../../../src/cli/demo';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../../src/cli/errors';
import { commandPath, COMMANDS, runCli, type CommandModule } from '../../../src/cli/program';
import { generateDemo } from '../../../src/demo/demo-data';
import { NotFoundError, ValidationError } from '../../../src/domain/errors';
import { silentLogger } from '../../helpers/harness';

const STACK_LINE = /\n\s+at /;

describe('cli/program: runCli', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-unit-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** A database file that no test has created yet. */
  const newDbFile = () => path.join(dir, `db-${++n}`, 'k.sqlite');

  async function run(argv: string[], env: Record<string, string | undefined> = {}, opts: { commands?: CommandModule[]; signals?: EventEmitter } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const dbFile = newDbFile();
    const code = await runCli(argv, {
      env: { KPI_DB: `sqlite:${dbFile}`, ...env },
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      logger: silentLogger,
      cwd: dir,
      ...(opts.signals ? { signals: opts.signals } : {}),
    }, opts.commands);
    return { code, out: out.join(''), err: err.join(''), dbFile };
  }

  describe('usage errors (exit 2, Vietnamese first)', () => {
    it('when the command is unknown, then it is named and help is pointed to', async () => {
      const r = await run(['frobnicate']);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('Lệnh không tồn tại (unknown command): "frobnicate"').and.to.contain('eoffice-kpi --help');
      expect(r.out).to.equal('');
    });

    it('when the command is misspelt, then the near one is suggested', async () => {
      const r = await run(['migrat']);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('Có phải ý bạn là (did you mean) migrate?');
    });

    it('when no command is given, then the help goes to stderr and the exit code is 2', async () => {
      const r = await run([]);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('Usage: eoffice-kpi').and.to.contain('Thiếu lệnh (missing command)');
    });

    it('when a group is given without its subcommand, then the exit code is 2', async () => {
      const r = await run(['agency']);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('rotate-secret');
    });

    it('when a required option is missing, then it is named with a hint to that command\'s help', async () => {
      const r = await run(['token', '--agency', 'a', '--sub', 'u']);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('Thiếu tùy chọn bắt buộc (required option missing): --roles <r,...>').and.to.contain('eoffice-kpi token --help');
    });

    it('when a required argument is missing, then it is named', async () => {
      const r = await run(['agency', 'rotate-secret']);
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('Thiếu tham số bắt buộc (missing required argument): <code>');
    });

    it('when an option is unknown or an argument is extra, then the exit code is 2', async () => {
      const unknown = await run(['migrate', '--force']);
      expect(unknown.code).to.equal(EXIT_USAGE);
      expect(unknown.err).to.contain('Tùy chọn không tồn tại (unknown option): "--force"');
      const extra = await run(['migrate', 'now']);
      expect(extra.code).to.equal(EXIT_USAGE);
      expect(extra.err).to.contain('Thừa tham số (too many arguments)');
    });

    const badValues: Array<[string, string[], string]> = [
      ['a role name is unknown', ['token', '--agency', 'a', '--sub', 'u', '--roles', 'official,boss'], '--roles: vai trò không hợp lệ (unknown role) "boss"'],
      ['--ttl is not seconds', ['token', '--agency', 'a', '--sub', 'u', '--roles', 'official', '--ttl', '8h'], '--ttl: phải là số giây nguyên'],
      ['--locale is neither vi nor en', ['token', '--agency', 'a', '--sub', 'u', '--roles', 'hr', '--locale', 'fr'], '--locale: phải là một trong (must be one of) vi | en'],
      ['--end-day is not a real day', ['demo', '--end-day', '2026-02-30'], '--end-day: phải là một ngày có thật'],
      ['the ndjson file is missing', ['ingest', 'missing.ndjson'], '<file.ndjson>: không tìm thấy tệp (file not found) "missing.ndjson"'],
      ['the settings file is missing', ['agency', 'settings', 'a', '--file', 'nope.json'], '--file: không tìm thấy tệp'],
      ['--status is not a status', ['events', 'list', '--agency', 'a', '--status', 'broken'], '--status: phải là một trong (must be one of) failed | processed | ignored'],
      ['--overlap is negative', ['agency', 'rotate-secret', 'a', '--overlap', '-5'], '--overlap: phải là số giây nguyên'],
    ];
    for (const [when, argv, message] of badValues) {
      it(`when ${when}, then it is a usage error naming it, before the database is touched`, async () => {
        const r = await run(argv);
        expect(r.code, r.err).to.equal(EXIT_USAGE);
        expect(r.err).to.contain(`Lỗi tham số: ${message}`);
        expect(r.err).not.to.match(STACK_LINE);
        expect(fs.existsSync(r.dbFile), 'database file created').to.equal(false);
      });
    }
  });

  describe('configuration errors (exit 2, the variable named)', () => {
    const cases: Array<[string, string]> = [
      ['KPI_DB', 'foo://x'],
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['KPI_BASE_PATH', 'kpi/'],
      ['KPI_TZ', 'Mars/Olympus'],
      ['LOG_LEVEL', 'loud'],
    ];
    for (const [variable, value] of cases) {
      it(`when ${variable}=${value}, then start-up stops with a message naming ${variable}`, async () => {
        const r = await run(['migrate'], { [variable]: value });
        expect(r.code).to.equal(EXIT_USAGE);
        expect(r.err.startsWith(`Lỗi cấu hình: ${variable}: `), r.err).to.equal(true);
        expect(r.err).not.to.match(STACK_LINE);
      });
    }
  });

  describe('a database that cannot be opened', () => {
    it('when the database refuses the connection, then exit code 1 says so with KPI_DB (no password), and stdout stays clean', async () => {
      const r = await run(['agency', 'list', '--json'], { KPI_DB: 'postgres://kpi:bi-mat@127.0.0.1:1/kpi' });
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(r.out).to.equal('');
      expect(r.err.trim()).to.match(/^Lỗi: không kết nối được cơ sở dữ liệu KPI_DB=postgres:\/\/kpi:\*\*\*@127\.0\.0\.1:1\/kpi \(cannot connect to the database\): .*ECONNREFUSED/);
      expect(r.err).not.to.contain('bi-mat');
      expect(r.err).not.to.match(STACK_LINE);
    });

    it('when the SQLite path goes through a file, then it is a configuration error naming KPI_DB', async () => {
      const blocker = path.join(dir, 'a-file');
      fs.writeFileSync(blocker, '');
      const r = await run(['migrate'], { KPI_DB: `sqlite:${blocker}/k.sqlite` });
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.match(/^Lỗi cấu hình: KPI_DB: không tạo được thư mục cho tệp SQLite/);
    });
  });

  describe('help and version', () => {
    it('when --help is asked, then every command is listed on stdout with exit code 0', async () => {
      const r = await run(['--help']);
      expect(r.code).to.equal(EXIT_OK);
      for (const c of ['migrate', 'agency', 'serve', 'ingest', 'events', 'token', 'demo']) expect(r.out).to.match(new RegExp(`\\n  ${c}\\b`));
      expect(r.out).to.contain('Mã thoát (exit codes)');
    });

    it('when help for a subcommand is asked, then its options are shown', async () => {
      const r = await run(['help', 'token']);
      expect(r.code).to.equal(EXIT_OK);
      expect(r.out).to.contain('--roles <r,...>').and.to.contain('--ttl <seconds>');
    });

    it('when --version is asked, then the package version is printed', async () => {
      const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { version: string };
      const r = await run(['--version']);
      expect(r.code).to.equal(EXIT_OK);
      expect(r.out.trim()).to.equal(pkg.version);
    });
  });

  describe('failures of a command (the extension point: any CommandModule)', () => {
    const module = (name: string, action: (ctx: Parameters<CommandModule>[1]) => Promise<void>): CommandModule => (program, ctx) => {
      program.command(name).action(() => action(ctx));
    };

    it('when a command throws a KpiError, then its message is printed with exit code 1 and no stack trace', async () => {
      const r = await run(['boom'], {}, { commands: [module('boom', async () => { throw new NotFoundError('Không tìm thấy cơ quan "x" (agency not found)'); })] });
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(r.err.trim()).to.equal('Lỗi: Không tìm thấy cơ quan "x" (agency not found)');
    });

    it('when a command throws a ValidationError on user input, then the exit code is 2 and the field is in the message', async () => {
      const r = await run(['boom'], {}, { commands: [module('boom', async () => { throw new ValidationError('bogus: khóa không được hỗ trợ (unknown key)', 'bogus'); })] });
      expect(r.code).to.equal(EXIT_USAGE);
      expect(r.err).to.contain('bogus: khóa không được hỗ trợ');
    });

    it('when a command throws something unexpected, then only its message is shown, with the hint to LOG_LEVEL=debug', async () => {
      const boom = [module('boom', async () => { throw new Error('socket hang up'); })];
      const r = await run(['boom'], {}, { commands: boom });
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(r.err).to.contain('Lỗi không mong muốn (unexpected error): socket hang up').and.to.contain('LOG_LEVEL=debug');
      expect(r.err).not.to.match(STACK_LINE);
      const debug = await run(['boom'], { LOG_LEVEL: 'debug' }, { commands: boom });
      expect(debug.err).to.match(STACK_LINE);
    });

    it('when a command sets a non-zero exit code after its output, then runCli returns it', async () => {
      const r = await run(['partial'], {}, { commands: [module('partial', async (ctx) => { ctx.out('done, with rejections'); ctx.exitCode = EXIT_FAILURE; })] });
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(r.out).to.equal('done, with rejections\n');
    });

    it('when a command opened the database, then it is destroyed when the command ends, even after a failure', async () => {
      const opened: Knex[] = [];
      const r = await run(['db'], {}, { commands: [module('db', async (ctx) => {
        const k = ctx.knex();
        opened.push(k);
        await k.raw('select 1');
        throw new Error('after the query');
      })] });
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(opened).to.have.length(1);
      expect((opened[0]!.client as { pool?: unknown }).pool).to.equal(undefined);
    });
  });

  describe('commands on a database file', () => {
    it('when an agency is added, then token signs with its secret and rotate-secret --overlap 0 retires the old one', async () => {
      const db = newDbFile();
      const env = { KPI_DB: `sqlite:${db}` };
      const add = await run(['agency', 'add', 'so-noi-vu', '--name', 'Sở Nội vụ', '--host-origin', 'https://eoffice.example.vn', '--json'], env);
      expect(add.code, add.err).to.equal(EXIT_OK);
      const created = JSON.parse(add.out) as { agency: string; secret: string; issuer: string };
      expect(Object.keys(created)).to.deep.equal(['agency', 'secret', 'issuer']);

      const token = await run(['token', '--agency', 'so-noi-vu', '--sub', 'u-1', '--roles', 'leader', '--unit', 'p-1', '--ttl', '120'], env);
      expect(token.code, token.err).to.equal(EXIT_OK);
      const claims = jwt.verify(token.out.trim(), created.secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' }) as jwt.JwtPayload;
      expect(claims).to.include({ sub: 'u-1', agency: 'so-noi-vu', unit: 'p-1', locale: 'vi' });
      expect(claims.exp! - claims.iat!).to.equal(120);

      const rotated = await run(['agency', 'rotate-secret', 'so-noi-vu', '--overlap', '0', '--json'], env);
      expect(rotated.code, rotated.err).to.equal(EXIT_OK);
      const { secret } = JSON.parse(rotated.out) as { secret: string };
      const after = await run(['token', '--agency', 'so-noi-vu', '--sub', 'u-1', '--roles', 'official'], env);
      expect(() => jwt.verify(after.out.trim(), secret, { audience: 'eoffice-kpi' })).not.to.throw();
      expect(() => jwt.verify(after.out.trim(), created.secret, { audience: 'eoffice-kpi' })).to.throw();

      const list = await run(['agency', 'list', '--json'], env);
      const listed = (JSON.parse(list.out) as Array<Record<string, unknown>>).find((a) => a.code === 'so-noi-vu');
      expect(listed).to.include({ name: 'Sở Nội vụ', timeZone: 'Asia/Ho_Chi_Minh', issuer: 'eoffice-host' });
      expect(listed!.hostOrigins).to.deep.equal(['https://eoffice.example.vn']);
    });

    it('when KPI_TZ is set, then an agency added without --time-zone takes it, --time-zone still wins, and an agency added before keeps its zone', async () => {
      const db = newDbFile();
      const zoneOf = async (code: string, env: Record<string, string>) => {
        const list = await run(['agency', 'list', '--json'], env);
        expect(list.code, list.err).to.equal(EXIT_OK);
        const settings = await run(['agency', 'settings', code], env);
        expect(settings.code, settings.err).to.equal(EXIT_OK);
        return [(JSON.parse(list.out) as Array<{ code: string; timeZone: string }>).find((x) => x.code === code)?.timeZone, (JSON.parse(settings.out) as { timeZone: string }).timeZone];
      };
      const plain = { KPI_DB: `sqlite:${db}` };
      const bangkok = { ...plain, KPI_TZ: 'Asia/Bangkok' };
      expect((await run(['agency', 'add', 'so-truoc', '--name', 'Sở thêm trước', '--json'], plain)).code).to.equal(EXIT_OK);
      const add = await run(['agency', 'add', 'so-bangkok', '--name', 'Sở theo KPI_TZ', '--json'], bangkok);
      expect(add.code, add.err).to.equal(EXIT_OK);
      const explicit = await run(['agency', 'add', 'so-tokyo', '--name', 'Sở có --time-zone', '--time-zone', 'Asia/Tokyo', '--json'], bangkok);
      expect(explicit.code, explicit.err).to.equal(EXIT_OK);
      expect(await zoneOf('so-bangkok', bangkok), 'KPI_TZ').to.deep.equal(['Asia/Bangkok', 'Asia/Bangkok']);
      expect(await zoneOf('so-tokyo', bangkok), '--time-zone').to.deep.equal(['Asia/Tokyo', 'Asia/Tokyo']);
      expect(await zoneOf('so-truoc', bangkok), 'added before KPI_TZ was set').to.deep.equal(['Asia/Ho_Chi_Minh', 'Asia/Ho_Chi_Minh']);
    });

    it('when the help of agency add or of the program is shown, then it says that KPI_TZ is the default time zone of a new agency', async () => {
      expect((await run(['agency', 'add', '--help'])).out).to.match(/--time-zone <tz>\s+múi giờ IANA của cơ quan, mặc định KPI_TZ/);
      expect((await run(['--help'])).out).to.contain('KPI_TZ         múi giờ IANA của cơ quan thêm mới không kèm --time-zone');
    });

    it('when the agency is not there, then token fails at run time with exit code 1', async () => {
      const r = await run(['token', '--agency', 'khong-co', '--sub', 'u', '--roles', 'official']);
      expect(r.code).to.equal(EXIT_FAILURE);
      expect(r.err.trim()).to.equal('Lỗi: Không tìm thấy cơ quan "khong-co" (agency not found)');
    });

    it('when serve gets SIGINT, then it answers /health until then, stops, and runCli returns 0', async () => {
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const signals = new EventEmitter();
      const running = run(['serve'], { PORT: String(port), KPI_BASE_PATH: '/kpi' }, { signals });
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/kpi/health`).then((res) => res.status, () => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).to.equal(200);
      signals.emit('SIGINT');
      const r = await running;
      expect(r.code, r.err).to.equal(EXIT_OK);
      expect(r.out).to.contain(`http://localhost:${port}/kpi`);
      expect(r.err).to.contain('Đã dừng máy chủ (server stopped)');
      expect(await fetch(`http://127.0.0.1:${port}/kpi/health`).then(() => 'up', () => 'down')).to.equal('down');
    });
  });
});

describe('cli/program: commandPath and the command list', () => {
  it('when arguments name nested subcommands, then the path follows them and stops at the first non-command', () => {
    const program = new Command('x');
    program.command('agency').command('add');
    expect(commandPath(program, ['agency', 'add', 'code', '--name', 'add'])).to.deep.equal(['agency', 'add']);
    expect(commandPath(program, ['--verbose', 'agency'])).to.deep.equal(['agency']);
    expect(commandPath(program, ['nope', 'agency'])).to.deep.equal([]);
  });

  it('the built-in commands are registered exactly once each', () => {
    expect(new Set(COMMANDS).size).to.equal(COMMANDS.length);
  });
});

describe('cli/demo: links', () => {
  const data = generateDemo({ agency: 'ubnd-hac-thanh', endDay: '2026-03-13', weeks: 1 });
  const secret = 'a-demo-secret-that-is-long-enough';

  it('the people are an official, a unit leader, HR and an admin, four different users', () => {
    const people = demoPeople(data).map((p) => p.user);
    expect(new Set(people.map((u) => u.id)).size).to.equal(4);
    expect(people[0]!.roles).to.deep.equal(['official']);
    expect(people[1]!.roles).to.include('leader');
    expect(people[2]!.roles).to.include('hr');
    expect(people[3]!.roles).to.include('admin');
  });

  it('when links are made, then each carries a token of its user signed with the agency secret, under the base URL', () => {
    const links = demoLinks('http://localhost:3000/kpi', 'ubnd-hac-thanh', secret, data, { from: '2026-03-09', to: '2026-03-13' });
    expect(links).to.have.length(4);
    for (const l of links) {
      expect(l.links.length).to.be.greaterThan(0);
      for (const link of l.links) {
        const u = new URL(link);
        expect(`${u.origin}${u.pathname}`).to.match(/^http:\/\/localhost:3000\/kpi\/(api\/v1\/(journal|catalogue|settings|events)|panels\/(me|admin|ranking|unit\/[^/]+))$/);
        const claims = jwt.verify(u.searchParams.get('jwt')!, secret, { algorithms: ['HS256'], audience: 'eoffice-kpi' }) as jwt.JwtPayload;
        expect(claims).to.include({ sub: l.user.id, agency: 'ubnd-hac-thanh', name: l.user.name, unit: l.user.unitId });
        expect(claims.roles).to.deep.equal(l.user.roles);
      }
    }
    // Each person's first link is the panel they open in the host.
    expect(links.map((l) => new URL(l.links[0]!).pathname.replace(/^\/kpi\/panels\//, ''))).to.deep.equal(['me', `unit/${links[1]!.user.unitId}`, 'ranking', 'admin']);
    const leader = new URL(links[1]!.links[1]!);
    expect(leader.searchParams.get('unit')).to.equal(links[1]!.user.unitId);
    expect(leader.searchParams.get('from')).to.equal('2026-03-09');
  });
});
