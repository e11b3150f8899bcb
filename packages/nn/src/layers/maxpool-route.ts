import * as tf from '@tensorflow/tfjs-core';

/**
 * k×k max pooling (stride k, floor mode) on NHWC whose gradient goes to the **first** maximum of
 * each window in row-major order, as PyTorch's does. tfjs-backend-wasm's MaxPoolGrad sends it to
 * the last one instead; with binary spike inputs ties are the rule, so the choice changes training.
 */
export function maxPool2dFirstMax(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = tf.maxPool(xi, k, k, 'valid');
    save([xi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [xs, ys]: tf.Tensor[]) =>
        firstMaxGradient(xs as tf.Tensor4D, ys as tf.Tensor4D, dy, k),
    };
  }) as any) as (x: tf.Tensor4D) => tf.Tensor4D;
  return f(x);
}

function firstMaxGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [, oh, ow] = y.shape;
    // the part of x the windows cover (floor mode drops the last rows/columns when H or W % k ≠ 0)
    const xc = oh * k === h && ow * k === w ? x : tf.slice(x, [0, 0, 0, 0], [n, oh * k, ow * k, c]);
    // [N, OH, k, OW, k, C] → [N, OH, OW, C, k·k]: each window's positions in row-major order
    const windows = tf.reshape(tf.transpose(tf.reshape(xc, [n, oh, k, ow, k, c]), [0, 1, 3, 5, 2, 4]), [
      n,
      oh,
      ow,
      c,
      k * k,
    ]);
    const isMax = tf.cast(tf.equal(windows, tf.expandDims(y, 4)), 'float32');
    const before = tf.sub(tf.cumsum(isMax, 4), isMax); // maxima strictly before each position
    const first = tf.mul(isMax, tf.cast(tf.equal(before, tf.scalar(0)), 'float32'));
    const routed = tf.mul(first, tf.expandDims(dy, 4));
    const back = tf.reshape(tf.transpose(tf.reshape(routed, [n, oh, ow, c, k, k]), [0, 1, 4, 2, 5, 3]), [
      n,
      oh * k,
      ow * k,
      c,
    ]);
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
