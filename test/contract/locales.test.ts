import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { formatDay, formatNumber, formatPeriod, localesDir, packageRoot, readCatalogue, t } from '../../src/i18n/i18n';
import { createViews } from '../../src/views/render';

/**
 * The locale files are a contract with whoever translates the plugin (docs/architecture.md, test/contract):
 * vi and en have exactly the same keys, none empty, Vietnamese in composed Unicode (NFC) with
 * the same `{placeholders}` as English, and every key the templates and the sources ask for
 * exists. The templates print nothing unescaped.
 */

const root = packageRoot(__dirname);
const vi = readCatalogue(path.join(localesDir(root), 'vi.json'));
const en = readCatalogue(path.join(localesDir(root), 'en.json'));
const rawVi = JSON.parse(fs.readFileSync(path.join(localesDir(root), 'vi.json'), 'utf8')) as Record<string, unknown>;
const rawEn = JSON.parse(fs.readFileSync(path.join(localesDir(root), 'en.json'), 'utf8')) as Record<string, unknown>;

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Keys asked for: `{{t "key" …}}` and `(t "key" …)` in templates; `t(locale, 'key'` and `msgKey('key')` in src. */
function keysUsed(): Map<string, string> {
  const used = new Map<string, string>();
  for (const f of files(path.join(root, 'templates'), '.hbs')) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:\{\{~?|\()t\s+"([^"]+)"/g)) used.set(m[1]!, path.relative(root, f));
  }
  for (const f of files(path.join(root, 'src'), '.ts')) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\(\s*[A-Za-z_$][\w$.]*\s*,\s*(['"`])([^'"`]+)\1/g)) used.set(m[2]!, path.relative(root, f));
    for (const m of src.matchAll(/\bmsgKey\(\s*(['"`])([^'"`]+)\1\s*\)/g)) used.set(m[2]!, path.relative(root, f));
  }
  return used;
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!).sort();

describe('contract: locales (vi first, en second)', () => {
  it('when vi.json and en.json are read, then they have exactly the same keys', () => {
    const a = Object.keys(rawVi).sort();
    const b = Object.keys(rawEn).sort();
    expect(a.filter((k) => !b.includes(k)), 'in vi only').to.deep.equal([]);
    expect(b.filter((k) => !a.includes(k)), 'in en only').to.deep.equal([]);
    expect(a.length).to.be.greaterThan(100);
  });

  it('when every value is read, then it is a non-empty string', () => {
    for (const [name, raw] of [['vi', rawVi], ['en', rawEn]] as const) {
      for (const [k, v] of Object.entries(raw)) {
        expect(v, `${name}: ${k}`).to.be.a('string');
        expect((v as string).trim(), `${name}: ${k}`).to.not.equal('');
      }
    }
  });

  it('when the Vietnamese strings are read, then each is in NFC, as typed in the file', () => {
    for (const [k, v] of Object.entries(rawVi)) expect(v === (v as string).normalize('NFC'), k).to.equal(true);
  });

  it('when Vietnamese and English say the same thing, then they use the same placeholders', () => {
    for (const k of Object.keys(vi)) expect(placeholders(vi[k]!), k).to.deep.equal(placeholders(en[k]!));
  });

  it('when the Vietnamese file is read, then it is written with full diacritics, not stripped to ASCII', () => {
    const withMarks = Object.values(vi).filter((v) => /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i.test(v));
    expect(withMarks.length / Object.keys(vi).length).to.be.greaterThan(0.8);
    expect(vi['me.addTitle']).to.equal('Kê khai thêm công việc');
    expect(vi['status.pending']).to.equal('Chờ duyệt');
  });

  it('when the templates and the sources ask for a key, then it exists in both files', () => {
    const used = keysUsed();
    expect(used.size).to.be.greaterThan(100);
    const missing = [...used.entries()].filter(([k]) => !(k in vi) || !(k in en)).map(([k, f]) => `${k} (${f})`);
    expect(missing).to.deep.equal([]);
  });

  it('when a key is in the files, then something asks for it (no dead translations)', () => {
    const used = keysUsed();
    expect(Object.keys(vi).filter((k) => !used.has(k))).to.deep.equal([]);
  });

  it('when a template is read, then it never prints a value unescaped ({{{ }}} or {{& }})', () => {
    for (const f of files(path.join(root, 'templates'), '.hbs')) {
      expect(fs.readFileSync(f, 'utf8'), path.relative(root, f)).to.not.match(/\{\{~?\{|\{\{~?&/);
    }
  });

  it('when a template with a triple-stash is loaded, then the views refuse to start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-views-'));
    try {
      fs.writeFileSync(path.join(dir, 'layout.hbs'), '<main>{{> (lookup . "view")}}</main>');
      fs.writeFileSync(path.join(dir, 'bad.hbs'), '<p>{{{title}}}</p>');
      expect(() => createViews({ dir })).to.throw(/bad\.hbs/);
      fs.writeFileSync(path.join(dir, 'bad.hbs'), '<p>{{title}}</p>');
      const html = createViews({ dir }).render('bad', { locale: 'vi', nonce: 'n', title: '<b>"x"</b>', panelId: 'x', user: null, nav: [], notice: null, error: null, timeZone: 'Asia/Ho_Chi_Minh' });
      expect(html).to.equal('<main><p>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</p></main>');
      fs.writeFileSync(path.join(dir, 'bad.hbs'), '<p>{{nosuchhelper title}}</p>');
      expect(() => createViews({ dir })).to.throw(/bad\.hbs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when messages and numbers are formatted, then vi uses dd/mm/yyyy and Vietnamese separators, en its own', () => {
    expect(t('vi', 'layout.signedInAs', { name: 'Nguyễn Thị Ánh' })).to.equal('Người xem: Nguyễn Thị Ánh');
    expect(t('en', 'layout.signedInAs', { name: 'Nguyễn Thị Ánh' })).to.equal('Viewing as Nguyễn Thị Ánh');
    expect(formatDay('vi', '2026-03-05')).to.equal('05/03/2026');
    expect(formatDay('en', '2026-03-05')).to.equal('5 Mar 2026');
    expect(formatNumber('vi', 9577.5)).to.equal('9 577,50');
    expect(formatNumber('vi', 10560)).to.equal('10 560');
    expect(formatNumber('en', 9577.5)).to.equal('9,577.50');
    expect(formatNumber('en', 10560)).to.equal('10,560');
    expect(formatPeriod('vi', '2026-Q1')).to.equal('Quý I/2026');
    expect(formatPeriod('en', '2026-03')).to.equal('March 2026');
    expect(formatPeriod('vi', '2026')).to.equal('Năm 2026');
  });
});
