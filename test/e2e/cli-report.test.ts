import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { InterruptedError, progressLine, writeFileAtomically } from '../../src/cli/report';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { createKpiPlugin } from '../../src/index';
import { silentLogger } from '../helpers/harness';
import { freshDemo, runCli, TEST_PG, type CliRun } from '../helpers/cli';

/** `eoffice-kpi report` as a user runs it: the compiled CLI on a temporary database with the demo agency. */
const PG = TEST_PG;
const AGENCY = 'ubnd-hac-thanh';

type Run = CliRun;

/** Every text of every cell of every sheet (merged cells once, from their master). */
async function cellTexts(file: string): Promise<{ sheets: string[]; texts: string[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const texts: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => {
    if (c.type === ExcelJS.ValueType.Merge) return;
    const v = c.value as unknown;
    if (v === null || v === undefined) return;
    if (typeof v !== 'object' || v instanceof Date) texts.push(String(v));
    else if ('richText' in v) texts.push((v as { richText: Array<{ text: string }> }).richText.map((r) => r.text).join(''));
    else if ('text' in v) texts.push(String((v as { text: unknown }).text));
  })));
  return { sheets: wb.worksheets.map((w) => w.name), texts };
}

const EVAL = /TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC/;
const FORM = /PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC/;

