// A custom training loop: a spiking MLP (Grad R's MNIST net) trained with BPTT on MNIST.
// Data root: $SYNAPTOGEN_DATA or ~/.cache/synaptogen (mnist/*.gz). TRAIN_LIMIT / EPOCHS shorten the run.
import { batches, loadDataset } from '@synaptogen/datasets';
import { Adam, backendInfo, createModel, initBackend, Trainer } from '@synaptogen/nn';
import { wasmSimd } from '@synaptogen/wasm-simd';

const limit = Number(process.env.TRAIN_LIMIT ?? 60000);
const epochs = Number(process.env.EPOCHS ?? 1);
// the fast path: tfjs-wasm with synaptogen's SIMD kernels (fused neurons, sparse matmul, Adam)
await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
const { backend, accelerator } = backendInfo();
console.error(`backend: ${backend} + ${accelerator.name} (${accelerator.kernels.length} kernels)`);
const train = await loadDataset('mnist', { split: 'train', limit });
const test = await loadDataset('mnist', { split: 'test', limit: 1000 });
const model = createModel('gradr-mnist-mlp', { T: 4, seed: 1 });
const params = new Map(model.namedParameters().filter(([, v]) => v.trainable));
const trainer = new Trainer({ model, optimizer: new Adam(params, { lr: 1e-3 }) });
for (let epoch = 0; epoch < epochs; epoch++) {
  const source = batches(train, { batchSize: 64, seed: 1, epoch, limit });
  const fit = await trainer.trainEpoch(source, epoch);
  const ev = await trainer.evaluate(batches(test, { batchSize: 500, shuffle: false }));
  const line = {
    epoch: epoch + 1,
    samples: fit.trainSamples,
    trainLoss: fit.trainLoss,
    testAccuracy: ev.accuracy,
  };
  console.log(JSON.stringify(line));
}
