import type { SpikingModel } from '@synaptogen/nn';
import { ZERO_THRESHOLD } from '@synaptogen/structure/plugin';
import type { MaskMap } from './protocol.js';

/** Bins per side of a heat-map at most: a 784 × 800 layer becomes 98 × 100 bins of 8 × 8 synapses. */
const MAX_BINS = 100;

/**
 * Per-layer maps of which synapses exist (|w| ≥ 1e-10, the connectivity rule of structure), binned to
 * at most 100 × 100 cells: the fraction of each cell's synapses present, and how many were pruned or
 * regrown since the previous map. Rows are inputs, columns outputs: Linear `[in, out]` as stored, conv
 * `[kh, kw, in, out]` as (kh·kw·in) × out. Keeps the previous masks to count the changes.
 */
export class MaskMaps {
  private previous = new Map<string, Uint8Array>();

  compute(model: SpikingModel): MaskMap[] {
    return model.prunableWeights().map(([name, w]) => {
      const shape = w.shape;
      const cols = shape[shape.length - 1];
      const rows = w.size / cols;
      const values = w.dataSync();
      const mask = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) mask[i] = Math.abs(values[i]) >= ZERO_THRESHOLD ? 1 : 0;
      const before = this.previous.get(name);
      this.previous.set(name, mask);
      const binRows = Math.ceil(rows / Math.ceil(rows / MAX_BINS));
      const binCols = Math.ceil(cols / Math.ceil(cols / MAX_BINS));
      const rowStep = Math.ceil(rows / binRows);
      const colStep = Math.ceil(cols / binCols);
      const present = new Float32Array(binRows * binCols);
      const total = new Float32Array(binRows * binCols);
      const pruned = new Uint32Array(binRows * binCols);
      const regrown = new Uint32Array(binRows * binCols);
      let active = 0;
      let prunedAll = 0;
      let regrownAll = 0;
      for (let r = 0; r < rows; r++) {
        const rowBin = Math.floor(r / rowStep) * binCols;
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const bin = rowBin + Math.floor(c / colStep);
          total[bin]++;
          present[bin] += mask[i];
          active += mask[i];
          if (before && before[i] !== mask[i]) {
            if (mask[i]) {
              regrown[bin]++;
              regrownAll++;
            } else {
              pruned[bin]++;
              prunedAll++;
            }
          }
        }
      }
      for (let b = 0; b < present.length; b++) present[b] /= total[b] || 1;
      return {
        name,
        rows,
        cols,
        binRows,
        binCols,
        density: present,
        pruned,
        regrown,
        connectivity: active / mask.length,
        prunedSinceLast: prunedAll,
        regrownSinceLast: regrownAll,
      };
    });
  }

  reset(): void {
    this.previous.clear();
  }
}
