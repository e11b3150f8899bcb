import type { ModelConfig, SpikingModel } from '@synaptogen/nn';
import { buildModel, type LossName } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import { NirGraphError } from '../errors.js';
import type { MetadataValue } from '../graph.js';
import { product } from '../layout.js';
import type { ImportContext } from './context.js';
import { num } from './metadata.js';

/**
 * The config of the model the layers in `ctx` make, for an input of `inShape`: the options first, then
 * the config synaptogen's export stores in the graph's metadata, then NIR's own metadata.
 */
export function modelConfig(
  ctx: ImportContext,
  inShape: number[],
  options: { name?: string; T?: number },
): ModelConfig {
  const meta = parseConfig(ctx.graph.metadata.synaptogen_config);
  // a model exported from event frames keeps its [T, C, H, W] input
  const frames = meta?.inputShape?.length === 4 && meta.inputShape.slice(1).join() === inShape.join();
  return {
    name: options.name ?? meta?.name ?? fileStem(ctx.file) ?? 'nir-model',
    T: frames ? (meta.inputShape as number[])[0] : (options.T ?? num(ctx.graph.metadata.time_steps) ?? 1),
    inputShape: frames ? (meta.inputShape as number[]) : inShape,
    classes: product(ctx.shape),
    seed: meta?.seed ?? 0,
    loss: (meta?.loss as LossName) ?? 'cross-entropy',
    layers: ctx.specs,
  };
}

/** Builds the model of `config` with the tensors of `ctx` as its state, in evaluation mode. */
export function buildWithTensors(ctx: ImportContext, config: ModelConfig): SpikingModel {
  let model: SpikingModel;
  try {
    model = buildModel(config);
  } catch (e) {
    throw new NirGraphError(`cannot build the model: ${(e as Error).message}`, { file: ctx.file });
  }
  tf.tidy(() => {
    for (const [name, v] of model.stateTensors()) {
      const t = ctx.tensors.get(name);
      if (!t) continue;
      if (t.shape.join(',') !== v.shape.join(','))
        throw new NirGraphError(`tensor ${name} is [${t.shape}], the model expects [${v.shape}]`, {
          file: ctx.file,
        });
      v.assign(tf.tensor(t.data, t.shape, 'float32'));
    }
  });
  model.eval();
  return model;
}

function parseConfig(v: MetadataValue | undefined): Partial<ModelConfig> | null {
  if (typeof v !== 'string') return null;
  try {
    return JSON.parse(v) as Partial<ModelConfig>;
  } catch {
    return null;
  }
}

/** `cnn_sinabs` for `.../cnn_sinabs.nir`. */
function fileStem(file: string | undefined): string | undefined {
  const base = file
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/\.[^.]*$/, '');
  return base || undefined;
}
