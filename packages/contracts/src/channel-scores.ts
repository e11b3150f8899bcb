/**
 * Channel scores a native kernel computes from H alone (SCA's built-in scores), one row each with the
 * id the kernel switches on. S = (H ≥ V_th); V = H without a spike, else V_reset (hard reset) or
 * H − V_th (soft reset).
 */
export const CHANNEL_SCORE_TABLE = [
  { name: 'activity', id: 0, formula: 'S + |V|' },
  { name: 'firing-rate', id: 1, formula: 'S' },
  { name: 'pre-reset', id: 2, formula: '|H|' },
] as const;

export type NativeChannelScoreName = (typeof CHANNEL_SCORE_TABLE)[number]['name'];

/** The kernels' id of a channel score, or -1 for a name not in the table. */
export function channelScoreId(name: string): number {
  return CHANNEL_SCORE_TABLE.find((s) => s.name === name)?.id ?? -1;
}