describe(`e2e: eoffice-kpi report (${PG ? 'postgres' : 'sqlite'})`, function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-report-'));
  const dbUrl = PG ?? `sqlite:${path.join(tmp, 'x.sqlite')}`;
  let unitId: string;
  let otherUnit: string;
  let userId: string;
  let userName: string;

  const cli = (args: string[], cwd = tmp): Promise<Run> => runCli(args, { dbUrl, cwd });

  /** Files left in a folder whose name says they are temporary. */
  const leftovers = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  before(async () => {
    const demo = await freshDemo({ dbUrl, cwd: tmp }, '2026-03-13');
    expect(demo.code, demo.stderr).to.equal(0);
    const k = openDb(parseDbUrl(dbUrl));
    try {
      const plugin = await createKpiPlugin({ knex: k, logger: silentLogger });
      const units = [...(await plugin.services.journal.unitNames(AGENCY)).keys()].sort();
      unitId = units[0]!;
      otherUnit = units[1]!;
      const people = await k('kpi_users').where({ agency_code: AGENCY, unit_id: unitId }).orderBy('id').select('id', 'name');
      userId = String(people[0].id);
      userName = String(people[0].name);
    } finally {
      await k.destroy();
    }
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when the quarter is exported, then the default file is written in the working folder, its path printed, and it reads back as the workbook', async () => {
    const r = await cli(['report', '--agency', AGENCY, '--period', '2026-Q1']);
    expect(r.code, r.stderr).to.equal(0);
    const file = path.join(tmp, `danh-gia-${AGENCY}-2026-Q1.xlsx`);
    expect(r.stdout).to.contain(`Đã ghi bảng tính (workbook written): ${file}`);
    expect(r.stdout).to.match(/25 cán bộ \(officials\), kỳ 2026-Q1 — TẠM TÍNH/);
    // stderr is not a terminal here: no progress bar.
    expect(r.stderr).to.equal('');
    const { sheets, texts } = await cellTexts(file);
    expect(sheets.length).to.be.greaterThan(1);
    expect(texts.some((x) => EVAL.test(x))).to.equal(true);
    expect(texts.some((x) => x.includes(userName))).to.equal(true);
    expect(leftovers(tmp)).to.deep.equal([]);
  });

  it('when units, the journal and --out are given, then that file holds only those units; --json says where and how many', async () => {
    fs.mkdirSync(path.join(tmp, 'out'), { recursive: true });
    const r = await cli(['report', '--agency', AGENCY, '--period', '2026-03', '--unit', unitId, '--journal', '--out', 'out/Báo cáo tháng 3.xlsx', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const body = JSON.parse(r.stdout) as { file: string; rows: number; provisional: boolean; period: string };
    expect(body.file).to.equal(path.join(tmp, 'out', 'Báo cáo tháng 3.xlsx'));
    expect(body.period).to.equal('2026-03');
    expect(body.rows).to.be.greaterThan(0).and.lessThan(25);
    expect(body.provisional).to.equal(true);
    const { texts } = await cellTexts(body.file);
    expect(texts.some((x) => x.includes(userName))).to.equal(true);
    expect(leftovers(path.join(tmp, 'out'))).to.deep.equal([]);
  });

  it('when form 01 is asked for one official or a unit, then phieu-01-… is written with the form\'s title', async () => {
    const one = await cli(['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1', '--user', userId]);
    expect(one.code, one.stderr).to.equal(0);
    const file = path.join(tmp, `phieu-01-${AGENCY}-2026-Q1-${userId}.xlsx`);
    expect(one.stdout).to.contain(file);
    expect(one.stdout).to.match(/1 phiếu \(forms\)/);
    const { texts } = await cellTexts(file);
    expect(texts.some((x) => FORM.test(x))).to.equal(true);
    expect(texts.some((x) => x.includes(userName))).to.equal(true);
    const unit = await cli(['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1', '--unit', unitId, '--json']);
    expect(unit.code, unit.stderr).to.equal(0);
    const body = JSON.parse(unit.stdout) as { file: string; forms: number };
    expect(body.file).to.equal(path.join(tmp, `phieu-01-${AGENCY}-2026-Q1-${unitId}.xlsx`));
    expect(body.forms).to.be.greaterThan(1);
  });

  it('when the command line is wrong, then exit 2 with a Vietnamese-first message naming the option, and no file', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['report', '--period', '2026-Q1'], /Thiếu tùy chọn bắt buộc \(required option missing\): --agency/],
      [['report', '--agency', AGENCY], /Thiếu tùy chọn bắt buộc \(required option missing\): --period/],
      [['report', '--agency', AGENCY, '--period', '2026-13'], /--period: kỳ không hợp lệ "2026-13"/],
      [['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1'], /--form01: cần --user <id>/],
      [['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1', '--user', userId, '--unit', unitId], /--form01: dùng --user HOẶC --unit/],
      [['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1', '--unit', unitId, '--unit', otherUnit], /--form01: chỉ một --unit/],
      [['report', '--agency', AGENCY, '--period', '2026-Q1', '--user', userId], /--user chỉ dùng cùng --form01/],
      [['report', '--agency', AGENCY, '--period', '2026-Q1', '--unit', 'khong-co-phong'], /--unit: cơ quan ubnd-hac-thanh không có phòng, ban "khong-co-phong"/],
      [['report', '--form01', '--agency', AGENCY, '--period', '2026-Q1', '--user', 'khong-co-ai'], /--user: không có cán bộ "khong-co-ai"/],
      [['report', '--agency', AGENCY, '--period', '2026-Q1', '--out', 'nowhere/x.xlsx'], /--out: thư mục không tồn tại/],
      [['report', '--agency', AGENCY, '--period', '2026-Q1', '--out', 'x.csv'], /--out: tệp phải có đuôi \.xlsx/],
    ];
    const before = fs.readdirSync(tmp).sort();
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message);
      expect(r.stdout, args.join(' ')).to.equal('');
    }
    expect(fs.readdirSync(tmp).sort()).to.deep.equal(before);
  });

  it('when the agency does not exist, then exit 1 naming it', async () => {
    const r = await cli(['report', '--agency', 'khong-co', '--period', '2026-Q1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/khong-co/);
  });

  describe('the atomic write', () => {
    it('when the real workbook is being written, then the target does not exist until it is complete, and the temporary file sits beside it', async () => {
      const k = openDb(parseDbUrl(dbUrl));
      try {
        const plugin = await createKpiPlugin({ knex: k, logger: silentLogger });
        const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
        const target = path.join(dir, 'wb.xlsx');
        let seen = 0;
        let besideIt = 0;
        const r = await writeFileAtomically(target, (out) => plugin.services.reports.evaluation(AGENCY, '2026-Q1', {
          onProgress: () => {
            seen++;
            expect(fs.existsSync(target), 'the target while writing').to.equal(false);
            if (leftovers(dir).length === 1) besideIt++;
          },
        }, out));
        expect(seen).to.be.greaterThan(1);
        expect(besideIt, 'the temporary file beside the target while writing').to.be.greaterThan(0);
        expect(r.rows).to.equal(25);
        expect(fs.readdirSync(dir)).to.deep.equal(['wb.xlsx']);
        expect((await cellTexts(target)).texts.some((x) => EVAL.test(x))).to.equal(true);
      } finally {
        await k.destroy();
      }
    });

    it('when the writer fails halfway, then an existing target is left as it was and nothing else remains', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
      const target = path.join(dir, 'wb.xlsx');
      fs.writeFileSync(target, 'the previous workbook');
      let error: unknown = null;
      try {
        await writeFileAtomically(target, async (out) => {
          out.write('PK half');
          throw new Error('the database went away');
        });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.equal('the database went away');
      expect(fs.readFileSync(target, 'utf8')).to.equal('the previous workbook');
      expect(fs.readdirSync(dir)).to.deep.equal(['wb.xlsx']);
    });

    it('when a signal comes while writing, then it stops with InterruptedError and leaves no file', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
      const target = path.join(dir, 'wb.xlsx');
      const signals = new EventEmitter();
      let error: unknown = null;
      try {
        await writeFileAtomically(target, async (out) => {
          out.write('PK');
          setTimeout(() => signals.emit('SIGINT'), 10);
          await new Promise(() => { /* a writer that never ends by itself */ });
        }, { signals });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InterruptedError);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
      expect(signals.listenerCount('SIGINT')).to.equal(0);
    });
  });

  it('when the progress line is drawn, then it shows a bar, the share and the counts in Vietnamese', () => {
    expect(progressLine(1500, 5000)).to.equal('Đang ghi bảng tính (writing) [██████░░░░░░░░░░░░░░]  30% — 1.500/5.000 cán bộ');
    expect(progressLine(0, 0)).to.contain('100%');
  });
});
