import { BatchNorm1d, BatchNorm2d } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { GlobalAvgPool } from '../layers/global-pool.js';
import { Linear } from '../layers/linear.js';
import { Neuron, type NeuronSpec } from '../layers/neuron.js';
import { PreActBlock } from '../layers/preact-block.js';
import { Sequential } from '../layers/sequential.js';
import { Dropout, Flatten, GroupAverage, MaxPool2d } from '../layers/shape.js';
import type { Module } from '../module.js';
import { Rng } from '../rng.js';
import { bodyInputShape, buildLayers } from './layer-spec.js';
import { type ModelDefinition, modelDefinition, registeredModelNames, registerZooModel } from './registry.js';
import { type ModelConfig, SpikingModel } from './spiking-model.js';

export interface CreateModelOptions {
  /** Time steps (default: the model's reference T). */
  T?: number;
  /** Per-sample input shape `[C, H, W]` (or `[T, C, H, W]` for event frames); default per model. */
  inputShape?: number[];
  classes?: number;
  /** Seed of the weight initialisation and dropout masks (default 0). */
  seed?: number;
  /** Channel width multiplier for the conv models (default 1). */
  width?: number;
  /** Override neuron settings (e.g. `{ type: 'PLIF' }` or another surrogate). */
  neuron?: Partial<NeuronSpec>;
}

/** Grad R's neuron: LIF τ = 2, V_th = 1, hard reset to 0, detached reset, atan (α = 2). */
const GRADR_LIF: NeuronSpec = {
  type: 'LIF',
  tau: 2,
  vThreshold: 1,
  vReset: 0,
  detachReset: true,
  surrogate: 'atan',
};
/** SCA's neuron: IF, V_th = 1, hard reset to 0, detached reset, sigmoid (α = 4). */
const SCA_IF: NeuronSpec = { type: 'IF', vThreshold: 1, vReset: 0, detachReset: true, surrogate: 'sigmoid' };

/** The input shape without a leading T for event frames. */
function frameShape(cfg: ModelConfig): [number, number, number] {
  const s = cfg.inputShape.length === 4 ? cfg.inputShape.slice(1) : cfg.inputShape;
  if (s.length !== 3)
    throw new Error(`${cfg.name}: needs an image input shape [C, H, W], got [${cfg.inputShape}]`);
  return s as [number, number, number];
}

/** conv3×3 (pad 1, no bias) → BN → neuron, the block of every conv model here. */
function convBlock(inC: number, outC: number, neuron: () => Neuron, rng: Rng): Module[] {
  return [
    new Conv2d(inC, outC, rng, { kernelSize: 3, padding: 1, bias: false }),
    new BatchNorm2d(outC),
    neuron(),
  ];
}

/** Builds conv blocks from a width list with 'M' for 2×2 max pooling; returns layers and the final [H, W, C]. */
function convStack(cfg: ModelConfig, plan: Array<number | 'M'>, neuron: () => Neuron, rng: Rng) {
  let [c, h, w] = frameShape(cfg);
  const layers: Module[] = [];
  for (const item of plan) {
    if (item === 'M') {
      layers.push(new MaxPool2d(2));
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    } else {
      // compacted models (channel pruning) store their per-conv widths in extra.channels
      const out = channelOverride(cfg, `body.${layers.length}`) ?? item;
      layers.push(...convBlock(c, out, neuron, rng));
      c = out;
    }
  }
  return { layers, features: h * w * c };
}

/** Out-channels of the conv at `path` when the config overrides it (`extra.channels`, by module path). */
function channelOverride(cfg: ModelConfig, path: string): number | undefined {
  const n = (cfg.extra?.channels as Record<string, number> | undefined)?.[path];
  if (n !== undefined && !(Number.isInteger(n) && n >= 1))
    throw new Error(`${cfg.name}: extra.channels["${path}"] must be a positive integer, got ${n}`);
  return n;
}

const scaled = (n: number, width: number) => Math.max(1, Math.round(n * width));

