import type { SpikingModel } from '@synaptogen/nn';
import type * as tf from '@tensorflow/tfjs-core';
import { measureConnectivity } from './connectivity.js';
import type { LearnerReport, LearnerState, StructureLearner } from './contract.js';
import { OptionReader } from './options.js';

/** No structure learning: every weight stays in the main optimizer; reports measured connectivity. */
export class Dense implements StructureLearner {
  readonly name = 'dense';
  readonly options: Record<string, unknown> = {};
  private weights: [string, tf.Variable][] = [];

  constructor(options: Record<string, unknown> = {}) {
    new OptionReader('dense', options, []);
  }

  attach(model: SpikingModel): void {
    this.weights = model.prunableWeights();
  }

  report(): LearnerReport {
    return measureConnectivity(this.weights);
  }

  getState(): LearnerState {
    return { json: { learner: this.name }, tensors: new Map() };
  }

  setState(): void {}

  dispose(): void {
    this.weights = [];
  }
}
