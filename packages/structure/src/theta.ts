import { Adam, type SpikingModel, type StepInfo } from '@synaptogen/nn';
import type { AdamOptions } from '@synaptogen/nn/optim';
import * as tf from '@tensorflow/tfjs-core';
import { buildReport } from './connectivity.js';
import type { AttachContext, LearnerReport, LearnerState, StructureLearner } from './contract.js';

/** A non-trainable variable that takes over `t`'s data (t itself is released). */
export function ownVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, false, undefined, t.dtype);
  t.dispose();
  return v;
}

/** One re-parameterised weight: w = s · ReLU(θ). */
export interface ThetaEntry {
  name: string;
  /** The model's weight variable, rewritten after every update. */
  w: tf.Variable;
  /** Fixed sign, ±1 (+1 where w₀ = 0). */
  sign: tf.Tensor;
  theta: tf.Variable;
  /** [pruned, regrown] since the last report, accumulated on the device (int32). */
  counts: tf.Variable;
}

/**
 * Shared machinery of the learners that re-parameterise prunable weights as w = s · ReLU(θ) with a
 * fixed sign (Grad R, Deep R): θ/sign tensors, an Adam over θ, event counters, state and report.
 * They own the prunable weights: the main optimizer must not hold them.
 */
export abstract class ThetaLearner implements StructureLearner {
  abstract readonly name: string;
  abstract readonly options: Record<string, unknown>;
  protected entries: ThetaEntry[] = [];
  protected adam: Adam | null = null;
  /** θ-optimizer steps taken (Adam's t). */
  protected t = 0;
  /** Counts kept on the host (learners that decide on the CPU add here). */
  protected hostPruned = 0;
  protected hostRegrown = 0;
  protected ctx: AttachContext | null = null;

  attach(model: SpikingModel, ctx: AttachContext): void {
    if (this.entries.length) throw new Error(`${this.name}: already attached to a model`);
    this.ctx = ctx;
    const weights = model.prunableWeights();
    if (!weights.length) throw new Error(`${this.name}: model ${model.config.name} has no prunable weights`);
    for (const [name, w] of weights) {
      const sign = tf.tidy(() => tf.where(tf.greaterEqual(w, 0), tf.onesLike(w), tf.neg(tf.onesLike(w))));
      const theta = ownVariable(tf.tidy(() => this.initialTheta(name, w)));
      const counts = ownVariable(tf.zeros([2], 'int32'));
      this.entries.push({ name, w, sign, theta, counts });
    }
    this.adam = new Adam(new Map(this.entries.map((e) => [e.name, e.theta])), {
      lr: ctx.lr,
      ...this.adamOptions(),
    });
    this.writeWeights();
  }

  /** β1, β2, ε of the Adam over θ. */
  protected adamOptions(): AdamOptions {
    return {};
  }

  /** θ₀ for a weight (default |w₀|: training starts dense). */
  protected initialTheta(_name: string, w: tf.Tensor): tf.Tensor {
    return tf.abs(w);
  }

  ownedParameters(): ReadonlySet<string> {
    return new Set(this.entries.map((e) => e.name));
  }

