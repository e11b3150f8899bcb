import { MAXPOOL_GRAD_FIRST_MAX } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';

/**
 * k×k max pooling (stride k, floor mode) on NHWC whose gradient goes to the **first** maximum of
 * each window in row-major order, as PyTorch's does. tfjs-backend-wasm's MaxPoolGrad sends it to
 * the last one instead; with binary spike inputs ties are the rule, so the choice changes training.
 */
/** A backend's native first-maximum gradient (inputs dy, x; attrs filterSize, strides), e.g. `@synaptogen/wasm-simd`'s. */
export const FIRST_MAX_KERNEL = MAXPOOL_GRAD_FIRST_MAX;

export function maxPool2dFirstMax(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = tf.maxPool(xi, k, k, 'valid');
    save([xi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [xs, ys]: tf.Tensor[]) =>
        tf.getKernel(FIRST_MAX_KERNEL, tf.getBackend())
          ? (tf
              .engine()
              .runKernel(FIRST_MAX_KERNEL, { dy, x: xs }, { filterSize: k, strides: k }) as tf.Tensor4D)
          : firstMaxGradient(xs as tf.Tensor4D, ys as tf.Tensor4D, dy, k),
    };
  }) as any) as (x: tf.Tensor4D) => tf.Tensor4D;
  return f(x);
}

/**
 * Routes dy to the first maximum of each window. Viewing the (cropped) input as [N·OH, k, OW, k·C],
 * each window offset (i, j) is a plain slice the size of y, so the tie-break is a running "not yet
 * taken" mask over the k² offsets in row-major order: only same-shape elementwise ops, which the wasm
 * backend runs fast (the earlier broadcast Equal/Cumsum on a 5-D view cost more than all the convs).
 */
function firstMaxGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [, oh, ow] = y.shape;
    // the part of x the windows cover (floor mode drops the last rows/columns when H or W % k ≠ 0)
    const xc = oh * k === h && ow * k === w ? x : tf.slice(x, [0, 0, 0, 0], [n, oh * k, ow * k, c]);
    const view = tf.reshape(xc, [n * oh, k, ow, k * c]);
    const yv = tf.reshape(y, [n * oh, 1, ow, c]);
    const dyv = tf.reshape(dy, [n * oh, 1, ow, c]);
    let free: tf.Tensor | null = null; // 1 where no earlier offset of the window held the maximum
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < k; i++) {
      const cols: tf.Tensor[] = [];
      for (let j = 0; j < k; j++) {
        const isMax = tf.cast(tf.equal(tf.slice(view, [0, i, 0, j * c], [n * oh, 1, ow, c]), yv), 'float32');
        const first: tf.Tensor = free ? tf.mul(isMax, free) : isMax;
        cols.push(tf.mul(first, dyv));
        free = free ? tf.sub(free, first) : tf.sub(1, isMax);
      }
      rows.push(k === 1 ? cols[0] : tf.concat(cols, 3));
    }
    const back = tf.reshape(k === 1 ? rows[0] : tf.concat(rows, 1), [n, oh * k, ow * k, c]);
    return oh * k === h && ow * k === w
      ? back
      : tf.pad(back, [
          [0, 0],
          [0, h - oh * k],
          [0, w - ow * k],
          [0, 0],
        ]);
  }) as tf.Tensor4D;
}
