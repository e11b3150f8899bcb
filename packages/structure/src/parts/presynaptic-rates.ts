import type { Module, SpikingModel } from '@synaptogen/nn';
import type { Neuron } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskCompanion } from './mask-learner.js';

/** One prunable weight fed by a spiking layer, and the running sums of that layer's spikes. */
interface Watched {
  weight: string;
  /** Linear: one rate per input feature; Conv2d: one per input channel. */
  kind: 'Linear' | 'Conv2d';
  features: number;
  /** Σ over observed time steps of the per-feature mean spike (over the batch, and for convs over H·W). */
  sum: tf.Variable;
  /** Observed time steps. */
  steps: tf.Variable;
}

/** Layers between a spiking layer and a Linear that keep its features in place (NHWC flatten included). */
const BEFORE_LINEAR = new Set(['Flatten', 'Dropout']);
/** Layers between a spiking layer and a Conv2d that keep channel c in channel c. */
const BEFORE_CONV = new Set(['Dropout', 'MaxPool2d', 'AvgPool2d']);

/**
 * The firing rate of the neurons presynaptic to each prunable weight of a model's top-level layers,
 * measured on training steps only (evaluation never counts): for a Linear weight `[in, out]` one
 * rate per input feature, for a Conv2d weight `[kh, kw, in, out]` one per input channel. A weight
 * whose input is not a spiking layer (the first layer reads the data) has no rate. The sums stay on
 * the device and are checkpointed with the learner (a `MaskCompanion`).
 */
export class PresynapticRates implements MaskCompanion {
  private readonly watched = new Map<string, Watched>();
  private readonly stops: (() => void)[] = [];

  constructor(model: SpikingModel) {
    const layers = model.body.layers;
    layers.forEach((layer, i) => {
      if (layer.kind !== 'Linear' && layer.kind !== 'Conv2d') return;
      const between = layer.kind === 'Linear' ? BEFORE_LINEAR : BEFORE_CONV;
      let j = i - 1;
      while (j >= 0 && between.has(layers[j].kind)) j--;
      if (j < 0 || layers[j].kind !== 'Neuron') return;
      const w = weightOf(layer);
      const features = (layer.kind === 'Linear' ? w.shape[0] : w.shape[2]) as number;
      const entry: Watched = {
        weight: `body.${i}.weight`,
        kind: layer.kind,
        features,
        sum: tf.variable(tf.zeros([features]), false),
        steps: tf.variable(tf.scalar(0), false),
      };
      this.watched.set(entry.weight, entry);
      const neuron = layers[j] as Neuron;
      this.stops.push(
        neuron.node.observe(({ spike }) => this.add(entry, spike), { active: () => neuron.training }),
      );
    });
  }

  /** Parameter names of the weights that have a rate. */
  get weights(): string[] {
    return [...this.watched.keys()];
  }

  private add(e: Watched, spike: tf.Tensor): void {
    tf.tidy(() => {
      const perFeature =
        e.kind === 'Linear' ? tf.mean(tf.reshape(spike, [spike.shape[0], -1]), 0) : tf.mean(spike, [0, 1, 2]);
      if (perFeature.size !== e.features)
        throw new Error(
          `PresynapticRates: ${e.weight} takes ${e.features} inputs, but its spiking layer gives ${perFeature.size}`,
        );
      e.sum.assign(tf.add(e.sum, perFeature));
      e.steps.assign(tf.add(e.steps, 1));
    });
  }

  /**
   * The mean firing rate (spikes per time step) of the neurons feeding `weight`, shaped to broadcast
   * against it (`[in, 1]` or `[1, 1, in, 1]`); undefined when its input is not a spiking layer. A new
   * tensor: call it inside tf.tidy (a weight score runs there).
   */
  of(weight: string): tf.Tensor | undefined {
    const e = this.watched.get(weight);
    if (!e) return undefined;
    const rate = tf.div(e.sum, tf.maximum(e.steps, 1));
    return e.kind === 'Linear' ? tf.reshape(rate, [e.features, 1]) : tf.reshape(rate, [1, 1, e.features, 1]);
  }

  /** Forgets what was observed so far (e.g. to measure the rates since the last pruning step). */
  reset(): void {
    for (const e of this.watched.values()) {
      e.sum.assign(tf.zerosLike(e.sum));
      e.steps.assign(tf.scalar(0));
    }
  }

  getState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const e of this.watched.values()) {
      out.set(`rate-sum/${e.weight}`, e.sum);
      out.set(`rate-steps/${e.weight}`, e.steps);
    }
    return out;
  }

  setState(tensors: ReadonlyMap<string, tf.Tensor>): void {
    for (const e of this.watched.values()) {
      const sum = tensors.get(`rate-sum/${e.weight}`);
      const steps = tensors.get(`rate-steps/${e.weight}`);
      if (!sum || !steps) throw new Error(`PresynapticRates: the saved state has no rates for ${e.weight}`);
      if (sum.size !== e.features)
        throw new Error(
          `PresynapticRates: saved rates of ${e.weight} have ${sum.size} entries, expected ${e.features}`,
        );
      e.sum.assign(tf.reshape(sum, [e.features]));
      e.steps.assign(tf.reshape(steps, []));
    }
  }

  dispose(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const e of this.watched.values()) {
      e.sum.dispose();
      e.steps.dispose();
    }
    this.watched.clear();
  }
}

function weightOf(layer: Module): tf.Variable {
  const w = layer.namedParameters().find(([n]) => n === 'weight');
  if (!w) throw new Error(`PresynapticRates: a ${layer.kind} layer without a weight`);
  return w[1];
}
