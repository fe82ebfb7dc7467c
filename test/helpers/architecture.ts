import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The checker behind test/contract/architecture.test.ts: it reads TypeScript sources as text
 * (never the compiled output), finds every module specifier (import, import type, export … from,
 * import x = require(), import(), require(), `import('x').T` in types), every string literal that
 * names a kpi_ table and every read of process.env, and judges them against the rings of the
 * house (docs/architecture.md). Every function here takes a plain file set, so the test can feed
 * it a fake tree with a known violation and see it caught.
 */

/** One source file: `path` relative to the package root, POSIX separators (`src/db/rows.ts`). */
export interface SourceFile {
  path: string;
  text: string;
}

export interface ImportRef {
  /** The specifier as written (`../db/rows`, `knex`). */
  specifier: string;
  line: number;
  /** For a relative specifier: the resolved path (a file of the set when one matches, else the normalised path). */
  target: string | null;
  /** True when `target` is a file of the set (an edge of the import graph). */
  internal: boolean;
}

export interface Finding {
  file: string;
  line: number;
}

export interface ScannedFile {
  path: string;
  lines: number;
  imports: ImportRef[];
  /** String literals (and template literal text) that name a kpi_ table. */
  tableLiterals: Array<Finding & { text: string }>;
  /** Reads of process.env (`process.env`, `process['env']`, `{ env } = process`, `import { env } from 'node:process'`). */
  envReads: Finding[];
}

/** Walks up from `start` to the folder that holds plugin-manifest.json next to src/ (the package root). */
export function findPackageRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'plugin-manifest.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`plugin-manifest.json not found above ${start}`);
    dir = up;
  }
}

/** Every `.ts` file below `root/dir` (declaration files too), as a file set relative to `root`. */
export function readSources(root: string, dir = 'src'): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = path.join(abs, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ts')) {
        out.push({ path: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
      }
    }
  };
  walk(path.join(root, dir));
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const TABLE = /\bkpi_[a-z][a-z0-9_]*/;

