import { kernelChargeOf } from '@synaptogen/contracts';
import { loadKernels } from './runtime.js';

/**
 * A layer of a feed-forward spiking net for the event-driven engine. Weights are `[in, out]`
 * (tfjs' matMul layout, as @synaptogen/nn stores them); zeros are pruned synapses.
 */
export type SparseLayer =
  | {
      kind: 'Linear';
      inFeatures: number;
      outFeatures: number;
      weight: Float32Array;
      bias?: Float32Array | null;
    }
  | {
      kind: 'Neuron';
      /** 'IF' or 'LIF' (SpikingJelly semantics, as `NeuronOptions`). */
      type: 'IF' | 'LIF';
      size: number;
      tau?: number;
      decayInput?: boolean;
      vThreshold?: number;
      /** A number: hard reset to it (default 0); null: soft reset. */
      vReset?: number | null;
    };

export interface SparseNetwork {
  /** Time steps; the (static) input is fed at every step (direct encoding). */
  T: number;
  layers: SparseLayer[];
}

/** The parts of an `@synaptogen/nn` SpikingModel that `compile` reads (duck-typed: no dependency). */
export interface CompilableModel {
  config: { T: number; name?: string };
  body: { layers: readonly CompilableLayer[] };
}
interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}
export interface CompilableLayer {
  kind: string;
  weight?: TensorLike;
  bias?: TensorLike | null;
  inFeatures?: number;
  outFeatures?: number;
  spec?: { type: string; tau?: number; decayInput?: boolean; vThreshold?: number; vReset?: number | null };
}

export interface SparseLayerInfo {
  kind: 'Linear' | 'Neuron';
  inFeatures: number;
  outFeatures: number;
  /** Nonzero weights (Linear). */
  synapses?: number;
  /** synapses / (in · out) (Linear). */
  density?: number;
}

export interface SparseEngine {
  readonly T: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly threads: number;
  readonly layers: readonly SparseLayerInfo[];
  /**
   * Runs `input` ([count, inputSize], row-major) and returns [count, outputSize]: the spike rate
   * when the net ends in neurons, else the mean over T of the last layer's output.
   */
  run(input: Float32Array): Float32Array;
  /** Stops the engine's worker threads and drops its memory. */
  dispose(): void;
}

export interface CompileOptions {
  /** Threads (default: all cores up to 8; 1 without SharedArrayBuffer). */
  threads?: number;
}

const REC_WORDS = 16;
// Below this many samples per thread, waking a worker costs more than it saves.
const MIN_SAMPLES_PER_THREAD = 16;

/** Turns an `@synaptogen/nn` SpikingModel (Flatten / Dropout / Linear / IF·LIF Neuron body) into layers. */
export function modelToSparseNetwork(model: CompilableModel): SparseNetwork {
  const what = `compile(${model.config?.name ?? 'model'})`;
  if (!model?.body?.layers || !Number.isInteger(model.config?.T)) {
    throw new Error(`${what}: expected an @synaptogen/nn SpikingModel (config.T and body.layers)`);
  }
  const layers: SparseLayer[] = [];
  let width = 0;
  for (const [i, layer] of model.body.layers.entries()) {
    if (layer.kind === 'Flatten' || layer.kind === 'Dropout') continue; // identity at inference
    if (layer.kind === 'Linear' && layer.weight) {
      const [inF, outF] = layer.weight.shape;
      layers.push({
        kind: 'Linear',
        inFeatures: inF,
        outFeatures: outF,
        weight: Float32Array.from(layer.weight.dataSync()),
        bias: layer.bias ? Float32Array.from(layer.bias.dataSync()) : null,
      });
      width = outF;
    } else if (layer.kind === 'Neuron' && layer.spec) {
      const { type, tau, decayInput, vThreshold, vReset } = layer.spec;
      if (type !== 'IF' && type !== 'LIF') {
        throw new Error(`${what}: layer ${i} is a ${type} neuron; the sparse engine runs IF and LIF`);
      }
      if (width === 0) throw new Error(`${what}: layer ${i} (Neuron) must follow a Linear layer`);
      layers.push({ kind: 'Neuron', type, size: width, tau, decayInput, vThreshold, vReset });
    } else {
      throw new Error(
        `${what}: layer ${i} (${layer.kind}) is not supported by the sparse engine; it runs Flatten, Dropout, Linear and IF/LIF neurons`,
      );
    }
  }
  return { T: model.config.T, layers };
}