export const MODELS: Record<string, ModelDefinition> = {
  'gradr-mnist-mlp': {
    description:
      "Grad R's MNIST net: Linear 784→800 → LIF → Linear 800→10 → LIF, no biases, T = 8, MSE on rate",
    defaults: { T: 8, inputShape: [1, 28, 28], classes: 10, loss: 'mse-rate' },
    build: (cfg, neuron, rng) => {
      // per time step: time-major event frames [T, C, H, W] feed C·H·W features at each of the T steps
      const features = (cfg.inputShape.length === 4 ? cfg.inputShape.slice(1) : cfg.inputShape).reduce(
        (a, b) => a * b,
        1,
      );
      return [
        new Flatten(),
        new Linear(features, 800, rng, { bias: false }),
        neuron(),
        new Linear(800, cfg.classes, rng, { bias: false }),
        neuron(),
      ];
    },
  },
  'gradr-cifar-net': {
    description:
      "Grad R's CIFAR-10 net: conv 3→256 encoder, 5 conv 256 blocks, 2 max-pools, dropout, FC 16384→2048→100, voting to 10; LIF, T = 8",
    defaults: { T: 8, inputShape: [3, 32, 32], classes: 10, loss: 'mse-rate' },
    build: (cfg, neuron, rng, width) => {
      const c = scaled(256, width);
      const { layers, features } = convStack(cfg, [c, c, c, 'M', c, c, c, 'M'], neuron, rng);
      const hidden = scaled(2048, width);
      return [
        ...layers,
        new Flatten(),
        new Dropout(0.5, rng),
        new Linear(features, hidden, rng, { bias: false }),
        neuron(),
        new Linear(hidden, cfg.classes * 10, rng, { bias: false }),
        neuron(),
        new GroupAverage(10),
      ];
    },
  },
  'sca-vgg16': {
    description:
      "SCA's VGG-16: 13 conv→BN→IF (64…512, 5 max-pools), FC 512+BN+IF ×2, FC; IF sigmoid α=4, T = 4",
    defaults: { T: 4, inputShape: [3, 32, 32], classes: 10, loss: 'cross-entropy' },
    build: (cfg, neuron, rng, width) => {
      const s = (n: number) => scaled(n, width);
      const plan: Array<number | 'M'> = [s(64), s(64), 'M', s(128), s(128), 'M', s(256), s(256), s(256), 'M'];
      plan.push(s(512), s(512), s(512), 'M', s(512), s(512), s(512), 'M');
      const { layers, features } = convStack(cfg, plan, neuron, rng);
      const fc = s(512);
      return [
        ...layers,
        new Flatten(),
        new Linear(features, fc, rng, { bias: false }),
        new BatchNorm1d(fc),
        neuron(),
        new Linear(fc, fc, rng, { bias: false }),
        new BatchNorm1d(fc),
        neuron(),
        new Linear(fc, cfg.classes, rng),
      ];
    },
  },
  'sca-vgg-small': {
    description:
      "The PyTorch peer's benchmark net (shared/peer/snn_ref.py): conv 64, 128, M, 256, M, 256, M → Linear 4096→10; IF, T = 4",
    defaults: { T: 4, inputShape: [3, 32, 32], classes: 10, loss: 'cross-entropy' },
    build: (cfg, neuron, rng, width) => {
      const s = (n: number) => scaled(n, width);
      const { layers, features } = convStack(
        cfg,
        [s(64), s(128), 'M', s(256), 'M', s(256), 'M'],
        neuron,
        rng,
      );
      return [...layers, new Flatten(), new Linear(features, cfg.classes, rng)];
    },
  },
  'conv-small': {
    description:
      'A quick conv net for tests and short runs: conv 32, M, 64, M, 128, M → Linear; IF, T = 4 (~10 M MACs/step on 32×32)',
    defaults: { T: 4, inputShape: [3, 32, 32], classes: 10, loss: 'cross-entropy' },
    build: (cfg, neuron, rng, width) => {
      const s = (n: number) => scaled(n, width);
      const { layers, features } = convStack(cfg, [s(32), 'M', s(64), 'M', s(128), 'M'], neuron, rng);
      return [...layers, new Flatten(), new Linear(features, cfg.classes, rng)];
    },
  },
  preresnet18: {
    description:
      'Pre-ResNet-18: conv 64, 4 stages × 2 pre-activation blocks (BN → IF → conv, 64…512), BN → IF → global mean → Linear; T = 4',
    defaults: { T: 4, inputShape: [3, 32, 32], classes: 10, loss: 'cross-entropy' },
    build: (cfg, neuron, rng, width) => {
      const s = (n: number) => scaled(n, width);
      const [c0] = frameShape(cfg);
      const stem = s(64);
      const layers: Module[] = [new Conv2d(c0, stem, rng, { kernelSize: 3, padding: 1, bias: false })];
      let c = stem;
      for (const [stage, planes] of [64, 128, 256, 512].entries()) {
        for (let b = 0; b < 2; b++) {
          const out = s(planes);
          const mid = channelOverride(cfg, `body.${layers.length}.conv1`) ?? out;
          layers.push(new PreActBlock(c, mid, out, stage > 0 && b === 0 ? 2 : 1, neuron, rng));
          c = out;
        }
      }
      return [...layers, new BatchNorm2d(c), neuron(), new GlobalAvgPool(), new Linear(c, cfg.classes, rng)];
    },
  },
};

