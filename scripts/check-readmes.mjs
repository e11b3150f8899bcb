#!/usr/bin/env node
// Runs every code block of every README the way a reader would: against the packed packages, installed
// with npm into a fresh directory outside the workspace. One directory per README; its blocks run top to
// bottom there, so a later block sees what an earlier one wrote (runs/, my-learner.js).
//
//   sh / bash   run by bash -e. `npm install <names>` installs the packed tarballs for @synaptogen/* names
//               (and the registry for the rest); `npm install -g @synaptogen/cli` installs into a prefix
//               whose bin is on PATH, so `synaptogen` works in the blocks that follow.
//   ts          type-checked by tsc (strict, skipLibCheck off, "types": ["node", "long", "emscripten"] as
//               the READMEs advise, the last two where tfjs installed them) and run by node; js / mjs run
//               by node; json must parse.
//   A block whose first line is `// name.js` (or .mjs/.ts) is saved under that name too.
//
// The reader's home is a temporary folder whose ~/.cache/synaptogen (the CLI's and the readers' default
// data root) links the datasets of $SYNAPTOGEN_DATA (default ../shared/data); SYNAPTOGEN_DATA itself is
// unset, as on a fresh machine. `recording.aedat` / `recording.aedat4` in the directory are real DVS128 and
// AEDAT 4 files; ../shared is the checkout's ../shared (READMEs' paths to reference files). A block preceded by `<!-- readme-test: skip REASON -->` is not run (the reason is printed);
// `<!-- readme-test: browser -->` runs a js block in headless Chromium (bundled by esbuild, served with the
// directory's files). Run after `pnpm build`; needs npm (registry or cache) for tfjs and typescript.
//   node scripts/check-readmes.mjs [--keep] [--list] [--verbose] [README.md...]
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPublishable, root } from './pack.mjs';
import { parseBlocks } from './readme-blocks.mjs';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const listOnly = args.includes('--list');
const verbose = args.includes('--verbose');
const dataRoot = resolve(process.env.SYNAPTOGEN_DATA ?? join(root, '../shared/data'));
const BLOCK_TIMEOUT_MS = 300_000;
/** Tools the harness adds to a directory with TypeScript blocks (the READMEs' tsconfig advice is tested). */
const TS_TOOLS = ['typescript@5.9.3', '@types/node@20.19.43'];
const BROWSER_TOOLS = ['esbuild@0.25.12', 'playwright-core@1.65.1'];
const CHROMIUM = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';
const FIXTURES = {
  'recording.aedat': 'dvs128/alex_walking_for_10secs.aedat',
  'recording.aedat4': 'aedat-misc/sample.aedat4',
};

// ------------------------------------------------------------------ README parsing

function readmes() {
  const named = args.filter((a) => !a.startsWith('--'));
  if (named.length) return named.map((f) => relative(root, resolve(f)));
  return execFileSync('git', ['ls-files', '*README.md'], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
}

// ------------------------------------------------------------------ packages

function run(cmd, cmdArgs, options = {}) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: BLOCK_TIMEOUT_MS, ...options });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    throw new Error(
      `${cmd} ${cmdArgs.join(' ')}: ${why}\n${(r.stderr || '').slice(-3000)}${(r.stdout || '').slice(-2000)}`,
    );
  }
  return r.stdout;
}

/** `npm install` arguments with @synaptogen names replaced by tarballs, their @synaptogen dependencies added. */
function mapInstallArgs(list, packed) {
  const out = [];
  const seen = new Set();
  const add = (name) => {
    if (seen.has(name)) return;
    if (!packed[name]) throw new Error(`npm install ${name}: no such package in this repository`);
    seen.add(name);
    out.push(packed[name].tarball);
    for (const d of packed[name].deps) add(d);
  };
  for (const a of list) {
    if (a.startsWith('@synaptogen/')) add(a.replace(/^(@synaptogen\/[^@]+)@.*$/, '$1'));
    else out.push(a);
  }
  return out;
}

// ------------------------------------------------------------------ sandboxes

function readerHome(dir) {
  const cache = join(dir, 'home/.cache/synaptogen');
  mkdirSync(cache, { recursive: true });
  // dataset folders linked one by one: caches (frames/) are written into the sandbox, never the data root
  for (const entry of readdirSync(dataRoot)) symlinkSync(join(dataRoot, entry), join(cache, entry));
  return join(dir, 'home');
}

