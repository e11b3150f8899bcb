import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, SpikingModel } from '@synaptogen/nn';
import { LeakyIntegrator, Linear, Neuron, Sequential } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { exportNirBytes } from './export.js';
import { array, ints, type NirGraph, type NirNode, writeNir } from './graph.js';
import { importNirBytes } from './import.js';
import { python, referenceOrSkip } from './test/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Input[2] → Affine → LI (a readout as Norse writes it), τ = 5 ms, r = 2, v_leak = 0.1, read with dt = 1 ms. */
function liGraph(): NirGraph {
  const full = (v: number) => array(Float64Array.of(v, v), [2]);
  return {
    nodes: new Map<string, NirNode>([
      ['input', { type: 'Input', params: { shape: ints([2]) }, metadata: {} }],
      [
        'fc',
        {
          type: 'Affine',
          params: {
            weight: array(Float32Array.of(1, 0.5, -1, 2), [2, 2]),
            bias: array(Float32Array.of(0, 0.25), [2]),
          },
          metadata: {},
        },
      ],
      ['li', { type: 'LI', params: { tau: full(0.005), r: full(2), v_leak: full(0.1) }, metadata: {} }],
      ['output', { type: 'Output', params: { shape: ints([2]) }, metadata: {} }],
    ]),
    edges: [
      ['input', 'fc'],
      ['fc', 'li'],
      ['li', 'output'],
    ],
    metadata: {},
  };
}

it('LI imports as a leaky integrator: Euler steps of τ·dv/dt = v_leak − v + r·I', () => {
  const bytes = writeNir(liGraph());
  if (referenceOrSkip()) {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'nir-li-')), 'li.nir');
    writeFileSync(file, bytes);
    const types = python(
      'import nir, sys; g = nir.read(sys.argv[1]); print(type(g.nodes["li"]).__name__, g.output_type["output"])',
      [file],
    );
    expect(types.trim()).toBe('LI [2]');
  }
  const { model } = importNirBytes(bytes, { dt: 1e-3 });
  const steps = [
    [1, 0],
    [0, 1],
    [2, 2],
    [0, 0],
  ];
  const x = tf.tensor3d(
    steps.map((s) => [s]),
    [4, 1, 2],
  );
  const li = model.body.layers.find((l) => l instanceof LeakyIntegrator) as LeakyIntegrator;
  expect(li).toMatchObject({ tau: 5, vLeak: 0.1, decayInput: true });
  // the membrane at each step, by hand in float64
  const v = [0.1, 0.1];
  const trace: number[][] = [];
  for (const [a, b] of steps) {
    const input = [a + 0.5 * b, -a + 2 * b + 0.25];
    for (let i = 0; i < 2; i++) v[i] += (0.1 - v[i] + 2 * input[i]) / 5;
    trace.push([...v]);
  }
  const mean = [0, 1].map((i) => trace.reduce((s, t) => s + t[i], 0) / 4);
  const out = model.predict(x).dataSync();
  for (let i = 0; i < 2; i++) expect(out[i]).toBeCloseTo(mean[i], 5);
});

it('a model with a leaky-integrator readout round-trips bit-identically', () => {
  const rng = new Rng(1);
  const body = new Sequential([
    new Linear(3, 4, rng),
    new Neuron({ type: 'LIF', tau: 3 }),
    new Linear(4, 2, rng),
    new LeakyIntegrator(4, 0, false),
  ]);
  const model = new SpikingModel(
    { name: 'li-readout', T: 5, inputShape: [3], classes: 2, seed: 1, loss: 'cross-entropy' },
    body,
  );
  const { model: again } = importNirBytes(exportNirBytes(model));
  expect(again.config.layers?.at(-1)).toEqual({
    type: 'LeakyIntegrator',
    tau: 4,
    vLeak: 0,
    decayInput: false,
  });
  const x = tf.randomUniform([6, 3], 0, 2, 'float32', 2);
  expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
});
