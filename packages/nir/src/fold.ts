/** BatchNorm in evaluation mode: y = (x − mean) · γ / √(var + ε) + β, per output channel. */
export interface BatchNormValues {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  eps: number;
}

const f = Math.fround;

/**
 * Folds a BatchNorm into the synaptic layer before it (weights in NIR layout, output channel first):
 * W' = W·s, b' = (b − mean)·s + β with s = γ / √(var + ε). Every step rounds to float32, so the same
 * inputs always give the same bits (the importer relies on this to recognise its own exports).
 */
export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array | null,
  bn: BatchNormValues,
): { weight: Float32Array; bias: Float32Array } {
  const outputs = bn.gamma.length;
  const per = weight.length / outputs;
  const s = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) s[o] = f(bn.gamma[o] / f(Math.sqrt(f(bn.variance[o] + f(bn.eps)))));
  const w = new Float32Array(weight.length);
  for (let o = 0; o < outputs; o++)
    for (let k = 0; k < per; k++) w[o * per + k] = f(weight[o * per + k] * s[o]);
  const b = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) b[o] = f(f(f((bias ? bias[o] : 0) - bn.mean[o]) * s[o]) + bn.beta[o]);
  return { weight: w, bias: b };
}
