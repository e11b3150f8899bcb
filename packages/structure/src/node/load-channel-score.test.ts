import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { getChannelScore } from '../sca/scores.js';
import { loadChannelScore } from './load-channel-score.js';

const dir = mkdtempSync(join(tmpdir(), 'synaptogen-score-plugin-'));
const file = (name: string, source: string) => {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
};

describe('loadChannelScore', () => {
  it('registers a plugin file under its name, with the host tfjs and its ofPotential', async () => {
    const path = file(
      'energy.js',
      `export default { name: 'energy-test', score: ({ h }, { tf }) => tf.square(h), ofPotential: (h) => h * h };`,
    );
    expect(await loadChannelScore(path)).toBe('energy-test');
    const score = getChannelScore('energy-test');
    expect(score.ofPotential?.(3, 1, 0)).toBe(9);
    const h = tf.tensor1d([-2, 0.5]);
    const values = score.fn({ t: 0, spike: h, v: h, h });
    expect(Array.from(values.dataSync())).toEqual([4, 0.25]);
    tf.dispose([h, values]);
  });

  it("refuses a built-in's name unless it says override, and a module without name and score", async () => {
    const clash = file('clash.js', `export default { name: 'activity', score: ({ h }) => h };`);
    await expect(loadChannelScore(clash)).rejects.toThrow(
      /channel-score plugin .*clash.js is named "activity", which is a built-in channel score; rename it, or export override: true/,
    );
    const bare = file('bare.js', `export default { score: ({ h }) => h };`);
    await expect(loadChannelScore(bare)).rejects.toThrow(
      /expected a default export \{ name: string, score\(record, \{ tf \}\) \}/,
    );
    await expect(loadChannelScore('no-such-score-package-xyz')).rejects.toThrow(
      /unknown channel-score plugin "no-such-score-package-xyz"; expected a file path/,
    );
  });
});
