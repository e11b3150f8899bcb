import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, SAVE_STEPS } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  cliAsync,
  dataRoot,
  expectSameTensors,
  manifestOf,
  summaryOf,
  timeless,
  trainAndSignal,
} from './test-run-helpers.js';

/*
 * Fault injection through the built CLI (issue 16): kills at each step of a checkpoint save, NaN
 * injected by a learner plugin, SIGTERM/SIGHUP mid-epoch. Each ends with a loadable checkpoint equal
 * to the last good one, and a resumed run that finishes exactly as an uninterrupted one.
 */

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'synaptogen-faults-'));
// Grad R: learner state (θ, its Adam) besides the model and the main optimizer; 40 batches per epoch
const RUN = [
  '--learner',
  'gradr',
  '--alpha',
  '0.2',
  '--batch-size',
  '16',
  '--train-limit',
  '640',
  '--test-limit',
  '100',
];
const PER_EPOCH = 40;
/** The shortest real run: one epoch of 64 samples. */
const TINY = ['--train-limit', '64', '--test-limit', '50', '--quiet'];
const e1 = join(root, 'e1');
const e2 = join(root, 'e2');
let e2History: Array<Record<string, unknown>>;

/** Loads with the library's verifying loader (checksums, sizes, fields), then releases the tensors. */
async function expectLoadable(dir: string): Promise<void> {
  const data = await loadCheckpoint(dir);
  tf.dispose([...data.tensors.values()]);
}

const files = (dir: string) => readdirSync(dir).sort();

beforeAll(async () => {
  tf.env().set('PROD', true); // no "install tfjs-node" banner from the in-process loads
  await tf.setBackend('cpu');
  // the reference runs: the checkpoint after epoch 1, and an uninterrupted 2-epoch run
  const one = cli(['train', ...RUN, '--epochs', '1', '--quiet', '--out', e1]);
  expect(one.code, one.stderr).toBe(0);
  const two = cli(['train', ...RUN, '--epochs', '2', '--quiet', '--json', '--out', e2]);
  expect(two.code, two.stderr).toBe(0);
  e2History = summaryOf(two.stdout).history;
});

