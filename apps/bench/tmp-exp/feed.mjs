import { Adam, createModel } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { loadDataset, workerBatches, batches } from '@synaptogen/datasets/node';
import { initBackend } from '@synaptogen/nn';
import { wasmSimd } from '@synaptogen/wasm-simd';
await initBackend({ accelerator: wasmSimd() });
const train = await loadDataset('mnist', { dataDir: process.env.SYNAPTOGEN_DATA, split: 'train' });
const mk = () => new TrainingSession({ model: createModel('gradr-mnist-mlp', { seed: 0 }), learner: createLearner('gradr', { alpha: 0.05, targetSparsity: 0.95 }), optimizer: (p) => new Adam(p, { lr: 1e-3 }), lr: 1e-3, totalSteps: 469 });
const N = 120;
async function run(kind) {
  const s = mk();
  const opts = { batchSize: 128, seed: 0, epoch: 0, limit: 128 * (N + 10), normalize: false };
  let src;
  if (kind === 'cached') { const c = []; for await (const b of batches(train, { ...opts, limit: 128 * 8 })) c.push(b); src = (function* () { for (let i = 0; i < N + 10; i++) yield c[i % 8]; })(); }
  else src = kind === 'worker' ? workerBatches(train, opts) : batches(train, opts);
  let i = 0, t0 = 0;
  for await (const b of src) { if (i === 10) t0 = performance.now(); s.trainer.trainStep(b, { epoch: 0, batchIndex: i }); i++; }
  const r = (128 * N) / ((performance.now() - t0) / 1000);
  s.dispose();
  return r;
}
const res = { cached: [], worker: [], inline: [] };
for (let round = 0; round < 3; round++) for (const k of Object.keys(res)) res[k].push(Math.round(await run(k)));
console.log(JSON.stringify(res));
