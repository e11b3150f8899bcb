import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One import of a source file: the module specifier and where it is. */
export interface ImportSite {
  file: string;
  line: number;
  specifier: string;
}

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'build', 'coverage', 'test-artifacts', 'runs', 'results']);
// static imports and re-exports, dynamic import(), require()
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** Every source file under `dir` (tests included: they must respect the arrows too). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The module specifiers a file imports, with line numbers. */
export function importsOf(file: string, root: string): ImportSite[] {
  const text = readFileSync(file, 'utf8');
  const sites: ImportSite[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const line = text.slice(0, m.index).split('\n').length;
    sites.push({ file: relative(root, file), line, specifier: m[2] });
  }
  return sites;
}

/** `@synaptogen/nn/node` → `nn`; other specifiers → null. */
export function workspacePackage(specifier: string): string | null {
  const m = /^@synaptogen\/([^/]+)/.exec(specifier);
  return m ? m[1] : null;
}

export const isTfjs = (specifier: string) => specifier.startsWith('@tensorflow/');