interface Csr {
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

function toCsr(w: Float32Array, rows: number, cols: number): Csr {
  let nnz = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const c = new Int32Array(nnz);
  const v = new Float32Array(nnz);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = e;
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const x = w[base + j];
      if (x !== 0) {
        c[e] = j;
        v[e] = x;
        e++;
      }
    }
  }
  rowPtr[rows] = e;
  return { rowPtr, cols: c, vals: v };
}

function checkNetwork(net: SparseNetwork): { inputSize: number; outputSize: number; firstTemporal: number } {
  const what = 'compile';
  if (!Number.isInteger(net.T) || net.T < 1)
    throw new Error(`${what}: T must be a positive integer, got ${net.T}`);
  if (!net.layers.length) throw new Error(`${what}: the network has no layers`);
  const firstTemporal = net.layers.findIndex((l) => l.kind === 'Neuron');
  if (firstTemporal < 0) throw new Error(`${what}: the network has no spiking neuron layer`);
  let width = -1;
  for (const [i, l] of net.layers.entries()) {
    if (l.kind === 'Linear') {
      const { inFeatures: inF, outFeatures: outF } = l;
      if (!Number.isInteger(inF) || !Number.isInteger(outF) || inF < 1 || outF < 1)
        throw new Error(`${what}: layer ${i} (Linear) needs positive integer inFeatures/outFeatures`);
      if (width >= 0 && inF !== width)
        throw new Error(
          `${what}: layer ${i} (Linear) takes ${inF} features, the layer before gives ${width}`,
        );
      if (l.weight.length !== inF * outF)
        throw new Error(`${what}: layer ${i} weight has ${l.weight.length} values, expected ${inF}·${outF}`);
      if (l.bias && l.bias.length !== outF)
        throw new Error(`${what}: layer ${i} bias has ${l.bias.length} values, expected ${outF}`);
      width = outF;
    } else {
      if (width < 0) throw new Error(`${what}: layer ${i} (Neuron) must follow a Linear layer`);
      if (l.size !== width)
        throw new Error(`${what}: layer ${i} (Neuron) has size ${l.size}, expected ${width}`);
      if (l.type !== 'IF' && l.type !== 'LIF')
        throw new Error(`${what}: layer ${i} neuron type must be IF or LIF, got ${String(l.type)}`);
      if (l.type === 'LIF' && !((l.tau ?? 2) > 1)) throw new Error(`${what}: layer ${i} LIF tau must be > 1`);
    }
  }
  const first = net.layers[0];
  if (first.kind !== 'Linear') throw new Error(`${what}: the first layer must be Linear`);
  return { inputSize: first.inFeatures, outputSize: width, firstTemporal };
}

/**
 * Compiles a trained (pruned) feed-forward spiking net into the event-driven engine: Linear
 * weights become CSR rows (only nonzero synapses are stored or visited), spikes travel as event
 * lists, and each membrane is advanced once per step with the float32 operations of the tfjs
 * forward pass, so outputs equal it. Accepts an `@synaptogen/nn` SpikingModel or a `SparseNetwork`.
 */
