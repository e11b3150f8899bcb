import * as tf from '@tensorflow/tfjs-core';

/**
 * Conv2d for training on any backend. tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel,
 * so where the current backend lacks it we compute the filter gradient ourselves: for every kernel
 * offset (kh, kw), dW[kh, kw] = X_shifted(kh, kw)ᵀ · dY, a strided slice of the padded input and one
 * matMul. Where the kernel exists (cpu, or wasm after `@synaptogen/wasm-simd` registers one), tfjs'
 * own conv2d gradient is used.
 */
export function conv2dTrainable(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) return tf.conv2d(x, w, stride, padding);
  return conv2dWithManualFilterGrad(x, w, stride, padding);
}

function conv2dWithManualFilterGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor4D, wi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, stride, padding),
      gradFunc: (dy: tf.Tensor4D, [xs, ws]: tf.Tensor[]) => [
        tf.conv2dTranspose(
          dy,
          ws as tf.Tensor4D,
          xs.shape as [number, number, number, number],
          stride,
          padding,
        ),
        filterGradient(xs as tf.Tensor4D, dy, ws.shape as [number, number, number, number], stride, padding),
      ],
    };
  }) as any) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
  return f(x, w);
}

/** dL/dW for an NHWC conv with symmetric padding, as kh·kw matMuls over strided slices of the input. */
export function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inC, outC] = filterShape;
    const [n, oh, ow] = dy.shape;
    const xp =
      padding > 0
        ? tf.pad(x, [
            [0, 0],
            [padding, padding],
            [padding, padding],
            [0, 0],
          ])
        : x;
    const dy2 = tf.reshape(dy, [n * oh * ow, outC]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const patch =
          stride === 1
            ? tf.slice(xp, [0, i, j, 0], [n, oh, ow, inC])
            : tf.stridedSlice(
                xp,
                [0, i, j, 0],
                [n, i + (oh - 1) * stride + 1, j + (ow - 1) * stride + 1, inC],
                [1, stride, stride, 1],
              );
        taps.push(tf.matMul(tf.reshape(patch, [n * oh * ow, inC]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, inC, outC]) as tf.Tensor4D;
  });
}
