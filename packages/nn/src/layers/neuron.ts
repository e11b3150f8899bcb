import {
  type BaseNode,
  createNeuron,
  type LIFOptions,
  type NodeOptions,
  type PLIFOptions,
} from '@synaptogen/neurons';
import type * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module, type Signal } from '../module.js';

/** A neuron added with `registerNeuron` (@synaptogen/neurons): its name and its factory's options. */
export interface RegisteredNeuronSpec extends NodeOptions {
  type: string;
  [option: string]: unknown;
}

export type NeuronSpec =
  | ({ type: 'IF' } & NodeOptions)
  | ({ type: 'LIF' } & LIFOptions)
  | ({ type: 'PLIF' } & PLIFOptions)
  | RegisteredNeuronSpec;

/** Builds the node of a spec, by its registered name (IF, LIF, PLIF or one added with `registerNeuron`). */
export function createNode(spec: NeuronSpec): BaseNode {
  const { type, ...options } = spec;
  return createNeuron(type, { ...options, stepMode: 'm' });
}

/**
 * A layer of spiking neurons. Where the signal has no time axis yet (direct encoding: the layers
 * before ran once on the static input), the same input is fed at each of the T steps.
 */
export class Neuron extends Module {
  readonly kind = 'Neuron';
  readonly node: BaseNode;

  constructor(readonly spec: NeuronSpec) {
    super();
    this.node = createNode(spec);
    for (const [name, v] of Object.entries(this.node.parameters())) this.params.set(name, v);
  }

  forward(): tf.Tensor {
    throw new Error('Neuron layers run on signals with a time axis; call() them through a Sequential');
  }

  override call(input: Signal, ctx: ForwardContext): Signal {
    const x = input.temporal ? this.node.multiStep(input.x) : this.node.multiStepConstant(input.x, ctx.T);
    return { x, temporal: true };
  }

  override resetState(): void {
    this.node.resetState();
  }

  override dispose(): void {
    this.node.resetState();
    super.dispose();
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
