import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateRollbackAll } from '../../src/db/migrate';
import { runCli, TEST_PG, type CliRun } from '../helpers/cli';

/**
 * `eoffice-kpi catalogue …` run as an integrator runs it (docs/catalogue.md): export the
 * catalogue, edit it in Excel, import it (dry run first), adopt a sector template, print the
 * handbook. On a temporary SQLite file, or on KPI_TEST_DB when that is PostgreSQL.
 */
describe(`e2e: eoffice-kpi catalogue (${TEST_PG ? 'postgres' : 'sqlite'})`, function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-catalogue-'));
  const dbUrl = TEST_PG ?? `sqlite:${path.join(tmp, 'x.sqlite')}`;
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { dbUrl, cwd: tmp });
  const at = (name: string): string => path.join(tmp, name);

  async function edit(from: string, to: string, change: (ws: ExcelJS.Worksheet) => void): Promise<void> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(at(from));
    change(wb.getWorksheet('Danh mục')!);
    await wb.xlsx.writeFile(at(to));
  }

  async function minutesOf(code: string): Promise<number[]> {
    const k = openDb(parseDbUrl(dbUrl));
    try {
      const rows = await k('kpi_work_items').where({ agency_code: 'so-tc', code }).orderBy('version').select('standard_minutes');
      return rows.map((r) => Number(r.standard_minutes));
    } finally {
      await k.destroy();
    }
  }

  before(async () => {
    if (TEST_PG) {
      const k = openDb(parseDbUrl(TEST_PG));
      await migrateRollbackAll(k);
      await k.destroy();
    }
    expect((await cli(['migrate'])).code).to.equal(0);
    expect((await cli(['agency', 'add', 'so-tc', '--name', 'Sở Tài chính'])).code).to.equal(0);
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when the templates are listed, then the general catalogue and the two sectors show with their item counts', async () => {
    const r = await cli(['catalogue', 'templates', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    expect((JSON.parse(r.stdout) as Array<{ id: string; items: number }>).map((x) => [x.id, x.items])).to.deep.equal([['chung', 43], ['noi-vu', 15], ['tai-chinh-ke-hoach', 14]]);
  });

  it('when the catalogue is exported and a file with a bad cell is imported, then every problem is printed with its row and column, the exit code is 1 and nothing changes', async () => {
    const out = await cli(['catalogue', 'export', 'danh-muc.xlsx', '--agency', 'so-tc']);
    expect(out.code, out.stderr).to.equal(0);
    await edit('danh-muc.xlsx', 'sai.xlsx', (ws) => {
      ws.getRow(3).getCell(7).value = 'ba mươi';
      ws.getRow(4).getCell(2).value = '@SUM(A1)';
    });
    const r = await cli(['catalogue', 'import', 'sai.xlsx', '--agency', 'so-tc']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('Không thay đổi gì: 2 lỗi');
    expect(r.stderr).to.include('Dòng 3, cột G – Thời gian chuẩn (phút): phải là một số');
    expect(r.stderr).to.include('Dòng 4, cột B – Tên đầu công việc: không được là công thức hoặc bắt đầu bằng =, +, -, @');
    expect(await minutesOf('CV-04')).to.deep.equal([60]);
  });

  it('when an edited file is imported with --dry-run and then for real, then the dry run lists the change and only the real run makes it', async () => {
    await edit('danh-muc.xlsx', 'moi.xlsx', (ws) => {
      ws.eachRow((row) => {
        if (row.getCell(1).value === 'CV-04') row.getCell(7).value = 75;
      });
    });
    const dry = await cli(['catalogue', 'import', 'moi.xlsx', '--agency', 'so-tc', '--dry-run', '--valid-from', '2026-12-07']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include('Chạy thử, chưa thay đổi gì; hiệu lực sẽ từ 2026-12-07');
    expect(dry.stdout).to.include('Sửa (changed): CV-04');
    expect(await minutesOf('CV-04')).to.deep.equal([60]);
    const real = await cli(['catalogue', 'import', 'moi.xlsx', '--agency', 'so-tc', '--valid-from', '2026-12-07', '--json']);
    expect(real.code, real.stderr).to.equal(0);
    expect(JSON.parse(real.stdout)).to.deep.include({ changed: ['CV-04'], added: [], deactivated: [], applied: true });
    expect(await minutesOf('CV-04')).to.deep.equal([60, 75]);
  });

  it('when a sector template is adopted and the handbook printed, then the sector\'s items are in the catalogue and in the handbook', async () => {
    const adopt = await cli(['catalogue', 'adopt', 'tai-chinh-ke-hoach', '--agency', 'so-tc', '--json']);
    expect(adopt.code, adopt.stderr).to.equal(0);
    expect(JSON.parse(adopt.stdout).added).to.have.length(14);
    const unknown = await cli(['catalogue', 'adopt', 'y-te', '--agency', 'so-tc']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('template: không có mẫu này; các mẫu có: chung|noi-vu|tai-chinh-ke-hoach');
    const book = await cli(['catalogue', 'handbook', '--agency', 'so-tc', '--out', 'so-tay.xlsx']);
    expect(book.code, book.stderr).to.equal(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(at('so-tay.xlsx'));
    const cells: string[] = [];
    wb.worksheets[0]!.eachRow((r) => r.eachCell((c) => cells.push(String(c.value))));
    expect(cells).to.include.members(['NGÀNH TÀI CHÍNH – KẾ HOẠCH', 'TC-01', 'Tham mưu lập dự toán ngân sách hằng năm']);
  });
});
