import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  Greater,
  GreaterEqual,
  getKernel,
  Identity,
  type KernelConfig,
  Slice,
} from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, adamKernelConfigs } from '../adam.js';
import { BATCHNORM_BACKWARD, BATCHNORM_FORWARD, batchNormKernelConfigs } from '../batchnorm.js';
import { CHANNEL_SCORE_SUMS, channelScoreKernelConfigs } from '../channel-scores.js';
import type { ConvOptions } from '../conv.js';
import { GRADR_UPDATE, gradrKernelConfigs } from '../gradr.js';
import { greaterKernelConfig } from '../greater.js';
import type { HeapKernelsProvider } from '../heap-instance.js';
import { greaterEqualKernelConfig, sliceKernelConfig } from '../heap-kernels.js';
import { identityKernelConfig } from '../identity.js';
import { NEURON_BACKWARD, NEURON_FORWARD, neuronKernelConfigs } from '../neuron-op.js';
import { MAXPOOL_GRAD_FIRST, poolKernelConfigs } from '../pool.js';
import type { KernelInstance } from '../runtime.js';
import { matMulKernel } from './batch-matmul.js';
import { convKernel } from './conv2d.js';
import { convFilterKernel } from './conv2d-backprop-filter.js';
import { convInputKernel } from './conv2d-backprop-input.js';

export type WasmSimdKernelName =
  | typeof BatchMatMul
  | typeof Conv2D
  | typeof Conv2DBackpropFilter
  | typeof Conv2DBackpropInput
  | typeof NEURON_FORWARD
  | typeof NEURON_BACKWARD
  | typeof MAXPOOL_GRAD_FIRST
  | typeof BATCHNORM_FORWARD
  | typeof BATCHNORM_BACKWARD
  | typeof Identity
  | typeof Slice
  | typeof GreaterEqual
  | typeof Greater
  | typeof ADAM_UPDATE
  | typeof GRADR_UPDATE
  | typeof CHANNEL_SCORE_SUMS;

/** What every kernel is made from: the loaded instance, the backend and the options of `useWasmSimd`. */
export interface KernelSetup {
  k: KernelInstance;
  backendName: string;
  /** The in-place kernels' access to tfjs' own memory (null when not in place). */
  heapFor: HeapKernelsProvider;
  conv: ConvOptions;
  sparseWeights: boolean;
}

/** One entry of the registration list: the kernel names it serves and their configs for a setup. */
interface KernelEntry {
  names: readonly WasmSimdKernelName[];
  configs(setup: KernelSetup): KernelConfig[];
}

/** A stock wasm kernel replaced by ours (which may fall back to it): only where the stock one exists. */
function replacing(name: string, make: (stock: KernelConfig, setup: KernelSetup) => KernelConfig) {
  return (setup: KernelSetup): KernelConfig[] => {
    const stock = getKernel(name, setup.backendName);
    return stock && setup.backendName === 'wasm' ? [make(stock, setup)] : [];
  };
}

/** A kernel of this package's own ops: for the backend asked and for cpu (the reference). */
function ownOp(make: (backendName: string, setup: KernelSetup) => KernelConfig[]) {
  return (setup: KernelSetup): KernelConfig[] =>
    (setup.backendName === 'cpu' ? ['cpu'] : [setup.backendName, 'cpu']).flatMap((b) => make(b, setup));
}

/** Every kernel this package installs, in the order of `ALL_KERNELS`. */
const REGISTRATIONS: readonly KernelEntry[] = [
  {
    names: [BatchMatMul],
    configs: replacing(BatchMatMul, (stock, s) => matMulKernel(s.k, stock, s.sparseWeights)),
  },
  { names: [Conv2D], configs: replacing(Conv2D, (stock, s) => convKernel(s.k, stock, s.conv)) },
  {
    names: [Conv2DBackpropFilter],
    configs: (s) => [
      {
        kernelName: Conv2DBackpropFilter,
        backendName: s.backendName,
        kernelFunc: convFilterKernel(s.k, s.conv),
      },
    ],
  },
  {
    names: [Conv2DBackpropInput],
    configs: (s) => [
      {
        kernelName: Conv2DBackpropInput,
        backendName: s.backendName,
        kernelFunc: convInputKernel(s.k, s.conv),
      },
    ],
  },
  {
    names: [NEURON_FORWARD, NEURON_BACKWARD],
    configs: ownOp((b, s) => neuronKernelConfigs(b, s.k, s.heapFor)),
  },
  { names: [MAXPOOL_GRAD_FIRST], configs: ownOp((b, s) => poolKernelConfigs(b, s.k)) },
  {
    names: [BATCHNORM_FORWARD, BATCHNORM_BACKWARD],
    configs: ownOp((b, s) => batchNormKernelConfigs(b, s.k)),
  },
  // stock wasm kernels replaced by copy-free ones (see identity.ts, heap-kernels.ts)
  { names: [Identity], configs: replacing(Identity, identityKernelConfig) },
  { names: [Slice], configs: replacing(Slice, sliceKernelConfig) },
  { names: [GreaterEqual], configs: replacing(GreaterEqual, greaterEqualKernelConfig) },
  { names: [Greater], configs: replacing(Greater, (stock, s) => greaterKernelConfig(stock, s.k, s.heapFor)) },
  { names: [ADAM_UPDATE], configs: ownOp((b, s) => adamKernelConfigs(b, s.k, s.heapFor)) },
  { names: [GRADR_UPDATE], configs: ownOp((b, s) => gradrKernelConfigs(b, s.k, s.heapFor)) },
  { names: [CHANNEL_SCORE_SUMS], configs: ownOp((b, s) => channelScoreKernelConfigs(b, s.heapFor)) },
];

export const ALL_KERNELS: readonly WasmSimdKernelName[] = REGISTRATIONS.flatMap((e) => e.names);

/** The configs of the kernels named, for the setup. */
export function kernelConfigs(names: readonly WasmSimdKernelName[], setup: KernelSetup): KernelConfig[] {
  return REGISTRATIONS.filter((e) => e.names.some((n) => names.includes(n)))
    .flatMap((e) => e.configs(setup))
    .filter((c) => names.includes(c.kernelName as WasmSimdKernelName));
}
