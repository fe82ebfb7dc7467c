import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Locale } from '../../../src/domain/principal';
import { t } from '../../../src/i18n/i18n';
import { readCatalogueWorkbook, writeCatalogueWorkbook } from '../../../src/reports/catalogue-workbook';
import { cloneCatalogue, type WorkItem } from '../../../src/rules/catalogue';
import { findTemplate, templateItems } from '../../../src/rules/sector-templates';

/** The catalogue file written and read back, without a database. */

const VI: Locale = 'vi';
const vi = (key: string, vars?: Readonly<Record<string, string | number | null | undefined>>): string => t(VI, key, vars);
const meta = { agencyName: 'Sở Nội vụ', created: new Date('2026-04-10T03:00:00Z') };
const full = (i: WorkItem): WorkItem => ({ ...i, nameEn: i.nameEn ?? '', sector: i.sector ?? '' });

describe('reports/catalogue-workbook', () => {
  it('when a catalogue with general and sector items, retired ones and decimals is written and read back, then the items are the same', async () => {
    const items = [...cloneCatalogue(), ...templateItems(findTemplate('tai-chinh-ke-hoach')!)].map(full);
    items[3]!.active = false;
    items[4]!.standardMinutes = 12.5;
    const back = await readCatalogueWorkbook(await writeCatalogueWorkbook(items, vi, meta), vi);
    expect(back.problems).to.deep.equal([]);
    expect(back.items).to.deep.equal(items);
  });

  it('when the file is written, then no cell holds a formula and the instructions sheet names every column with its limit', async () => {
    const items = cloneCatalogue().map(full);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await writeCatalogueWorkbook(items, vi, meta)) as unknown as ArrayBuffer);
    let formulas = 0;
    for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => { if (c.type === ExcelJS.ValueType.Formula) formulas++; }));
    expect(formulas).to.equal(0);
    const help: string[] = [];
    wb.getWorksheet('Hướng dẫn')!.eachRow((r) => help.push(r.values ? (r.values as unknown[]).slice(1).join(' | ') : ''));
    expect(help.join('\n')).to.include('Thời gian chuẩn (phút) | Bắt buộc. Số phút một cán bộ thành thạo cần cho một đơn vị sản phẩm: lớn hơn 0, không quá 9600.');
    expect(wb.getWorksheet('Danh mục')!.pageSetup.paperSize).to.equal(9);
  });

  it('when numbers are typed as text with a decimal comma or spaces and the active column says "không", then they are read as numbers and false', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Danh mục');
    ws.addRow(['Mã', 'Tên đầu công việc', 'Tên tiếng Anh', 'Ngành', 'Nhóm', 'Đơn vị tính', 'Thời gian chuẩn (phút)', 'Loại', 'Số lượng tối đa mỗi mục', 'Đang dùng']);
    ws.addRow(['A-1', 'Việc một', null, null, null, 'việc', '1 440', 'count', '2,5', 'không']);
    ws.addRow([]);
    ws.addRow(['A-2', { richText: [{ text: 'Việc ' }, { text: 'hai', font: { bold: true } }] }, null, 'noi-vu', 'chung', 'việc', 30, 'rated', null, 'có']);
    const back = await readCatalogueWorkbook(Buffer.from(await wb.xlsx.writeBuffer()), vi);
    expect(back.problems).to.deep.equal([]);
    expect(back.items.map((i) => [i.code, i.name, i.standardMinutes, i.maxQuantityPerEntry, i.active, i.group, i.kind, i.sector])).to.deep.equal([
      ['A-1', 'Việc một', 1440, 2.5, false, 'chuyen-vien', 'count', ''],
      ['A-2', 'Việc hai', 30, 100, true, 'chung', 'rated', 'noi-vu'],
    ]);
  });
});
