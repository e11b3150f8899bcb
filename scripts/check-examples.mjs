#!/usr/bin/env node
// Runs apps/examples and the CLI the way a user would: packs the packages (`pnpm pack`), installs them into
// temporary projects OUTSIDE the workspace with npm, and runs them there.
//   mnist-loop: only @synaptogen/neurons, nn, datasets, wasm-simd + tfjs; trains on real MNIST and checks it learns.
//   dvs-frames: only @synaptogen/datasets (no tfjs at all); turns a real DVS128 recording into frames.
//   cli: @synaptogen/cli from its tarball; `npx synaptogen --help` and `npx @synaptogen/cli train` on real MNIST;
//        the learner-plugin and firing-rate-pruner examples as plugin files beside it (`--learner ./…/index.js`).
//   gradient skew: @synaptogen/neurons beside another minor version of tfjs-core warns once, naming both.
// Needs built packages (`pnpm build`), npm, the data root ($SYNAPTOGEN_DATA, default ../shared/data) and the
// npm registry or npm's cache for tfjs. Exit 0 when both examples pass.   node scripts/check-examples.mjs [--keep]
import { spawnSync } from 'node:child_process';
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
import { join, resolve } from 'node:path';
import { packDir, root } from './pack.mjs';

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

/** A fresh npm project outside the workspace with the example's files and exactly `deps` installed. */
function project(example, files, deps) {
  const dir = join(tmp, example);
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(join(root, 'apps/examples', example, f), join(dir, f));
  return install(dir, example, deps);
}

function install(dir, name, deps, extraFlags = []) {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `try-${name}`, private: true, type: 'module' }),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...extraFlags, ...deps],
    {
      cwd: dir,
    },
  );
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

/** Folder of each workspace package under packages/ and the CLI, by package name. */
function workspacePackages() {
  const dirs = readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d));
  dirs.push(join(root, 'apps/cli'));
  const byName = new Map();
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (!pkg.private) byName.set(pkg.name, { dir, pkg });
  }
  return byName;
}

/** `name` and every @synaptogen package it depends on at run time, transitively. */
function dependencyClosure(name, byName, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(byName.get(name)?.pkg.dependencies ?? {}))
    if (byName.has(dep)) dependencyClosure(dep, byName, seen);
  return seen;
}

