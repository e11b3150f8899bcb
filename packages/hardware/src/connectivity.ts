/**
 * Who connects to whom in a profiled layer: nonzero fan-out per input position (conv borders exact) and
 * the fan-in list of each output neuron. A weight counts when its mask entry is nonzero and both its input
 * and output channel are unmasked.
 */
import { inputSize, type LayerProfile, weightCount } from './profile.js';

function channelOn(mask: Uint8Array | undefined, c: number): boolean {
  return mask?.[c] !== 0; // no mask: every channel is on
}

/** Input channel index of a linear input feature (its channel when `inputShape` is given). */
function linearInChannel(layer: LayerProfile, i: number): number {
  return layer.kind === 'linear' && layer.inputShape ? i % layer.inputShape[2] : i;
}

/** Active output neurons in mapping order (HWC for conv), skipping masked output channels. */
export function activeOutputs(layer: LayerProfile): Int32Array {
  const outC = layer.kind === 'linear' ? layer.outFeatures : layer.outChannels;
  const positions = layer.kind === 'linear' ? 1 : layer.outputSize[0] * layer.outputSize[1];
  const list: number[] = [];
  for (let p = 0; p < positions; p++)
    for (let c = 0; c < outC; c++) if (channelOn(layer.outChannelMask, c)) list.push(p * outC + c);
  return Int32Array.from(list);
}

/** Number of weights that exist (mask and both channels on). */
export function effectiveWeightCount(layer: LayerProfile): number {
  const mask = layer.weights.kind === 'mask' ? layer.weights.mask : undefined;
  let n = 0;
  if (layer.kind === 'linear') {
    const out = layer.outFeatures;
    for (let i = 0; i < layer.inFeatures; i++) {
      if (!channelOn(layer.inChannelMask, linearInChannel(layer, i))) continue;
      for (let o = 0; o < out; o++)
        if (channelOn(layer.outChannelMask, o) && (!mask || mask[i * out + o])) n++;
    }
    return n;
  }
  const { inChannels: ic, outChannels: oc } = layer;
  const taps = layer.kernel[0] * layer.kernel[1];
  for (let k = 0; k < taps; k++)
    for (let ci = 0; ci < ic; ci++) {
      if (!channelOn(layer.inChannelMask, ci)) continue;
      for (let co = 0; co < oc; co++)
        if (channelOn(layer.outChannelMask, co) && (!mask || mask[(k * ic + ci) * oc + co])) n++;
    }
  return n;
}

/**
 * Nonzero fan-out of every input position: the number of (output neuron, weight) pairs an event at that
 * position drives. For conv, an input near the border reaches fewer output positions; this counts them
 * exactly from stride, padding and dilation.
 */
export function fanOut(layer: LayerProfile): Float64Array {
  const result = new Float64Array(inputSize(layer));
  const mask = layer.weights.kind === 'mask' ? layer.weights.mask : undefined;
  if (layer.kind === 'linear') {
    const out = layer.outFeatures;
    for (let i = 0; i < layer.inFeatures; i++) {
      if (!channelOn(layer.inChannelMask, linearInChannel(layer, i))) continue;
      let n = 0;
      for (let o = 0; o < out; o++)
        if (channelOn(layer.outChannelMask, o) && (!mask || mask[i * out + o])) n++;
      result[i] = n;
    }
    return result;
  }
  const [kh, kw] = layer.kernel;
  const { inChannels: ic, outChannels: oc } = layer;
  // nnz[(ky*kw+kx)*ic+ci]: nonzero weights from input channel ci through tap (ky,kx) to active outputs.
  const nnz = new Float64Array(kh * kw * ic);
  for (let k = 0; k < kh * kw; k++)
    for (let ci = 0; ci < ic; ci++) {
      if (!channelOn(layer.inChannelMask, ci)) continue;
      let n = 0;
      for (let co = 0; co < oc; co++)
        if (channelOn(layer.outChannelMask, co) && (!mask || mask[(k * ic + ci) * oc + co])) n++;
      nnz[k * ic + ci] = n;
    }
  const [h, w] = layer.inputSize;
  const rows = tapValidity(h, kh, layer.stride[0], layer.padding[0], layer.dilation[0], layer.outputSize[0]);
  const cols = tapValidity(w, kw, layer.stride[1], layer.padding[1], layer.dilation[1], layer.outputSize[1]);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const base = (y * w + x) * ic;
      for (let ky = 0; ky < kh; ky++) {
        if (!rows[y * kh + ky]) continue;
        for (let kx = 0; kx < kw; kx++) {
          if (!cols[x * kw + kx]) continue;
          const k = (ky * kw + kx) * ic;
          for (let ci = 0; ci < ic; ci++) result[base + ci] += nnz[k + ci];
        }
      }
    }
  return result;
}

