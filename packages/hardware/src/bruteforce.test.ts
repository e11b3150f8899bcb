import { describe, expect, it } from 'vitest';
import { activityFromTensor, buildProfile, conv2dLayer, linearLayer, type Padding } from './layout.js';
import { countOps } from './ops.js';
import { mulberry32 } from './random.js';

// Independent reference: walk every actual spike of the [T, N, H, W, C] tensor and every nonzero weight it
// drives, with the conv window arithmetic written out from scratch (no helper from the package).
function bruteConv(
  spikes: Uint8Array,
  dims: { t: number; n: number; h: number; w: number; c: number },
  mask: Uint8Array,
  conv: {
    kh: number;
    kw: number;
    oc: number;
    sh: number;
    sw: number;
    dh: number;
    dw: number;
    top: number;
    left: number;
    oh: number;
    ow: number;
  },
  inMask: Uint8Array,
  outMask: Uint8Array,
): number {
  let ops = 0;
  const { t, n, h, w, c } = dims;
  for (let s = 0; s < t * n; s++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ci = 0; ci < c; ci++) {
          if (!spikes[((s * h + y) * w + x) * c + ci] || !inMask[ci]) continue;
          for (let oy = 0; oy < conv.oh; oy++)
            for (let ox = 0; ox < conv.ow; ox++)
              for (let ky = 0; ky < conv.kh; ky++)
                for (let kx = 0; kx < conv.kw; kx++) {
                  if (oy * conv.sh - conv.top + ky * conv.dh !== y) continue;
                  if (ox * conv.sw - conv.left + kx * conv.dw !== x) continue;
                  for (let co = 0; co < conv.oc; co++)
                    if (outMask[co] && mask[((ky * conv.kw + kx) * c + ci) * conv.oc + co]) ops++;
                }
        }
  return ops / n;
}

function randomMask(size: number, density: number, rand: () => number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = rand() < density ? 1 : 0;
  return m;
}

describe('effective ACs equal a brute-force count over actual spikes', () => {
  const cases: {
    kernel: [number, number];
    stride: number;
    dilation: number;
    padding: Padding;
    h: number;
    w: number;
  }[] = [
    { kernel: [3, 3], stride: 1, dilation: 1, padding: 'same', h: 7, w: 6 },
    { kernel: [3, 3], stride: 2, dilation: 1, padding: 'same', h: 8, w: 7 },
    { kernel: [5, 3], stride: 2, dilation: 1, padding: 'valid', h: 9, w: 8 },
    { kernel: [3, 3], stride: 1, dilation: 2, padding: 2, h: 6, w: 6 },
    { kernel: [4, 4], stride: 3, dilation: 1, padding: [1, 2], h: 10, w: 9 },
  ];
  cases.forEach((k, i) => {
    it(`conv case ${i}: kernel ${k.kernel} stride ${k.stride} dilation ${k.dilation} padding ${JSON.stringify(k.padding)}`, () => {
      const rand = mulberry32(100 + i);
      const [t, n, c, oc] = [3, 2, 3, 4];
      const spikes = randomMask(t * n * k.h * k.w * c, 0.3, rand);
      const mask = randomMask(k.kernel[0] * k.kernel[1] * c * oc, 0.4, rand);
      const inMask = Uint8Array.from([1, 0, 1]);
      const outMask = Uint8Array.from([1, 1, 0, 1]);
      const layer = conv2dLayer({
        name: 'conv',
        inChannels: c,
        outChannels: oc,
        inputSize: [k.h, k.w],
        kernel: k.kernel,
        stride: k.stride,
        dilation: k.dilation,
        padding: k.padding,
        weights: mask,
        inChannelMask: inMask,
        outChannelMask: outMask,
        activity: activityFromTensor(spikes, t, n),
      });
      const got = countOps(buildProfile({ timeSteps: t, layers: [layer] })).layers[0].effectiveACs;
      const want = bruteConv(
        spikes,
        { t, n, h: k.h, w: k.w, c },
        mask,
        {
          kh: k.kernel[0],
          kw: k.kernel[1],
          oc,
          sh: k.stride,
          sw: k.stride,
          dh: k.dilation,
          dw: k.dilation,
          top: layer.padding[0],
          left: layer.padding[1],
          oh: layer.outputSize[0],
          ow: layer.outputSize[1],
        },
        inMask,
        outMask,
      );
      expect(want).toBeGreaterThan(0);
      expect(got).toBe(want);
    });
  });

  it('linear layer after a flatten, with input channel mask', () => {
    const rand = mulberry32(7);
    const [t, n, h, w, c, out] = [4, 3, 2, 3, 5, 6];
    const inF = h * w * c;
    const spikes = randomMask(t * n * inF, 0.25, rand);
    const mask = randomMask(inF * out, 0.3, rand);
    const inMask = Uint8Array.from([1, 1, 0, 1, 0]);
    const layer = linearLayer({
      name: 'fc',
      inFeatures: inF,
      outFeatures: out,
      inputShape: [h, w, c],
      weights: mask,
      inChannelMask: inMask,
      activity: activityFromTensor(spikes, t, n),
    });
    let want = 0;
    for (let s = 0; s < t * n; s++)
      for (let i = 0; i < inF; i++)
        if (spikes[s * inF + i] && inMask[i % c]) for (let o = 0; o < out; o++) want += mask[i * out + o];
    want /= n;
    expect(want).toBeGreaterThan(0);
    expect(countOps(buildProfile({ timeSteps: t, layers: [layer] })).layers[0].effectiveACs).toBe(want);
  });
});
