import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { collect, existingFile, parseChoice, parseDay, parseRoles, parseSeconds, parseText } from '../../../src/cli/args';
import { UsageError } from '../../../src/cli/errors';

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('cli/args', () => {
  describe('parseRoles', () => {
    it('when roles are listed with spaces and repeats, then each known role is kept once, in order', () => {
      expect(parseRoles(' official, leader ,official,hr')).to.deep.equal(['official', 'leader', 'hr']);
    });

    it('when a role is unknown, then the error names it and the allowed roles', () => {
      const e = usageError(() => parseRoles('official,boss,chief'));
      expect(e.message).to.contain('"boss", "chief"').and.to.contain('official, leader, hr, admin').and.to.match(/^--roles: vai trò không hợp lệ/);
      expect(e.field).to.equal('--roles');
    });

    it('when the list is empty, then it is a usage error', () => {
      expect(usageError(() => parseRoles(' , ')).message).to.contain('ít nhất một vai trò');
    });
  });

  describe('parseSeconds', () => {
    it('when the value is a whole number within bounds, then it is returned as a number', () => {
      expect(parseSeconds('0', '--overlap', 0, 10)).to.equal(0);
      expect(parseSeconds('10', '--overlap', 0, 10)).to.equal(10);
    });

    it('when the value is not a whole number, then the error names the option and the value', () => {
      for (const bad of ['abc', '1.5', '-3', '', '1e3']) {
        const e = usageError(() => parseSeconds(bad, '--ttl', 1, 100));
        expect(e.message).to.match(/^--ttl: phải là số giây nguyên/).and.to.contain(`"${bad}"`);
      }
    });

    it('when the value is out of bounds, then the error gives the bounds', () => {
      expect(usageError(() => parseSeconds('0', '--ttl', 1, 100)).message).to.contain('1–100');
      expect(usageError(() => parseSeconds('101', '--ttl', 1, 100)).message).to.contain('nhận 101');
    });
  });

  describe('parseDay', () => {
    it('when the day exists, then it is returned', () => {
      expect(parseDay('2028-02-29', '--end-day')).to.equal('2028-02-29');
    });

    it('when the day does not exist or is malformed, then the error names the option', () => {
      for (const bad of ['2026-02-30', '2026-13-01', '26-03-01', '2026-3-1', 'today']) {
        expect(usageError(() => parseDay(bad, '--end-day')).message).to.match(/^--end-day: /).and.to.contain(bad);
      }
    });
  });

  describe('parseChoice and parseText', () => {
    it('when the value is one of the choices, then it is returned; otherwise the choices are listed', () => {
      expect(parseChoice('en', '--locale', ['vi', 'en'] as const)).to.equal('en');
      expect(usageError(() => parseChoice('fr', '--locale', ['vi', 'en'])).message).to.equal('--locale: phải là một trong (must be one of) vi | en, nhận "fr"');
    });

    it('when text is blank or too long, then it is a usage error; otherwise it is trimmed and NFC', () => {
      expect(parseText('  Ho\u0300a  ', '--name')).to.equal('Hòa');
      expect(usageError(() => parseText('   ', '--name')).message).to.contain('--name: không được để trống');
      expect(usageError(() => parseText('x'.repeat(5), '--name', 4)).message).to.contain('tối đa 4 ký tự');
    });
  });

  describe('existingFile', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-args-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('when the file exists relative to cwd, then its absolute path is returned', () => {
      fs.writeFileSync(path.join(dir, 'a.ndjson'), '');
      expect(existingFile('a.ndjson', '<file>', dir)).to.equal(path.join(dir, 'a.ndjson'));
    });

    it('when the file is missing or a directory, then the error names the argument and the path given', () => {
      expect(usageError(() => existingFile('missing.ndjson', '<file.ndjson>', dir)).message).to.equal('<file.ndjson>: không tìm thấy tệp (file not found) "missing.ndjson"');
      expect(usageError(() => existingFile('.', '--file', dir)).message).to.contain('không phải là tệp');
    });
  });

  it('collect: when an option is repeated, then every value is kept in order', () => {
    expect(collect('b', collect('a', []))).to.deep.equal(['a', 'b']);
  });
});
