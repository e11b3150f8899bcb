import type { StepRecord } from '@synaptogen/neurons';
import * as tf from '@tensorflow/tfjs-core';
import { listChannelScores, type PotentialScoreFn, registerChannelScore } from '../sca/scores.js';
import { importPlugin } from './import-plugin.js';

/**
 * A channel score in a module of its own, for SCA (`score` option) and `synaptogen ablate`: the
 * default export. `score` gets the host's tfjs, so the file imports nothing.
 */
export interface ChannelScorePlugin {
  name: string;
  description?: string;
  /** An element-wise activity tensor from one time step's record (see `ChannelScoreFn`). */
  score(record: StepRecord, host: { tf: typeof tf }): tf.Tensor;
  /** Optional: the same score from H alone (see `PotentialScoreFn`): reduced in one pass per call. */
  ofPotential?: PotentialScoreFn;
  /** Replace a score of the same name (a built-in included). */
  override?: boolean;
}

const BUILT_IN = new Set(listChannelScores());

/**
 * Loads a channel-score plugin from a file path or package name and registers it under its own name;
 * returns the name. A built-in's name is refused unless the plugin exports `override: true`.
 */
export async function loadChannelScore(
  specifier: string,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const { mod } = await importPlugin(specifier, {
    kind: 'channel-score',
    ...options,
    notFound: () =>
      `unknown channel-score plugin "${specifier}"; expected a file path (./my-score.js) or an installed package name`,
  });
  const p = mod.default as Partial<ChannelScorePlugin> | undefined;
  const origin = `channel-score plugin ${specifier}`;
  if (!p || typeof p !== 'object' || typeof p.name !== 'string' || typeof p.score !== 'function')
    throw new Error(`${origin}: expected a default export { name: string, score(record, { tf }) }`);
  if (BUILT_IN.has(p.name) && p.override !== true)
    throw new Error(
      `${origin} is named "${p.name}", which is a built-in channel score; rename it, or export override: true with it`,
    );
  const score = p.score.bind(p);
  registerChannelScore(
    p.name,
    (record) => score(record, { tf }),
    p.description ?? `plugin from ${specifier}`,
    {
      ofPotential: p.ofPotential,
    },
  );
  return p.name;
}
