import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { activityFromTensor, buildProfile, chwToHwc, conv2dLayer, linearLayer } from './layout.js';
import { mapToChip } from './mapping.js';
import { countOps } from './ops.js';
import { mulberry32 } from './random.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(repoRoot, '../shared/data');

/** The first `n` MNIST test images as [n, 784] bytes (IDX: 16-byte header). */
function mnistImages(n: number): Uint8Array {
  const raw = gunzipSync(readFileSync(path.join(dataRoot, 'mnist/t10k-images-idx3-ubyte.gz')));
  expect(raw.readUInt32BE(0)).toBe(0x803);
  return raw.subarray(16, 16 + n * 784);
}

/** The first `n` CIFAR-10 test images as [n, 32, 32, 3] bytes (records: label + CHW planes). */
function cifarImages(n: number): Uint8Array {
  const raw = readFileSync(path.join(dataRoot, 'cifar10/cifar-10-batches-bin/test_batch.bin'));
  const out = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++)
    out.set(chwToHwc(raw.subarray(i * 3073 + 1, (i + 1) * 3073), [3, 32, 32]), i * 3072);
  return out;
}

function randomMask(size: number, density: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length: size }, () => (rand() < density ? 1 : 0));
}

describe('real data: direct-encoded first layers', () => {
  it('MNIST images into a gradr-mlp shaped 784 -> 800 layer (dense and 5% connectivity)', () => {
    const n = 200;
    const images = mnistImages(n);
    const activity = activityFromTensor(images, 1, n);
    const mask = randomMask(784 * 800, 0.05, 11);
    const layer = (weights?: Uint8Array) =>
      linearLayer({
        name: 'fc1',
        input: 'analog',
        steps: 1,
        inFeatures: 784,
        outFeatures: 800,
        weights,
        activity,
      });
    const denseOps = countOps(buildProfile({ timeSteps: 8, layers: [layer()] })).layers[0];
    const prunedOps = countOps(buildProfile({ timeSteps: 8, layers: [layer(mask)] })).layers[0];

    let nonzeroPixels = 0;
    let brute = 0;
    for (let s = 0; s < n; s++)
      for (let i = 0; i < 784; i++) {
        if (images[s * 784 + i] === 0) continue;
        nonzeroPixels++;
        for (let o = 0; o < 800; o++) brute += mask[i * 800 + o];
      }
    // MNIST digits cover about a fifth of the image.
    expect(nonzeroPixels / n / 784).toBeGreaterThan(0.1);
    expect(nonzeroPixels / n / 784).toBeLessThan(0.3);
    expect(denseOps.effectiveMACs).toBe((nonzeroPixels * 800) / n);
    expect(prunedOps.effectiveMACs).toBe(brute / n);
    expect(denseOps.denseMACs).toBe(784 * 800);
  });

  it('CIFAR-10 images into a 3 -> 16 conv with borders (brute force over every pixel and tap)', () => {
    const n = 10;
    const images = cifarImages(n);
    const mask = randomMask(3 * 3 * 3 * 16, 0.5, 12);
    const layer = conv2dLayer({
      name: 'conv1',
      input: 'analog',
      steps: 1,
      inChannels: 3,
      outChannels: 16,
      inputSize: [32, 32],
      kernel: 3,
      padding: 'same',
      weights: mask,
      activity: activityFromTensor(images, 1, n),
    });
    let brute = 0;
    for (let s = 0; s < n; s++)
      for (let oy = 0; oy < 32; oy++)
        for (let ox = 0; ox < 32; ox++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const y = oy + ky - 1;
              const x = ox + kx - 1;
              if (y < 0 || y > 31 || x < 0 || x > 31) continue;
              for (let c = 0; c < 3; c++) {
                if (images[s * 3072 + (y * 32 + x) * 3 + c] === 0) continue;
                for (let co = 0; co < 16; co++) brute += mask[((ky * 3 + kx) * 3 + c) * 16 + co];
              }
            }
    const ops = countOps(buildProfile({ timeSteps: 4, layers: [layer] })).layers[0];
    expect(ops.effectiveMACs).toBe(brute / n);
    // Borders: fewer effective MACs than the framework count even with every pixel nonzero.
    expect(ops.effectiveMACs).toBeLessThan(
      (32 * 32 * 16 * 27 * mask.reduce((a, b) => a + b, 0)) / mask.length,
    );
  });
});

describe('gradr-mlp shape on Loihi', () => {
  it('dense 784 -> 800 -> 10 needs 7 cores: synapse memory binds the first layer', () => {
    // 784 dense groups per core, n neurons: 784 * (64 + 64 * ceil(n / 8)) <= 1048576 -> n <= 152;
    // 800 neurons -> 6 cores; the 10 output neurons fit one core.
    const profile = buildProfile({
      timeSteps: 8,
      layers: [
        linearLayer({ name: 'fc1', input: 'analog', steps: 1, inFeatures: 784, outFeatures: 800 }),
        linearLayer({ name: 'fc2', inFeatures: 800, outFeatures: 10 }),
      ],
    });
    const m = mapToChip(profile, 'loihi');
    expect(m.layers.map((l) => l.cores)).toEqual([6, 1]);
    expect(m.coreUsage[0].neurons).toBe(152);
    expect(m.layers[0].bindingLimit).toBe('synapseMemory');
    expect(m.cores).toBe(7);
  });
});
