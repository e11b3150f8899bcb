import { BatchNorm } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Neuron } from '../layers/neuron.js';
import { PreActBlock } from '../layers/preact-block.js';
import { Sequential } from '../layers/sequential.js';
import { AvgPool2d, Dropout, Flatten, MaxPool2d } from '../layers/shape.js';
import type { Module } from '../module.js';
import type { SpikingModel } from './spiking-model.js';

/** Where a group's channels go next: a conv's in-channels, or a Linear's input features after a Flatten. */
export type ChannelConsumer =
  | { kind: 'conv'; path: string; module: Conv2d }
  /** NHWC flatten: feature `p·C + c` belongs to channel c at spatial position p (`positions` = H·W). */
  | { kind: 'linear'; path: string; module: Linear; positions: number };

/**
 * The output channels of one conv that pass through a BatchNorm and a spiking layer before anything
 * else sees them (conv → BN → neuron → [pooling/dropout] → consumer). Masking channel c means zeroing
 * the conv filter c and BN γ_c, β_c; the neuron then never fires on c, so the consumer's inputs c are
 * dead and the channel can be removed physically. Convs that feed a residual sum are not groups.
 */
export interface ChannelGroup {
  /** Module path of the conv, e.g. "body.0" or "body.3.conv1". */
  convPath: string;
  conv: Conv2d;
  bnPath: string;
  bn: BatchNorm;
  neuronPath: string;
  neuron: Neuron;
  next: ChannelConsumer;
  channels: number;
}

/** Layers that keep channel c in channel c (so a dead channel stays dead through them). */
const channelPreserving = (m: Module) =>
  m instanceof MaxPool2d || m instanceof AvgPool2d || m instanceof Dropout;

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function blockGroups(block: PreActBlock, path: string): ChannelGroup[] {
  return [
    {
      convPath: join(path, 'conv1'),
      conv: block.conv1,
      bnPath: join(path, 'bn2'),
      bn: block.bn2,
      neuronPath: join(path, 'sn2'),
      neuron: block.sn2,
      next: { kind: 'conv', path: join(path, 'conv2'), module: block.conv2 },
      channels: block.conv1.outChannels,
    },
  ];
}

function sequentialGroups(seq: Sequential, path: string, inputShape: number[]): ChannelGroup[] {
  const out: ChannelGroup[] = [];
  const layers = seq.layers;
  const shapes: number[][] = [inputShape];
  for (const layer of layers) shapes.push(layer.outputShape(shapes[shapes.length - 1]));
  const at = (i: number) => join(path, String(i));
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer instanceof PreActBlock) out.push(...blockGroups(layer, at(i)));
    if (layer instanceof Sequential) out.push(...sequentialGroups(layer, at(i), shapes[i]));
    if (!(layer instanceof Conv2d)) continue;
    const bn = layers[i + 1];
    const neuron = layers[i + 2];
    if (!(bn instanceof BatchNorm) || !(neuron instanceof Neuron)) continue;
    let j = i + 3;
    while (j < layers.length && channelPreserving(layers[j])) j++;
    let next: ChannelConsumer | null = null;
    if (layers[j] instanceof Conv2d) next = { kind: 'conv', path: at(j), module: layers[j] as Conv2d };
    else if (layers[j] instanceof Flatten) {
      const [h, w] = shapes[j];
      let k = j + 1;
      while (k < layers.length && layers[k] instanceof Dropout) k++;
      if (layers[k] instanceof Linear)
        next = { kind: 'linear', path: at(k), module: layers[k] as Linear, positions: h * w };
    }
    if (!next) continue;
    out.push({
      convPath: at(i),
      conv: layer,
      bnPath: at(i + 1),
      bn,
      neuronPath: at(i + 2),
      neuron,
      next,
      channels: layer.outChannels,
    });
  }
  return out;
}

/**
 * The prunable channel groups of a model, in model order: every conv → BN → neuron whose output
 * reaches exactly one conv or Flatten → Linear through channel-preserving layers only, plus the inner
 * conv of each pre-activation block. Channel pruning (SCA) and compaction work on these.
 */
export function channelGroups(model: SpikingModel): ChannelGroup[] {
  const s = model.config.inputShape;
  const chw = s.length === 4 ? s.slice(1) : s;
  const hwc = chw.length === 3 ? [chw[1], chw[2], chw[0]] : [...chw];
  return sequentialGroups(model.body, 'body', hwc);
}
