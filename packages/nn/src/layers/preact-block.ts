import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module, type Signal } from '../module.js';
import type { Rng } from '../rng.js';
import { BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv2d.js';
import type { Neuron } from './neuron.js';

/**
 * Pre-activation residual block (He et al. 2016, as in Pre-ResNet-18): BN → neuron → conv3×3 (stride)
 * → BN → neuron → conv3×3, plus the input, or a 1×1 projection of the pre-activated input where the
 * shape changes. Children: bn1, sn1, conv1, bn2, sn2, conv2, [shortcut]. The inner width (`conv1`'s
 * out-channels) is free: channel pruning removes channels there, the residual stream keeps its width.
 */
export class PreActBlock extends Module {
  readonly kind = 'PreActBlock';
  readonly bn1: BatchNorm2d;
  readonly sn1: Neuron;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly sn2: Neuron;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d | null;

  constructor(
    readonly inChannels: number,
    readonly midChannels: number,
    readonly outChannels: number,
    readonly stride: number,
    neuron: () => Neuron,
    rng: Rng,
  ) {
    super();
    this.bn1 = this.addChild('bn1', new BatchNorm2d(inChannels));
    this.sn1 = this.addChild('sn1', neuron());
    this.conv1 = this.addChild(
      'conv1',
      new Conv2d(inChannels, midChannels, rng, { kernelSize: 3, stride, padding: 1, bias: false }),
    );
    this.bn2 = this.addChild('bn2', new BatchNorm2d(midChannels));
    this.sn2 = this.addChild('sn2', neuron());
    this.conv2 = this.addChild(
      'conv2',
      new Conv2d(midChannels, outChannels, rng, { kernelSize: 3, padding: 1, bias: false }),
    );
    this.shortcut =
      stride !== 1 || inChannels !== outChannels
        ? this.addChild(
            'shortcut',
            new Conv2d(inChannels, outChannels, rng, { kernelSize: 1, stride, padding: 0, bias: false }),
          )
        : null;
  }

  forward(): tf.Tensor {
    throw new Error('PreActBlock runs on signals with a time axis; call() it through a Sequential');
  }

  override call(input: Signal, ctx: ForwardContext): Signal {
    const a = this.sn1.call(this.bn1.call(input, ctx), ctx);
    // identity shortcut of a static input (direct encoding) broadcasts over T
    const skip = this.shortcut ? this.shortcut.call(a, ctx) : input;
    let h = this.conv1.call(a, ctx);
    h = this.sn2.call(this.bn2.call(h, ctx), ctx);
    h = this.conv2.call(h, ctx);
    return { x: tf.add(h.x, skip.x), temporal: true };
  }

  outputShape([h, w]: readonly number[]): number[] {
    const o = (n: number) => Math.floor((n + 2 - 3) / this.stride) + 1;
    return [o(h), o(w), this.outChannels];
  }
}