  abstract applyGradients(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void;

  /** w = s · max(θ, 0) for every entry. */
  protected writeWeights(): void {
    tf.tidy(() => {
      for (const e of this.entries) e.w.assign(tf.mul(e.sign, tf.relu(e.theta)));
    });
  }

  /** Adds this step's pruned (θ > 0 → θ ≤ 0) and regrown (θ ≤ 0 → θ > 0) counts to the device counters. */
  protected countEvents(e: ThetaEntry, before: tf.Tensor, after: tf.Tensor): void {
    const b = tf.cast(tf.greater(before, 0), 'int32');
    const a = tf.cast(tf.greater(after, 0), 'int32');
    const pruned = tf.sum(tf.cast(tf.greater(b, a), 'int32'));
    const regrown = tf.sum(tf.cast(tf.greater(a, b), 'int32'));
    e.counts.assign(tf.add(e.counts, tf.stack([pruned, regrown])));
  }

  report(): LearnerReport {
    const stats = tf.tidy(() =>
      tf.stack(
        this.entries.map((e) =>
          tf.concat([tf.reshape(tf.sum(tf.cast(tf.greater(e.theta, 0), 'int32')), [1]), e.counts]),
        ),
      ),
    );
    const v = stats.dataSync();
    stats.dispose();
    let pruned = this.hostPruned;
    let regrown = this.hostRegrown;
    const layers = this.entries.map((e, i) => {
      pruned += v[3 * i + 1];
      regrown += v[3 * i + 2];
      tf.tidy(() => e.counts.assign(tf.zeros([2], 'int32')));
      return { name: e.name, active: v[3 * i], total: e.theta.size };
    });
    this.hostPruned = 0;
    this.hostRegrown = 0;
    return buildReport(layers, pruned, regrown);
  }

  /** Extra JSON state of a subclass (rng state...). */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  protected setExtraState(_json: Record<string, unknown>): void {}

  getState(): LearnerState {
    const tensors = new Map<string, tf.Tensor>();
    for (const e of this.entries) {
      tensors.set(`theta/${e.name}`, e.theta);
      tensors.set(`sign/${e.name}`, e.sign);
      tensors.set(`counts/${e.name}`, e.counts);
    }
    for (const [k, v] of this.adam?.slots.entries() ?? []) tensors.set(`adam/${k}`, v);
    return {
      json: {
        learner: this.name,
        options: this.options,
        t: this.t,
        hostPruned: this.hostPruned,
        hostRegrown: this.hostRegrown,
        ...this.extraState(),
      },
      tensors,
    };
  }

  divergenceTensors(): [string, tf.Tensor][] {
    return [
      ...this.entries.map((e): [string, tf.Tensor] => [`theta/${e.name}`, e.theta]),
      ...[...(this.adam?.divergenceTensors() ?? [])].map(([k, v]): [string, tf.Tensor] => [`adam/${k}`, v]),
    ];
  }

  setState(state: LearnerState): void {
    if (!this.entries.length) throw new Error(`${this.name}: setState needs attach() first`);
    const j = state.json;
    if (j.learner !== undefined && j.learner !== this.name)
      throw new Error(`${this.name}: the saved learner state is for "${j.learner}"`);
    const get = (key: string, like: tf.Tensor) => {
      const t = state.tensors.get(key);
      if (!t) throw new Error(`${this.name}: the saved learner state has no tensor "${key}"`);
      if (t.shape.join(',') !== like.shape.join(','))
        throw new Error(
          `${this.name}: saved tensor "${key}" has shape [${t.shape}], expected [${like.shape}]`,
        );
      return t;
    };
    for (const e of this.entries) {
      e.theta.assign(get(`theta/${e.name}`, e.theta));
      // clone before disposing: the state may hold this very tensor (setState(getState()))
      const old = e.sign;
      e.sign = tf.clone(get(`sign/${e.name}`, e.sign));
      old.dispose();
      tf.tidy(() => e.counts.assign(tf.cast(get(`counts/${e.name}`, e.counts), 'int32')));
    }
    // Slots.set wraps the tensor in a variable that shares (and keeps) its data
    for (const [key, t] of state.tensors) if (key.startsWith('adam/')) this.adam?.slots.set(key.slice(5), t);
    this.t = Number(j.t ?? 0);
    if (this.adam) this.adam.step = this.t;
    this.hostPruned = Number(j.hostPruned ?? 0);
    this.hostRegrown = Number(j.hostRegrown ?? 0);
    this.setExtraState(j);
    this.writeWeights();
  }

  dispose(): void {
    for (const e of this.entries) tf.dispose([e.sign, e.theta, e.counts]);
    this.entries = [];
    this.adam?.dispose();
    this.adam = null;
  }
}
