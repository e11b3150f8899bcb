// A structure learner for synaptogen that prunes by activity: a layer's input weights are scored by
// |w| times the firing rate of their presynaptic neurons, so the synapses of neurons that rarely
// spike go first. It is a MaskLearner (score + schedule) from the parts the host passes to create;
// PresynapticRates watches the spiking layers on training steps and is checkpointed with the masks.
//
//   synaptogen train --learner ./apps/examples/firing-rate-pruner/index.js --target-sparsity 0.8

export default {
  name: 'firing-rate',
  description:
    'prunes each layer to targetSparsity (cubic schedule), lowest |w| × presynaptic firing rate first',
  create(options, { MaskLearner, PresynapticRates, cubicSparsity }) {
    let rates;
    return new MaskLearner(
      {
        name: 'firing-rate',
        schedule: cubicSparsity,
        // rates and magnitudes differ from layer to layer: every layer gets the scheduled sparsity
        defaults: { targetSparsity: 0.8, scope: 'per-layer', frequency: 10 },
        attach: (model) => {
          rates = new PresynapticRates(model);
          return rates;
        },
        score: (w, { tf, name }) => {
          const rate = rates.of(name);
          // a layer that reads the data, not spikes, has no rate: plain |w|. The floor of 0.01 keeps the
          // synapses of silent neurons ranked by |w| among themselves instead of tied at 0.
          return rate ? tf.mul(tf.abs(w), tf.add(rate, 0.01)) : tf.abs(w);
        },
      },
      options,
    );
  },
};
