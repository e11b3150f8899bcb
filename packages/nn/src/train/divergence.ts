import * as tf from '@tensorflow/tfjs-core';

/** Where in training a check ran (0-based epoch and batch, 1-based step). */
export interface StepPlace {
  step: number;
  epoch: number;
  batchIndex: number;
}

const where = (p: StepPlace) => `step ${p.step} (epoch ${p.epoch + 1}, batch ${p.batchIndex + 1})`;

/** The run produced a non-finite loss or non-finite values in its state: it cannot go on. */
export class DivergenceError extends Error {
  constructor(
    readonly place: StepPlace,
    /** 'loss', or the parameter (layer) whose values went non-finite first in model order. */
    readonly layer: string,
    /** The non-finite tensors, in the order they were checked (empty for the loss). */
    readonly tensors: string[],
    detail: string,
  ) {
    super(`training diverged at ${where(place)}: ${detail}`);
    this.name = 'DivergenceError';
  }
}

/** Weights grew past `warnAbove`: training goes on, but the run is probably lost. */
export interface ExplodedWeights extends StepPlace {
  layer: string;
  maxAbs: number;
  threshold: number;
  message: string;
}

export interface DivergenceOptions {
  /**
   * The named tensors checked after every step (default: the model's parameters and buffers, then
   * the optimizer's `divergenceTensors()`). Non-finite membranes show up here in the same step: the
   * surrogate gradient of a NaN potential is NaN, and it reaches the weights and the moments.
   */
  tensors?: () => Iterable<[string, tf.Tensor]>;
  /**
   * Warn (once per run) when some |w| of a model parameter exceeds this. An extra pass over the
   * weights, so it runs at steps 1 to 10 and then every 10th step: a warning, not a stop.
   */
  warnAbove?: number;
  onWarning?: (w: ExplodedWeights) => void;
}

/** NaN, ±Infinity or neither in `values`, and the largest finite |v| (for the overflow case). */
function scan(values: ArrayLike<number>): { kind: string | null; maxAbs: number } {
  let inf = false;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) return { kind: 'NaN', maxAbs };
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) inf = true;
    else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  return { kind: inf ? 'infinite' : null, maxAbs };
}

/**
 * Detects divergence in the step that produced it at the cost of one reduction: the sum of every
 * checked tensor is finite exactly when all their values are (barring overflow of the sum itself,
 * which the exact search below tells apart). Only when it is not does it look tensor by tensor.
 */
export class DivergenceGuard {
  private warned = false;

  constructor(
    /** Parameter and buffer names in model order (to name the first layer affected). */
    private readonly layers: readonly string[],
    private readonly tensors: () => Iterable<[string, tf.Tensor]>,
    private readonly weights: () => [string, tf.Tensor][],
    private readonly options: DivergenceOptions = {},
  ) {}

  /** Throws DivergenceError for a non-finite loss (before its gradients are applied). */
  checkLoss(loss: number, place: StepPlace): void {
    if (!Number.isFinite(loss)) throw new DivergenceError(place, 'loss', [], `the loss is ${loss}`);
  }

  /** After the update: throws DivergenceError for non-finite state, warns once about huge weights. */
  checkState(place: StepPlace): void {
    const checked = [...this.tensors()].filter(([, t]) => t.dtype === 'float32' && !t.isDisposed);
    const warnAbove = this.options.warnAbove;
    const due = place.step <= 10 || place.step % 10 === 0;
    const weights = warnAbove !== undefined && !this.warned && due ? this.weights() : [];
    const probe = tf.tidy(() => {
      const total = checked.length ? tf.addN(checked.map(([, t]) => tf.sum(t))) : tf.scalar(0);
      const parts = [tf.reshape(total, [1]), ...weights.map(([, w]) => tf.reshape(tf.max(tf.abs(w)), [1]))];
      return tf.concat(parts);
    });
    const values = probe.dataSync();
    probe.dispose();
    if (!Number.isFinite(values[0])) this.locate(checked, place);
    if (warnAbove === undefined || this.warned || !weights.length) return;
    let worst = -1;
    for (let i = 0; i < weights.length; i++) if (worst < 0 || values[1 + i] > values[1 + worst]) worst = i;
    if (worst >= 0 && values[1 + worst] > warnAbove) this.warn(weights[worst][0], values[1 + worst], place);
  }

  /** The exact search: which tensors hold NaN or ±Infinity (none: the sum only overflowed). */
  private locate(checked: [string, tf.Tensor][], place: StepPlace): void {
    const bad: { name: string; kind: string }[] = [];
    let largest = { name: '', maxAbs: 0 };
    for (const [name, t] of checked) {
      const { kind, maxAbs } = scan(t.dataSync());
      if (kind) bad.push({ name, kind });
      if (maxAbs > largest.maxAbs) largest = { name, maxAbs };
    }
    if (!bad.length) {
      // finite values whose sum overflows float32 (|v| ~ 1e32 and beyond): exploded, not yet lost
      if (!this.warned) this.warn(largest.name, largest.maxAbs, place);
      return;
    }
    const layerOf = (name: string) => this.layers.find((l) => name === l || name.endsWith(`/${l}`));
    const rank = (name: string) => {
      const l = layerOf(name);
      return l === undefined ? this.layers.length : this.layers.indexOf(l);
    };
    const first = bad.reduce((a, b) => (rank(b.name) < rank(a.name) ? b : a));
    const layer = layerOf(first.name) ?? first.name;
    const names = bad.map((b) => b.name);
    const listed =
      names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    throw new DivergenceError(
      place,
      layer,
      names,
      `${layer} has ${first.kind} values after the update (first layer affected; non-finite: ${listed})`,
    );
  }

  private warn(layer: string, maxAbs: number, place: StepPlace): void {
    this.warned = true;
    const threshold = this.options.warnAbove ?? Number.POSITIVE_INFINITY;
    const why = maxAbs > threshold ? `above ${threshold}` : 'their sum overflows float32';
    const message =
      `weights exploded at ${where(place)}: max |w| of ${layer} is ${maxAbs.toPrecision(3)} ` +
      `(${why}); training goes on, but a lower learning rate is probably needed`;
    this.options.onWarning?.({ ...place, layer, maxAbs, threshold, message });
  }
}
