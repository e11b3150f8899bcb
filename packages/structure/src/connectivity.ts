import * as tf from '@tensorflow/tfjs-core';
import type { LayerConnectivity, LearnerReport } from './contract.js';

/** |w| below this counts as zero (as in the Grad R reference). */
export const ZERO_THRESHOLD = 1e-10;

/** Number of entries with |w| ≥ 1e-10 in each tensor, in one device round trip. */
export function countNonzero(tensors: readonly tf.Tensor[]): number[] {
  if (!tensors.length) return [];
  const counts = tf.tidy(() =>
    tf.stack(
      tensors.map((w) => tf.sum(tf.cast(tf.greaterEqual(tf.abs(w), tf.scalar(ZERO_THRESHOLD)), 'int32'))),
    ),
  );
  const out = Array.from(counts.dataSync());
  counts.dispose();
  return out;
}

/** Builds a report from per-layer active/total counts. */
export function buildReport(
  layers: ReadonlyArray<{ name: string; active: number; total: number }>,
  pruned: number,
  regrown: number,
): LearnerReport {
  const perLayer: Record<string, LayerConnectivity> = {};
  let active = 0;
  let total = 0;
  for (const l of layers) {
    perLayer[l.name] = { connectivity: l.total ? l.active / l.total : 1, active: l.active, total: l.total };
    active += l.active;
    total += l.total;
  }
  return { connectivity: total ? active / total : 1, perLayer, pruned, regrown };
}

/** Connectivity of a model's prunable weights measured from the weights themselves (|w| ≥ 1e-10). */
export function measureConnectivity(weights: ReadonlyArray<[string, tf.Tensor]>): LearnerReport {
  const counts = countNonzero(weights.map(([, w]) => w));
  return buildReport(
    weights.map(([name, w], i) => ({ name, active: counts[i], total: w.size })),
    0,
    0,
  );
}