describe('a kill (SIGKILL) at each step of the save after epoch 2', () => {
  const switched = SAVE_STEPS.indexOf('switched');
  for (const [i, step] of SAVE_STEPS.entries()) {
    it(`${step}: the last good checkpoint loads; --resume tidies up and ends as the uninterrupted run`, async () => {
      const dir = join(root, `kill-${step}`);
      cpSync(e1, dir, { recursive: true });
      const killed = cli(['train', '--resume', dir, '--epochs', '2', '--quiet'], {
        env: { SYNAPTOGEN_TEST_CRASH_AT: step },
      });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      // before the manifest's rename the epoch-1 checkpoint is the last good one, from it on epoch 2's
      const good = i < switched ? e1 : e2;
      await expectLoadable(dir);
      expectSameTensors(good, dir);
      expect(manifestOf(dir).meta.run.completedEpochs).toBe(i < switched ? 1 : 2);
      const again = cli(['train', '--resume', dir, '--epochs', '2', '--quiet', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expectSameTensors(e2, dir);
      expect(timeless(summaryOf(again.stdout).history)).toEqual(timeless(e2History));
      // what the killed save left behind is gone: the manifest and the one weights file it names
      expect(files(dir)).toEqual(['manifest.json', manifestOf(dir).weightsFile].sort());
    });
  }
});

describe('divergence', () => {
  const plugin = join(fixtures, 'nan-learner.js');
  const NAN = ['--learner', plugin, '--learner-option', 'step=50', '--learner-option', 'layer=body.3.weight'];

  it('NaN injected by a plugin in epoch 2 stops that step, naming it and the layer; epoch 1 stays saved', async () => {
    const good = join(root, 'nan-e1');
    const ok = cli(['train', ...RUN.slice(4), ...NAN, '--epochs', '1', '--quiet', '--out', good]);
    expect(ok.code, ok.stderr).toBe(0);
    const dir = join(root, 'nan');
    const r = cli(['train', ...RUN.slice(4), ...NAN, '--epochs', '3', '--quiet', '--out', dir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /^synaptogen: training diverged at step 50 \(epoch 2, batch 10\): body\.3\.weight has NaN values after the update \(first layer affected; non-finite: body\.3\.weight\); stopped without saving: the last good checkpoint is kept in .*nan \(1 epoch\(s\) completed\); try a lower --lr \(it is 0\.001\)\n$/,
    );
    await expectLoadable(dir);
    expectSameTensors(good, dir);
    expect(timeless(manifestOf(dir).meta.run.history)).toEqual(timeless(manifestOf(good).meta.run.history));
    // resumed, the same step diverges again, and the checkpoint it resumed from stays as it was
    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const again = cli(['train', '--resume', dir, '--epochs', '3', '--quiet']);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toMatch(
      /at step 50 .*; stopped without saving: the checkpoint it resumed from, .*nan, is unchanged;/,
    );
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest);
  });

  it('--lr 1e308 stops at step 1 with nothing saved (the default run directory is removed again)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'synaptogen-diverge-'));
    const r = cli(['train', '--lr', '1e308', ...TINY], { cwd });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /^synaptogen: training diverged at step 1 \(epoch 1, batch 1\): body\.1\.weight has NaN values .*; stopped without saving: no checkpoint was written \(it diverged before the first save\); try a lower --lr \(it is 1e\+308\)\n$/,
    );
    expect(readdirSync(join(cwd, 'runs'))).toEqual([]);
  });

  it('--lr 1e6 trains on with one "weights exploded" warning', () => {
    const r = cli(['train', '--lr', '1e6', ...TINY, '--out', join(root, 'lr6')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^synaptogen: warning: weights exploded at step 1 \(epoch 1, batch 1\): max \|w\| of body\.\d\.weight is \d\.\d\de\+\d+ \(above 1000\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('SIGTERM and SIGHUP mid-epoch save like Ctrl-C', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal}: exit ${code}, a checkpoint of the unfinished epoch; --resume ends as the uninterrupted run`, async () => {
      const dir = join(root, signal);
      const r = await trainAndSignal(
        [...RUN, '--epochs', '2', '--log-every', '5', '--out', dir],
        signal,
        /epoch 1 batch 10\//,
      );
      expect(r.code, r.stderr).toBe(code);
      const m = new RegExp(
        `^synaptogen: stopped by ${signal} in epoch (\\d) after (\\d+) of ${PER_EPOCH} batches; checkpoint saved to .*${signal}; continue with: synaptogen train --resume`,
      ).exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      await expectLoadable(dir);
      const interrupted = manifestOf(dir).meta.run.interrupted;
      expect(interrupted).toMatchObject({ epoch: Number(m?.[1]) - 1, batches: Number(m?.[2]) });
      expect(interrupted.samples).toBe(16 * interrupted.batches);
      const resumed = cli(['train', '--resume', dir, '--epochs', '2', '--quiet', '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expectSameTensors(e2, dir);
      // the interrupted epoch's metrics cover all of it
      expect(timeless(summaryOf(resumed.stdout).history)).toEqual(timeless(e2History));
    });
  }
});

describe('existing runs and checkpoints', () => {
  it('--out over an existing run is refused without --resume or --overwrite; --overwrite replaces it', () => {
    const dir = join(root, 'existing');
    cpSync(e1, dir, { recursive: true });
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const r = cli(['train', ...TINY, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `synaptogen: --out ${dir}: already holds a run of gradr-mnist-mlp on mnist, 1 epoch(s); continue it with --resume ${dir}, or replace it with --overwrite\n`,
    );
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    const ow = cli(['train', ...TINY, '--out', dir, '--overwrite']);
    expect(ow.code, ow.stderr).toBe(0);
    expect(manifestOf(dir).meta.run.options.learner).toBe('dense');
    expect(files(dir)).toEqual(['manifest.json', manifestOf(dir).weightsFile].sort());
  });

  it('runs started together without --out get a directory each', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'synaptogen-default-out-'));
    const args = ['train', ...TINY, '--json'];
    const [a, b] = await Promise.all([cliAsync(args, { cwd }), cliAsync(args, { cwd })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const dirs = [summaryOf(a.stdout).checkpoint, summaryOf(b.stdout).checkpoint];
    expect(dirs[0]).not.toBe(dirs[1]);
    expect(dirs[0]).toMatch(/runs\/gradr-mnist-mlp-mnist-\d{8}-\d{6}(-\d+)?$/);
    expect(readdirSync(join(cwd, 'runs'))).toHaveLength(2);
  });

  it('a checkpoint without checksums is refused, and left as it was', () => {
    const dir = join(root, 'no-checksum');
    cpSync(e1, dir, { recursive: true });
    const manifest = manifestOf(dir);
    delete manifest.weightsSha256;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const weights = join(dir, manifest.weightsFile);
    const bytes = readFileSync(weights);
    bytes[64] ^= 0xff;
    writeFileSync(weights, bytes);
    const r = cli(['train', '--resume', dir, '--epochs', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^synaptogen: checkpoint .*no-checksum: manifest\.json: has no "weightsSha256": every file of a checkpoint needs its SHA-256, so it cannot be verified\n$/,
    );
    expect(readFileSync(weights).equals(bytes)).toBe(true);
  });

  it('a checkpoint an older synaptogen left aside when killed between its renames is put back', () => {
    const parent = mkdtempSync(join(tmpdir(), 'synaptogen-legacy-'));
    cpSync(e1, join(parent, '.run.old-123-abcd'), { recursive: true });
    mkdirSync(join(parent, '.run.tmp-123-abcd'));
    const r = cli(['train', '--resume', join(parent, 'run'), '--epochs', '1', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(parent)).toEqual(['run']);
    expectSameTensors(e1, join(parent, 'run'));
  });
});

describe('bad plugins and arguments get one line naming them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synaptogen-bad-plugins-'));
  const plugin = (name: string, learnerName: string, members: string, top = '') => {
    const file = join(dir, name);
    writeFileSync(
      file,
      `${top}
export default {
  name: ${JSON.stringify(learnerName)},
  create: (options) => ({
    name: ${JSON.stringify(learnerName)}, options,
    attach() {}, report() { return { connectivity: 1, perLayer: {}, pruned: 0, regrown: 0 }; },
    getState() { return { json: {}, tensors: new Map() }; }, setState() {}, dispose() {},
    ${members}
  }),
};\n`,
    );
    return file;
  };
  const cases: Array<[string, string[], number, RegExp]> = [
    [
      'a report with NaN connectivity',
      [
        '--learner',
        plugin(
          'nan-report.js',
          'nan-report',
          'report() { return { connectivity: NaN, perLayer: {}, pruned: 0, regrown: 0 }; },',
        ),
      ],
      1,
      /learner plugin .*nan-report\.js: report\(\) returned connectivity NaN; expected a number in \[0, 1\]/,
    ],
    [
      "a built-in's name",
      ['--learner', plugin('shadow.js', 'gradr', '')],
      2,
      /--learner: learner plugin .*shadow\.js is named "gradr", which is a built-in learner; rename the plugin, or export override: true/,
    ],
    [
      'an import that never settles',
      [
        '--learner',
        plugin('hangs.js', 'hangs', '', 'await new Promise(() => {});'),
        '--learner-timeout',
        '1',
      ],
      2,
      /--learner: learner plugin .*hangs\.js did not finish loading within 1 s/,
    ],
    [
      'an attach() that throws',
      ['--learner', plugin('throws.js', 'throws', "attach() { throw new Error('boom'); },")],
      1,
      /learner plugin .*throws\.js: attach\(\) failed: boom/,
    ],
    [
      '--timesteps 1e9',
      ['--timesteps', '1e9'],
      2,
      /--timesteps expects an integer from 1 to 1000, got "1e9"/,
    ],
    ['--width 1e6', ['--width', '1e6'], 2, /--width expects a number in \(0, 16\], got "1e6"/],
  ];
  for (const [label, args, code, message] of cases) {
    it(label, () => {
      const r = cli(['train', ...TINY, ...args, '--out', join(dir, 'never')]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'never', 'manifest.json'))).toBe(false);
    });
  }

  it('events frames --frames 100000000', () => {
    const r = cli([
      'events',
      'frames',
      join(dataRoot, 'nmnist/1.bs2'),
      '--frames',
      '100000000',
      '--out',
      join(dir, 'x.npy'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^synaptogen: --frames: frames 100000000 make \d+ values \(expected at most 1073741824 values \(4 GiB\): at most \d+ frames of 2x34x34\)\n$/,
    );
  });
});
