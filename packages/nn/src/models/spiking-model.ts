import * as tf from '@tensorflow/tfjs-core';
import type { Sequential } from '../layers/sequential.js';
import { type ForwardContext, Module } from '../module.js';
import { describeLayers, type LayerSpec } from './layer-spec.js';
import { modelDefinition } from './registry.js';

export type LossName = 'mse-rate' | 'cross-entropy';

/** What is needed to rebuild a model: its registry name and the options it was built with. */
export interface ModelConfig {
  name: string;
  T: number;
  /**
   * Per-sample input shape in PyTorch layout: `[C, H, W]`, or `[features]`; `[T, C, H, W]` for
   * time-varying input (event frames, Poisson spikes), which batches carry time-major `[T, N, C, H, W]`.
   */
  inputShape: number[];
  classes: number;
  seed: number;
  /** Loss the reference setup of this model uses. */
  loss: LossName;
  /** Free-form model-specific options (widths, neuron overrides...). */
  extra?: Record<string, unknown>;
  /**
   * The architecture as data, for models that are neither in the zoo nor registered: every
   * `Sequential` of standard layers gets it (see `SpikingModel`), so its checkpoint restores anywhere.
   */
  layers?: LayerSpec[];
}

/**
 * The config a model is saved with: a model of the zoo or a registered one is rebuilt by name; any
 * other model carries its layers as data (when all of them have a data form).
 */
function withArchitecture(config: ModelConfig, body: Sequential): ModelConfig {
  if (config.layers || modelDefinition(config.name)) return config;
  try {
    return { ...config, layers: describeLayers(body) };
  } catch {
    return config; // a custom layer kind: restorable once the model is registered (registerModel)
  }
}

/**
 * A spiking network with its time handling: the input (NCHW images, or time-major `[T, N, C, H, W]`
 * frames) is brought to NHWC, the body runs over T steps (direct encoding for static input), and the
 * output is the mean over T — the firing rate when the body ends in neurons, the mean logits when it
 * ends in a Linear layer.
 */
export class SpikingModel extends Module {
  readonly kind = 'SpikingModel';
  readonly config: ModelConfig;

  constructor(
    config: ModelConfig,
    readonly body: Sequential,
  ) {
    super();
    this.config = withArchitecture(config, body);
    this.addChild('body', body);
  }

  get T(): number {
    return this.config.T;
  }

  /**
   * `[N, ...inputShape]` (time-major `[T, N, C, H, W]` for time-varying input) → `[N, classes]`.
   * A model of static input (`[C, H, W]` or `[features]`) also takes a time-varying input of any length,
   * time-major `[T', N, ...inputShape]` (event frames, spike trains).
   * Resets neuron states first: each batch starts at rest.
   */
  override forward(x: tf.Tensor, ctx?: Partial<ForwardContext>): tf.Tensor {
    const configured = this.config.inputShape;
    const anyLength = configured.length !== 4 && x.rank === configured.length + 2;
    const expected = anyLength ? [x.shape[0], ...configured] : configured;
    const timeMajor = expected.length === 4 || anyLength;
    const sample = timeMajor ? [x.shape[0], ...x.shape.slice(2)] : x.shape.slice(1);
    if (x.rank !== expected.length + 1 || expected.some((d, i) => sample[i] !== d)) {
      const want = timeMajor
        ? `[${expected[0]}, N, ${expected.slice(1).join(', ')}]`
        : `[N, ${expected.join(', ')}]`;
      throw new Error(`${this.config.name}: expected input ${want}, got [${x.shape.join(', ')}]`);
    }
    const full: ForwardContext = {
      T: timeMajor ? expected[0] : (ctx?.T ?? this.config.T),
      training: ctx?.training ?? this.training,
    };
    this.resetState();
    let signal: { x: tf.Tensor; temporal: boolean };
    if (x.rank === 4) signal = { x: tf.transpose(x, [0, 2, 3, 1]), temporal: false };
    else if (x.rank === 5) signal = { x: tf.transpose(x, [0, 1, 3, 4, 2]), temporal: true };
    else signal = { x, temporal: anyLength };
    const out = this.body.call(signal, full);
    return out.temporal ? tf.mean(out.x, 0) : out.x;
  }

  /** Evaluation-mode forward inside tf.tidy. */
  predict(x: tf.Tensor): tf.Tensor {
    const wasTraining = this.training;
    this.eval();
    try {
      return tf.tidy(() => this.forward(x, { training: false }));
    } finally {
      this.train(wasTraining);
    }
  }

  outputShape(): number[] {
    return [this.config.classes];
  }

  /** The weights that structure learners may prune: every Linear and Conv2d weight. */
  prunableWeights(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, m] of this.namedModules()) {
      if (m.kind === 'Linear' || m.kind === 'Conv2d') {
        const w = m.namedParameters().find(([n]) => n === 'weight');
        if (w) out.push([name ? `${name}.weight` : 'weight', w[1]]);
      }
    }
    return out;
  }
}
