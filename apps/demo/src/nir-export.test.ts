import { readNir } from '@synaptogen/nir';
import { createModel, initBackend } from '@synaptogen/nn';
import { beforeAll, expect, it } from 'vitest';
import { nirDownload } from './nir-export.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

it('the demo model downloads as a NIR graph', () => {
  const model = createModel('gradr-mnist-mlp', { seed: 1 });
  const { fileName, bytes } = nirDownload(model, 'gradr-run');
  expect(fileName).toBe('gradr-run.nir');
  const graph = readNir(bytes);
  // HDF5 keeps a group's links in name order; the chain is in the edges
  const chain = ['input', ...graph.edges.map(([, to]) => to)];
  expect(chain.map((n) => graph.nodes.get(n)?.type)).toEqual([
    'Input',
    'Flatten',
    'Linear',
    'LIF',
    'Linear',
    'LIF',
    'Output',
  ]);
  model.dispose();
});
