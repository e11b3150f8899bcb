import { modelTensors, type SpikingModel, Trainer, type TrainingHooks } from '@synaptogen/nn';
import { type CheckpointData, CheckpointError } from '@synaptogen/nn/checkpoint';
import type { Optimizer } from '@synaptogen/nn/optim';
import type { DivergenceOptions, LossFn } from '@synaptogen/nn/train';
import * as tf from '@tensorflow/tfjs-core';
import type { StructureLearner } from './contract.js';
import { Dense } from './dense.js';

/** Builds the main optimizer over the parameters it is given (e.g. `(p) => new Adam(p, { lr })`). */
export type OptimizerFactory = (params: Map<string, tf.Variable>) => Optimizer;

export interface AttachLearnerOptions {
  /** Learning rate the learner is told (learners that run their own Adam use the same). */
  lr: number;
  /** Seed of the learner's random choices (default 0). */
  seed?: number;
  /** Optimizer steps of the whole run, when known (schedules such as magnitude pruning need it). */
  totalSteps?: number;
}

/**
 * The one way to put a structure learner on a model: attach it, build the main optimizer over the
 * trainable parameters the learner does not own (Grad R and Deep R update the weights themselves),
 * then hand that optimizer to the learner (SCA clears the moments of pruned channels). Returns the
 * optimizer; on an error nothing is left attached.
 */
export function attachLearner(
  model: SpikingModel,
  learner: StructureLearner,
  makeOptimizer: OptimizerFactory,
  options: AttachLearnerOptions,
): Optimizer {
  learner.attach(model, { tf, lr: options.lr, seed: options.seed ?? 0, totalSteps: options.totalSteps });
  try {
    const owned = learner.ownedParameters?.() ?? new Set<string>();
    const params = new Map(model.namedParameters().filter(([n, v]) => v.trainable && !owned.has(n)));
    const optimizer = makeOptimizer(params);
    learner.setOptimizer?.(optimizer);
    return optimizer;
  } catch (e) {
    learner.dispose();
    throw e;
  }
}

export interface TrainingSessionOptions extends AttachLearnerOptions {
  model: SpikingModel;
  /** The structure learner (default: `Dense`, no pruning). */
  learner?: StructureLearner;
  optimizer: OptimizerFactory;
  /** Default: the model's reference loss. */
  loss?: LossFn | string;
  /** More trainer hooks after the learner (monitors, loggers). */
  hooks?: TrainingHooks[];
  /** The trainer's divergence detection (on by default; see nn's `TrainerOptions.divergence`). */
  divergence?: DivergenceOptions | false;
}

/** What a checkpoint stores of a session beyond the model's own tensors. */
export interface SessionMeta {
  optimizer: { kind: string; config: Record<string, unknown>; step: number };
  learner: { name: string; options: Record<string, unknown>; state: Record<string, unknown> };
}

/**
 * A model, its structure learner, the main optimizer and a BPTT trainer, wired by `attachLearner`;
 * plus the checkpoint round trip of all three (`snapshot` / `restore`). The CLI, the demo, the
 * examples and the benchmarks all train through it, so a third-party pipeline gets the same wiring.
 */
export class TrainingSession {
  readonly model: SpikingModel;
  readonly learner: StructureLearner;
  readonly optimizer: Optimizer;
  readonly trainer: Trainer;
  private readonly ownedByLearner: ReadonlySet<string>;

  constructor(options: TrainingSessionOptions) {
    this.model = options.model;
    this.learner = options.learner ?? new Dense();
    this.optimizer = attachLearner(this.model, this.learner, options.optimizer, options);
    this.ownedByLearner = this.learner.ownedParameters?.() ?? new Set();
    try {
      this.trainer = new Trainer({
        model: this.model,
        optimizer: this.optimizer,
        loss: options.loss,
        hooks: [this.learner, ...(options.hooks ?? [])],
        divergence:
          options.divergence === false
            ? false
            : { tensors: () => this.divergenceTensors(), ...options.divergence },
      });
    } catch (e) {
      this.learner.dispose();
      this.optimizer.dispose();
      throw e;
    }
  }

  /**
   * What the divergence check reads after every step: the model's parameters and buffers, and the
   * optimizer's and the learner's state whose non-finite values would not show in them.
   */
  *divergenceTensors(): Iterable<[string, tf.Tensor]> {
    // a learner that names its own tensors covers the parameters it computes from them (Grad R: θ → w)
    const own = this.learner.divergenceTensors?.();
    const skip = own ? this.ownedByLearner : undefined;
    for (const [name, t] of this.model.stateTensors()) if (!skip?.has(name)) yield [name, t];
    for (const [k, v] of this.optimizer.divergenceTensors()) yield [`optimizer/${k}`, v];
    for (const [k, v] of own ?? []) yield [`learner/${k}`, v];
  }

  /**
   * Everything a checkpoint needs to resume exactly: the model's tensors (`model/…`), the optimizer's
   * slots (`optimizer/…`) and the learner's tensors (`learner/…`), with their JSON state. The tensors
   * are the live ones (not copies): save them before the next step.
   */
  snapshot(): { tensors: Map<string, tf.Tensor>; meta: SessionMeta } {
    const tensors = modelTensors(this.model);
    const opt = this.optimizer.getState();
    for (const [k, t] of Object.entries(opt.tensors)) tensors.set(`optimizer/${k}`, t);
    const ls = this.learner.getState();
    for (const [k, t] of ls.tensors) tensors.set(`learner/${k}`, t);
    return {
      tensors,
      meta: {
        optimizer: { kind: opt.kind, config: opt.config, step: opt.step },
        learner: { name: this.learner.name, options: { ...this.learner.options }, state: ls.json },
      },
    };
  }

  /**
   * Restores the optimizer's and the learner's state from a checkpoint written from `snapshot()`
   * (the model's tensors are restored by `restoreModel`). `path` names the checkpoint in errors.
   */
  restore(data: CheckpointData, path = 'checkpoint'): void {
    const meta = data.manifest.meta;
    const opt = meta.optimizer as SessionMeta['optimizer'] | undefined;
    if (opt) {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, t] of data.tensors)
        if (name.startsWith('optimizer/')) tensors[name.slice('optimizer/'.length)] = t;
      this.optimizer.setState({ ...opt, tensors });
    }
    const learner = meta.learner as Partial<SessionMeta['learner']> | undefined;
    if (!learner) {
      // checkpoints written before structure learners existed are dense runs
      if (this.learner.name === 'dense') return;
      throw new CheckpointError(path, 'has no learner state (meta.learner is missing)');
    }
    if (learner.name !== this.learner.name)
      throw new CheckpointError(
        path,
        `was trained with learner "${learner.name}", not "${this.learner.name}"`,
      );
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, t] of data.tensors) if (name.startsWith('learner/')) tensors.set(name.slice(8), t);
    this.learner.setState({ json: learner.state ?? {}, tensors });
  }

  /** Releases the learner and the optimizer, and the model unless `{ model: false }`. */
  dispose(options: { model?: boolean } = {}): void {
    this.learner.dispose();
    this.optimizer.dispose();
    if (options.model !== false) this.model.dispose();
  }
}
