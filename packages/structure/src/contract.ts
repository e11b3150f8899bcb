import type { SpikingModel, TrainingHooks } from '@synaptogen/nn';
import type { Optimizer } from '@synaptogen/nn/optim';
import type * as tf from '@tensorflow/tfjs-core';
import type * as parts from './parts/index.js';

/** Connectivity of one prunable weight tensor. */
export interface LayerConnectivity {
  /** active / total. */
  connectivity: number;
  active: number;
  total: number;
}

/** What a learner reports after a stretch of training (usually an epoch). */
export interface LearnerReport {
  /** Active prunable weights / all prunable weights. */
  connectivity: number;
  perLayer: Record<string, LayerConnectivity>;
  /** Connections that went from active to pruned since the previous report. */
  pruned: number;
  /** Connections that went from pruned to active since the previous report. */
  regrown: number;
  /**
   * Anything else a learner measures (SCA: `channelsKept`, channels per layer). Hosts pass extra
   * JSON fields through to their logs and summaries unchanged.
   */
  [extra: string]: unknown;
}

/** A learner's checkpointable state: JSON plus named tensors (stored as `learner/<key>`). */
export interface LearnerState {
  json: Record<string, unknown>;
  tensors: Map<string, tf.Tensor>;
}

/** What the host gives a learner when it attaches. */
export interface AttachContext {
  /**
   * The host's tfjs module. Plugins should use it instead of importing their own copy, so that one
   * engine (and one backend) runs the whole model.
   */
  tf: typeof tf;
  /** Learning rate of the main optimizer (learners that run their own Adam use the same). */
  lr: number;
  /** Seed for every random choice the learner makes. */
  seed: number;
  /** Optimizer steps the whole run will take, when known (schedules such as magnitude pruning need it). */
  totalSteps?: number;
}

/**
 * A structure learner: decides which synapses exist while a model trains. It attaches to a model
 * (it may re-parameterise the prunable weights and take over their update, see `ownedParameters`),
 * then is driven through the trainer's hooks: `applyGradients` after backward, `afterStep` after
 * the optimizer step, `endEpoch` at the end of every epoch.
 */
export interface StructureLearner extends TrainingHooks {
  /** Registry name ("gradr", "deepr", ...). */
  readonly name: string;
  /** Resolved options (defaults filled in), JSON-serialisable: they go into checkpoints and summaries. */
  readonly options: Record<string, unknown>;
  attach(model: SpikingModel, ctx: AttachContext): void;
  /**
   * Called by the host after `attach`, once the main optimizer exists (it holds every trainable
   * parameter the learner does not own); for learners that must edit its state, e.g. zero the
   * moments of pruned channels.
   */
  setOptimizer?(optimizer: Optimizer): void;
  /** Current connectivity, and pruned/regrown counts since the previous call (which resets them). */
  report(): LearnerReport;
  getState(): LearnerState;
  /**
   * The live tensors of the learner's state that the host's divergence check reads after every step,
   * beside the model's: those whose NaN/±Infinity would not show in the model's weights within the
   * step (Grad R's θ, since w = s·ReLU(θ) hides −∞; its Adam's v, whose +∞ only stalls an update).
   * With it, the host skips the parameters the learner owns (`ownedParameters`): the learner computes
   * them from these tensors, so these must cover them. No copies, no side effects.
   */
  divergenceTensors?(): Iterable<[string, tf.Tensor]>;
  /** Restores a state from `getState()` after `attach` on the same model; the tensors are copied. */
  setState(state: LearnerState): void;
  dispose(): void;
}

/** Builds a learner from user options (validated by the learner, with clear errors). */
export type LearnerFactory = (options: Record<string, unknown>) => StructureLearner;

/**
 * The host's `@synaptogen/structure/parts` (MaskLearner, schedules, scores, PresynapticRates), handed
 * to a plugin's `create` so that a plugin file needs no dependencies and runs on the host's copy.
 */
export type LearnerParts = typeof parts;

/** What a plugin module exports (as `default` or `learner`): a name and a factory. */
export interface LearnerPlugin {
  name: string;
  description?: string;
  /** Builds the learner from the user's options; `parts` are the host's mask-learner parts. */
  create(options: Record<string, unknown>, parts: LearnerParts): StructureLearner;
  /** Set to replace a learner of the same name (a built-in such as "gradr"); without it that is refused. */
  override?: boolean;
}
