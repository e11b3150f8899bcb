import { AUGMENT_WASM_BASE64 } from './kernels/augmentWasm.js';

interface Kernel {
  memory: WebAssembly.Memory;
  augment: (
    n: number,
    C: number,
    H: number,
    W: number,
    params: number,
    coef: number,
    src: number,
    dst: number,
  ) => void;
}

/** Bytes readable before and after the source samples: rows are read whole, shifted by up to the crop padding. */
const SLACK = 64;
/** Largest crop padding the kernel handles (it reads up to padding + 4 bytes past a row). */
export const SIMD_MAX_PADDING = SLACK - 8;

let kernel: Kernel | null | undefined;

/** The WASM SIMD augmentation kernel, or null where WebAssembly or its SIMD extension is missing. */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(AUGMENT_WASM_BASE64), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    kernel = instance.exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether byte images can be augmented by the WASM SIMD kernel on this runtime. */
export function simdAugmentAvailable(): boolean {
  return loadKernel() !== null;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * Crops, flips and normalises the byte images `indices` of `images` (C x H x W each) into a float32
 * `[n, C, H, W]` batch with the WASM SIMD kernel: `draws` holds (dy, dx, flip) per sample, `mul`
 * and `add` the per-channel affine map. Same float32 arithmetic as the JS path, so the same values.
 * Returns undefined when the kernel is unavailable.
 */
export function augmentBytesSimd(
  images: Uint8Array,
  indices: ArrayLike<number>,
  shape: { C: number; H: number; W: number },
  draws: Int32Array,
  mul: Float32Array,
  add: Float32Array,
): Float32Array | undefined {
  const k = loadKernel();
  if (!k) return undefined;
  const { C, H, W } = shape;
  const n = indices.length;
  const chw = C * H * W;
  const coef = 0;
  const params = align(8 * C, 16);
  const src = align(params + 12 * n + SLACK, 64);
  const dst = align(src + n * chw + SLACK, 64);
  const end = dst + 4 * n * chw;
  const pages = Math.ceil(end / 65536) - k.memory.buffer.byteLength / 65536;
  if (pages > 0) k.memory.grow(pages);
  const buf = k.memory.buffer;
  const f32 = new Float32Array(buf, coef, 2 * C);
  for (let c = 0; c < C; c++) {
    f32[2 * c] = mul[c];
    f32[2 * c + 1] = add[c];
  }
  new Int32Array(buf, params, 3 * n).set(draws.subarray(0, 3 * n));
  const bytes = new Uint8Array(buf);
  for (let b = 0; b < n; b++) {
    const at = indices[b] * chw;
    bytes.set(images.subarray(at, at + chw), src + b * chw);
  }
  k.augment(n, C, H, W, params, coef, src, dst);
  return new Float32Array(buf, dst, n * chw).slice();
}
