import type { KernelInstance } from './runtime.js';

/**
 * Deterministic parallel sums. A kernel whose threads each add into their own partial gives a
 * result that depends on which thread claimed which work (float addition is not associative): two
 * runs of one seed drifted apart. Instead the work is cut into a fixed number of blocks, each summed
 * into its own partial in a fixed order, and the partials are added in block order: the result
 * depends on the geometry and the thread count, never on timing. Several blocks per thread keep the
 * load balanced (a thread that starts late claims fewer).
 */

/** Scratch the extra partials may take (floats): beyond it, fewer blocks (coarser balancing). */
const PARTIALS_BUDGET_FLOATS = 8 << 20;
/** Blocks per thread when the budget allows. */
const BLOCKS_PER_THREAD = 4;

export interface PartialBlocks {
  /** Number of blocks (= partials). */
  blocks: number;
  /** Work items per block (the last may hold fewer), a multiple of `granule`. */
  perBlock: number;
}

/** Cuts `items` work items for `threads` threads into blocks of whole `granule`s, one partial of `partialFloats` each. */
export function partialBlocks(
  items: number,
  threads: number,
  partialFloats: number,
  granule = 1,
): PartialBlocks {
  const granules = Math.ceil(items / granule);
  const affordable = Math.floor(PARTIALS_BUDGET_FLOATS / partialFloats);
  const wanted = threads <= 1 ? 1 : Math.max(threads, Math.min(BLOCKS_PER_THREAD * threads, affordable));
  const perBlock = Math.ceil(granules / Math.min(granules, wanted)) * granule;
  return { blocks: Math.ceil(items / perBlock), perBlock };
}

/** Zeroed partials, one after the other (`floats` a multiple of 4): the first one's pointer. */
export function allocPartials(k: KernelInstance, blocks: number, floats: number): number {
  const ptr = k.alloc(blocks * floats);
  k.exports.zero(ptr, blocks * floats * 4);
  return ptr;
}

/** Adds partials 1…blocks−1 into partial 0, in block order. */
export function sumPartials(k: KernelInstance, ptr: number, blocks: number, floats: number): void {
  for (let b = 1; b < blocks; b++) k.exports.addInto(ptr, ptr + b * floats * 4, floats);
}
