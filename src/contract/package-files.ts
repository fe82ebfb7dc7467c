/**
 * Where the package's published files are, and the only file reads of
 * src/contract: the JSON Schemas of SCHEMA_DIR (read at run time, not copied
 * into dist) and plugin-manifest.json.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PACKAGE_NAME = 'eoffice-kpi';

/**
 * The folder holding this package's package.json: walks up from each start
 * (by default this file's folder, then the working directory) to the first
 * package.json whose name is eoffice-kpi. The compiled file lives in
 * dist/src/contract/, or anywhere when the tests are compiled elsewhere.
 */
export function findPackageRoot(starts: readonly string[] = [__dirname, process.cwd()]): string | undefined {
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'package.json');
      if (fs.existsSync(candidate)) {
        try {
          if ((JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
        } catch {
          // an unreadable package.json is not ours; keep walking
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** Absolute path of the package root (falls back to three levels above this file: dist/src/contract). */
export const PACKAGE_ROOT: string = findPackageRoot() ?? path.resolve(__dirname, '..', '..', '..');
/** Absolute path of the published JSON Schemas (read at run time, not copied into dist). */
export const SCHEMA_DIR: string = path.join(PACKAGE_ROOT, 'src', 'contract', 'schemas');
/** Absolute path of plugin-manifest.json. */
export const MANIFEST_PATH: string = path.join(PACKAGE_ROOT, 'plugin-manifest.json');

/** The schema files found in SCHEMA_DIR, sorted. Throws what the file system throws. */
export function listSchemaFiles(): string[] {
  return fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
}

/** One schema file of SCHEMA_DIR, parsed. */
export function readSchemaFile(file: string): Record<string, unknown> {
  return JSON.parse(readTextFile(path.join(SCHEMA_DIR, file))) as Record<string, unknown>;
}

/** A UTF-8 text file (plugin-manifest.json). Throws what the file system throws. */
export function readTextFile(filePath: string): string {
  return fs.readFileSync(filePath, 'utf8');
}
