/** Channel selection of SCA on plain arrays (one entry per channel group), so each rule is testable alone. */

export interface SelectionInput {
  /** Activity score per channel, per layer (higher = keep). */
  scores: readonly Float32Array[];
  /** |∂L/∂γ| per channel, per layer (regrowth criterion). */
  gammaGrads: readonly Float32Array[];
  /** Final channel sparsity p: the fraction of all channels masked after regrowth. */
  sparsity: number;
  /** Regrowth ratio q: the fraction of all channels pruned and then regrown by gradient. */
  regrow: number;
  /**
   * Channels every layer keeps whatever the ranking (default 1), so no layer is cut off entirely: one
   * count for all layers, or one per layer.
   */
  minPerLayer?: number | readonly number[];
}

export interface Selection {
  /** 1 = active, 0 = masked, per layer. */
  masks: Uint8Array[];
  /** Channels kept by score (ranked globally), then regrown by gradient. */
  keptByScore: number;
  regrown: number;
  total: number;
}

const orNegInf = (x: number) => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x);

/**
 * Indices of `values` sorted by descending value; ties go to the higher `tieBreak` value, then to the
 * lower index (deterministic).
 */
function rankDescending(
  values: ArrayLike<number>,
  ids: readonly number[],
  tieBreak?: ArrayLike<number>,
): number[] {
  return [...ids].sort(
    (a, b) =>
      orNegInf(values[b]) - orNegInf(values[a]) ||
      (tieBreak ? orNegInf(tieBreak[b]) - orNegInf(tieBreak[a]) : 0) ||
      a - b,
  );
}

/**
 * 1. Prune: keep the top round((1 − p − q)·N) channels by score, ranked over all layers together
 *    (each layer's sparsity emerges from the ranking; `minPerLayer` best channels per layer are kept
 *    first, and count towards the target). 2. Regrow: unmask the masked channels with the largest |∂L/∂γ| until round((1 − p)·N)
 *    channels are active. A channel masked since an earlier update with a zero filter has x̂ = 0 in
 *    its BatchNorm, hence ∂L/∂γ = Σ dy·x̂ = 0 exactly: only drift (soft masks) brings it back.
 */
export function selectChannels(input: SelectionInput): Selection {
  const { scores, gammaGrads, sparsity: p, regrow: q } = input;
  const minOf = (l: number) =>
    typeof input.minPerLayer === 'number' || input.minPerLayer === undefined
      ? (input.minPerLayer ?? 1)
      : input.minPerLayer[l];
  if (Array.isArray(input.minPerLayer) && input.minPerLayer.length !== scores.length)
    throw new Error(
      `selectChannels: ${input.minPerLayer.length} per-layer minimums for ${scores.length} layers`,
    );
  if (scores.length !== gammaGrads.length)
    throw new Error(`selectChannels: ${scores.length} score layers but ${gammaGrads.length} gradient layers`);
  scores.forEach((s, l) => {
    if (s.length !== gammaGrads[l].length)
      throw new Error(
        `selectChannels: layer ${l} has ${s.length} scores but ${gammaGrads[l].length} gradients`,
      );
  });
  if (!(p >= 0 && q >= 0 && p + q <= 1))
    throw new Error(
      `selectChannels: need sparsity ≥ 0, regrow ≥ 0 and sparsity + regrow ≤ 1, got ${p}, ${q}`,
    );
  const offsets: number[] = [];
  let total = 0;
  for (const s of scores) {
    offsets.push(total);
    total += s.length;
  }
  const flatScores = new Float64Array(total);
  const flatGrads = new Float64Array(total);
  scores.forEach((s, l) => {
    flatScores.set(s, offsets[l]);
    flatGrads.set(gammaGrads[l], offsets[l]);
  });
  const active = new Uint8Array(total);
  const keepTarget = Math.round((1 - p - q) * total);
  const finalTarget = Math.round((1 - p) * total);
  let kept = 0;
  // the best minPerLayer channels of every layer first
  scores.forEach((s, l) => {
    const ids = Array.from({ length: s.length }, (_, c) => offsets[l] + c);
    for (const id of rankDescending(flatScores, ids).slice(0, Math.min(minOf(l), s.length))) {
      active[id] = 1;
      kept++;
    }
  });
  const all = Array.from({ length: total }, (_, i) => i);
  for (const id of rankDescending(flatScores, all)) {
    if (kept >= keepTarget) break;
    if (!active[id]) {
      active[id] = 1;
      kept++;
    }
  }
  const keptByScore = kept;
  const masked = all.filter((id) => !active[id]);
  const regrowCount = Math.max(0, Math.min(finalTarget - kept, masked.length));
  // equal gradients (e.g. 0 for channels whose filters are already zero) fall back to the score
  for (const id of rankDescending(
    Float64Array.from(flatGrads, (g) => Math.abs(g)),
    masked,
    flatScores,
  ).slice(0, regrowCount))
    active[id] = 1;
  const masks = scores.map((s, l) => active.slice(offsets[l], offsets[l] + s.length));
  return { masks, keptByScore, regrown: regrowCount, total };
}

/**
 * A layer's guaranteed channels: `minKeep` < 1 is a fraction of its channels (rounded up), ≥ 1 a
 * count; never fewer than `minChannels`, never more than the layer has.
 */
export function layerMinimum(channels: number, minKeep: number, minChannels: number): number {
  const fromKeep = minKeep < 1 ? Math.ceil(minKeep * channels) : minKeep;
  return Math.min(channels, Math.max(minChannels, fromKeep));
}