/** The npm/tool wrapper that `sh` blocks call for `npm install`: maps names, handles -g. */
function writeNpmShim(bin, harnessState, realNpm) {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash
# written by scripts/check-readmes.mjs: npm install maps @synaptogen/* to the packed tarballs
if [ "$1" = install ] || [ "$1" = i ]; then
  exec "${process.execPath}" "${fileURLToPath(import.meta.url)}" --npm-install "${harnessState}" "$PWD" "\${@:2}"
fi
exec "${realNpm}" "$@"
`,
    { mode: 0o755 },
  );
}

/** Called through the npm shim: `npm install [-g] [names...]` in `cwd`. */
function npmInstall(stateFile, cwd, list) {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  // the real npm: PATH starts with the shim that called us
  const npm = (npmArgs, options) => run(state.realNpm, npmArgs, options);
  const global = list.includes('-g') || list.includes('--global');
  const names = list.filter((a) => !a.startsWith('-'));
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  if (global) {
    // npm -g would fetch the CLI's @synaptogen dependencies from the registry: install them side by side
    // in a prefix project instead and put its bin on PATH (the shim directory links it)
    npm(['install', ...flags, ...mapInstallArgs(names, state.packed)], { cwd: state.globalDir });
    for (const b of readdirSync(join(state.globalDir, 'node_modules/.bin')))
      if (!existsSync(join(state.bin, b)))
        symlinkSync(join(state.globalDir, 'node_modules/.bin', b), join(state.bin, b));
    return;
  }
  if (names.length === 0) {
    // `npm install` in an example folder: its package.json names @synaptogen packages by version
    const file = join(cwd, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    const ours = Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@synaptogen/'));
    for (const n of ours) delete pkg.dependencies[n];
    writeFileSync(file, JSON.stringify(pkg, null, 2));
    npm(['install', ...flags, ...mapInstallArgs(ours, state.packed)], { cwd });
    return;
  }
  npm(['install', ...flags, ...mapInstallArgs(names, state.packed)], { cwd });
}

// ------------------------------------------------------------------ blocks

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    // the READMEs' TypeScript note: with `types` set, tfjs-core's typings need "long" and
    // tfjs-backend-wasm's "emscripten" (compileTs adds them where those packages are installed)
    types: ['node'],
    skipLibCheck: false,
    outDir: 'out',
    rootDir: '.',
  },
};

function savedName(code) {
  return /^\/\/\s*([\w.-]+\.(?:m?js|ts))\b/.exec(code.split('\n')[0] ?? '')?.[1];
}

function runBlock(block, ctx) {
  const { dir, env } = ctx;
  const opts = { cwd: dir, env, encoding: 'utf8', timeout: BLOCK_TIMEOUT_MS };
  const name = savedName(block.code);
  if (name) writeFileSync(join(dir, name), `${block.code}\n`);
  switch (block.kind) {
    case 'json':
      JSON.parse(block.code);
      return;
    case 'sh': {
      const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block.code], opts);
      if (r.status !== 0)
        throw new Error(
          `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${(r.stderr || '').slice(-3000)}${(r.stdout || '').slice(-1500)}`,
        );
      return r.stdout;
    }
    case 'js': {
      const file = join(dir, `block-${block.line}.mjs`);
      writeFileSync(file, `${block.code}\n`);
      if (block.marker?.what === 'browser') return runInBrowser(file, ctx);
      const r = spawnSync(process.execPath, [file], opts);
      if (r.status !== 0) throw new Error(`node exit ${r.status}\n${(r.stderr || '').slice(-3000)}`);
      return r.stdout;
    }
    case 'ts': {
      const r = spawnSync(process.execPath, [join(dir, 'out', `block-${block.line}.js`)], opts);
      if (r.status !== 0) throw new Error(`node exit ${r.status}\n${(r.stderr || '').slice(-3000)}`);
      return r.stdout;
    }
    default:
      throw new Error(
        `language "${block.lang}" cannot run; mark the block <!-- readme-test: skip REASON -->`,
      );
  }
}

/** Type-checks and compiles TypeScript blocks with one tsc run (once the packages they import are installed). */
function compileTs(ts, ctx, tools) {
  if (!ts.length) return;
  // typescript and @types/node are installed once, beside the sandboxes; the README's packages are its own
  const types = join(ctx.dir, 'node_modules/@types');
  mkdirSync(types, { recursive: true });
  if (!existsSync(join(types, 'node')))
    symlinkSync(join(tools, 'node_modules/@types/node'), join(types, 'node'));
  for (const b of ts) writeFileSync(join(ctx.dir, `block-${b.line}.ts`), `${b.code}\n`);
  const files = ts.map((b) => `block-${b.line}.ts`);
  const typeLibs = ['node', ...['long', 'emscripten'].filter((t) => existsSync(join(types, t)))];
  const compilerOptions = { ...TSCONFIG.compilerOptions, types: typeLibs };
  writeFileSync(join(ctx.dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
  const r = spawnSync(process.execPath, [join(tools, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
    cwd: ctx.dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    // block-<line>.ts(l,c) → README line
    const msg = (r.stdout + r.stderr).replace(
      /block-(\d+)\.ts\((\d+),(\d+)\)/g,
      (_, b, l, c) => `README line ${Number(b) + Number(l)}:${c}`,
    );
    throw new Error(`tsc:\n${msg.slice(0, 4000)}`);
  }
}

/** A js block in headless Chromium: bundled for the browser by esbuild, served with the directory's files. */
function runInBrowser(file, ctx) {
  if (!existsSync(CHROMIUM))
    throw new Error(`browser block: Chromium is not at ${CHROMIUM} (bash scripts/install-chromium.sh)`);
  const { dir, env } = ctx;
  if (!existsSync(join(dir, 'node_modules/esbuild')))
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...BROWSER_TOOLS],
      { cwd: dir },
    );
  const driver = join(dir, 'browser-driver.mjs');
  writeFileSync(driver, BROWSER_DRIVER);
  const r = spawnSync(process.execPath, [driver, basename(file), CHROMIUM], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: BLOCK_TIMEOUT_MS,
  });
  if (r.status !== 0)
    throw new Error(
      `browser: exit ${r.status}\n${(r.stderr || '').slice(-3000)}${(r.stdout || '').slice(-1000)}`,
    );
  return r.stdout;
}

/** Bundles the block (browser conditions), serves it and the folder on loopback, runs it, reports errors. */
const BROWSER_DRIVER = `
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
const [block, chromiumPath] = process.argv.slice(2);
await esbuild.build({ entryPoints: [block], bundle: true, format: 'esm', platform: 'browser', outfile: 'browser-bundle.js', logLevel: 'error' });
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/') { res.setHeader('content-type', 'text/html'); return res.end('<!doctype html><link rel="icon" href="data:,"><script type="module" src="/browser-bundle.js"></script>'); }
  const file = join(process.cwd(), path);
  if (!file.startsWith(process.cwd()) || !existsSync(file) || !statSync(file).isFile()) { res.statusCode = 404; return res.end(); }
  res.setHeader('content-type', path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const page = await browser.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); else console.log(m.text()); });
