#!/usr/bin/env node
// Checks every publishable package (packages/* and apps/* that are not private) as npm would deliver it:
// `pnpm pack` (workspace:* rewritten, `files` applied), then the metadata npm shows (repository, homepage,
// bugs, keywords), what the tarball holds (no benchmarks, tests or sources), publint and, for libraries,
// Are the Types Wrong (esm-only profile: the packages ship ESM only). Run after `pnpm build`. Exit 1 when
// a package has an error (or, with --strict, a warning).
//   node scripts/check-packages.mjs [--strict] [--json] [package-dir...]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packDir, publishableDirs, root } from './pack.mjs';

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const json = args.includes('--json');
const unknown = args.filter((a) => a.startsWith('--') && a !== '--strict' && a !== '--json');
if (unknown.length) {
  console.error(
    `check-packages: unknown option ${unknown.join(', ')}; expected --strict, --json, package directories`,
  );
  process.exit(2);
}
const named = args.filter((a) => !a.startsWith('--')).map((a) => resolve(a));

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** What npm's package page shows: every field present, the repository the monorepo's own. */
function metadataErrors(pkg, dir) {
  const errors = [];
  for (const field of ['description', 'license', 'homepage', 'author'])
    if (!pkg[field]) errors.push(`package.json has no "${field}"`);
  if (pkg.repository?.url !== rootPkg.repository?.url)
    errors.push(`repository.url is ${pkg.repository?.url}, expected the root's ${rootPkg.repository?.url}`);
  const relative = dir.slice(root.length + 1);
  if (pkg.repository?.directory !== relative)
    errors.push(`repository.directory is ${pkg.repository?.directory}, expected ${relative}`);
  if (pkg.bugs?.url !== rootPkg.bugs?.url)
    errors.push(`bugs.url is ${pkg.bugs?.url}, expected ${rootPkg.bugs?.url}`);
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0)
    errors.push('package.json has no "keywords"');
  return errors;
}

/** Files that must not reach users: benchmarks, tests, sources, scripts of other languages. */
const UNSHIPPED = [
  /^package\/bench\//,
  /\.py$/,
  /\.test\.[cm]?[jt]s$/,
  /^package\/src\//,
  /^package\/dist\/bench\./,
];

function tarballEntries(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
}

async function checkOne(dir, tmp) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const result = { name: pkg.name, dir, errors: [], warnings: [], suggestions: [] };
  if (!existsSync(join(dir, 'dist'))) {
    result.errors.push(`${dir}/dist is missing: run \`pnpm build\` first`);
    return result;
  }
  result.errors.push(...metadataErrors(pkg, dir));
  const tarball = packDir(dir, tmp);
  for (const entry of tarballEntries(tarball))
    if (UNSHIPPED.some((re) => re.test(entry))) result.errors.push(`the tarball ships ${entry}`);
  // users read the README on npm: it must ship and show a runnable example (a fenced code block)
  let readme = null;
  try {
    readme = execFileSync('tar', ['-xzOf', tarball, 'package/README.md'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    result.errors.push('README.md is not in the tarball (add it to "files")');
  }
  if (readme !== null && !/```[a-z]*\n[\s\S]+?```/.test(readme))
    result.errors.push('README.md in the tarball has no example (fenced code block)');
  const buf = readFileSync(tarball);
  // pkgDir left out: publint then reads the tarball's own root
  const lint = await publint({
    pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) },
    level: 'suggestion',
    strict: false,
  });
  for (const m of lint.messages) {
    const text = `publint: ${formatMessage(m, lint.pkg) ?? m.code}`;
    (m.type === 'error' ? result.errors : m.type === 'warning' ? result.warnings : result.suggestions).push(
      text,
    );
  }
  // a command-line app (bin, no exports) has no types to check
  if (pkg.bin && !pkg.exports) {
    const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin);
    const entries = new Set(tarballEntries(tarball));
    for (const b of bins)
      if (!entries.has(`package/${b.replace(/^\.\//, '')}`))
        result.errors.push(`bin ${b} is not in the tarball`);
    return result;
  }
  const attw = spawnSync(
    join(root, 'node_modules/.bin/attw'),
    [tarball, '--profile', 'esm-only', '--format', 'json', '--no-color'],
    { encoding: 'utf8' },
  );
  let report;
  try {
    report = JSON.parse(attw.stdout);
  } catch {
    result.errors.push(
      `attw: could not run (exit ${attw.status}): ${(attw.stderr || attw.stdout).trim().slice(0, 500)}`,
    );
    return result;
  }
  if (report.analysis?.types === false) result.errors.push('attw: the package ships no type declarations');
  const problems = report.analysis?.problems ?? [];
  const ignored = new Set(['node10', 'node16-cjs']); // esm-only profile
  for (const p of problems) {
    if (p.resolutionKind && ignored.has(p.resolutionKind)) continue;
    const where = [p.entrypoint, p.resolutionKind].filter(Boolean).join(' ');
    result.errors.push(`attw: ${p.kind}${where ? ` (${where})` : ''}`);
  }
  return result;
}

const dirs = named.length ? named : publishableDirs();
const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-packcheck-'));
const results = [];
try {
  for (const dir of dirs) results.push(await checkOne(dir, tmp));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

let failed = false;
for (const r of results) {
  const bad = r.errors.length > 0 || (strict && r.warnings.length > 0);
  failed ||= bad;
  if (json) continue;
  const tag = bad ? 'FAIL' : r.warnings.length ? 'warn' : 'ok  ';
  console.log(
    `${tag} ${r.name} (${r.errors.length} errors, ${r.warnings.length} warnings, ${r.suggestions.length} suggestions)`,
  );
  for (const e of r.errors) console.log(`     error: ${e}`);
  for (const w of r.warnings) console.log(`     warning: ${w}`);
  for (const s of r.suggestions) console.log(`     suggestion: ${s}`);
}
if (json) console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
