import type { NeuronSpecData } from '@synaptogen/nn/models';
import type { MetadataValue, NirNode } from '../graph.js';
import { type ImportContext, pushLayer, type Tensor, unsupported } from './context.js';
import { metadataFloats } from './metadata.js';
import { uniform } from './params.js';
import { scaleInput } from './scale.js';

/** An IF or LIF node: a Neuron layer, its input gain folded before it. */
export function importNeuron(ctx: ImportContext, name: string, node: NirNode) {
  const { spec, gain, plifW } = neuronSpec(ctx, name, node);
  if (gain !== 1) scaleInput(ctx, name, gain);
  const i = pushLayer(ctx, name, { type: 'Neuron', neuron: spec }, `${spec.type} neuron`);
  if (plifW) ctx.tensors.set(`body.${i}.w`, plifW);
  ctx.spikes = true;
}

/** The synaptogen neuron of an IF or LIF node and its input gain r (1: none). */
export function neuronSpec(
  ctx: ImportContext,
  name: string,
  node: NirNode,
): { spec: NeuronSpecData; gain: number; plifW: Tensor | null } {
  const vThreshold = uniform(ctx, name, node, 'v_threshold');
  const vReset = node.params.v_reset === undefined ? 0 : uniform(ctx, name, node, 'v_reset');
  const r = uniform(ctx, name, node, 'r');
  let spec: NeuronSpecData;
  let gain = r;
  if (node.type === 'IF') {
    // v ← v + r·I per step, as Sinabs, Norse, snnTorch and SpiNNaker2 read NIR's IF
    spec = { type: 'IF', vThreshold, vReset };
  } else {
    const vLeak = uniform(ctx, name, node, 'v_leak');
    if (vLeak !== vReset)
      unsupported(
        ctx,
        name,
        `(LIF) v_leak ${vLeak} differs from v_reset ${vReset}; synaptogen's LIF leaks toward V_reset (SpikingJelly)`,
      );
    const l = leak(ctx, name, node);
    const { tau, decayInput } = l;
    gain = l.gain;
    spec = { type: 'LIF', tau, vThreshold, vReset, decayInput };
  }
  // synaptogen's own export: restore the exact spec (surrogate, detach_reset, PLIF) when it agrees
  const saved = parseNeuron(node.metadata.synaptogen_neuron);
  if (
    saved &&
    gain === 1 &&
    (saved.type === 'IF') === (spec.type === 'IF') &&
    saved.vThreshold === vThreshold &&
    saved.vReset === vReset &&
    (saved.type !== 'LIF' ||
      ((saved.decayInput !== false) === spec.decayInput &&
        Math.abs((saved.tau ?? 0) - (spec.tau ?? 0)) <= 1e-9 * (spec.tau ?? 1)))
  )
    spec = saved;
  const w = spec.type === 'PLIF' ? metadataFloats(node.metadata.synaptogen_plif_w) : null;
  return { spec, gain, plifW: w ? { data: w, shape: [] } : null };
}

/** An LI node: a LeakyIntegrator layer, its input gain folded before it. */
export function importLeakyIntegrator(ctx: ImportContext, name: string, node: NirNode) {
  const vLeak = uniform(ctx, name, node, 'v_leak');
  const { tau, decayInput, gain } = leak(ctx, name, node);
  if (gain !== 1) scaleInput(ctx, name, gain);
  pushLayer(ctx, name, { type: 'LeakyIntegrator', tau, vLeak, decayInput }, 'LeakyIntegrator');
  ctx.spikes = false;
}

/** τ in steps and the input gain of an LI or LIF node (Euler's step of τ·dv/dt = v_leak − v + r·I). */
function leak(
  ctx: ImportContext,
  name: string,
  node: NirNode,
): { tau: number; decayInput: boolean; gain: number } {
  const tauSeconds = uniform(ctx, name, node, 'tau');
  const r = uniform(ctx, name, node, 'r');
  const tau = Number((tauSeconds / ctx.dt).toPrecision(12));
  if (!(tau > 1))
    unsupported(
      ctx,
      name,
      `(${node.type}) tau ${tauSeconds} s is ${tau} steps of dt = ${ctx.dt} s; synaptogen needs more than 1 step (pass a smaller dt)`,
    );
  // decay_input divides the input by τ(steps) = τ/dt, so r = 1 maps directly, r = τ/dt is
  // decay_input = false, any other r scales the input
  const decayInput = Math.abs(r - tau) > 1e-6 * tau;
  return { tau, decayInput, gain: decayInput ? r : 1 };
}

/** The neuron spec synaptogen's export stores in a node's metadata, or null. */
function parseNeuron(v: MetadataValue | undefined): NeuronSpecData | null {
  if (typeof v !== 'string') return null;
  try {
    const d = JSON.parse(v) as NeuronSpecData;
    return d && typeof d === 'object' && ['IF', 'LIF', 'PLIF'].includes(d.type) ? d : null;
  } catch {
    return null;
  }
}
