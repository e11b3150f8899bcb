import { inputShape3, type LayerProfile, outputShape3, ProfileError } from '../profile.js';

/** Maps output index of `layer` to the input index of `next` (identity/flatten, or integer pooling). */
export function positionMap(layer: LayerProfile, next: LayerProfile, where: string): (o: number) => number {
  const [oh, ow, oc] = outputShape3(layer);
  const [nh, nw, nc] = inputShape3(next);
  if (oh * ow * oc === nh * nw * nc) return (o) => o;
  if (oc === nc && oh % nh === 0 && ow % nw === 0) {
    const fy = oh / nh;
    const fx = ow / nw;
    return (o) => {
      const c = o % oc;
      const p = (o - c) / oc;
      const x = p % ow;
      const y = (p - x) / ow;
      return (Math.floor(y / fy) * nw + Math.floor(x / fx)) * nc + c;
    };
  }
  throw new ProfileError(
    `${where}: output [${oh}, ${ow}, ${oc}] does not lead to the next layer's input [${nh}, ${nw}, ${nc}] (expected the same size, or the same channels pooled by an integer factor)`,
  );
}
