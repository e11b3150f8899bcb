// A channel score for SCA, in a file of its own: the mean squared membrane potential before reset,
// H², which ranks a channel by how strongly it is driven, above or below the threshold, where the
// firing rate sees only the spikes. The host passes its tfjs to score(), so this file imports
// nothing; ofPotential gives the same score from H alone, which the monitor then reduces in one pass
// per forward call instead of building a tensor per time step.
//
//   synaptogen train --learner sca --channel-score ./index.js --learner-option score='"membrane-energy"'
//   synaptogen ablate --channel-score ./index.js   (adds the variant score=membrane-energy)

export default {
  name: 'membrane-energy',
  description: 'H², the squared membrane potential before fire-and-reset',
  score: ({ h }, { tf }) => tf.square(h),
  ofPotential: (h) => h * h,
};
