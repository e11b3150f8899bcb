import { resolve } from 'node:path';
import { loadChannelScore } from '@synaptogen/structure/node';
import { CliError } from '../errors.js';

/** `--channel-score <module>`, repeatable: collects the specifiers in order. */
export const collectChannelScore = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Loads the channel-score plugins `--channel-score` names (files made absolute, so `--resume` finds
 * them from any directory) and returns their score names, in order.
 */
export async function loadChannelScores(specifiers: string[] | undefined, timeoutS = 60): Promise<string[]> {
  const names: string[] = [];
  if (!specifiers) return names;
  for (const [i, spec] of specifiers.entries()) {
    const file = spec.startsWith('.') ? resolve(spec) : spec;
    specifiers[i] = file;
    try {
      names.push(await loadChannelScore(file, { timeoutMs: 1000 * timeoutS }));
    } catch (e) {
      throw new CliError(`--channel-score: ${(e as Error).message}`, 2);
    }
  }
  return names;
}
