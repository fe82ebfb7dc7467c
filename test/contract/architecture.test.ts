import { AssertionError, expect } from 'chai';
import {
  EDGES, findPackageRoot, importCycles, INNER, knexOutsideDb, MAX_LINES, oversizedFiles, readSources, ringOf, ringViolations, scan,
  tableNamesOutsideDb, type ScannedFile, type SourceFile,
} from '../helpers/architecture';

/**
 * The house (docs/architecture.md), enforced: rings point inward, knex and table names live in
 * src/db, the pure core (domain, scoring, rules, contract) touches no framework, file system or
 * environment, no import cycles, no source file over 550 lines. The sources are read from src/
 * (not dist/), found from the package root that holds plugin-manifest.json.
 */

/** Fails with every violation on its own line (chai would cut a long array short). */
function expectNone(violations: string[], what: string): void {
  if (violations.length > 0) {
    throw new AssertionError(`${violations.length} ${what}:\n  ${violations.join('\n  ')}`);
  }
}

describe('contract: architecture (one house, imports point inward)', () => {
  const root = findPackageRoot(__dirname);
  const sources = readSources(root, 'src');
  const scanned = scan(sources);

  it('when src/ is read, then it finds the source files (more than 50), not the compiled ones', () => {
    expect(sources.length).to.be.greaterThan(50);
    expect(sources.every((f) => f.path.startsWith('src/') && f.path.endsWith('.ts'))).to.equal(true);
    expect(scanned.reduce((n, f) => n + f.imports.length, 0), 'imports found').to.be.greaterThan(100);
  });

  it('when a source file is placed, then its folder is one of the rings (a new folder must be given its place in the house)', () => {
    // config.ts and log.ts are the two top-level helpers of the edges that open things (docs/architecture.md).
    const placed = new Set([...INNER, ...EDGES, 'config', 'log']);
    expectNone(sources.filter((f) => !placed.has(ringOf(f.path) ?? '')).map((f) => f.path), 'source file(s) outside every ring');
  });

  it('when knex is imported, then only in src/db/**, src/index.ts or src/cli/context.ts', () => {
    expectNone(knexOutsideDb(scanned), 'knex import(s) outside src/db');
  });

  it('when a string literal names a kpi_ table, then it is in src/db/**', () => {
    expectNone(tableNamesOutsideDb(scanned), 'table name literal(s) outside src/db');
  });

  it('when a file imports, then the import points inward (rings) and the pure core stays pure', () => {
    expectNone(ringViolations(scanned), 'ring violation(s)');
  });

  it('when the import graph of src/ is walked (type-only imports too), then it has no cycle', () => {
    expectNone(importCycles(scanned), 'import cycle(s)');
  });

  it(`when a source file is counted, then it has at most ${MAX_LINES} lines`, () => {
    expectNone(oversizedFiles(scanned), 'oversized file(s)');
  });

  describe('the checker itself (so the checks above cannot pass vacuously)', () => {
    const fake = (files: Record<string, string>): ScannedFile[] =>
      scan(Object.entries(files).map(([path, text]): SourceFile => ({ path, text })));

    it('when a clean fake tree is checked, then nothing is reported', () => {
      const tree = fake({
        'src/domain/period.ts': "import type { Role } from './principal';\nexport const p = 1;\n",
        'src/domain/principal.ts': 'export type Role = string;\n',
        'src/scoring/engine.ts': "import { p } from '../domain/period';\nexport const e = p;\n",
        'src/services/s.ts': "import { e } from '../scoring/engine';\nimport type { Store } from '../stores/store';\n",
        'src/stores/store.ts': "import type { Role } from '../domain/principal';\nexport interface Store { r: Role }\n",
        'src/db/store.ts': "import type { Knex } from 'knex';\nexport const T = 'kpi_users';\n",
        'src/http/app.ts': "import express from 'express';\nimport { e } from '../services/s';\n",
        'src/cli/context.ts': "import knex from 'knex';\n",
        'src/index.ts': "import knex from 'knex';\nexport * from './http/app';\n",
      });
      expect(knexOutsideDb(tree)).to.deep.equal([]);
      expect(tableNamesOutsideDb(tree)).to.deep.equal([]);
      expect(ringViolations(tree)).to.deep.equal([]);
      expect(importCycles(tree)).to.deep.equal([]);
      expect(oversizedFiles(tree)).to.deep.equal([]);
    });

    it('when knex is imported outside src/db (import type, import(), require, export from), then each is reported with file:line', () => {
      const tree = fake({
        'src/services/a.ts': "\nimport type { Knex } from 'knex';\n",
        'src/http/b.ts': "const k = await import('knex');\n",
        'src/cli/c.ts': "const k = require('knex');\n",
        'src/views/d.ts': "export { knex } from 'knex';\n",
        'src/intake/e.ts': "let k: typeof import('knex');\n",
        'src/db/ok.ts': "import knex from 'knex';\n",
      });
      expect(knexOutsideDb(tree)).to.deep.equal([
        "src/services/a.ts:2 imports 'knex'",
        "src/http/b.ts:1 imports 'knex'",
        "src/cli/c.ts:1 imports 'knex'",
        "src/views/d.ts:1 imports 'knex'",
        "src/intake/e.ts:1 imports 'knex'",
      ]);
    });

    it('when a table is named outside src/db (quotes, template, raw SQL), then it is reported', () => {
      const tree = fake({
        'src/services/a.ts': "db('kpi_users');\ndb(\"kpi_events as e\");\ndb(`kpi_marks`);\nraw(`select * from kpi_periods where id = ${id}`);\n",
        'src/cli/b.ts': "describe('các bảng kpi_* (tables)');\n",
      });
      expect(tableNamesOutsideDb(tree)).to.deep.equal([
        "src/services/a.ts:1 names table 'kpi_users'",
        "src/services/a.ts:2 names table 'kpi_events'",
        "src/services/a.ts:3 names table 'kpi_marks'",
        "src/services/a.ts:4 names table 'kpi_periods'",
      ]);
    });

    it('when a ring rule is broken, then each break is reported', () => {
      const tree = fake({
        'src/domain/a.ts': "import { x } from '../scoring/x';\n",
        'src/scoring/x.ts': "import type { S } from '../services/s';\nimport { readFileSync } from 'node:fs';\nconst v = process.env.X;\n",
        'src/rules/r.ts': "import { Router } from 'express';\nconst { env } = process;\n",
        'src/contract/c.ts': "import type { Knex } from 'knex';\nimport { env } from 'node:process';\nimport * as fsp from 'fs/promises';\n",
        'src/stores/st.ts': "import type { D } from '../db/d';\n",
        'src/services/s.ts': "import { D } from '../db/d';\nimport { t } from '../i18n/i18n';\n",
        'src/intake/i.ts': "import type { D } from '../db/d';\n",
        'src/db/d.ts': "import { h } from '../http/app';\n",
        'src/http/app.ts': 'export const h = 1;\n',
        'src/i18n/i18n.ts': 'export const t = 1;\n',
      });
      const found = ringViolations(tree);
      const at = found.map((v) => v.slice(0, v.indexOf(' '))).sort();
      expect(at).to.deep.equal([
        'src/contract/c.ts:1', 'src/contract/c.ts:2', 'src/contract/c.ts:3',
        'src/db/d.ts:1',
        'src/domain/a.ts:1',
        'src/intake/i.ts:1',
        'src/rules/r.ts:1', 'src/rules/r.ts:2',
        'src/scoring/x.ts:1', 'src/scoring/x.ts:2', 'src/scoring/x.ts:3',
        'src/services/s.ts:1', 'src/services/s.ts:2',
        'src/stores/st.ts:1',
      ]);
      expect(found.find((v) => v.startsWith('src/db/d.ts:1'))).to.contain('an inner ring imports an edge');
      expect(found.find((v) => v.startsWith('src/services/s.ts:2'))).to.contain('an inner ring imports an edge');
      expect(found.find((v) => v.startsWith('src/domain/a.ts:1'))).to.contain('the domain imports only the domain');
    });

    it('when files import each other (type-only too), then each cycle is reported with its files', () => {
      const tree = fake({
        'src/services/a.ts': "import type { B } from './b';\n",
        'src/services/b.ts': "\nimport { c } from './c.js';\n",
        'src/services/c.ts': "export * from './a';\n",
        'src/http/x.ts': "import { y } from './y';\n",
        'src/http/y.ts': "import { x } from './x';\n",
        'src/http/z.ts': "import { z } from './z';\n",
        'src/http/free.ts': "import { x } from './x';\n",
      });
      expect(importCycles(tree)).to.deep.equal([
        'cycle of 2 file(s) [src/http/x.ts, src/http/y.ts]; e.g. src/http/x.ts:1 -> src/http/y.ts:1 -> src/http/x.ts',
        'cycle of 1 file(s) [src/http/z.ts]; e.g. src/http/z.ts:1 -> src/http/z.ts',
        'cycle of 3 file(s) [src/services/a.ts, src/services/b.ts, src/services/c.ts]; e.g. src/services/a.ts:1 -> src/services/b.ts:2 -> src/services/c.ts:1 -> src/services/a.ts',
      ]);
    });

    it(`when a file has more than ${MAX_LINES} lines, then it is reported`, () => {
      const tree = fake({
        'src/a.ts': 'x;\n'.repeat(MAX_LINES),
        'src/b.ts': 'x;\n'.repeat(MAX_LINES + 1),
      });
      expect(oversizedFiles(tree)).to.deep.equal([`src/b.ts:${MAX_LINES + 1} has ${MAX_LINES + 1} lines (at most ${MAX_LINES})`]);
    });
  });
});
