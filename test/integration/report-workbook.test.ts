import { expect } from 'chai';
import type ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../../src/domain/errors';
import { t } from '../../src/i18n/i18n';
import type { Services } from '../../src/index';
import { textCell } from '../../src/reports/cells';
import { FORM01_CRITERIA } from '../../src/reports/form01-workbook';
import { HEADER_ROW } from '../../src/reports/layout';
import { rankUnits, type Score } from '../../src/scoring';
import { CLASSIFICATIONS } from '../../src/scoring/types';
import { AGENCY, allText, buildAgency, cellsOf, HR, MALICIOUS, PEOPLE, readWorkbook, toBuffer, UNITS, unzip, VI_NAME } from './report-fixture';

/**
 * HR's workbooks read back (issue 7): every row equals the API's score of the same period, unit
 * means and class counts are right, names come out NFC whatever the host sent, no cell is a
 * formula, and "TẠM TÍNH" marks an open period on every sheet and never a closed one.
 */
const vi = (key: string, vars?: Record<string, string | number>): string => t('vi', key, vars);
const MONTH = '2026-03';

function sheetXml(files: Map<string, string>): string[] {
  return [...files.entries()].filter(([n]) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n)).map(([, x]) => x);
}

/** The official rows of a table sheet: those whose first cell (STT) is a number, after the header. */
function officialRows(ws: ExcelJS.Worksheet): unknown[][] {
  return cellsOf(ws).slice(HEADER_ROW).filter((r) => typeof r?.[0] === 'number');
}

/** Checks every cell a workbook could evaluate: no formula, no hyperlink, no rich text, strings as shared strings. */
function expectInert(buf: Buffer): Map<string, string> {
  const files = unzip(buf);
  const sheets = sheetXml(files);
  expect(sheets.length).to.be.greaterThan(0);
  for (const x of sheets) {
    expect(x).not.to.match(/<f[\s>/]/);
    expect(x).not.to.match(/<hyperlink/);
    expect(x).not.to.match(/t="(str|inlineStr)"/);
  }
  expect([...files.keys()].some((n) => /worksheets\/_rels/.test(n) && /hyperlink/i.test(files.get(n)!))).to.equal(false);
  return files;
}

