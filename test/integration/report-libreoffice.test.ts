import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { t } from '../../src/i18n/i18n';
import type { Services } from '../../src/index';
import { textCell } from '../../src/reports/cells';
import { AGENCY, buildAgency, HR, MALICIOUS, PEOPLE, toBuffer } from './report-fixture';

/**
 * LibreOffice opens the evaluation workbook (issue 7): `soffice --headless --convert-to csv`
 * (Debian's libreoffice-calc-nogui, installed by .ci/run when missing) writes every sheet as
 * CSV, and the headings and values read right — the malicious names as visible text, nothing
 * evaluated. Without soffice the test fails under CI=true and is pending otherwise.
 */
const vi = (key: string, vars?: Record<string, string | number>): string => t('vi', key, vars);

function findSoffice(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['soffice', 'libreoffice']) {
      const p = path.join(dir, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch { /* not here */ }
    }
  }
  return null;
}

/** RFC 4180 lines (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr })));
  });
}

describe('integration: LibreOffice opens the evaluation workbook (soffice --convert-to csv)', function () {
  this.timeout(180000);
  let knex: Knex;
  let services: Services;
  let soffice: string | null;
  let dir: string;

  before(async function () {
    soffice = findSoffice();
    if (!soffice) {
      if (process.env.CI === 'true') throw new Error('soffice (LibreOffice) is missing: .ci/run installs libreoffice-calc-nogui; install it to run this test');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-lo-'));
    ({ knex, services } = await buildAgency());
  });

  after(async () => {
    if (knex) await knex.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the month\'s workbook is converted, then every sheet converts, the headings are there and the values equal the API\'s', async () => {
    const { buf } = await toBuffer((out) => services.reports.evaluation(AGENCY, '2026-03', {}, out));
    const file = path.join(dir, 'danh-gia.xlsx');
    fs.writeFileSync(file, buf);
    // Every sheet to its own UTF-8 CSV, values as stored (not as shown), with a profile of our own.
    const filter = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1';
    await run(soffice!, [`-env:UserInstallation=file://${path.join(dir, 'profile')}`, '--headless', '--convert-to', filter, '--outdir', dir, file], 150000);
    const csvs = fs.readdirSync(dir).filter((f) => f.endsWith('.csv'));
    expect(csvs.length, csvs.join(', ')).to.equal(4); // the summary, two units, the detail
    const summaryFile = csvs.find((f) => f.normalize('NFC').includes(vi('xlsx.sheet.summary')))!;
    const detailFile = csvs.find((f) => f.normalize('NFC').includes(vi('xlsx.sheet.detail')))!;
    const summary = parseCsv(fs.readFileSync(path.join(dir, summaryFile), 'utf8'));
    const detail = parseCsv(fs.readFileSync(path.join(dir, detailFile), 'utf8'));

    const text = summary.map((r) => r.join('|')).join('\n');
    for (const s of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'SỞ NỘI VỤ TỈNH KHÁNH HÒA', 'Khánh Hòa, ngày 15 tháng 4 năm 2026',
      'TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC THÁNG 3 NĂM 2026', 'TẠM TÍNH', 'NGƯỜI LẬP BIỂU', 'THỦ TRƯỞNG CƠ QUAN']) expect(text).to.contain(s);
    expect(summary[8]).to.deep.equal(['STT', 'Họ và tên', 'Chức vụ', 'Đơn vị', 'Số lượng (%)', 'Chất lượng (%)', 'Tiến độ (%)', 'Điểm kết quả thực hiện nhiệm vụ', 'Điểm tiêu chí chung', 'Tổng điểm', 'Xếp loại', 'Ghi chú']);

    const scores = new Map((await services.scoring.scoresFor(HR, { period: '2026-03' })).scores.map((s) => [s.userId, s]));
    const rows = detail.slice(9).filter((r) => /^\d+$/.test(r[0] ?? ''));
    expect(rows).to.have.length(PEOPLE.length);
    const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
    for (const r of rows) {
      const s = scores.get(r[1]!)!;
      const person = PEOPLE.find((p) => p.id === s.userId)!;
      expect(r[2], s.userId).to.equal(textCell(person.name));
      expect([num(r[4]), num(r[5]), num(r[9]), num(r[10]), num(r[11]), num(r[12]), num(r[13]), num(r[14])]).to.deep.equal(
        [s.workingDays, s.assignedMinutes, s.quantityPct, s.qualityPct, s.progressPct, s.taskScore, s.generalScore, s.total]);
      expect(r[15]).to.equal(s.classification ? vi(`className.${s.classification}`) : '');
    }
    // nothing was evaluated: the names read as the text they are
    for (const [id, name] of Object.entries(MALICIOUS)) expect(rows.find((r) => r[1] === id)![2]).to.equal(`'${name.replace(/\r/g, '\n')}`);
    expect(text).to.contain('\'=HYPERLINK("http://evil")');
  });
});
