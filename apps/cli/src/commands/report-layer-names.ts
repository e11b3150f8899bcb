/**
 * Readable layer names for reports: `fc1`, `conv3` instead of the parameter paths train records
 * (`body.1.weight`) and the module paths of network profiles (`body.1`). Linear weights are rank 2,
 * Conv2d weights rank 4 (BatchNorm's are rank 1); each kind is numbered from 1 in network order.
 */
interface TensorEntry {
  name?: unknown;
  shape?: unknown;
}

const MODEL_PREFIX = 'model/';

/** Orders `body.2.weight` before `body.10.weight`. */
function byPath(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [na, nb] = [Number(pa[i]), Number(pb[i])];
    const c = Number.isInteger(na) && Number.isInteger(nb) ? na - nb : pa[i].localeCompare(pb[i]);
    if (c) return c;
  }
  return pa.length - pb.length;
}

/** Raw name (`body.1.weight` or `body.1`) → readable name, from a checkpoint manifest's tensor list. */
export function layerNames(manifest: { tensors?: unknown }): Map<string, string> {
  const weights = (Array.isArray(manifest.tensors) ? (manifest.tensors as TensorEntry[]) : [])
    .filter(
      (t) =>
        typeof t.name === 'string' &&
        t.name.startsWith(MODEL_PREFIX) &&
        t.name.endsWith('.weight') &&
        Array.isArray(t.shape) &&
        (t.shape.length === 2 || t.shape.length === 4),
    )
    .map((t) => ({
      path: (t.name as string).slice(MODEL_PREFIX.length),
      rank: (t.shape as unknown[]).length,
    }))
    .sort((a, b) => byPath(a.path, b.path));
  const names = new Map<string, string>();
  let fc = 0;
  let conv = 0;
  for (const w of weights) {
    const readable = w.rank === 2 ? `fc${++fc}` : `conv${++conv}`;
    names.set(w.path, readable);
    names.set(w.path.replace(/\.weight$/, ''), readable);
  }
  return names;
}

/** A renamer that leaves names it does not know as they are. */
export const renamer =
  (names: Map<string, string>) =>
  (raw: string): string =>
    names.get(raw) ?? raw;

/** `{ 'body.1.weight': 0.3 }` → `{ fc1: 0.3 }`. */
export function renameKeys<T>(record: Record<string, T>, names: Map<string, string>): Record<string, T> {
  const rename = renamer(names);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [rename(k), v]));
}