/** valid[y*k+ky] = 1 when input row y is reached through kernel row ky by some output row. */
function tapValidity(
  size: number,
  k: number,
  stride: number,
  pad: number,
  dil: number,
  outSize: number,
): Uint8Array {
  const valid = new Uint8Array(size * k);
  for (let y = 0; y < size; y++)
    for (let ky = 0; ky < k; ky++) {
      const t = y + pad - ky * dil; // = oy * stride
      if (t >= 0 && t % stride === 0 && t / stride < outSize) valid[y * k + ky] = 1;
    }
  return valid;
}

/**
 * Writes the input positions feeding output neuron `neuron` (index in the layer's HWC output) into `buffer`
 * and returns how many. `buffer` must hold the layer's maximum fan-in (`maxFanIn`).
 */
export function fanInOf(layer: LayerProfile, neuron: number, buffer: Int32Array): number {
  const mask = layer.weights.kind === 'mask' ? layer.weights.mask : undefined;
  let n = 0;
  if (layer.kind === 'linear') {
    const out = layer.outFeatures;
    for (let i = 0; i < layer.inFeatures; i++) {
      if ((!mask || mask[i * out + neuron]) && channelOn(layer.inChannelMask, linearInChannel(layer, i))) {
        buffer[n++] = i;
      }
    }
    return n;
  }
  const [kh, kw] = layer.kernel;
  const { inChannels: ic, outChannels: oc } = layer;
  const [h, w] = layer.inputSize;
  const co = neuron % oc;
  const pos = (neuron - co) / oc;
  const ox = pos % layer.outputSize[1];
  const oy = (pos - ox) / layer.outputSize[1];
  for (let ky = 0; ky < kh; ky++) {
    const y = oy * layer.stride[0] - layer.padding[0] + ky * layer.dilation[0];
    if (y < 0 || y >= h) continue;
    for (let kx = 0; kx < kw; kx++) {
      const x = ox * layer.stride[1] - layer.padding[1] + kx * layer.dilation[1];
      if (x < 0 || x >= w) continue;
      const k = (ky * kw + kx) * ic;
      const base = (y * w + x) * ic;
      for (let ci = 0; ci < ic; ci++) {
        if ((!mask || mask[(k + ci) * oc + co]) && channelOn(layer.inChannelMask, ci))
          buffer[n++] = base + ci;
      }
    }
  }
  return n;
}

/** Upper bound on any neuron's fan-in (buffer size for `fanInOf`). */
export function maxFanIn(layer: LayerProfile): number {
  return layer.kind === 'linear' ? layer.inFeatures : layer.kernel[0] * layer.kernel[1] * layer.inChannels;
}

/** 0/1 per weight position (profile layout): the weight exists (mask nonzero, both channels unmasked). */
export function effectiveMask(layer: LayerProfile): Uint8Array {
  const mask = layer.weights.kind === 'mask' ? layer.weights.mask : undefined;
  const size = weightCount(layer);
  const result = new Uint8Array(size);
  const outC = layer.kind === 'linear' ? layer.outFeatures : layer.outChannels;
  const inC = layer.kind === 'linear' ? layer.inFeatures : layer.inChannels;
  const rows = size / (inC * outC); // 1 for linear, kh*kw for conv
  for (let k = 0; k < rows; k++)
    for (let i = 0; i < inC; i++) {
      const cin = layer.kind === 'linear' ? linearInChannel(layer, i) : i;
      if (!channelOn(layer.inChannelMask, cin)) continue;
      const base = (k * inC + i) * outC;
      for (let o = 0; o < outC; o++) {
        if (channelOn(layer.outChannelMask, o) && (!mask || mask[base + o])) result[base + o] = 1;
      }
    }
  return result;
}
