#!/usr/bin/env node
// Runs apps/examples the way a user would: packs the library packages (`pnpm pack`), installs them into
// temporary projects OUTSIDE the workspace with npm, and runs the examples there.
//   mnist-loop: only @synaptogen/neurons, nn, datasets, wasm-simd + tfjs; trains on real MNIST and checks it learns.
//   dvs-frames: only @synaptogen/datasets (no tfjs at all); turns a real DVS128 recording into frames.
// Needs built packages (`pnpm build`), npm, the data root ($SYNAPTOGEN_DATA, default ../shared/data) and the
// npm registry or npm's cache for tfjs. Exit 0 when both examples pass.   node scripts/check-examples.mjs [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const dataRoot = resolve(process.env.SYNAPTOGEN_DATA ?? join(root, '../shared/data'));
const TFJS = [
  '@tensorflow/tfjs-core@4.22.0',
  '@tensorflow/tfjs-backend-wasm@4.22.0',
  '@tensorflow/tfjs-backend-cpu@4.22.0',
];
const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-examples-'));
const failures = [];

function step(label, fn) {
  const t0 = Date.now();
  try {
    const r = fn();
    console.log(`ok   ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  } catch (e) {
    console.log(`FAIL ${label}: ${e.message}`);
    failures.push(label);
    return undefined;
  }
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, ...options });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.status}\n${(r.stderr || '').slice(-2000)}${(r.stdout || '').slice(-1000)}`,
    );
  return r.stdout;
}

function pack(pkg) {
  const dir = join(root, 'packages', pkg);
  if (!existsSync(join(dir, 'dist'))) throw new Error(`${dir}/dist is missing: run \`pnpm build\` first`);
  const out = execFileSync('pnpm', ['pack', '--pack-destination', join(tmp, 'tarballs')], {
    cwd: dir,
    encoding: 'utf8',
  });
  return resolve(join(tmp, 'tarballs'), out.trim().split('\n').at(-1).trim().split('/').at(-1));
}

/** A fresh npm project outside the workspace with the example's files and exactly `deps` installed. */
function project(example, files, deps) {
  const dir = join(tmp, example);
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(join(root, 'apps/examples', example, f), join(dir, f));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `try-${example}`, private: true, type: 'module' }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...deps], {
    cwd: dir,
  });
  return dir;
}

/** The installed scoped packages, e.g. ['@synaptogen/datasets', '@tensorflow/tfjs-core', ...]. */
function installed(dir, scope) {
  const d = join(dir, 'node_modules', scope);
  return existsSync(d) ? readdirSync(d).map((n) => `${scope}/${n}`) : [];
}

/** npm took the packed tarballs (file:), never a registry copy of the same name. */
function fromTarballs(dir, names) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  for (const n of names) {
    const entry = lock.packages?.[`node_modules/@synaptogen/${n}`];
    if (!entry?.resolved?.startsWith('file:'))
      throw new Error(
        `@synaptogen/${n} was not installed from the packed tarball (resolved: ${entry?.resolved})`,
      );
  }
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

try {
  mkdirSync(join(tmp, 'tarballs'));
  const tarballs = step('pnpm pack neurons, nn, datasets, wasm-simd', () => ({
    neurons: pack('neurons'),
    nn: pack('nn'),
    datasets: pack('datasets'),
    wasmSimd: pack('wasm-simd'),
  }));
  if (!tarballs) throw new Error('packing failed');

  // --- mnist-loop: neurons + nn + datasets + tfjs only
  const loop = step('mnist-loop: npm install (neurons, nn, datasets, wasm-simd, tfjs)', () =>
    project(
      'mnist-loop',
      ['train.mjs'],
      [tarballs.neurons, tarballs.nn, tarballs.datasets, tarballs.wasmSimd, ...TFJS],
    ),
  );
  if (loop) {
    step('mnist-loop: only the allowed packages are installed', () => {
      expectEqual(
        installed(loop, '@synaptogen').sort(),
        ['@synaptogen/datasets', '@synaptogen/neurons', '@synaptogen/nn', '@synaptogen/wasm-simd'],
        '@synaptogen packages',
      );
      fromTarballs(loop, ['neurons', 'nn', 'datasets', 'wasm-simd']);
    });
    step('mnist-loop: trains on real MNIST (2000 samples, 1 epoch) and learns', () => {
      const out = run(process.execPath, ['train.mjs'], {
        cwd: loop,
        env: { ...process.env, SYNAPTOGEN_DATA: dataRoot, TRAIN_LIMIT: '2000', EPOCHS: '1' },
      });
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expectEqual(lines.length, 1, 'epoch lines');
      const { samples, testAccuracy } = lines[0];
      expectEqual(samples, 2000, 'trained samples');
      if (!(testAccuracy > 0.5))
        throw new Error(`test accuracy ${testAccuracy} after one epoch is not above 0.5`);
      console.log(`     ${JSON.stringify(lines[0])}`);
    });
  }

  // --- dvs-frames: datasets only, no tfjs at all
  const dvs = step('dvs-frames: npm install (datasets only)', () =>
    project('dvs-frames', ['frames.mjs'], [tarballs.datasets]),
  );
  if (dvs) {
    step('dvs-frames: no TensorFlow.js in the install', () => {
      expectEqual(installed(dvs, '@tensorflow'), [], '@tensorflow packages');
      expectEqual(installed(dvs, '@synaptogen'), ['@synaptogen/datasets'], '@synaptogen packages');
      fromTarballs(dvs, ['datasets']);
    });
    step('dvs-frames: a real DVS128 recording becomes [10, 2, 128, 128] frames', () => {
      const input = join(dataRoot, 'dvs128', 'alex_walking_for_10secs.aedat');
      const out = run(
        process.execPath,
        ['frames.mjs', input, 'frames.npy', '--frames', '10', '--split', 'time'],
        { cwd: dvs },
      );
      const r = JSON.parse(out);
      expectEqual(r.shape, [10, 2, 128, 128], 'frame shape');
      const total = r.perFrame.reduce((a, b) => a + b, 0);
      // every event lands in exactly one frame
      expectEqual(total, r.summary.events, 'events in frames');
      const npy = readFileSync(join(dvs, 'frames.npy'));
      if (npy.toString('latin1', 1, 6) !== 'NUMPY') throw new Error('frames.npy is not a NumPy file');
      expectEqual(npy.length > 10 * 2 * 128 * 128 * 4, true, 'npy holds the float32 data');
      console.log(
        `     ${r.summary.events} events (${r.summary.onEvents} ON), per frame ${r.perFrame.join(' ')}`,
      );
    });
  }
} catch (e) {
  failures.push(e.message);
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
if (failures.length) {
  console.log(`check-examples: ${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('check-examples: all passed');
