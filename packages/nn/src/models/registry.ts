import type { Neuron, NeuronSpec } from '../layers/neuron.js';
import type { Module } from '../module.js';
import type { Rng } from '../rng.js';
import type { ModelConfig } from './spiking-model.js';

/** A model defined in code: how to build its layers from a config. */
export interface ModelDefinition {
  description: string;
  defaults: Omit<ModelConfig, 'name' | 'seed' | 'extra' | 'layers'>;
  /** The neuron its `neuron()` factory builds unless `extra.neuron` overrides it (default: IF, SpikingJelly defaults). */
  neuron?: NeuronSpec;
  /** The body's layers; `neuron()` makes one spiking layer, `width` is `extra.width` (default 1). */
  build(cfg: ModelConfig, neuron: () => Neuron, rng: Rng, width: number): Module[];
}

const definitions = new Map<string, ModelDefinition>();

export interface RegisterModelOptions {
  /** Replace an earlier registration of the same name (not allowed for the zoo's own models). */
  replace?: boolean;
}

const zooNames = new Set<string>();

/**
 * Makes a code-defined model known by name, so that `createModel(name)` builds it and a checkpoint of
 * it restores (`restoreModel`). Models built from the standard layers need no registration: their
 * checkpoint stores the architecture as data.
 */
export function registerModel(
  name: string,
  definition: ModelDefinition,
  options: RegisterModelOptions = {},
): void {
  if (!name || typeof name !== 'string')
    throw new Error('registerModel: the name must be a non-empty string');
  if (zooNames.has(name))
    throw new Error(`registerModel: "${name}" is a model of the zoo and cannot be replaced`);
  if (definitions.has(name) && !options.replace)
    throw new Error(`registerModel: "${name}" is already registered (pass { replace: true } to replace it)`);
  if (typeof definition?.build !== 'function')
    throw new Error(`registerModel: "${name}" needs a build() function`);
  definitions.set(name, definition);
}

/** Registers the zoo (called once by the zoo module). */
export function registerZooModel(name: string, definition: ModelDefinition): void {
  zooNames.add(name);
  definitions.set(name, definition);
}

export function modelDefinition(name: string): ModelDefinition | undefined {
  return definitions.get(name);
}

/** Names of the zoo and of every registered model. */
export function registeredModelNames(): string[] {
  return [...definitions.keys()];
}
