import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IFNode, registerNeuron } from '@synaptogen/neurons';
import { createModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Hdf5Error, NirError, NirGraphError, NirUnsupportedError } from './errors.js';
import { exportNirBytes } from './export.js';
import { array, type NdArray, readNir, writeNir } from './graph.js';
import { importNirBytes } from './import.js';
import { PAPER } from './test/reference.js';

const sinabs = new Uint8Array(readFileSync(path.join(PAPER, '02_cnn/cnn_sinabs.nir')));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The one-line message of what `run` throws (it must throw a NirError). */
function failure(run: () => unknown): NirError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(NirError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as NirError;
  }
  throw new Error('expected an error');
}

describe('bad files get one line naming the file, node and what was expected', () => {
  it('truncated files', () => {
    for (const n of [0, 7, 100, 2000, 8192, 120_000, sinabs.length - 1]) {
      const e = failure(() => importNirBytes(sinabs.subarray(0, n), { file: 'cut.nir' }));
      expect(e).toBeInstanceOf(Hdf5Error);
      expect(e.message).toMatch(/^cut\.nir, /);
      if (n >= 8192) expect(e.message).toMatch(/truncated or corrupt/);
    }
    expect(
      failure(() => readNir(new TextEncoder().encode('not an hdf5 file at all'), { file: 'x.nir' })).message,
    ).toBe('x.nir, byte 0: no HDF5 signature (not an HDF5 file)');
  });

  it('an unknown node type', () => {
    const g = readNir(sinabs);
    g.nodes.get('4')!.type = 'MaxPool2d';
    const e = failure(() => importNirBytes(writeNir(g), { file: 'odd.nir' }));
    expect(e).toBeInstanceOf(NirGraphError);
    expect(e.message).toMatch(
      /^odd\.nir, node "4": unknown node type "MaxPool2d" \(expected a NIR primitive: Input, Output, Affine/,
    );
  });

  it('shapes that disagree along an edge', () => {
    const g = readNir(sinabs);
    g.nodes.get('9')!.params.weight = array(new Float32Array(256 * 100), [256, 100]);
    expect(failure(() => importNirBytes(writeNir(g), { file: 'bad.nir' })).message).toBe(
      'bad.nir, node "9": (Affine) weight expects 100 input features, node "8" gives 128',
    );
    const h = readNir(sinabs);
    h.nodes.get('3')!.params.v_threshold = array(new Float32Array(10).fill(1), [10]);
    expect(failure(() => importNirBytes(writeNir(h), { file: 'bad.nir' })).message).toBe(
      'bad.nir, node "3": (IF) "v_threshold" has shape [10] but its input from node "2" has shape [16,16,16]',
    );
  });

  it('unsupported primitives and parameters name the node', () => {
    const g = readNir(sinabs);
    (g.nodes.get('1')!.params.v_threshold as NdArray).data[5] = 2;
    expect(failure(() => importNirBytes(writeNir(g))).message).toMatch(
      /node "1": \(IF\) per-neuron "v_threshold" values differ \(1 and 2\)/,
    );
    g.nodes.get('1')!.type = 'Delay';
    const e = failure(() => importNirBytes(writeNir(g)));
    expect(e).toBeInstanceOf(NirUnsupportedError);
    expect(e.message).toMatch(/node "1": \(Delay\): synaptic delays have no synaptogen layer/);
  });

  it('export refuses what NIR cannot say exactly', () => {
    const m = createModel('gradr-mnist-mlp', { neuron: { vReset: null } });
    expect(failure(() => exportNirBytes(m)).message).toMatch(
      /^Neuron at body\.2: soft reset .* has no NIR form/,
    );
    m.dispose();
    // a neuron added with registerNeuron is refused, never written as another neuron
    registerNeuron('CubicIF', (o) => new IFNode(o));
    const c = createModel('gradr-mnist-mlp', { neuron: { type: 'CubicIF' } });
    expect(failure(() => exportNirBytes(c)).message).toBe(
      'Neuron at body.2: a CubicIF neuron (added with registerNeuron) has no NIR form; NIR export writes IF, LIF and PLIF',
    );
    c.dispose();
  });
});

/** sfc-style seeded generator, so that a failing case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

describe('fuzzed HDF5 input', () => {
  it('the 3-byte change of cnn_sinabs.nir on which libhdf5 (h5py, h5wasm) loops forever ends in an Hdf5Error', () => {
    const b = new Uint8Array(sinabs);
    b[2407] = 147;
    b[1453] = 231;
    b[3064] = 63;
    expect(failure(() => importNirBytes(b, { file: 'm.nir' })).message).toBe(
      'm.nir, node "/node/edges", byte 2064: string refers to object 45 missing from the global heap',
    );
  });

  const model = () => createModel('conv-small', { width: 0.125, inputShape: [3, 16, 16] });
  const seeds: [string, Uint8Array][] = [
    ['cnn_sinabs.nir', sinabs],
    ['lif_norse.nir', new Uint8Array(readFileSync(path.join(PAPER, '01_lif/lif_norse.nir')))],
    ['braille.nir', new Uint8Array(readFileSync(path.join(PAPER, '03_rnn/braille_noDelay_bias_zero.nir')))],
    ['synaptogen.nir', exportNirBytes(model())],
  ];
  for (const [name, original] of seeds) {
    it(`${name}: 300 seeded mutations end in a model or a NirError, quickly`, () => {
      const rnd = rng(name.length * 7919);
      const kinds = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const b = new Uint8Array(original);
        const edits = 1 + Math.floor(rnd() * 8);
        // mostly the structure (superblock, headers, heaps, B-trees live in the first few KB), sometimes anywhere
        const span = rnd() < 0.8 ? Math.min(b.length, 8192) : b.length;
        for (let k = 0; k < edits; k++) b[Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
        const input = rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
        const started = performance.now();
        let kind = 'ok';
        try {
          importNirBytes(input, { file: name }).model.dispose();
        } catch (e) {
          if (!(e instanceof NirError))
            throw new Error(`case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
          expect((e as Error).message).not.toMatch(/\n/);
          kind = (e as Error).name;
        }
        expect(performance.now() - started, `case ${i}`).toBeLessThan(5000);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      // the mutations reach the HDF5 reader's checks, not just the graph layer
      expect(kinds.get('Hdf5Error') ?? 0).toBeGreaterThan(10);
    });
  }
});
