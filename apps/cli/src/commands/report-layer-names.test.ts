import { describe, expect, it } from 'vitest';
import { layerNames, renameKeys } from './report-layer-names.js';

describe('readable layer names', () => {
  it('numbers conv and fc weights in network order, skipping BatchNorm and learner tensors', () => {
    const t = (name: string, shape: number[]) => ({ name, shape });
    const names = layerNames({
      tensors: [
        t('model/body.10.weight', [4096, 10]),
        t('model/body.0.weight', [3, 3, 3, 64]),
        t('model/body.1.weight', [64]),
        t('model/body.1.bias', [64]),
        t('model/body.2.weight', [3, 3, 64, 128]),
        t('learner/theta/body.0.weight', [3, 3, 3, 64]),
        t('model/body.12.weight', [10, 10]),
      ],
    });
    expect(Object.fromEntries(names)).toEqual({
      'body.0.weight': 'conv1',
      'body.0': 'conv1',
      'body.2.weight': 'conv2',
      'body.2': 'conv2',
      'body.10.weight': 'fc1',
      'body.10': 'fc1',
      'body.12.weight': 'fc2',
      'body.12': 'fc2',
    });
    expect(renameKeys({ 'body.2.weight': 0.5, other: 1 }, names)).toEqual({ conv2: 0.5, other: 1 });
  });

  it('keeps raw names when the manifest lists no tensors (browser-demo checkpoints)', () => {
    expect(renameKeys({ 'body.1.weight': 0.5 }, layerNames({ tensors: [] }))).toEqual({
      'body.1.weight': 0.5,
    });
  });
});
