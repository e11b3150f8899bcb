import { BATCHNORM_TRAIN, BATCHNORM_TRAIN_GRAD } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';

export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** Batch mean and biased variance per channel, outside the gradient graph (for running statistics). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation over the last axis as one custom op. tfjs' moments + batchNorm
 * keep x, x − mean and its square on the gradient tape and rebuild more at backward time; this keeps
 * only x̂ and 1/σ. Backward (M = elements per channel):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/M − x̂·dγ/M).
 */
/**
 * A backend's native training-mode batch norm (e.g. `@synaptogen/wasm-simd`'s): forward inputs
 * `{ x, gamma, beta }`, attrs `{ eps }` → `[y, xhat, mean, variance, invStd]`; backward inputs
 * `{ dy, xhat, invStd, gamma }` → `[dx, dGamma, dBeta]`. Used when both are registered.
 */
export const BATCHNORM_TRAIN_KERNEL = BATCHNORM_TRAIN;
export const BATCHNORM_TRAIN_GRAD_KERNEL = BATCHNORM_TRAIN_GRAD;

export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  const backend = tf.getBackend();
  if (tf.getKernel(BATCHNORM_TRAIN_KERNEL, backend) && tf.getKernel(BATCHNORM_TRAIN_GRAD_KERNEL, backend))
    return batchNormTrainKernel(x, gamma, beta, eps);
  const C = x.shape[x.rank - 1];
  const M = x.size / C;
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const x2 = tf.reshape(xi, [M, C]);
    const moments = tf.moments(x2, 0);
    mean = tf.keep(moments.mean as tf.Tensor1D);
    variance = tf.keep(moments.variance as tf.Tensor1D);
    const invStd = tf.rsqrt(tf.add(moments.variance, eps));
    const xhat = tf.mul(tf.sub(x2, moments.mean), invStd);
    save([xhat, invStd, g]);
    return {
      value: tf.reshape(tf.add(tf.mul(xhat, g), b), xi.shape),
      gradFunc: (dy: tf.Tensor, [xh, is, gs]: tf.Tensor[]) =>
        tf.tidy(() => {
          const dy2 = tf.reshape(dy, [M, C]);
          const dBeta = tf.sum(dy2, 0);
          const dGamma = tf.sum(tf.mul(dy2, xh), 0);
          const centred = tf.sub(tf.sub(dy2, tf.div(dBeta, M)), tf.mul(xh, tf.div(dGamma, M)));
          const dx = tf.mul(centred, tf.mul(gs, is));
          return [tf.reshape(dx, dy.shape), dGamma, dBeta];
        }),
    };
  }) as any) as (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor;
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

/** batchNormTrain on the backend's native kernel pair (one pass each way instead of ~15 ops). */
function batchNormTrainKernel(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [y, xhat, m, v, invStd] = tf
      .engine()
      .runKernel(BATCHNORM_TRAIN_KERNEL, { x: xi, gamma: g, beta: b }, { eps }) as tf.Tensor[];
    mean = tf.keep(m as tf.Tensor1D);
    variance = tf.keep(v as tf.Tensor1D);
    save([xhat, invStd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xh, is, gs]: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(BATCHNORM_TRAIN_GRAD_KERNEL, { dy, xhat: xh, invStd: is, gamma: gs }) as tf.Tensor[],
    };
  }) as any) as (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor;
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}
