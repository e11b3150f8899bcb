/**
 * The plain-data network profile that `profile()` and `profileWeights()` return: the format
 * `@synaptogen/hardware` consumes (version 1), declared once in `@synaptogen/contracts` so that nn
 * need not import hardware (see the dependency direction in DESIGN.md).
 *
 * Layouts are tfjs': linear weights `[in, out]`, conv weights `[kh, kw, inC, outC]`, activations
 * channels-last (a position `(y, x, c)` has index `(y * W + x) * C + c`).
 */
import type { Shape3 } from '@synaptogen/contracts';

export {
  type Conv2dLayerProfile,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
} from '@synaptogen/contracts';

/** `[height, width, channels]`, channels-last. */
export type ProfileShape3 = Shape3;