await page.goto('http://127.0.0.1:' + server.address().port + '/');
// the block is done when its module has evaluated (top-level await included) or has thrown
await page.waitForFunction(() => document.readyState === 'complete', null, { timeout: 60000 });
await page.waitForTimeout(500);
await page.evaluate(() => import('/browser-bundle.js'));
await browser.close();
server.close();
if (errors.length) { console.error(errors.join('\\n')); process.exit(1); }
`;

// ------------------------------------------------------------------ main

function checkReadme(readme, shared) {
  const text = readFileSync(join(root, readme), 'utf8');
  const blocks = parseBlocks(text);
  const results = [];
  if (!blocks.length) return results;
  const dir = join(shared.tmp, readme.replace(/[/.]/g, '_'));
  mkdirSync(dir, { recursive: true });
  // an example folder's README runs beside the example's files
  const readmeDir = dirname(join(root, readme));
  if (readmeDir.includes(`${join(root, 'apps/examples')}/`))
    for (const f of execFileSync('git', ['ls-files'], { cwd: readmeDir, encoding: 'utf8' })
      .trim()
      .split('\n'))
      if (f && f !== 'README.md') copyFileSync(join(readmeDir, f), join(dir, f));
  if (!existsSync(join(dir, 'package.json')))
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'readme-reader', private: true, type: 'module' }),
    );
  for (const [name, src] of Object.entries(FIXTURES)) symlinkSync(join(dataRoot, src), join(dir, name));
  const home = readerHome(dir);
  const env = { ...process.env, HOME: home, PATH: `${shared.bin}:${process.env.PATH}` };
  delete env.SYNAPTOGEN_DATA;
  delete env.npm_config_prefix;
  const ctx = { dir, env };
  const compiled = new Set();
  for (const [index, block] of blocks.entries()) {
    const where = `${readme}:${block.line} (${block.lang || 'no language'})`;
    if (block.marker?.what === 'skip' || block.marker?.what === 'setup') {
      const note =
        block.marker.what === 'setup'
          ? 'the set-up commands: .ci/run runs them on a fresh clone (scripts/readme-setup.mjs)'
          : block.marker.reason || '(no reason given)';
      results.push({ where, status: 'skip', note });
      continue;
    }
    if (block.kind === 'ts' && !compiled.has(block)) {
      // this block and the TypeScript blocks after it up to the next sh block that installs something
      // (they may not rely on its packages yet): tsc needs the packages the README installed so far
      const group = [];
      for (const b of blocks.slice(index)) {
        if (b.kind === 'sh' && !b.marker && /\bnpm (install|i)\b/.test(b.code)) break;
        if (b.kind === 'ts' && !b.marker) group.push(b);
      }
      const t0 = Date.now();
      const lines = group.map((b) => b.line).join(', ');
      try {
        compileTs(group, ctx, shared.tools());
        for (const b of group) compiled.add(b);
        results.push({
          where: `${readme}:${lines} (ts) type-checked`,
          status: 'ok',
          seconds: (Date.now() - t0) / 1000,
        });
      } catch (e) {
        results.push({
          where: `${readme}:${lines} (ts) type-check`,
          status: 'FAIL',
          note: e.message,
          seconds: (Date.now() - t0) / 1000,
        });
        return results;
      }
    }
    const t0 = Date.now();
    try {
      const out = runBlock(block, ctx);
      if (verbose && out) console.log(out.trimEnd().replace(/^/gm, '     | '));
      results.push({ where, status: 'ok', seconds: (Date.now() - t0) / 1000 });
    } catch (e) {
      results.push({ where, status: 'FAIL', note: e.message, seconds: (Date.now() - t0) / 1000 });
      // later blocks build on this one: stop this README here
      return results;
    }
  }
  return results;
}

if (args[0] === '--npm-install') {
  const [stateFile, cwd, ...rest] = args.slice(1);
  try {
    npmInstall(stateFile, cwd, rest);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  process.exit(0);
}

const files = readmes();
if (listOnly) {
  for (const f of files)
    for (const b of parseBlocks(readFileSync(join(root, f), 'utf8')))
      console.log(
        `${f}:${b.line} ${b.lang || '-'} ${b.marker ? `[${b.marker.what}${b.marker.reason ? `: ${b.marker.reason}` : ''}]` : ''}`,
      );
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-readmes-'));
// READMEs written for a checkout name files under ../shared (NIR reference graphs, the data root): each
// README's directory sits one level below tmp, so tmp/shared makes those paths resolve as in a checkout
const sharedDir = resolve(root, '../shared');
if (existsSync(sharedDir)) symlinkSync(sharedDir, join(tmp, 'shared'));
const all = [];
try {
  const t0 = Date.now();
  const packed = packPublishable(join(tmp, 'tarballs'));
  console.log(`packed ${Object.keys(packed).length} packages (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const bin = join(tmp, 'bin');
  const globalDir = join(tmp, 'global');
  mkdirSync(globalDir);
  writeFileSync(join(globalDir, 'package.json'), JSON.stringify({ name: 'global-prefix', private: true }));
  const stateFile = join(tmp, 'state.json');
  const realNpm = execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  writeFileSync(stateFile, JSON.stringify({ packed, globalDir, bin, realNpm }));
  writeNpmShim(bin, stateFile, realNpm);
  let toolsDir = null;
  const tools = () => {
    if (toolsDir) return toolsDir;
    toolsDir = join(tmp, 'tools');
    mkdirSync(toolsDir);
    writeFileSync(join(toolsDir, 'package.json'), JSON.stringify({ name: 'readme-tools', private: true }));
    run(
      realNpm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...TS_TOOLS],
      { cwd: toolsDir },
    );
    return toolsDir;
  };
  for (const readme of files) {
    const results = checkReadme(readme, { tmp, bin, tools });
    for (const r of results) {
      all.push(r);
      const secs = r.seconds === undefined ? '' : ` (${r.seconds.toFixed(1)} s)`;
      console.log(`${r.status.padEnd(4)} ${r.where}${secs}${r.status === 'skip' ? `: ${r.note}` : ''}`);
      if (r.status === 'FAIL') console.log(`     ${r.note.split('\n').join('\n     ')}`);
    }
  }
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
const failed = all.filter((r) => r.status === 'FAIL');
const skipped = all.filter((r) => r.status === 'skip');
console.log(
  `check-readmes: ${all.length - failed.length - skipped.length} blocks ran, ${skipped.length} marked not to run, ${failed.length} failed`,
);
process.exit(failed.length ? 1 : 0);
