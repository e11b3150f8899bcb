import type { SpikingModel } from '@synaptogen/nn';
import { estimateStepMemory, type StepMemoryEstimate, WASM_HEAP_LIMIT } from '@synaptogen/nn/train';
import { CliError } from '../errors.js';

const GiB = 2 ** 30;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;

/** What a heap failure message names: the run's model, input and batch. */
export interface MemoryContext {
  model: string;
  dataset: string;
  inputShape: readonly number[];
  batchSize: number;
  T: number;
}

/**
 * Share of the 2 GiB heap a run may plan to use: tfjs' allocator fragments, and wasm memory never
 * shrinks, so a step that needs the whole heap fails after a few epochs.
 */
const PLANNED_SHARE = 0.75;

const PLANNED = PLANNED_SHARE * WASM_HEAP_LIMIT;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** "use --batch-size 21 or less": the largest batch whose estimate fits the planned share of the heap. */
function fitAdvice(flag: string, e: StepMemoryEstimate): string {
  const fit = Math.floor((PLANNED - e.fixed) / e.perSample);
  return fit >= 1 ? `use ${flag} ${fit} or less` : 'even one sample does not fit';
}

/** A run's wasm heap: estimated before it starts, and reached by its end (in bytes). */
export interface RunMemory {
  estimatedStepBytes: number | null;
  estimatedEvalBytes: number | null;
  /** wasm memory never shrinks: its size at the end is the most the run needed (null off wasm). */
  wasmHeapBytes: number | null;
}

/**
 * Refuses a wasm run whose training step or evaluation batch cannot fit tfjs-wasm's heap, before it
 * starts: the memory is measured at batch 1 and 2 and extrapolated. Returns both estimates.
 */
export async function checkRunMemory(
  model: SpikingModel,
  ctx: MemoryContext,
  evalBatchSize: number,
): Promise<{ train: number; eval: number }> {
  const train = await estimateStepMemory(model, { batchSize: ctx.batchSize });
  const where = `${ctx.model} on ${ctx.dataset} (input [${ctx.inputShape.join(', ')}], T = ${ctx.T})`;
  if (train.bytes > PLANNED)
    throw new CliError(
      `${where} at batch size ${ctx.batchSize} needs an estimated ${gib(train.bytes)} of wasm heap per training step ` +
        `(${mib(train.perSample)} per sample); tfjs-wasm can use ${gib(WASM_HEAP_LIMIT)}: ` +
        `${fitAdvice('--batch-size', train)}, or fewer --timesteps (or a smaller --width)`,
      2,
    );
  const evaluation = await estimateStepMemory(model, { batchSize: evalBatchSize, mode: 'eval' });
  if (evaluation.bytes > PLANNED)
    throw new CliError(
      `${where}: evaluation at batch size ${evalBatchSize} needs an estimated ${gib(evaluation.bytes)} of wasm heap ` +
        `(${mib(evaluation.perSample)} per sample); tfjs-wasm can use ${gib(WASM_HEAP_LIMIT)}: ${fitAdvice('--eval-batch-size', evaluation)}`,
      2,
    );
  return { train: train.bytes, eval: evaluation.bytes };
}

/** The messages of a wasm heap overflow or abort, from tfjs-wasm, emscripten or V8. */
const HEAP_FAILURE =
  /memory access out of bounds|offset is out of bounds|outside the bounds of the buffer|Aborted\(|Cannot enlarge memory|out of memory|Array buffer allocation failed/i;

export function isHeapFailure(e: unknown): boolean {
  return e instanceof Error && HEAP_FAILURE.test(`${e.name}: ${e.message}`);
}

/** One line for a heap failure in the middle of a run. */
export function heapFailure(ctx: MemoryContext, estimate: number | null, cause: unknown): CliError {
  const need = estimate === null ? '' : ` (estimated ${gib(estimate)} per training step)`;
  return new CliError(
    `out of wasm memory training ${ctx.model} on ${ctx.dataset} (input [${ctx.inputShape.join(', ')}], T = ${ctx.T}) ` +
      `at batch size ${ctx.batchSize}${need}; tfjs-wasm can use ${gib(WASM_HEAP_LIMIT)}: use a smaller --batch-size ` +
      'or --eval-batch-size, or fewer --timesteps (SYNAPTOGEN_DEBUG=1 shows the original error)',
    1,
    cause,
  );
}
