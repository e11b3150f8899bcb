import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Reads kernel inputs and produces outputs on the wasm backend (zero-copy views of its heap) or on
 * any backend with readSync + makeTensorInfo (the cpu backend, used as the reference in tests).
 */
export interface BackendIO {
  read(t: TensorInfo): Float32Array;
  /** Allocate outputs, let `fill` write them, return their TensorInfos. */
  outputs(shapes: number[][], fill: (views: Float32Array[]) => void): TensorInfo[];
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}
interface GenericLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function backendIO(backend: unknown, what: string): BackendIO {
  const w = backend as Partial<WasmLike>;
  if (typeof w.makeOutput === 'function' && typeof w.typedArrayFromHeap === 'function') {
    const b = w as WasmLike;
    return {
      read: (t) => b.typedArrayFromHeap(t),
      outputs(shapes, fill) {
        const infos = shapes.map((s) => b.makeOutput(s, 'float32'));
        // Views only after every allocation: makeOutput can grow (and detach) the heap.
        fill(infos.map((i) => b.typedArrayFromHeap(i)));
        return infos;
      },
    };
  }
  const g = backend as Partial<GenericLike>;
  if (typeof g.readSync === 'function' && typeof g.makeTensorInfo === 'function') {
    const b = g as GenericLike;
    return {
      read: (t) => {
        const v = b.readSync(t.dataId);
        if (!(v instanceof Float32Array)) throw new Error(`${what}: expected float32 data`);
        return v;
      },
      outputs(shapes, fill) {
        const views = shapes.map((s) => new Float32Array(size(s)));
        fill(views);
        return shapes.map((s, i) => b.makeTensorInfo(s, 'float32', views[i]));
      },
    };
  }
  throw new Error(`${what}: unsupported tfjs backend (needs the wasm or cpu backend)`);
}

export function checkFloat32(t: TensorInfo, name: string, what: string): void {
  if (t.dtype !== 'float32') throw new Error(`${what}: ${name} must be float32, got ${t.dtype}`);
}

/** Reads numeric kernel attrs, each required and finite; the error names the kernel and the attr. */
export function finiteAttrs<K extends string>(
  attrs: Record<string, unknown> | undefined,
  keys: readonly K[],
  what: string,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const value = attrs?.[key];
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`${what}: attrs.${key} must be a finite number, got ${String(value)}`);
    out[key] = value;
  }
  return out;
}
