import { CHANNEL_SCORE_SUMS, CHANNEL_SCORE_TABLE, type ChannelScoreSumsAttrs } from '@synaptogen/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32 } from './backend-io.js';
import type { HeapKernelsProvider } from './heap-instance.js';

/**
 * Per-channel sums of SCA's built-in channel scores over a layer's H (see the contract's
 * `CHANNEL_SCORE_SUMS`): one SIMD pass in tfjs' memory instead of a JavaScript loop over a copy of H,
 * which cost a third of a conv-small training step. `@synaptogen/structure`'s activity monitor runs
 * it when it is registered.
 */
export { CHANNEL_SCORE_SUMS };

/** The same sums in JavaScript (float64 accumulation): the cpu reference and the copying path. */
export function channelScoreSumsReference(
  h: Float32Array,
  C: number,
  a: ChannelScoreSumsAttrs,
): Float32Array {
  const sums = new Float64Array(C);
  const vth = Math.fround(a.vThreshold);
  const spiked = Math.fround(1 + Math.abs(Math.fround(a.vReset)));
  for (let j = 0; j < h.length; j += C)
    for (let c = 0; c < C; c++) {
      const x = h[j + c];
      const fired = x >= vth;
      if (a.score === 1) sums[c] += fired ? 1 : 0;
      else if (a.score === 2 || !fired) sums[c] += Math.abs(x);
      else sums[c] += a.soft ? Math.fround(1 + Math.abs(Math.fround(x - vth))) : spiked;
    }
  return Float32Array.from(sums);
}

function attrsOf(attrs: tf.NamedAttrMap, what: string): ChannelScoreSumsAttrs {
  const { score, vThreshold, vReset, soft } = attrs as unknown as Partial<ChannelScoreSumsAttrs>;
  if (!CHANNEL_SCORE_TABLE.some((s) => s.id === score))
    throw new Error(
      `${what}: attrs.score must be a channel-score id (${CHANNEL_SCORE_TABLE.map((s) => `${s.id} ${s.name}`).join(', ')}), got ${String(score)}`,
    );
  for (const [name, v] of [
    ['vThreshold', vThreshold],
    ['vReset', vReset],
  ] as const)
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${what}: attrs.${name} must be a finite number, got ${String(v)}`);
  return { score: score as number, vThreshold: vThreshold as number, vReset: vReset as number, soft: !!soft };
}

/** The kernel for a backend (wasm, and cpu as the reference); on tfjs wasm it runs in place. */
export function channelScoreKernelConfigs(
  backendName: string,
  heapFor: HeapKernelsProvider,
): tf.KernelConfig[] {
  return [
    {
      kernelName: CHANNEL_SCORE_SUMS,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'channel score sums';
        const h = (inputs as { h?: tf.TensorInfo }).h;
        if (!h) throw new Error(`${what}: input h is required`);
        checkFloat32(h, 'h', what);
        if (h.shape.length < 1) throw new Error(`${what}: h must have a channel axis, got a scalar`);
        const a = attrsOf(attrs ?? {}, what);
        const C = h.shape[h.shape.length - 1];
        const rows = C === 0 ? 0 : h.shape.reduce((x, y) => x * y, 1) / C;
        const heap = heapFor(backend);
        if (heap) {
          const out = heap.output([C]);
          const hPtr = heap.ptr(h);
          // scratch: f32 [C] block sums, then f64 [C] totals (8-byte aligned: C rounded up to even)
          const blockFloats = C + (C & 1);
          heap.withScratch(blockFloats + 2 * C, 0, (scratch) => {
            heap.exports.channelScoreSums(
              hPtr,
              rows,
              C,
              a.score,
              a.vThreshold,
              a.vReset,
              a.soft ? 1 : 0,
              scratch,
              scratch + 4 * blockFloats,
              out.ptr,
            );
          });
          return out.info;
        }
        const io = backendIO(backend, what);
        return io.outputs([[C]], ([out]) => out.set(channelScoreSumsReference(io.read(h), C, a)))[0];
      },
    },
  ];
}
