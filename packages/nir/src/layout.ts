/**
 * Layout conversions between synaptogen (NHWC tensors, conv filters [kh, kw, in, out], Linear weights
 * [in, out]) and NIR (PyTorch's CHW, conv weights [out, in, kh, kw], Linear weights [out, in]).
 */

/** Row-major transpose of `data` with `shape` by axis permutation `perm` (out axis i = in axis perm[i]). */
export function transpose(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const out = new Float32Array(data.length);
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const strides = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * strides[i];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Conv filters [kh, kw, in, out] → [out, in, kh, kw]; with a 3-D shape, an HWC array → CHW. */
export function hwcToChw(data: Float32Array, shape: number[]): Float32Array {
  return shape.length === 4 ? transpose(data, shape, [3, 2, 0, 1]) : transpose(data, shape, [2, 0, 1]);
}

/** Conv weights [out, in, kh, kw] → [kh, kw, in, out]; with a 3-D shape, a CHW array → HWC. */
export function chwToHwc(data: Float32Array, shape: number[]): Float32Array {
  return shape.length === 4 ? transpose(data, shape, [2, 3, 1, 0]) : transpose(data, shape, [1, 2, 0]);
}

/**
 * Our Linear weight [in, out] → NIR's [out, in]. After a Flatten of an image `[C, H, W]`, our input
 * features are in HWC order ((h·W + w)·C + c) and NIR's in CHW order (c·H·W + h·W + w).
 */
export function linearFromNhwc(
  w: Float32Array,
  inF: number,
  outF: number,
  image: number[] | null,
): Float32Array {
  return linearLayout(w, inF, outF, image, true);
}

/** NIR's [out, in] → our [in, out] (the inverse of linearFromNhwc). */
export function linearToNhwc(
  w: Float32Array,
  inF: number,
  outF: number,
  image: number[] | null,
): Float32Array {
  return linearLayout(w, inF, outF, image, false);
}

function linearLayout(w: Float32Array, inF: number, outF: number, image: number[] | null, toNir: boolean) {
  const out = new Float32Array(inF * outF);
  const order = featureOrder(inF, image);
  for (let f = 0; f < inF; f++) {
    const g = order[f];
    for (let o = 0; o < outF; o++) {
      if (toNir) out[o * inF + g] = w[f * outF + o];
      else out[f * outF + o] = w[o * inF + g];
    }
  }
  return out;
}

/** For each of our (HWC) feature indices, NIR's (CHW) index. */
function featureOrder(n: number, image: number[] | null): Uint32Array {
  const order = new Uint32Array(n);
  if (!image) {
    for (let f = 0; f < n; f++) order[f] = f;
    return order;
  }
  const [c, h, w] = image;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) order[(y * w + x) * c + ch] = ch * h * w + y * w + x;
  return order;
}

/** The number of values in an array of `shape`. */
export const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A signal shape in NIR's layout ([C, H, W] or [features]) as synaptogen lays it out ([H, W, C]). */
export function nhwcShape(shape: readonly number[]): number[] {
  return shape.length === 3 ? [shape[1], shape[2], shape[0]] : [...shape];
}
