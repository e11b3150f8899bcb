import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createModel, initBackend, modelTensors, Rng, SpikingModel } from '@synaptogen/nn';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Neuron, Sequential } from '@synaptogen/nn/layers';
import { saveCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, REPO } from '../test-cli.js';

// The built CLI as a plain Node process: export, import, eval and cost on real files and data.
const tmp = mkdtempSync(path.join(tmpdir(), 'synaptogen-cli-nir-'));
const PAPER = path.resolve(REPO, '../shared/peer/nir/paper');
const SINABS = path.join(PAPER, '02_cnn/cnn_sinabs.nir');
const mlp = path.join(tmp, 'mlp');
const custom = path.join(tmp, 'custom');
const resnet = path.join(tmp, 'preresnet');

const json = (r: { code: number | null; stdout: string; stderr: string }) => {
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
};
/** A failing command: exit code 1 or 2 and exactly one line on stderr. */
const oneLine = (r: { code: number | null; stderr: string }) => {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0];
};

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  // a pruned MLP as `train --out` writes it
  const model = createModel('gradr-mnist-mlp', { seed: 2 });
  for (const [, w] of model.prunableWeights())
    tf.tidy(() =>
      w.assign(tf.mul(w, tf.cast(tf.less(tf.randomUniform(w.shape, 0, 1, 'float32', 3), 0.3), 'float32'))),
    );
  await saveCheckpoint(mlp, model.config, modelTensors(model), { run: { options: { dataset: 'mnist' } } });
  model.dispose();
  // a small Pre-ResNet-18 (residual blocks) with trained-looking BatchNorm statistics
  const res = createModel('preresnet18', { width: 0.125, seed: 5 });
  tf.tidy(() => {
    for (const [, m] of res.namedModules())
      if (m instanceof BatchNorm2d) {
        const n = m.numFeatures;
        m.runningMean.assign(tf.randomUniform([n], -0.3, 0.3, 'float32', 6));
        m.runningVar.assign(tf.randomUniform([n], 0.3, 1.5, 'float32', 7));
      }
  });
  await saveCheckpoint(resnet, res.config, modelTensors(res), { dataset: 'cifar10' });
  res.dispose();
  // a model that is not in the zoo: its checkpoint carries the architecture
  const rng = new Rng(4);
  const body = new Sequential([
    new Conv2d(1, 6, rng, { kernelSize: 3, padding: 1, bias: false }),
    new BatchNorm2d(6),
    new Neuron({ type: 'IF' }),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(6 * 14 * 14, 10, rng),
  ]);
  const net = new SpikingModel(
    { name: 'my-cnn', T: 2, inputShape: [1, 28, 28], classes: 10, seed: 4, loss: 'cross-entropy' },
    body,
  );
  // SCA would mask channels 1 and 4: γ = β = 0
  tf.tidy(() => {
    const bn = body.layers[1] as BatchNorm2d;
    const keep = tf.tensor1d([1, 0, 1, 1, 0, 1]);
    bn.weight.assign(tf.mul(bn.weight, keep));
    bn.bias.assign(tf.mul(tf.add(bn.bias, 0.1), keep));
  });
  await saveCheckpoint(custom, net.config, modelTensors(net), { dataset: 'mnist' });
  net.dispose();
});

