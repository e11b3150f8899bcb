/** The reference Python `nir` package (../shared/peer/nir) as a test oracle, through Debian's python3. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED = path.resolve(REPO, '../shared');
export const PEER_NIR = path.join(SHARED, 'peer/nir');
export const PAPER = path.join(PEER_NIR, 'paper');
export const DATA = process.env.SYNAPTOGEN_DATA ?? path.join(SHARED, 'data');
const PYTHON = '/usr/bin/python3';

/** Whether python3 with numpy and h5py is installed (CI installs python3-numpy python3-h5py). */
export function hasReference(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import numpy, h5py'], { encoding: 'utf8' }).status === 0;
}

/** In CI the oracle must be there; elsewhere its tests skip with a note. */
export function referenceOrSkip(): boolean {
  const ok = hasReference();
  if (!ok && process.env.CI)
    throw new Error(
      'python3 with numpy and h5py is required in CI (apt-get install python3-numpy python3-h5py)',
    );
  if (!ok)
    console.warn(
      'skipping: /usr/bin/python3 with numpy and h5py is not installed (apt-get install python3-numpy python3-h5py)',
    );
  return ok;
}

/** Runs a Python script with the reference `nir` importable; returns its stdout (throws with stderr on failure). */
export function python(script: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: PEER_NIR },
    maxBuffer: 1 << 26,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
