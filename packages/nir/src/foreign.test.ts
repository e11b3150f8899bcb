import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Neuron } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NirUnsupportedError } from './errors.js';
import { importNirBytes } from './import.js';
import { PAPER, python, referenceOrSkip } from './test/reference.js';

/** Real .nir files of the NIR paper, written by Sinabs, Norse, Rockpool and snnTorch. */
const file = (rel: string) => path.join(PAPER, rel);
const bytes = (rel: string) => new Uint8Array(readFileSync(file(rel)));
const csv = (rel: string) =>
  readFileSync(file(rel), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the NIR paper N-MNIST CNN (Sinabs)', () => {
  it('imports as conv → IF → ... with the weights in synaptogen layouts', () => {
    const { model, mapping } = importNirBytes(bytes('02_cnn/cnn_sinabs.nir'), { file: 'cnn_sinabs.nir' });
    expect(model.config.layers?.map((l) => l.type)).toEqual([
      'Conv2d',
      'Neuron',
      'Conv2d',
      'Neuron',
      'SumPool2d',
      'Conv2d',
      'Neuron',
      'SumPool2d',
      'Flatten',
      'Linear',
      'Neuron',
      'Linear',
      'Neuron',
    ]);
    expect(model.config.inputShape).toEqual([2, 34, 34]);
    expect(model.config.classes).toBe(10);
    expect(mapping[0]).toBe('0 (Conv2d) -> body.0 Conv2d(2→16, k5 s2 p1)');
    const state = new Map(model.stateTensors());
    if (referenceOrSkip()) {
      // the reference reader's arrays, element by element in our layouts
      const ref = JSON.parse(
        python(
          `import nir, json; g = nir.read('${file('02_cnn/cnn_sinabs.nir')}')
print(json.dumps({'conv': g.nodes['0'].weight.tolist(), 'fc': g.nodes['9'].weight.tolist()}))`,
        ),
      ) as { conv: number[][][][]; fc: number[][] };
      const conv = state.get('body.0.weight')!.arraySync() as number[][][][]; // [kh, kw, in, out]
      for (let o = 0; o < 16; o++)
        for (let i = 0; i < 2; i++)
          for (let y = 0; y < 5; y++)
            for (let x = 0; x < 5; x++) expect(conv[y][x][i][o]).toBe(ref.conv[o][i][y][x]);
      // after a Flatten of [8, 4, 4]: NIR's feature c·16 + h·4 + w is our (h·4 + w)·8 + c
      const fc = state.get('body.9.weight')!.arraySync() as number[][]; // [in, out]
      for (let o = 0; o < 256; o += 17)
        for (let c = 0; c < 8; c++)
          for (let h = 0; h < 4; h++)
            for (let w = 0; w < 4; w++)
              expect(fc[(h * 4 + w) * 8 + c][o]).toBe(ref.fc[o][c * 16 + h * 4 + w]);
    }
    model.dispose();
  });
});

describe('single LIF neurons of the NIR paper (dt = 0.1 ms)', () => {
  /** Membrane potential (after reset) and spikes per step for the paper's input spike train (column 1). */
  function trace(rel: string) {
    const { model } = importNirBytes(bytes(rel), { dt: 1e-4 });
    const input = csv('01_lif/lif_exact.csv').map((r) => r[0]);
    const neuron = model.body.layers.find((l) => l instanceof Neuron) as Neuron;
    const v: number[] = [];
    const spikes: number[] = [];
    const stop = neuron.node.observe(({ t, v: vt, spike }) => {
      v.push(vt.dataSync()[0]);
      if (spike.dataSync()[0]) spikes.push(t + 1);
    });
    model.predict(tf.tensor3d(input, [input.length, 1, 1]));
    stop();
    model.dispose();
    return { v, spikes };
  }
  const spikesOf = (rows: number[][]) => rows.flatMap((r, i) => (r[2] ? [i + 1] : []));

  it('lif_norse.nir reproduces Norse trace and the exact spike times', () => {
    const ours = trace('01_lif/lif_norse.nir');
    const norse = csv('01_lif/lif_norse.csv');
    expect(ours.spikes).toEqual(spikesOf(norse));
    expect(ours.spikes).toEqual(spikesOf(csv('01_lif/lif_exact.csv')));
    expect(Math.max(...norse.map((r, i) => Math.abs(r[1] - ours.v[i])))).toBeLessThan(1e-6);
  });

  it('lif_rockpool.nir: its input gain r·w = 0.961 scales the same neuron; spikes within 2 ms of the exact ones', () => {
    const rock = trace('01_lif/lif_rockpool.nir');
    const norse = trace('01_lif/lif_norse.nir');
    // linear below threshold: Rockpool's graph is Norse's neuron with input weight 0.04·24.0197
    const gain = Math.fround(0.04) * Math.fround(24.019737);
    for (let t = 0; t < norse.spikes[0] - 1; t++)
      expect(Math.abs(rock.v[t] - gain * norse.v[t])).toBeLessThan(1e-6);
    const exact = spikesOf(csv('01_lif/lif_exact.csv'));
    expect(rock.spikes).toHaveLength(exact.length);
    for (const [i, s] of rock.spikes.entries()) expect(Math.abs(s - exact[i])).toBeLessThanOrEqual(20);
  });
});

describe('graphs synaptogen does not import', () => {
  it('the Braille recurrent CubaLIF graph (snnTorch) is refused naming the recurrent node', () => {
    const run = () => importNirBytes(bytes('03_rnn/braille_noDelay_bias_zero.nir'), { file: 'braille.nir' });
    expect(run).toThrow(NirUnsupportedError);
    expect(run).toThrow(
      'braille.nir, node "lif1.lif": (CubaLIF) is recurrent: lif1.lif -> lif1.w_rec -> lif1.lif is a cycle; synaptogen imports feed-forward graphs only',
    );
  });
});