/** The zoo's names (registered models come on top: `registeredModelNames()`). */
export const MODEL_NAMES = Object.keys(MODELS);

const DEFAULT_NEURON: Record<string, NeuronSpec> = {
  'gradr-mnist-mlp': GRADR_LIF,
  'gradr-cifar-net': GRADR_LIF,
  'sca-vgg16': SCA_IF,
  'sca-vgg-small': SCA_IF,
  'conv-small': SCA_IF,
  preresnet18: SCA_IF,
};

for (const [name, def] of Object.entries(MODELS))
  registerZooModel(name, { ...def, neuron: DEFAULT_NEURON[name] });

export class UnknownModelError extends Error {
  constructor(readonly modelName: string) {
    super(
      `unknown model "${modelName}"; expected one of: ${registeredModelNames().join(', ')} (a model defined in code must be registered with registerModel before it is built or restored)`,
    );
    this.name = 'UnknownModelError';
  }
}

/** Builds a model of the zoo (or a registered one) by name, with a seeded initialisation. */
export function createModel(name: string, options: CreateModelOptions = {}): SpikingModel {
  const def = modelDefinition(name);
  if (!def) throw new UnknownModelError(name);
  const extra: Record<string, unknown> = {};
  if (options.width !== undefined) extra.width = options.width;
  if (options.neuron !== undefined) extra.neuron = options.neuron;
  const cfg: ModelConfig = {
    name,
    T: options.T ?? def.defaults.T,
    inputShape: options.inputShape ?? def.defaults.inputShape,
    classes: options.classes ?? def.defaults.classes,
    seed: options.seed ?? 0,
    loss: def.defaults.loss,
    extra,
  };
  return buildModel(cfg);
}

/**
 * Rebuilds a model from its saved config (checkpoints): from the architecture stored in `layers` when
 * there is one, else from the zoo or a registered definition by name.
 */
export function buildModel(cfg: ModelConfig): SpikingModel {
  if (!Number.isInteger(cfg.T) || cfg.T < 1)
    throw new Error(`${cfg.name}: T must be a positive integer, got ${cfg.T}`);
  const rng = new Rng(cfg.seed);
  if (cfg.layers) {
    if (!Array.isArray(cfg.layers))
      throw new Error(`${cfg.name}: config.layers must be an array of layer specs`);
    const channels = cfg.extra?.channels as Record<string, number> | undefined;
    const layers = buildLayers(cfg.layers, bodyInputShape(cfg.inputShape), rng, { path: 'body', channels });
    return new SpikingModel(cfg, new Sequential(layers));
  }
  const def: ModelDefinition | undefined = modelDefinition(cfg.name);
  if (!def) throw new UnknownModelError(cfg.name);
  const spec = {
    ...(def.neuron ?? { type: 'IF' }),
    ...((cfg.extra?.neuron as Partial<NeuronSpec>) ?? {}),
  } as NeuronSpec;
  const width = (cfg.extra?.width as number | undefined) ?? 1;
  if (!(width > 0)) throw new Error(`${cfg.name}: width must be > 0, got ${width}`);
  const layers = def.build(cfg, () => new Neuron(spec), rng, width);
  return new SpikingModel(cfg, new Sequential(layers));
}
