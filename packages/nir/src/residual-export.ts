import type { BatchNorm } from '@synaptogen/nn/layers';
import { foldBatchNorm } from './fold.js';
import { array, ints, type Metadata, type NirNode, scalar } from './graph.js';

const f32 = (t: { dataSync(): ArrayLike<number> }) => Float32Array.from(t.dataSync());

/**
 * A BatchNorm with no Linear/Conv2d right before it (a pre-activation BN reads a residual sum) as one
 * node computing s·x + t per channel, s = γ/√(var + ε), t = β − mean·s: a 1×1 `Conv2d` with a diagonal
 * weight and a bias on images, an `Affine` with a diagonal weight on features. NIR has no per-channel
 * shift: `Scale` multiplies but cannot add, `Affine` works on flat vectors only, and an IF neuron has
 * no bias input. Conv2d is the primitive every NIR tool (Sinabs/Speck, snnTorch, Norse, Rockpool,
 * SpiNNaker2) reads, and the diagonal keeps the result exact (the other channels add 0·x). The s and t
 * are what `foldBatchNorm` gives for a weight of ones, so the importer recognises its own export.
 */
export function standaloneBatchNormNode(m: BatchNorm, shape: number[], roundTrip: boolean): NirNode {
  const c = m.numFeatures;
  const bn = {
    gamma: f32(m.weight),
    beta: f32(m.bias),
    mean: f32(m.runningMean),
    variance: f32(m.runningVar),
    eps: m.eps,
  };
  const { weight: s, bias: t } = foldBatchNorm(new Float32Array(c).fill(1), null, bn);
  const diagonal = new Float32Array(c * c);
  for (let k = 0; k < c; k++) diagonal[k * c + k] = s[k];
  const metadata: Metadata = { synaptogen_layer: m.kind };
  if (roundTrip) {
    metadata.synaptogen_batchnorm = JSON.stringify({ type: m.kind, eps: m.eps, momentum: m.momentum });
    metadata.synaptogen_bn_weight = array(bn.gamma, [c]);
    metadata.synaptogen_bn_bias = array(bn.beta, [c]);
    metadata.synaptogen_bn_running_mean = array(bn.mean, [c]);
    metadata.synaptogen_bn_running_var = array(bn.variance, [c]);
  }
  if (shape.length !== 3)
    return { type: 'Affine', params: { weight: array(diagonal, [c, c]), bias: array(t, [c]) }, metadata };
  return {
    type: 'Conv2d',
    params: {
      weight: array(diagonal, [c, c, 1, 1]),
      bias: array(t, [c]),
      input_shape: ints([shape[1], shape[2]]),
      stride: ints([1, 1]),
      padding: ints([0, 0]),
      dilation: ints([1, 1]),
      groups: scalar(1),
    },
    metadata,
  };
}

/**
 * The sum node of a residual block: NIR adds all edges into a node, and this node's two inputs are
 * the residual branch and the shortcut. The sum is needed as a node of its own because an identity
 * shortcut of the next block reads it too; NIR has no identity primitive, and `Scale` by exact ones
 * is one (x·1 = x in float32) that costs no synapses on a chip.
 */
export function residualSumNode(shape: number[]): NirNode {
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    type: 'Scale',
    params: { scale: array(new Float32Array(n).fill(1), [...shape]) },
    metadata: { synaptogen_layer: 'PreActBlock', synaptogen_role: 'residual sum' },
  };
}