export async function compile(
  model: CompilableModel | SparseNetwork,
  options: CompileOptions = {},
): Promise<SparseEngine> {
  const net = 'body' in model ? modelToSparseNetwork(model) : model;
  const { inputSize, outputSize, firstTemporal } = checkNetwork(net);
  const k = await loadKernels({ threads: options.threads, exclusive: true });
  const i32 = (ptr: number, n: number) => new Int32Array(k.memory.buffer, ptr, n);

  // Weights first (they stay), then the layer table; per-thread scratch offsets are relative.
  const infos: SparseLayerInfo[] = [];
  const records: number[][] = [];
  let scratch = 0;
  const scratchAlloc = (words: number) => {
    const off = scratch;
    scratch += Math.ceil(words / 16) * 64;
    return off;
  };
  let width = inputSize;
  for (const l of net.layers) {
    if (l.kind === 'Linear') {
      const csr = toCsr(l.weight, l.inFeatures, l.outFeatures);
      const rowPtr = k.alloc(csr.rowPtr.length);
      i32(rowPtr, csr.rowPtr.length).set(csr.rowPtr);
      const cols = k.alloc(Math.max(1, csr.cols.length));
      i32(cols, csr.cols.length).set(csr.cols);
      const vals = k.put(csr.vals);
      const bias = l.bias ? k.put(l.bias) : 0;
      records.push([1, l.inFeatures, l.outFeatures, rowPtr, cols, vals, bias, scratchAlloc(l.outFeatures)]);
      infos.push({
        kind: 'Linear',
        inFeatures: l.inFeatures,
        outFeatures: l.outFeatures,
        synapses: csr.vals.length,
        density: csr.vals.length / (l.inFeatures * l.outFeatures),
      });
      width = l.outFeatures;
    } else {
      const vReset = l.vReset === undefined ? 0 : l.vReset;
      const charge = kernelChargeOf(
        l.type === 'IF' ? { kind: 'IF' } : { kind: 'LIF', tau: l.tau ?? 2, decayInput: l.decayInput ?? true },
      );
      const f = new Float32Array([charge.k, l.vThreshold ?? 1, vReset ?? 0]);
      const bits = new Int32Array(f.buffer);
      records.push([
        2,
        l.size,
        charge.formId,
        bits[0],
        bits[1],
        bits[2],
        vReset === null ? 1 : 0,
        scratchAlloc(l.size),
        scratchAlloc(l.size),
        scratchAlloc(1),
      ]);
      infos.push({ kind: 'Neuron', inFeatures: width, outFeatures: width });
    }
  }
  const accOff = scratchAlloc(outputSize);
  const desc = k.alloc(records.length * REC_WORDS);
  const table = i32(desc, records.length * REC_WORDS);
  table.fill(0);
  for (const [i, r] of records.entries()) table.set(r, i * REC_WORDS);
  const scratchPerThread = scratch;
  const mark = k.mark();
  let disposed = false;

  return {
    T: net.T,
    inputSize,
    outputSize,
    threads: k.threads,
    layers: infos,
    run(input: Float32Array): Float32Array {
      if (disposed) throw new Error('SparseEngine.run: the engine was disposed');
      if (!(input instanceof Float32Array) || input.length % inputSize !== 0) {
        throw new Error(
          `SparseEngine.run: input must be a Float32Array of [count, ${inputSize}] values, got length ${input?.length}`,
        );
      }
      const count = input.length / inputSize;
      k.reset(mark);
      const threads = Math.max(1, Math.min(k.threads, Math.floor(count / MIN_SAMPLES_PER_THREAD)));
      const scratchPtrs = Array.from({ length: threads }, () => k.alloc(scratchPerThread / 4));
      const xPtr = k.put(input);
      const outPtr = k.alloc(count * outputSize);
      const per = Math.ceil(count / threads);
      const jobs = scratchPtrs.map((s, t) => ({
        fn: 'sparseNetRange' as const,
        args: [
          desc,
          records.length,
          firstTemporal,
          net.T,
          xPtr,
          inputSize,
          outPtr,
          outputSize,
          Math.min(count, t * per),
          Math.min(count, (t + 1) * per),
          s,
          accOff,
        ],
      }));
      k.parallel(jobs);
      return Float32Array.from(k.f32(outPtr, count * outputSize));
    },
    dispose() {
      disposed = true;
      k.dispose();
    },
  };
}
