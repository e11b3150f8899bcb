import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, recoverCheckpoint, SAVE_STEPS, saveCheckpoint } from './checkpoint-fs.js';

// A save killed (SIGKILL) at each of its steps, in a child process running the built package.
const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(pkg, 'dist/node.js');
const CONFIG = { name: 'tiny', T: 1, inputShape: [4], classes: 2, seed: 0 };

const saveIn = (value: number) => `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { saveCheckpoint } from ${JSON.stringify(dist)};
await tf.setBackend('cpu');
await saveCheckpoint(process.argv[1], ${JSON.stringify(CONFIG)},
  new Map([['model/w', tf.fill([4096], ${value})]]), { value: ${value} });
`;

const savedValue = async (dir: string) => {
  const data = await loadCheckpoint(dir);
  const w = data.tensors.get('model/w') as tf.Tensor;
  const values = new Set(w.dataSync());
  tf.dispose([...data.tensors.values()]);
  return { meta: data.manifest.meta.value, values: [...values] };
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a save killed at any step', () => {
  // turbo builds the package before its tests; `pnpm --filter @synaptogen/nn build` when run alone
  it('leaves the previous checkpoint or the new one, and the next save tidies up', async () => {
    expect(SAVE_STEPS.indexOf('switched')).toBeGreaterThan(0);
    for (const [i, step] of SAVE_STEPS.entries()) {
      const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-kill-')), 'run');
      await saveCheckpoint(dir, CONFIG as never, new Map([['model/w', tf.fill([4096], 1)]]), { value: 1 });
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', saveIn(2), dir], {
        cwd: pkg,
        encoding: 'utf8',
        env: { ...process.env, SYNAPTOGEN_TEST_CRASH_AT: step },
      });
      expect(r.signal, `${step}: ${r.stderr}`).toBe('SIGKILL');
      // before the manifest's rename the old checkpoint answers, from it on the new one
      const expected = i < SAVE_STEPS.indexOf('switched') ? 1 : 2;
      expect(await savedValue(dir), step).toEqual({ meta: expected, values: [expected] });
      await recoverCheckpoint(dir);
      expect(readdirSync(dir), step).toHaveLength(2); // manifest.json and the weights it names
      await saveCheckpoint(dir, CONFIG as never, new Map([['model/w', tf.fill([4096], 3)]]), { value: 3 });
      expect(await savedValue(dir), step).toEqual({ meta: 3, values: [3] });
      expect(readdirSync(dir), step).toHaveLength(2);
    }
  });
});