function countLines(text: string): number {
  if (text.length === 0) return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/** Resolves a relative specifier the way TypeScript's node16 resolution finds a source file. */
function resolve(from: string, specifier: string, known: Set<string>): { target: string; internal: boolean } {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = base.replace(/\.(?:js|mjs|cjs)$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`, `${stem}/index.ts`]) {
    if (known.has(c)) return { target: c, internal: true };
  }
  return { target: base, internal: false };
}

function isProcess(e: ts.Expression): boolean {
  return ts.isIdentifier(e) && e.text === 'process';
}

const PROCESS_MODULES = new Set(['process', 'node:process']);

/** Parses every file of the set once. */
export function scan(files: SourceFile[]): ScannedFile[] {
  const known = new Set(files.map((f) => f.path));
  return files.map((file) => {
    const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const lineOf = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    const out: ScannedFile = { path: file.path, lines: countLines(file.text), imports: [], tableLiterals: [], envReads: [] };
    const specifiers = new Set<ts.Node>();

    const addImport = (lit: ts.Node, specifier: string): void => {
      specifiers.add(lit);
      const ref: ImportRef = { specifier, line: lineOf(lit), target: null, internal: false };
      if (specifier.startsWith('.')) Object.assign(ref, resolve(file.path, specifier, known));
      out.imports.push(ref);
    };
    const literalText = (n: ts.Node | undefined): string | null =>
      n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : null;

    const visit = (node: ts.Node): void => {
      // import … from 'x' / import 'x' / import type … from 'x'
      if (ts.isImportDeclaration(node)) {
        const s = literalText(node.moduleSpecifier);
        if (s !== null) {
          addImport(node.moduleSpecifier, s);
          const named = node.importClause?.namedBindings;
          if (PROCESS_MODULES.has(s) && node.importClause) {
            const readsEnv = named === undefined || ts.isNamespaceImport(named)
              ? true
              : named.elements.some((el) => (el.propertyName ?? el.name).text === 'env');
            if (readsEnv || node.importClause.name) out.envReads.push({ file: file.path, line: lineOf(node) });
          }
        }
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        const s = literalText(node.moduleSpecifier);
        if (s !== null) addImport(node.moduleSpecifier, s);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
        const s = literalText(node.moduleReference.expression);
        if (s !== null) addImport(node.moduleReference.expression, s);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        const s = literalText(node.argument.literal);
        if (s !== null) addImport(node.argument.literal, s);
      } else if (ts.isCallExpression(node)) {
        const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
        const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
        const s = literalText(node.arguments[0]);
        if ((isDynamicImport || isRequire) && s !== null) addImport(node.arguments[0]!, s);
      } else if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === 'env') {
        out.envReads.push({ file: file.path, line: lineOf(node) });
      } else if (ts.isElementAccessExpression(node) && isProcess(node.expression) && literalText(node.argumentExpression) === 'env') {
        out.envReads.push({ file: file.path, line: lineOf(node) });
      } else if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)) {
        const takesEnv = node.name.elements.some((el) => {
          const key = el.propertyName ?? el.name;
          return ts.isIdentifier(key) && key.text === 'env';
        });
        if (takesEnv) out.envReads.push({ file: file.path, line: lineOf(node) });
      }

      // String literals naming a table (module specifiers are not table names).
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !specifiers.has(node) && TABLE.test(node.text)) {
        out.tableLiterals.push({ file: file.path, line: lineOf(node), text: node.text });
      } else if (ts.isTemplateExpression(node)) {
        const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
        const hit = parts.find((p) => TABLE.test(p));
        if (hit !== undefined) out.tableLiterals.push({ file: file.path, line: lineOf(node), text: hit });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Rings

/** The part of the house a path belongs to: `domain`, `db`, …; `index` for src/index.ts; null outside src/. */
export function ringOf(p: string): string | null {
  if (!p.startsWith('src/')) return null;
  const rest = p.slice('src/'.length);
  if (rest === 'index.ts') return 'index';
  const slash = rest.indexOf('/');
  return slash < 0 ? rest.replace(/\.ts$/, '') : rest.slice(0, slash);
}

export const INNER = ['domain', 'scoring', 'rules', 'contract', 'stores', 'services', 'intake', 'db'];
export const EDGES = ['http', 'panels', 'views', 'i18n', 'reports', 'cli', 'demo', 'index', 'pull'];
export const PURE_CORE = ['domain', 'scoring', 'rules', 'contract'];
/** Packages the pure core never imports (a subpath such as `fs/promises` counts as its package). */
export const PURE_FORBIDDEN_PACKAGES = ['knex', 'express', 'handlebars', 'exceljs', 'jsonwebtoken', 'fs'];
/** Where `knex` may be imported: the db ring, and the two places that open the connection. */
export const KNEX_ALLOWED_FILES = ['src/index.ts', 'src/cli/context.ts'];
/** Adapters that speak to a database with knex: the plugin's own (db) and the host's view (pull). */
export const KNEX_RINGS = ['db', 'pull'];
export const MAX_LINES = 550;
/**
 * The one file of the pure core that may read files: the contract's own published JSON Schemas
 * and plugin-manifest.json, which ship in the package beside the code (docs/architecture.md).
 */
export const PACKAGE_FILE_READERS = ['src/contract/package-files.ts'];

/** The package a bare specifier names: `fs` for `node:fs/promises`, `@scope/x` for `@scope/x/y`. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null;
  const s = specifier.replace(/^node:/, '');
  const parts = s.split('/');
  return s.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const where = (file: string, line: number): string => `${file}:${line}`;

/** a. `knex` only in src/db/** and the connection wiring. */
export function knexOutsideDb(scanned: ScannedFile[]): string[] {
  const out: string[] = [];
  for (const f of scanned) {
    if (KNEX_RINGS.includes(ringOf(f.path) ?? '') || KNEX_ALLOWED_FILES.includes(f.path)) continue;
    for (const i of f.imports) if (packageOf(i.specifier) === 'knex') out.push(`${where(f.path, i.line)} imports '${i.specifier}'`);
  }
  return out;
}

/** b. No literal naming a kpi_ table outside src/db/**. */
export function tableNamesOutsideDb(scanned: ScannedFile[]): string[] {
  const out: string[] = [];
  for (const f of scanned) {
    if (ringOf(f.path) === 'db') continue;
    for (const t of f.tableLiterals) out.push(`${where(f.path, t.line)} names table '${TABLE.exec(t.text)![0]}'`);
  }
  return out;
}

/** c. Imports point inward only (see the house in docs/architecture.md). */
export function ringViolations(scanned: ScannedFile[]): string[] {
  const out: string[] = [];
  for (const f of scanned) {
    const from = ringOf(f.path);
    if (from === null) continue;
    for (const i of f.imports) {
      const at = `${where(f.path, i.line)} (${from})`;
      if (i.target !== null) {
        const to = ringOf(i.target);
        const toName = to ?? 'outside src';
        const bad = (why: string): void => { out.push(`${at} imports '${i.specifier}' (${toName}): ${why}`); };
        if (INNER.includes(from) && to !== null && EDGES.includes(to)) bad('an inner ring imports an edge');
        else if (from === 'domain' && to !== 'domain') bad('the domain imports only the domain');
        else if (['scoring', 'rules', 'contract'].includes(from) && (to === null || !PURE_CORE.includes(to))) {
          bad('scoring, rules and contract import only domain, scoring, rules, contract');
        } else if (from === 'stores' && to !== null && ['services', 'intake', 'db'].includes(to)) bad('stores import no services, intake or db');
        else if ((from === 'services' || from === 'intake') && to === 'db') bad('services and intake never import src/db');
      } else if (PURE_CORE.includes(from)) {
        const pkg = packageOf(i.specifier);
        if (pkg === 'fs' && PACKAGE_FILE_READERS.includes(f.path)) continue;
        if (pkg !== null && PURE_FORBIDDEN_PACKAGES.includes(pkg)) out.push(`${at} imports package '${i.specifier}': the pure core uses no ${pkg}`);
      }
    }
    if (PURE_CORE.includes(from)) {
      for (const e of f.envReads) out.push(`${where(e.file, e.line)} (${from}) reads process.env: the pure core takes its settings as arguments`);
    }
  }
  return out;
}

/** Strongly connected components (Tarjan) of the graph `edges`, each of more than one node or with a self-loop. */
export function cyclicComponents(nodes: string[], edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  // Iterative, so a deep graph cannot overflow the call stack.
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter); low.set(root, counter); counter++; stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = edges.get(top.node) ?? [];
      if (top.next < succ.length) {
        const w = succ[top.next++]!;
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++; stack.push(w); onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== top.node);
        if (comp.length > 1 || succ.includes(top.node)) out.push(comp.sort());
      }
    }
  }
  return out;
}

/** d. Import cycles among the files of the set (type-only imports count), each with one concrete loop. */
export function importCycles(scanned: ScannedFile[]): string[] {
  const edges = new Map<string, string[]>();
  const lineOfEdge = new Map<string, number>();
  for (const f of scanned) {
    const to = [...new Set(f.imports.filter((i) => i.internal).map((i) => i.target!))].sort();
    edges.set(f.path, to);
    for (const i of f.imports) if (i.internal && !lineOfEdge.has(`${f.path}>${i.target}`)) lineOfEdge.set(`${f.path}>${i.target}`, i.line);
  }
  const nodes = scanned.map((f) => f.path).sort();
  return cyclicComponents(nodes, edges).map((comp) => {
    // One shortest loop through the component's first file, to show where to cut.
    const inComp = new Set(comp);
    const start = comp[0]!;
    const prev = new Map<string, string>();
    const queue = [start];
    let last: string | null = null;
    while (queue.length > 0 && last === null) {
      const n = queue.shift()!;
      for (const m of edges.get(n) ?? []) {
        if (!inComp.has(m)) continue;
        if (m === start) { last = n; break; }
        if (!prev.has(m)) { prev.set(m, n); queue.push(m); }
      }
    }
    const loop: string[] = [start];
    for (let n = last!; n !== start; n = prev.get(n)!) loop.splice(1, 0, n);
    const steps = loop.map((n, k) => `${n}:${lineOfEdge.get(`${n}>${loop[(k + 1) % loop.length]}`)}`);
    return `cycle of ${comp.length} file(s) [${comp.join(', ')}]; e.g. ${steps.join(' -> ')} -> ${start}`;
  });
}

/** e. No source file over MAX_LINES lines. */
export function oversizedFiles(scanned: ScannedFile[], max = MAX_LINES): string[] {
  return scanned.filter((f) => f.lines > max).map((f) => `${f.path}:${f.lines} has ${f.lines} lines (at most ${max})`);
}
