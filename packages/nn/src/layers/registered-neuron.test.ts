import { BaseNode, type NodeOptions, registerNeuron } from '@synaptogen/neurons';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyInputShape, buildLayers, describeLayers } from '../models/layer-spec.js';
import type { ModelConfig } from '../models/spiking-model.js';
import { buildModel, createModel } from '../models/zoo.js';
import { Rng } from '../rng.js';
import { Neuron } from './neuron.js';
import { Sequential } from './sequential.js';

interface QIFOptions extends NodeOptions {
  tau?: number;
  /** The critical potential above which the quadratic term drives V up. */
  vCritical?: number;
}

/** Quadratic integrate-and-fire, H = V + (X + (V − V_reset)(V − V_c))/τ: a nonlinear charge (no fused path). */
class QIFNode extends BaseNode {
  readonly kind = 'QIF';
  readonly tau: number;
  readonly vCritical: number;
  constructor(options: QIFOptions = {}) {
    super(options);
    this.tau = options.tau ?? 2;
    this.vCritical = options.vCritical ?? 0.8;
  }
  protected charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    const vr = this.vInit;
    const vPrev = v ?? tf.fill(x.shape, vr);
    const quadratic = tf.mul(tf.sub(vPrev, vr), tf.sub(vPrev, this.vCritical));
    return tf.add(vPrev, tf.div(tf.add(x, quadratic), this.tau));
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerNeuron('QIF', (o: QIFOptions) => new QIFNode(o));
});

const config = (layers: ModelConfig['layers']): ModelConfig => ({
  name: 'qif-net',
  T: 3,
  inputShape: [5],
  classes: 2,
  seed: 1,
  loss: 'cross-entropy',
  layers,
});

describe('a neuron added with registerNeuron', () => {
  it('is built by name from a model stored as data, with its own options, and round-trips', () => {
    const layers: ModelConfig['layers'] = [
      { type: 'Linear', outFeatures: 4, bias: true },
      {
        type: 'Neuron',
        neuron: { type: 'QIF', vThreshold: 0.9, surrogate: 'atan', options: { tau: 3, vCritical: 0.5 } },
      },
      { type: 'Linear', outFeatures: 2, bias: true },
    ];
    const model = buildModel(config(layers));
    const neuron = model.body.layers[1] as Neuron;
    expect(neuron.node).toBeInstanceOf(QIFNode);
    expect(neuron.node).toMatchObject({ tau: 3, vCritical: 0.5, vThreshold: 0.9 });
    const data = describeLayers(model.body);
    expect(data[1]).toEqual({
      type: 'Neuron',
      neuron: {
        type: 'QIF',
        vThreshold: 0.9,
        vReset: 0,
        detachReset: false,
        surrogate: 'atan',
        surrogateAlpha: 2,
        options: { tau: 3, vCritical: 0.5 },
      },
    });
    const again = new Sequential(buildLayers(data, bodyInputShape([5]), new Rng(1)));
    expect(describeLayers(again)).toEqual(data);
    model.dispose();
    again.dispose();
  });

  it('trains: its step-by-step charge carries the gradient to the weights before it', () => {
    const model = buildModel(
      config([
        { type: 'Linear', outFeatures: 6, bias: true },
        { type: 'Neuron', neuron: { type: 'QIF', options: { tau: 2 } } },
        { type: 'Linear', outFeatures: 2, bias: true },
      ]),
    );
    const x = tf.tensor2d(
      Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i * 1.7) + 0.8),
      [4, 5],
    );
    const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
    const params = model.namedParameters().map(([, v]) => v);
    const { grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true })) as tf.Scalar,
      params,
    );
    const first = grads[params[0].name];
    expect(tf.max(tf.abs(first)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, y, ...Object.values(grads)]);
    model.dispose();
  });

  it('serves the zoo models as their neuron, and names are checked in one line', () => {
    const model = createModel('gradr-mnist-mlp', { neuron: { type: 'QIF', tau: 4 } });
    const neurons = model.body.layers.filter((m): m is Neuron => m instanceof Neuron);
    expect(neurons.length).toBeGreaterThan(0);
    for (const n of neurons) expect(n.node).toMatchObject({ kind: 'QIF', tau: 4 });
    model.dispose();
    expect(() => new Neuron({ type: 'Izhikevich' })).toThrow(
      /^unknown neuron type "Izhikevich"; expected one of IF, LIF, PLIF, QIF \(add one with registerNeuron\)$/,
    );
    expect(() => registerNeuron('LIF', (o) => new QIFNode(o))).toThrow(/'LIF' is already registered/);
    expect(() =>
      buildModel(config([{ type: 'Neuron', neuron: { type: 'Izhikevich' } }] as ModelConfig['layers'])),
    ).toThrow(/unknown neuron type "Izhikevich"/);
  });
});
