import * as tf from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

/**
 * Conv2d for training on any backend. tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel,
 * and the cpu backend's is slow (32×16×16, 16→32 channels, 3×3: ~10 s for both gradients against
 * ~0.6 s routed), so on those two the gradients go through `conv2dRouted`. Where a backend has its
 * own kernel (webgl, or wasm after `@synaptogen/wasm-simd` registers one), tfjs' gradient is used.
 */
export function conv2dTrainable(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  const backend = tf.getBackend();
  if (backend !== 'cpu' && tf.getKernel('Conv2DBackpropFilter', backend))
    return tf.conv2d(x, w, stride, padding);
  return conv2dRouted(x, w, stride, padding);
}

/**
 * NHWC conv2d whose gradients are built from forward convolutions only, the fastest conv op of
 * tfjs-backend-wasm (conv2dTranspose and per-tap or im2col matMuls were several times slower there).
 */
export function conv2dRouted(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: number): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor4D, wi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, stride, padding),
      gradFunc: (dy: tf.Tensor4D, [xs, ws]: tf.Tensor[]) => [
        inputGradient(dy, ws as tf.Tensor4D, xs.shape as Shape4, stride, padding),
        filterGradient(xs as tf.Tensor4D, dy, ws.shape as Shape4, stride, padding),
      ],
    };
  }) as any) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
  return f(x, w);
}

/**
 * dL/dX. For stride 1 it is a "full" convolution of dY with the spatially flipped filter whose in
 * and out channels are swapped; strided convs fall back to tfjs' conv2dTranspose.
 */
export function inputGradient(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  inputShape: Shape4,
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [kh, kw] = w.shape;
  if (stride !== 1 || padding > kh - 1 || padding > kw - 1 || kh !== kw) {
    return tf.conv2dTranspose(dy, w, inputShape, stride, padding);
  }
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const full = kh - 1 - padding;
    const dyPadded =
      full > 0
        ? tf.pad(dy, [
            [0, 0],
            [full, full],
            [full, full],
            [0, 0],
          ])
        : dy;
    return tf.conv2d(dyPadded, flipped, 1, 'valid');
  });
}

/**
 * dL/dW for an NHWC conv with symmetric padding, as one forward convolution: with the channels of X
 * as the batch and the batch as channels, dW[kh, kw, ci, co] = Σ_{n,oh,ow} X[n, oh·s+kh, ow·s+kw, ci]
 * · dY[n, oh, ow, co] is X′ = Xᵀ[ci, h, w, n] convolved with the filter dY′[oh, ow, n, co] dilated by s.
 */
export function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inC, outC] = filterShape;
    const xp =
      padding > 0
        ? tf.pad(x, [
            [0, 0],
            [padding, padding],
            [padding, padding],
            [0, 0],
          ])
        : x;
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, Cout]
    let g = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', stride); // [Cin, ≥kh, ≥kw, Cout]
    // when (Hp − kh) is not a multiple of the stride the last rows/cols of the input are never read
    if (g.shape[1] !== kh || g.shape[2] !== kw) g = tf.slice(g, [0, 0, 0, 0], [inC, kh, kw, outC]);
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
