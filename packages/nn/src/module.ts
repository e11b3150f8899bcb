import * as tf from '@tensorflow/tfjs-core';

/** Per-call settings shared by all layers of a model. */
export interface ForwardContext {
  /** Number of time steps. */
  readonly T: number;
  /** Training mode (batch statistics, dropout) vs evaluation. */
  readonly training: boolean;
}

/** A tensor flowing through a model: `temporal` means it has a leading time axis `[T, N, ...]`. */
export interface Signal {
  readonly x: tf.Tensor;
  readonly temporal: boolean;
}

/**
 * Base of all layers and containers. Parameters (trainable) and buffers (running statistics) are
 * tf.Variables kept under readable names ("0.weight", "3.runningMean"); tfjs' own variable names are
 * left unique, so several models can live side by side.
 */
export abstract class Module {
  abstract readonly kind: string;
  training = true;
  protected readonly params = new Map<string, tf.Variable>();
  protected readonly buffers = new Map<string, tf.Variable>();
  protected readonly children = new Map<string, Module>();

  /** Forward pass on a batch without a time axis, `[N, ...]`. */
  abstract forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;

  /**
   * Forward pass on a signal. A stateless layer folds T into the batch (`[T·N, ...]`), as
   * SpikingJelly's multi-step containers do; layers that need the time axis override this.
   */
  call(input: Signal, ctx: ForwardContext): Signal {
    if (!input.temporal) return { x: this.forward(input.x, ctx), temporal: false };
    const [T, N, ...rest] = input.x.shape;
    const y = this.forward(tf.reshape(input.x, [T * N, ...rest]), ctx);
    return { x: tf.reshape(y, [T, N, ...y.shape.slice(1)]), temporal: true };
  }

  /** A trainable variable initialised from `value`, which it takes over (the tensor is disposed). */
  protected addParameter(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true);
    // the variable holds its own reference to the data: the initial tensor would otherwise live forever
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  /** A non-trainable variable (running statistics) initialised from `value`, which it takes over. */
  protected addBuffer(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, false);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Output shape (without batch/time) for an input shape (without batch/time). */
  abstract outputShape(inputShape: readonly number[]): number[];

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Every module below and including this one, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children)
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, v] of this.params) out.push([prefix ? `${prefix}.${name}` : name, v]);
    for (const [name, child] of this.children)
      out.push(...child.namedParameters(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  namedBuffers(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, v] of this.buffers) out.push([prefix ? `${prefix}.${name}` : name, v]);
    for (const [name, child] of this.children)
      out.push(...child.namedBuffers(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Parameters and buffers: everything a checkpoint stores about the model. */
  stateTensors(): [string, tf.Variable][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** Training (true) or evaluation mode, recursively. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops neuron membrane states, recursively. */
  resetState(): void {
    for (const child of this.children.values()) child.resetState();
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
  }
}