describe('synaptogen export / import / eval (built, run by node)', () => {
  it('export → reference nir.read → import → eval gives the same accuracy as the checkpoint', () => {
    const file = path.join(tmp, 'mlp.nir');
    const e = json(cli('export', mlp, '--format', 'nir', '--out', file, '--json'));
    expect(e.nodes.map((n: { type: string }) => n.type)).toEqual([
      'Input',
      'Flatten',
      'Linear',
      'LIF',
      'Linear',
      'LIF',
      'Output',
    ]);
    expect(e.sparsity['body.1']).toBeGreaterThan(0.65);
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import nir, sys; g = nir.read(sys.argv[1]); print(sorted(type(n).__name__ for n in g.nodes.values()))',
        file,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: path.resolve(REPO, '../shared/peer/nir') },
      },
    );
    if (py.status === 0 || process.env.CI)
      expect(py.stdout.trim(), py.stderr).toBe(
        "['Flatten', 'Input', 'LIF', 'LIF', 'Linear', 'Linear', 'Output']",
      );
    const back = path.join(tmp, 'mlp-back');
    const i = json(cli('import', file, '--out', back, '--dataset', 'mnist', '--json'));
    expect(i.model).toBe('gradr-mnist-mlp');
    const a = json(cli('eval', mlp, '--samples', '200', '--json', '-q'));
    const b = json(cli('eval', back, '--samples', '200', '--json', '-q'));
    expect(a.testSamples).toBe(200);
    expect(b).toMatchObject({ testSamples: 200, testAccuracy: a.testAccuracy, correct: a.correct });
  });

  it('preresnet18: export (residual sums as two edges into one node) → reference nir.read → import → eval gives the same results', () => {
    const file = path.join(tmp, 'preresnet.nir');
    const e = json(cli('export', resnet, '--format', 'nir', '--out', file, '--json'));
    const types = e.nodes.map((n: { type: string }) => n.type);
    expect(types.filter((t: string) => t === 'Scale')).toHaveLength(8); // one sum per block
    expect(Object.keys(e.sparsity)).toContain('body.3.shortcut');
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import nir, sys; g = nir.read(sys.argv[1]); print(sum(1 for a, b in g.edges if b == "body.3"), len(g.nodes))',
        file,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: path.resolve(REPO, '../shared/peer/nir') },
      },
    );
    if (py.status === 0 || process.env.CI) expect(py.stdout.trim(), py.stderr).toBe(`2 ${types.length}`);
    const back = path.join(tmp, 'preresnet-back');
    const i = json(cli('import', file, '--out', back, '--dataset', 'cifar10', '--json'));
    expect(i.model).toBe('preresnet18');
    const a = json(cli('eval', resnet, '--samples', '64', '--json', '-q'));
    const b = json(cli('eval', back, '--samples', '64', '--json', '-q'));
    expect(a.testSamples).toBe(64);
    expect(b).toMatchObject({ testSamples: 64, testAccuracy: a.testAccuracy, correct: a.correct });
  });

  it('the NIR paper CNN (Sinabs) classifies real N-MNIST recordings with 1 ms frames, and costs', () => {
    const ckpt = path.join(tmp, 'sinabs');
    json(cli('import', SINABS, '--out', ckpt, '--dataset', 'nmnist', '--json'));
    // the first 64 of the 1000 recordings (all of them: `pnpm bench nir-sinabs`)
    const r = json(
      cli(
        'eval',
        ckpt,
        '--split',
        'train',
        '--frame-ms',
        '1',
        '--samples',
        '64',
        '--batch-size',
        '32',
        '--json',
        '-q',
      ),
    );
    expect(r).toMatchObject({ dataset: 'nmnist', split: 'train', testSamples: 64, frameMs: 1 });
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.95);
    const c = json(
      cli(
        'cost',
        ckpt,
        '--split',
        'train',
        '--frame-ms',
        '1',
        '--samples',
        '8',
        '--batch-size',
        '8',
        '--json',
        '-q',
      ),
    );
    expect(c.denseMACs).toBe(204_800 + 589_824 + 73_728 + 32_768 + 2560);
    for (const k of ['effectiveACs', 'effectiveMACs', 'energyPicojoules', 'cores'])
      expect(c[k], k).toBeGreaterThan(0);
  });

  it('a model outside the zoo restores, compacts and evaluates the same', () => {
    const small = path.join(tmp, 'custom-small');
    const s = json(cli('compact', custom, '--out', small, '--json'));
    expect(s.channels['body.0']).toEqual({ before: 6, after: 4 });
    const a = json(cli('eval', custom, '--samples', '100', '--json', '-q'));
    const b = json(cli('eval', small, '--samples', '100', '--json', '-q'));
    expect(b.correct).toBe(a.correct);
    expect(JSON.parse(readFileSync(path.join(small, 'manifest.json'), 'utf8')).model.layers[0]).toMatchObject(
      {
        type: 'Conv2d',
        outChannels: 6,
      },
    );
  });

  it('bad input: one line naming the file or node, no stack', () => {
    expect(
      oneLine(
        cli('import', path.join(PAPER, '03_rnn/braille_noDelay_bias_zero.nir'), '--out', path.join(tmp, 'b')),
      ),
    ).toMatch(/^synaptogen: .*braille_noDelay_bias_zero\.nir, node "lif1\.lif": \(CubaLIF\) is recurrent/);
    const cut = path.join(tmp, 'cut.nir');
    writeFileSync(cut, readFileSync(SINABS).subarray(0, 50_000));
    expect(oneLine(cli('import', cut, '--out', path.join(tmp, 'c')))).toMatch(
      /cut\.nir, .*truncated or corrupt/,
    );
    expect(existsSync(path.join(tmp, 'c'))).toBe(false);
    expect(oneLine(cli('import', path.join(tmp, 'missing.nir'), '--out', path.join(tmp, 'd')))).toMatch(
      /missing\.nir: cannot read \(ENOENT\)/,
    );
    const res = path.join(tmp, 'resnet');
    expect(oneLine(cli('eval', SINABS, '--dataset', 'nmnist'))).toMatch(
      /has no manifest\.json|is not a directory|does not exist/,
    );
    expect(oneLine(cli('eval', mlp, '--dataset', 'nmnist', '--frame-ms', '1'))).toMatch(
      /N-MNIST test samples not found/,
    );
    expect(oneLine(cli('eval', mlp, '--frame-ms', '0'))).toMatch(/--frame-ms expects a positive number/);
    expect(oneLine(cli('export', path.join(tmp, 'nope'), '--out', res))).toMatch(
      /nope: directory does not exist/,
    );
  });
});
