// A third-party structure learner for synaptogen: random pruning, the chance baseline a pruning method
// must beat. A mask learner is a weight score and a sparsity schedule; the host passes its
// @synaptogen/structure parts as create's second argument, so this file imports nothing.
//
//   synaptogen train --learner ./apps/examples/learner-plugin/index.js --target-sparsity 0.8

export default {
  name: 'random-pruning',
  description:
    'removes a seeded random fraction (targetSparsity) of every prunable weight tensor at the first step',
  create: (options, { MaskLearner, constantSparsity }) =>
    new MaskLearner(
      {
        name: 'random-pruning',
        // a seeded uniform draw per weight (option "seed", else the run's), another stream per layer
        score: (w, { tf, options: o, seed, index }) =>
          tf.randomUniform(w.shape, 0, 1, 'float32', (o.seed ?? seed) + index),
        schedule: constantSparsity, // the whole target at the first pruning step
        defaults: { targetSparsity: 0.5, frequency: 1 },
        numbers: { seed: { integer: true } },
        // extra report fields reach the CLI's epoch lines and JSON summary
        extraReport: (learner) => ({ maskedLayers: learner.masks().size }),
      },
      options,
    ),
};
