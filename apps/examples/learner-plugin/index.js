// A third-party structure learner for synaptogen, as a plain ES module with no dependencies.
// Random pruning: at attach, remove a seeded random fraction of every prunable weight tensor and
// keep those synapses at zero for the rest of training. It is a baseline (what does a pruning
// method gain over chance?) and a template for your own learner.
//
//   synaptogen train --learner ./apps/examples/learner-plugin/index.js --target-sparsity 0.8
//
// The host passes its own tfjs module in the attach context (ctx.tf), so a plugin never imports
// tfjs itself and always runs on the host's engine and backend.

/** mulberry32: a tiny seeded generator; every random choice of a learner takes a seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KNOWN = ['targetSparsity', 'seed'];

function readOptions(raw) {
  const unknown = Object.keys(raw).filter((k) => raw[k] !== undefined && !KNOWN.includes(k));
  if (unknown.length)
    throw new Error(`random-pruning: unknown option(s) ${unknown.join(', ')}; expected: ${KNOWN.join(', ')}`);
  const targetSparsity = Number(raw.targetSparsity ?? 0.5);
  if (!(targetSparsity >= 0 && targetSparsity < 1))
    throw new Error(`random-pruning: option "targetSparsity" must be in [0, 1), got ${raw.targetSparsity}`);
  const seed = raw.seed === undefined ? undefined : Number(raw.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`random-pruning: option "seed" must be an integer, got ${raw.seed}`);
  return { targetSparsity, seed };
}

class RandomPruning {
  name = 'random-pruning';

  constructor(options = {}) {
    this.options = readOptions(options);
    this.entries = [];
    this.pendingPruned = 0;
  }

  /** Called once, before training: draw the masks and zero the removed weights. */
  attach(model, ctx) {
    this.tf = ctx.tf;
    const random = mulberry32(this.options.seed ?? ctx.seed);
    for (const [name, w] of model.prunableWeights()) {
      const keep = new Float32Array(w.size);
      for (let i = 0; i < w.size; i++) keep[i] = random() < this.options.targetSparsity ? 0 : 1;
      const mask = this.tf.variable(this.tf.tensor(keep, w.shape), false);
      this.entries.push({ name, w, mask, size: w.size });
    }
    this.applyMasks();
    this.pendingPruned = this.entries.reduce((a, e) => a + e.size - this.active(e), 0);
  }

  /** The main optimizer still updates every weight: put the removed ones back to zero after each step. */
  afterStep() {
    this.applyMasks();
  }

  applyMasks() {
    this.tf.tidy(() => {
      for (const e of this.entries) e.w.assign(this.tf.mul(e.w, e.mask));
    });
  }

  active(e) {
    return this.tf.tidy(() => this.tf.sum(e.mask).dataSync()[0]);
  }

  report() {
    const perLayer = {};
    let active = 0;
    let total = 0;
    for (const e of this.entries) {
      const a = this.active(e);
      perLayer[e.name] = { connectivity: a / e.size, active: a, total: e.size };
      active += a;
      total += e.size;
    }
    const pruned = this.pendingPruned;
    this.pendingPruned = 0;
    // extra fields are passed through to the CLI's epoch lines and JSON summary
    return { connectivity: active / total, perLayer, pruned, regrown: 0, maskedLayers: this.entries.length };
  }

  getState() {
    return {
      json: { pendingPruned: this.pendingPruned },
      tensors: new Map(this.entries.map((e) => [`mask/${e.name}`, e.mask])),
    };
  }

  setState(state) {
    for (const e of this.entries) {
      const t = state.tensors.get(`mask/${e.name}`);
      if (!t) throw new Error(`random-pruning: the saved state has no mask for "${e.name}"`);
      e.mask.assign(t);
    }
    this.pendingPruned = Number(state.json.pendingPruned ?? 0);
    this.applyMasks();
  }

  dispose() {
    for (const e of this.entries) e.mask.dispose();
    this.entries = [];
  }
}

export default {
  name: 'random-pruning',
  description:
    'removes a seeded random fraction (targetSparsity) of every prunable weight tensor at the start',
  create: (options) => new RandomPruning(options),
};
