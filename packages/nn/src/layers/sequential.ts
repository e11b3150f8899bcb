import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module, type Signal } from '../module.js';

/** Runs its layers in order; children are named by index ("0", "1", ...). */
export class Sequential extends Module {
  readonly kind = 'Sequential';
  readonly layers: Module[];

  constructor(layers: Module[]) {
    super();
    this.layers = layers;
    for (const [i, layer] of layers.entries()) this.addChild(String(i), layer);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const out = this.call({ x, temporal: false }, ctx);
    return out.temporal ? tf.mean(out.x, 0) : out.x;
  }

  override call(input: Signal, ctx: ForwardContext): Signal {
    let signal = input;
    for (const layer of this.layers) signal = layer.call(signal, ctx);
    return signal;
  }

  outputShape(inputShape: readonly number[]): number[] {
    let shape = [...inputShape];
    for (const layer of this.layers) shape = layer.outputShape(shape);
    return shape;
  }
}
