import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelGroups } from './channel-groups.js';
import { buildModel, createModel } from './zoo.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('channel groups', () => {
  it('conv-small: three conv → BN → IF groups, the last one feeding the Linear over 4×4 positions', () => {
    const m = createModel('conv-small', { width: 0.25 });
    const groups = channelGroups(m);
    expect(groups.map((g) => [g.convPath, g.bnPath, g.neuronPath, g.next.path, g.channels])).toEqual([
      ['body.0', 'body.1', 'body.2', 'body.4', 8],
      ['body.4', 'body.5', 'body.6', 'body.8', 16],
      ['body.8', 'body.9', 'body.10', 'body.13', 32],
    ]);
    const last = groups[2].next;
    expect(last.kind === 'linear' && last.positions).toBe(16);
    m.dispose();
  });

  it('sca-vgg16: all 13 conv layers are groups; the last one feeds FC 1 over 1×1 positions', () => {
    const m = createModel('sca-vgg16', { width: 0.125, T: 1 });
    const groups = channelGroups(m);
    expect(groups.length).toBe(13);
    const last = groups[12].next;
    expect(last.kind === 'linear' && [last.path, last.positions]).toEqual(['body.45', 1]);
    m.dispose();
  });

  it('preresnet18: the inner conv of each of the 8 pre-activation blocks; widths follow extra.channels', () => {
    const m = createModel('preresnet18', { width: 0.125, T: 1 });
    const groups = channelGroups(m);
    expect(groups.map((g) => g.convPath)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `body.${i}.conv1`));
    expect(groups.map((g) => g.channels)).toEqual([8, 8, 16, 16, 32, 32, 64, 64]);
    const out = m.forward(tf.zeros([2, 3, 32, 32]), { training: false });
    expect(out.shape).toEqual([2, 10]);
    const cfg = { ...m.config, extra: { ...m.config.extra, channels: { 'body.3.conv1': 5 } } };
    m.dispose();
    const narrowed = buildModel(cfg);
    expect(channelGroups(narrowed)[2].channels).toBe(5);
    expect(narrowed.forward(tf.zeros([1, 3, 32, 32]), { training: false }).shape).toEqual([1, 10]);
    narrowed.dispose();
  });
});
