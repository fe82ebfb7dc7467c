import { expect } from 'chai';
import { cleanText, csvField, looksLikeFormula, MAX_CELL_CHARS, numberCell, sheetName, textCell } from '../../../src/reports/cells';

describe('unit: reports/cells (every text cell goes through here)', () => {
  describe('textCell', () => {
    for (const [label, s] of [['=', '=1+1'], ['+', '+1'], ['-', '-1'], ['@', '@SUM(A1)'], ['tab', '\t=1'], ['CR', '\r=1'], ['LF', '\n=1'], ['full-width =', '＝1+1'], ['spaces then =', '  =1+1']] as const) {
      it(`when a text begins with ${label}, then it is prefixed with a single quote and otherwise kept`, () => {
        const out = textCell(s)!;
        expect(out.startsWith("'")).to.equal(true);
        expect(out.slice(1)).to.equal(s.replace(/\r/g, '\n'));
        expect(looksLikeFormula(out)).to.equal(false);
      });
    }

    it('when names are classic injections, then they stay visible text behind one quote', () => {
      expect(textCell("=cmd|' /C calc'!A0")).to.equal("'=cmd|' /C calc'!A0");
      expect(textCell('+SUM(1,2)')).to.equal("'+SUM(1,2)");
      expect(textCell('@HYPERLINK("http://x")')).to.equal('\'@HYPERLINK("http://x")');
      expect(textCell('-2+3')).to.equal("'-2+3");
    });

    it('when a text is ordinary (a formula sign inside is harmless), then it is returned unchanged', () => {
      for (const s of ['Nguyễn Văn An', 'Phòng Kế hoạch - Tài chính', 'a=b', "O'Neil", '1+1', 'Họp lúc 8:00']) expect(textCell(s)).to.equal(s);
    });

    it('when a text has characters XML 1.0 forbids, then they are removed (tab, LF and surrogate pairs stay)', () => {
      expect(textCell('Lê\u0000\u0001\u0008 Văn\u000B\u000C\u000E\u001F Bình\uFFFE\uFFFF')).to.equal('Lê Văn Bình');
      expect(textCell('a\tb\nc')).to.equal('a\tb\nc');
      expect(textCell('x\uD83D\uDE00y')).to.equal('x\uD83D\uDE00y');
      expect(textCell('x\uD83Dy\uDE00z')).to.equal('xyz');
      // a trigger that appears once a forbidden character is gone is still caught
      expect(textCell('\u0001=1+1')).to.equal("'=1+1");
    });

    it('when a name arrives in NFD, then the cell holds its NFC form', () => {
      const nfc = 'Nguyễn Thị Hương';
      const nfd = nfc.normalize('NFD');
      expect(nfd).to.not.equal(nfc);
      expect(textCell(nfd)).to.equal(nfc);
      expect(cleanText(nfd)).to.equal(nfc);
    });

    it('when a text is empty, null or undefined, then the cell is empty (null); a very long text is cut at 32,767', () => {
      expect(textCell(null)).to.equal(null);
      expect(textCell(undefined)).to.equal(null);
      expect(textCell('')).to.equal(null);
      expect(textCell('a'.repeat(40000))!.length).to.equal(MAX_CELL_CHARS);
      expect(textCell(`=${'a'.repeat(40000)}`)!.length).to.equal(MAX_CELL_CHARS);
      expect(cleanText(`${'a'.repeat(MAX_CELL_CHARS - 1)}\uD83D\uDE00`)).to.have.length(MAX_CELL_CHARS - 1);
    });

    it('when a value is not a string (an object, a number), then it becomes its text, never an object a writer could read as a formula or hyperlink', () => {
      expect(textCell({ formula: 'A1' })).to.equal('[object Object]');
      expect(textCell(12)).to.equal('12');
      expect(textCell(-5)).to.equal("'-5");
      expect(typeof textCell({ hyperlink: 'http://x', text: 'x' })).to.equal('string');
    });
  });

  it('numberCell: finite numbers stay numbers, anything else is an empty cell', () => {
    expect(numberCell(90.45)).to.equal(90.45);
    expect(numberCell(0)).to.equal(0);
    for (const v of [NaN, Infinity, '1', null, undefined, { v: 1 }]) expect(numberCell(v)).to.equal(null);
  });

  it('csvField: the same neutralised text, quoted per RFC 4180', () => {
    expect(csvField("=cmd|' /C calc'!A0")).to.equal("'=cmd|' /C calc'!A0");
    expect(csvField('+SUM(1,2)')).to.equal('"\'+SUM(1,2)"');
    expect(csvField('@HYPERLINK("http://x")')).to.equal('"\'@HYPERLINK(""http://x"")"');
    expect(csvField('Nguyễn Văn An'.normalize('NFD'))).to.equal('Nguyễn Văn An');
    expect(csvField(1.5)).to.equal('1.5');
  });

  it('sheetName: Excel\'s rules (no []:*?/\\, ≤ 31 characters, unique case-insensitively, not empty)', () => {
    const taken = new Set<string>();
    expect(sheetName('Phòng Tổ chức: cán bộ [1]', taken)).to.equal('Phòng Tổ chức cán bộ 1');
    expect(sheetName('phòng tổ chức cán bộ 1', taken)).to.equal('phòng tổ chức cán bộ 1 (2)');
    const long = sheetName('Phòng Quản lý xây dựng và phát triển đô thị', taken);
    expect([...long].length).to.be.at.most(31);
    expect(sheetName('', taken)).to.equal('Sheet');
    expect(sheetName("'=x'", taken)).to.equal('=x');
    expect(sheetName('Phòng Quản lý xây dựng và phát triển đô thị', taken)).to.match(/ \(2\)$/);
  });
});
