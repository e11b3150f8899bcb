/**
 * Reads `synaptogen train`'s progress lines (stderr with --json --log-every 1) into progress events.
 * Only the display and the event log depend on this wording; results come from the JSON summary.
 */
export type TrainLogEvent =
  | { kind: 'batch'; epoch: number; batch: number; batches: number }
  | {
      kind: 'epoch';
      epoch: number;
      epochs: number;
      testAccuracy: number | null;
      connectivity: number | null;
    };

const BATCH = /^epoch (\d+) batch (\d+)\/(\d+)\b/;
const EPOCH = /^epoch (\d+)\/(\d+)\s/;

export function parseTrainLine(line: string): TrainLogEvent | null {
  const b = BATCH.exec(line);
  if (b) return { kind: 'batch', epoch: Number(b[1]), batch: Number(b[2]), batches: Number(b[3]) };
  const e = EPOCH.exec(line);
  if (!e) return null;
  const acc = /test acc ([\d.]+)%/.exec(line);
  const conn = /connectivity ([\d.]+)/.exec(line);
  return {
    kind: 'epoch',
    epoch: Number(e[1]),
    epochs: Number(e[2]),
    testAccuracy: acc ? Number(acc[1]) / 100 : null,
    connectivity: conn ? Number(conn[1]) : null,
  };
}