try {
  const byName = workspacePackages();
  const packed = step('pnpm pack every published package', () =>
    Object.fromEntries([...byName].map(([name, { dir }]) => [name, packDir(dir, join(tmp, 'tarballs'))])),
  );
  if (!packed) throw new Error('packing failed');
  /** `names` and every @synaptogen package they depend on, as package names. */
  const closureOf = (...names) => {
    const all = new Set();
    for (const n of names) dependencyClosure(`@synaptogen/${n}`, byName, all);
    return [...all].sort();
  };
  /** The tarballs of `names` and of every @synaptogen package they depend on. */
  const tarballsOf = (...names) => closureOf(...names).map((n) => packed[n]);
  // the CLI with exactly its @synaptogen dependencies, as npm would fetch them once published
  const cliPackages = [...dependencyClosure('@synaptogen/cli', byName)];

  // --- mnist-loop: neurons + nn + datasets + tfjs only
  const loop = step('mnist-loop: npm install (neurons, nn, datasets, wasm-simd, tfjs)', () =>
    project('mnist-loop', ['train.mjs'], [...tarballsOf('neurons', 'nn', 'datasets', 'wasm-simd'), ...TFJS]),
  );
  if (loop) {
    step('mnist-loop: only the allowed packages are installed', () => {
      // the four the example names and what they depend on (e.g. @synaptogen/contracts), nothing else
      const allowed = closureOf('neurons', 'nn', 'datasets', 'wasm-simd');
      expectEqual(installed(loop, '@synaptogen').sort(), allowed, '@synaptogen packages');
      fromTarballs(
        loop,
        allowed.map((n) => n.replace('@synaptogen/', '')),
      );
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
    project('dvs-frames', ['frames.mjs'], tarballsOf('datasets')),
  );
  if (dvs) {
    step('dvs-frames: no TensorFlow.js in the install', () => {
      expectEqual(installed(dvs, '@tensorflow'), [], '@tensorflow packages');
      expectEqual(installed(dvs, '@synaptogen'), closureOf('datasets'), '@synaptogen packages');
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

  // --- the CLI from its tarball, in a clean directory, through npx (its @synaptogen dependencies side by
  // side, as npm would fetch them from the registry once published)
  const cliDir = join(tmp, 'cli');
  mkdirSync(cliDir);
  const cli = step('cli: npm install @synaptogen/cli (tarball) in a clean directory', () =>
    install(
      cliDir,
      'cli',
      cliPackages.map((n) => packed[n]),
    ),
  );
  if (cli) {
    step('cli: installed from the tarballs', () =>
      fromTarballs(
        cli,
        cliPackages.map((n) => n.replace('@synaptogen/', '')),
      ),
    );
    step('cli: npx synaptogen --help lists the commands', () => {
      const out = run('npx', ['--no-install', 'synaptogen', '--help'], { cwd: cli });
      for (const command of ['train', 'report', 'datasets', 'cost', 'doctor'])
        if (!new RegExp(`^  ${command} `, 'm').test(out))
          throw new Error(`--help does not list ${command}:\n${out}`);
    });
    step('cli: npx @synaptogen/cli train on real MNIST (4000 samples) learns and checkpoints', () => {
      const out = run(
        'npx',
        [
          '--no-install',
          '@synaptogen/cli',
          'train',
          '--train-limit',
          '4000',
          '--batch-size',
          '32',
          '--test-limit',
          '500',
          '--timesteps',
          '4',
          '--out',
          'run',
          '--json',
          '--quiet',
        ],
        { cwd: cli, env: { ...process.env, SYNAPTOGEN_DATA: dataRoot } },
      );
      const summary = JSON.parse(out.trim().split('\n').at(-1));
      if (!(summary.testAccuracy > 0.5))
        throw new Error(`test accuracy ${summary.testAccuracy} is not above 0.5`);
      if (!existsSync(join(cli, 'run', 'manifest.json'))) throw new Error('no checkpoint in run/');
      console.log(
        `     test accuracy ${summary.testAccuracy}, connectivity ${summary.connectivity}, engine ${summary.engine?.accelerator?.name ?? summary.engine?.backend ?? '?'}`,
      );
    });
    // the example learner plugins, as files beside the installed CLI: they import nothing and build on the
    // parts the CLI hands them (MaskLearner...), so the CLI's tarball alone must carry them
    for (const [example, target] of [
      ['learner-plugin', 0.75],
      ['firing-rate-pruner', 0.8],
    ])
      step(
        `cli: npx synaptogen train --learner ./${example}/index.js reaches connectivity ${(1 - target).toFixed(2)}`,
        () => {
          mkdirSync(join(cli, example));
          for (const f of ['index.js', 'package.json'])
            copyFileSync(join(root, 'apps/examples', example, f), join(cli, example, f));
          const out = run(
            'npx',
            [
              '--no-install',
              'synaptogen',
              'train',
              '--learner',
              `./${example}/index.js`,
              '--target-sparsity',
              String(target),
              '--train-limit',
              '800',
              '--batch-size',
              '16',
              '--test-limit',
              '200',
              '--json',
              '--quiet',
              '--out',
              `run-${example}`,
            ],
            { cwd: cli, env: { ...process.env, SYNAPTOGEN_DATA: dataRoot } },
          );
          const summary = JSON.parse(out.trim().split('\n').at(-1));
          if (Math.abs(summary.connectivity - (1 - target)) > 0.005)
            throw new Error(`connectivity ${summary.connectivity}, expected ${1 - target}`);
          if (!Number.isFinite(summary.testAccuracy))
            throw new Error(`test accuracy ${summary.testAccuracy}`);
          console.log(
            `     ${summary.learner}: connectivity ${summary.connectivity}, test accuracy ${summary.testAccuracy}`,
          );
        },
      );
    // the example channel-score plugin, a file beside the installed CLI like the learner plugins
    step(
      'cli: npx synaptogen ablate --channel-score ./channel-score-plugin/index.js runs its variant',
      () => {
        mkdirSync(join(cli, 'channel-score-plugin'));
        for (const f of ['index.js', 'package.json'])
          copyFileSync(
            join(root, 'apps/examples/channel-score-plugin', f),
            join(cli, 'channel-score-plugin', f),
          );
        const out = run(
          'npx',
          [
            ...['--no-install', 'synaptogen', 'ablate', '--channel-score', './channel-score-plugin/index.js'],
            ...[
              '--variants',
              'score=membrane-energy',
              '--width',
              '0.25',
              '--timesteps',
              '2',
              '--epochs',
              '1',
            ],
            ...['--train-limit', '64', '--test-limit', '64', '--out', 'ablation.md', '--json'],
          ],
          { cwd: cli, env: { ...process.env, SYNAPTOGEN_DATA: dataRoot } },
        );
        const [result] = JSON.parse(out.trim().split('\n').at(-1)).results;
        if (result?.variant !== 'score=membrane-energy' || !(result.channelsKept < 0.5))
          throw new Error(`unexpected ablation result ${JSON.stringify(result)}`);
        console.log(
          `     ${result.variant}: channels kept ${result.channelsKept}, test accuracy ${result.testAccuracy}`,
        );
      },
    );
    step('cli: npx synaptogen report writes the HTML report of that run', () => {
      run('npx', ['--no-install', 'synaptogen', 'report', 'run', '--quiet'], { cwd: cli });
      const html = readFileSync(join(cli, 'run', 'report.html'), 'utf8');
      if (!html.includes('id="report-data"')) throw new Error('report.html has no embedded data');
    });
  }

  // --- the bundled gradient copy beside another minor version of tfjs-core (a prerelease: the peer range
  // excludes it, hence --legacy-peer-deps) speaks up once
  const skewDir = join(tmp, 'skew');
  mkdirSync(skewDir);
  const skew = step(
    'gradient skew: npm install neurons (tarball) with @tensorflow/tfjs-core@4.23.0-rc.0',
    () =>
      install(
        skewDir,
        'skew',
        [...tarballsOf('neurons'), '@tensorflow/tfjs-core@4.23.0-rc.0'],
        ['--legacy-peer-deps'],
      ),
  );
  if (skew) {
    step('gradient skew: importing neurons warns, naming both versions', () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import '@synaptogen/neurons';"], {
        cwd: skew,
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`import failed: ${r.stderr.slice(-1500)}`);
      if (
        !/gradients come from @tensorflow\/tfjs-core 4\.22\.0, but the app loads @tensorflow\/tfjs-core 4\.23\.0-rc\.0/.test(
          r.stderr,
        )
      )
        throw new Error(`no skew warning; stderr: ${r.stderr.slice(-800)}`);
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
