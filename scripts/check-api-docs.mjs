#!/usr/bin/env node
// Builds the API reference (TypeDoc, pinned in the root package.json; config in typedoc.json and each
// package's typedoc.json) into a temporary folder and checks that every API link in the READMEs names a page
// it generated. `pnpm docs:api` builds the same pages into docs/api/ for publishing (GitHub Pages).
//   node scripts/check-api-docs.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const API = 'https://synaptogen.github.io/synaptogen/api/';
const out = mkdtempSync(join(tmpdir(), 'synaptogen-api-'));
let failed = false;
try {
  const t0 = Date.now();
  const r = spawnSync(join(root, 'node_modules/.bin/typedoc'), ['--out', out, '--logLevel', 'Error'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.log(`FAIL typedoc exited ${r.status}\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  console.log(`ok   typedoc built the API reference (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const readmes = execFileSync('git', ['ls-files', '*README.md'], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n');
  let links = 0;
  for (const readme of readmes) {
    const text = readFileSync(join(root, readme), 'utf8');
    for (const m of text.matchAll(/https:\/\/synaptogen\.github\.io\/synaptogen\/api\/([\w./-]*)/g)) {
      links++;
      const page = join(out, m[1] === '' ? 'index.html' : m[1]);
      if (!existsSync(page)) {
        failed = true;
        console.log(`FAIL ${readme}: ${API}${m[1]} is not a generated page`);
      }
    }
  }
  console.log(`${failed ? 'FAIL' : 'ok  '} ${links} API links in the READMEs point at generated pages`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