describe('integration: report workbooks (evaluation and form 01) read back', function () {
  this.timeout(120000);
  let knex: Knex;
  let services: Services;

  before(async () => {
    ({ knex, services } = await buildAgency());
  });

  after(async () => {
    await knex.destroy();
  });

  const apiScores = async (period: string): Promise<Score[]> => (await services.scoring.scoresFor(HR, { period })).scores;

  describe('the evaluation workbook of an open month', () => {
    let buf: Buffer;
    let wb: ExcelJS.Workbook;
    let progress: Array<[number, number]>;

    before(async () => {
      progress = [];
      const r = await toBuffer((out) => services.reports.evaluation(AGENCY, MONTH, { withJournal: true, onProgress: (d, n) => progress.push([d, n]) }, out));
      buf = r.buf;
      expect(r.result).to.deep.equal({ rows: PEOPLE.length, provisional: true });
      wb = await readWorkbook(buf);
    });

    it('when read back, then the summary and detail rows equal the API scores of the month, official by official', async () => {
      const scores = new Map((await apiScores(MONTH)).map((s) => [s.userId, s]));
      const detail = officialRows(wb.getWorksheet(vi('xlsx.sheet.detail'))!);
      const summary = officialRows(wb.getWorksheet(vi('xlsx.sheet.summary'))!);
      expect(detail).to.have.length(PEOPLE.length);
      expect(summary).to.have.length(PEOPLE.length);
      const classOf = (s: Score): string | null => (s.classification === null ? null : vi(`className.${s.classification}`));
      detail.forEach((r, i) => {
        const s = scores.get(String(r[1]))!;
        expect(s, String(r[1])).to.not.equal(undefined);
        const person = PEOPLE.find((p) => p.id === s.userId)!;
        expect(r.slice(0, 16)).to.deep.equal([
          i + 1, s.userId, textCell(person.name), r[3], s.workingDays, s.assignedMinutes, s.completedMinutes, s.qualityMinutes, s.progressMinutes,
          s.quantityPct, s.qualityPct, s.progressPct, s.taskScore, s.generalScore, s.total, classOf(s),
        ]);
        const m = summary[i]!;
        expect(m.slice(0, 11)).to.deep.equal([
          i + 1, textCell(person.name), textCell(person.position), r[3], s.quantityPct, s.qualityPct, s.progressPct, s.taskScore, s.generalScore, s.total, classOf(s),
        ]);
        expect(String(m[11])).to.contain(vi('xlsx.note.provisional'));
        if (s.overQuota) expect(String(m[11])).to.contain(vi('xlsx.note.overQuota'));
        if (s.disqualified) expect(String(m[11])).to.contain(vi('xlsx.note.ground.discipline'));
      });
      expect(scores.get('u-lead1')!.overQuota, 'the data has an official over the quota').to.equal(true);
    });

    it('when read back, then each unit mean equals the ranking\'s and the class counts and shares equal the API\'s', async () => {
      const scores = await apiScores(MONTH);
      const text = cellsOf(wb.getWorksheet(vi('xlsx.sheet.summary'))!);
      for (const rank of rankUnits(scores)) {
        const name = UNITS.find((u) => u.id === rank.unitId)!.name.normalize('NFC');
        const row = text.find((r) => r?.[1] === vi('xlsx.unitMean', { unit: name }));
        expect(row, name).to.not.equal(undefined);
        expect(row![9]).to.equal(rank.mean);
      }
      for (const c of CLASSIFICATIONS) {
        const n = scores.filter((s) => s.classification === c).length;
        const row = text.find((r) => r?.[1] === vi(`className.${c}`) && typeof r[2] === 'number');
        expect(row, c).to.not.equal(undefined);
        expect(row![2]).to.equal(n);
        expect(row![3]).to.equal(Math.round((10000 * n) / scores.length) / 100);
      }
      expect(scores.some((s) => s.classification === 'HTXSNV') && scores.some((s) => s.classification === 'HTTNV') && scores.some((s) => s.classification === 'KHTNV')).to.equal(true);
      const none = text.find((r) => r?.[1] === vi('xlsx.classes.none'))!;
      expect(none[2]).to.equal(scores.filter((s) => s.classification === null).length);
      expect(allText(wb.getWorksheet(vi('xlsx.sheet.summary'))!)).to.contain('20%');
    });

    it('when a name was sent in NFC and the same name in NFD, then both cells hold the identical NFC text; a unit name sent in NFD is NFC', () => {
      const detail = officialRows(wb.getWorksheet(vi('xlsx.sheet.detail'))!);
      const nfc = detail.find((r) => r[1] === 'u-nfc')!;
      const nfd = detail.find((r) => r[1] === 'u-nfd')!;
      expect(nfc[2]).to.equal(VI_NAME);
      expect(nfd[2]).to.equal(nfc[2]);
      expect(nfd[3]).to.equal(UNITS[1]!.name.normalize('NFC'));
      expect(wb.worksheets.map((w) => w.name)).to.include(UNITS[1]!.name.normalize('NFC'));
    });

    it('when names begin with =, +, -, @, tab, CR or LF, then they arrive as visible text, and no sheet has a formula, a hyperlink or an inline string', () => {
      const files = expectInert(buf);
      const detail = officialRows(wb.getWorksheet(vi('xlsx.sheet.detail'))!);
      for (const [id, name] of Object.entries(MALICIOUS)) {
        const row = detail.find((r) => r[1] === id)!;
        expect(row[2], id).to.equal(`'${name.replace(/\r/g, '\n')}`);
      }
      const summary = officialRows(wb.getWorksheet(vi('xlsx.sheet.summary'))!);
      expect(summary.some((r) => r[2] === '\'=HYPERLINK("http://evil")')).to.equal(true);
      // the character XML forbids is gone, the rest of the name is kept
      expect(detail.find((r) => r[1] === 'u-xml')![2]).to.equal('Lê Văn Bình');
      // the shared strings hold the text itself
      const strings = files.get('xl/sharedStrings.xml')!.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      for (const name of ["'=cmd|' /C calc'!A0", "'+SUM(1,2)", '\'@HYPERLINK("http://x")']) expect(strings).to.contain(`<t>${name}</t>`);
    });

    it('when the period is open, then every sheet says TẠM TÍNH with the computed time, in the layout (motto, place and date, signatures)', () => {
      expect(wb.worksheets.map((w) => w.name)).to.deep.equal([
        vi('xlsx.sheet.summary'), ...UNITS.map((u) => u.name.normalize('NFC')).sort((a, b) => a.localeCompare(b, 'vi')), vi('xlsx.sheet.detail'), vi('xlsx.sheet.journal'),
      ]);
      for (const ws of wb.worksheets) {
        const text = allText(ws);
        expect(text, ws.name).to.contain('TẠM TÍNH');
        expect(text, ws.name).to.contain('10:00 15/04/2026');
        expect(text).to.contain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
        expect(text).to.contain('Độc lập - Tự do - Hạnh phúc');
        expect(text).to.contain('Khánh Hòa, ngày 15 tháng 4 năm 2026');
        expect(text).to.contain('ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA');
        expect(text).to.contain('SỞ NỘI VỤ TỈNH KHÁNH HÒA');
      }
      const summary = allText(wb.getWorksheet(vi('xlsx.sheet.summary'))!);
      expect(summary).to.contain('TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC THÁNG 3 NĂM 2026');
      for (const h of ['STT', 'Họ và tên', 'Chức vụ', 'Đơn vị', 'Số lượng (%)', 'Chất lượng (%)', 'Tiến độ (%)', 'Điểm kết quả thực hiện nhiệm vụ', 'Điểm tiêu chí chung', 'Tổng điểm', 'Xếp loại', 'Ghi chú']) {
        expect(cellsOf(wb.getWorksheet(vi('xlsx.sheet.summary'))!)[HEADER_ROW - 1]).to.include(h);
      }
      for (const s of ['NGƯỜI LẬP BIỂU', 'THỦ TRƯỞNG CƠ QUAN', 'GIÁM ĐỐC', 'Ngô Thị Lập']) expect(summary).to.contain(s);
    });

    it('when printed and opened, then A4 landscape, the header row repeats, panes are frozen, the table is filtered, Times New Roman, numbers carry formats, the properties name the agency', () => {
      const files = unzip(buf);
      for (const x of sheetXml(files)) {
        expect(x).to.match(/<pageSetup[^>]*paperSize="9"/);
        expect(x).to.match(/<pageSetup[^>]*orientation="landscape"/);
        expect(x).to.match(/<pane[^>]*ySplit="9"[^>]*state="frozen"/);
        expect(x).to.match(/<autoFilter ref="A9:/);
      }
      const book = files.get('xl/workbook.xml')!;
      expect((book.match(/_xlnm\.Print_Titles/g) ?? []).length).to.equal(wb.worksheets.length);
      expect(book).to.contain('$9:$9');
      const styles = files.get('xl/styles.xml')!;
      expect(styles).to.contain('Times New Roman');
      expect(styles).not.to.match(/<name val="Calibri"\/>[\s\S]*<name val="Calibri"\/>/);
      expect(styles).to.match(/<xf numFmtId="2"/); // the built-in 0.00
      expect(files.get('docProps/core.xml')).to.contain('<dc:creator>Sở Nội vụ tỉnh Khánh Hòa</dc:creator>');
      expect(files.get('docProps/core.xml')).to.contain('<dc:title>TỔNG HỢP KẾT QUẢ');
      expect(files.get('docProps/app.xml')).to.contain('<Company>Sở Nội vụ tỉnh Khánh Hòa</Company>');
      const c = wb.getWorksheet(vi('xlsx.sheet.summary'))!.getRow(HEADER_ROW + 2).getCell(5);
      expect(c.numFmt).to.equal('0.00');
      expect(c.font?.name).to.equal('Times New Roman');
    });

    it('when a unit has its own sheet, then it holds exactly that unit\'s officials; the journal sheet holds the month\'s entries as text', async () => {
      const scores = await apiScores(MONTH);
      for (const u of UNITS) {
        const rows = officialRows(wb.getWorksheet(u.name.normalize('NFC'))!);
        expect(rows).to.have.length(scores.filter((s) => s.unitId === u.id).length);
        expect(rows.every((r) => r[3] === u.name.normalize('NFC'))).to.equal(true);
      }
      const journal = cellsOf(wb.getWorksheet(vi('xlsx.sheet.journal'))!).slice(HEADER_ROW).filter((r) => r && /^\d\d\/03\/2026$/.test(String(r[0])));
      const entries = await knex('kpi_journal_entries').where({ agency_code: AGENCY }).count<{ n: number }[]>({ n: '*' });
      expect(journal).to.have.length(Number(entries[0]!.n));
      expect(journal.some((r) => r[4] === '\'=HYPERLINK("http://x","bấm")')).to.equal(true);
    });

    it('when it is written, then progress goes from 0 to the total, in order', () => {
      expect(progress[0]).to.deep.equal([0, 3 * PEOPLE.length]);
      expect(progress[progress.length - 1]).to.deep.equal([3 * PEOPLE.length, 3 * PEOPLE.length]);
    });
  });

  it('when units are chosen, then the workbook holds only their officials and sheets', async () => {
    const { buf, result } = await toBuffer((out) => services.reports.evaluation(AGENCY, MONTH, { unitIds: ['p-tccb'] }, out));
    const wb = await readWorkbook(buf);
    const members = PEOPLE.filter((p) => p.unit === 'p-tccb').length;
    expect(result.rows).to.equal(members);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal([vi('xlsx.sheet.summary'), 'Phòng Tổ chức cán bộ', vi('xlsx.sheet.detail')]);
    expect(officialRows(wb.getWorksheet(vi('xlsx.sheet.summary'))!)).to.have.length(members);
  });

  it('when the period is a quarter or a year, then the title says QUÝ I NĂM 2026 / NĂM 2026 and the rows equal the API\'s', async () => {
    for (const [period, words] of [['2026-Q1', 'QUÝ I NĂM 2026'], ['2026', 'NĂM 2026']] as const) {
      const { buf } = await toBuffer((out) => services.reports.evaluation(AGENCY, period, {}, out));
      const wb = await readWorkbook(buf);
      expect(allText(wb.worksheets[0]!)).to.contain(`XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC ${words}`);
      const scores = new Map((await apiScores(period)).map((s) => [s.userId, s]));
      const detail = officialRows(wb.getWorksheet(vi('xlsx.sheet.detail'))!);
      expect(detail).to.have.length(scores.size);
      for (const r of detail) expect([r[12], r[14]]).to.deep.equal([scores.get(String(r[1]))!.taskScore, scores.get(String(r[1]))!.total]);
    }
  });

  describe('form no. 01', () => {
    it('when asked for one official, then one sheet in the form\'s shape: groups with self and leader scores, the system\'s task results, total and class', async () => {
      const { buf, result } = await toBuffer((out) => services.reports.form01(AGENCY, '2026-Q1', { userId: 'u-nfc' }, out));
      expect(result).to.deep.equal({ forms: 1 });
      expectInert(buf);
      const wb = await readWorkbook(buf);
      expect(wb.worksheets).to.have.length(1);
      const ws = wb.worksheets[0]!;
      expect(ws.name).to.equal(VI_NAME);
      const text = allText(ws);
      for (const s of ['PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC', 'QUÝ I NĂM 2026', `Họ và tên: ${VI_NAME}`, 'Chức vụ, chức danh: Chuyên viên', 'Đơn vị công tác: Phòng Tổ chức cán bộ', 'TẠM TÍNH', 'CÔNG CHỨC ĐƯỢC ĐÁNH GIÁ', 'LÃNH ĐẠO ĐÁNH GIÁ']) expect(text).to.contain(s);
      const rows = cellsOf(ws);
      const group = (no: string): unknown[] => rows.find((r) => r?.[0] === no && typeof r[2] === 'number' && r[2] === 10)!;
      expect(group('I').slice(2, 5)).to.deep.equal([10, 10, 9.5]);
      expect(group('II').slice(2, 5)).to.deep.equal([10, 9.5, 9]);
      expect(group('III').slice(2, 5)).to.deep.equal([10, 8.5, 8]);
      expect(rows.filter((r) => r?.[2] === 2.5)).to.have.length(4);
      const score = (await apiScores('2026-Q1')).find((s) => s.userId === 'u-nfc')!;
      expect(rows.find((r) => r?.[1] === vi('xlsx.form.generalTotal'))!.slice(2, 5)).to.deep.equal([30, 28, 26.5]);
      expect(score.generalScore).to.equal(26.5);
      expect(rows.find((r) => r?.[1] === vi('xlsx.form.taskScore'))![4]).to.equal(score.taskScore);
      expect(rows.find((r) => r?.[1] === vi('xlsx.col.quantityPct'))![4]).to.equal(score.quantityPct);
      expect(rows.find((r) => r?.[1] === vi('xlsx.form.total'))![4]).to.equal(score.total);
      expect(rows.find((r) => r?.[1] === vi('xlsx.col.class'))![2]).to.equal(score.classification ? vi(`className.${score.classification}`) : vi('xlsx.classes.none'));
      const sheet = unzip(buf).get('xl/worksheets/sheet1.xml')!;
      expect(sheet).to.match(/orientation="portrait"/);
    });

    it('when asked for a unit, then one sheet per official of the unit, malicious names as text', async () => {
      const { buf, result } = await toBuffer((out) => services.reports.form01(AGENCY, MONTH, { unitId: 'p-tccb' }, out));
      const members = PEOPLE.filter((p) => p.unit === 'p-tccb');
      expect(result.forms).to.equal(members.length);
      expectInert(buf);
      const wb = await readWorkbook(buf);
      expect(wb.worksheets).to.have.length(members.length);
      const text = wb.worksheets.map(allText).join('\n');
      expect(text).to.contain(`Họ và tên: ${MALICIOUS['u-cmd']}`);
      expect(text).to.contain(vi('xlsx.note.ground.discipline'));
    });

    it('when the agency words part I its own way, then the form shows its labels as text and the decree\'s wording for the rest', async () => {
      const before = (await services.agencies.getSettings(AGENCY)).report;
      const own = { 'I.1': '=HYPERLINK("http://x","Đạo đức")', II: 'Năng lực và trách nhiệm (theo quy chế của Sở)' };
      await services.agencies.putSettings(AGENCY, { report: { ...before, form01Labels: own } }, 'test');
      try {
        const { buf } = await toBuffer((out) => services.reports.form01(AGENCY, MONTH, { userId: 'u-nfc' }, out));
        expectInert(buf);
        const rows = cellsOf((await readWorkbook(buf)).worksheets[0]!);
        const labels = rows.map((r) => r?.[1]);
        expect(rows.find((r) => r?.[1] === textCell(own['I.1']))!.slice(0, 3)).to.deep.equal(['1', textCell(own['I.1']), 5]);
        expect(rows.find((r) => r?.[1] === own.II)!.slice(0, 3)).to.deep.equal(['II', own.II, 10]);
        expect(labels).to.include(FORM01_CRITERIA.find((c) => c.id === 'III')!.label);
        expect(labels).not.to.include(FORM01_CRITERIA.find((c) => c.id === 'II')!.label);
        expect(labels).not.to.include(FORM01_CRITERIA.find((c) => c.id === 'I.1')!.label);
      } finally {
        await services.agencies.putSettings(AGENCY, { report: before }, 'test');
      }
    });

    it('when a label names no criterion or is blank, then the settings are refused and nothing changes', async () => {
      const before = (await services.agencies.getSettings(AGENCY)).report;
      for (const bad of [{ 'IV': 'Khác' }, { 'I.1': '   ' }, { 'I.1': 'x'.repeat(1001) }]) {
        let err: unknown = null;
        await services.agencies.putSettings(AGENCY, { report: { ...before, form01Labels: bad } }, 'test').catch((e) => { err = e; });
        expect(err, JSON.stringify(bad)).to.be.instanceOf(ValidationError);
        expect((await services.agencies.getSettings(AGENCY)).report).to.deep.equal(before);
      }
    });

    it('when the official or unit is unknown, then NotFoundError', async () => {
      for (const who of [{ userId: 'nobody' }, { unitId: 'no-unit' }]) {
        let err: unknown = null;
        await toBuffer((out) => services.reports.form01(AGENCY, MONTH, who, out)).catch((e) => { err = e; });
        expect(err).to.be.instanceOf(NotFoundError);
      }
    });
  });

  describe('after the month is closed', () => {
    before(async () => {
      await services.scoring.close(AGENCY, MONTH, { applyQuota: true, actor: 'u-hr' });
    });

    it('when the workbook and the forms are written, then no sheet says TẠM TÍNH and the rows equal the snapshot the API answers', async () => {
      const { buf, result } = await toBuffer((out) => services.reports.evaluation(AGENCY, MONTH, {}, out));
      expect(result.provisional).to.equal(false);
      const wb = await readWorkbook(buf);
      for (const ws of wb.worksheets) {
        expect(allText(ws), ws.name).not.to.contain('TẠM TÍNH');
        expect(allText(ws), ws.name).not.to.contain(vi('xlsx.note.provisional'));
      }
      const scores = new Map((await apiScores(MONTH)).map((s) => [s.userId, s]));
      expect([...scores.values()].every((s) => !s.provisional)).to.equal(true);
      for (const r of officialRows(wb.getWorksheet(vi('xlsx.sheet.detail'))!)) {
        const s = scores.get(String(r[1]))!;
        expect([r[9], r[12], r[13], r[14], r[15]]).to.deep.equal([s.quantityPct, s.taskScore, s.generalScore, s.total, s.classification ? vi(`className.${s.classification}`) : null]);
      }
      // the quota was applied on closing: the leader over it is HTTNV now
      expect(scores.get('u-lead1')!.classification).to.equal('HTTNV');
      const form = await toBuffer((out) => services.reports.form01(AGENCY, MONTH, { userId: 'u-lead1' }, out));
      expect(allText((await readWorkbook(form.buf)).worksheets[0]!)).not.to.contain('TẠM TÍNH');
    });
  });
});
