import os from 'node:os';
import path from 'node:path';

/** The environment variable that points at a data root (CI and benchmarks set it). */
export const DATA_ENV = 'SYNAPTOGEN_DATA';

/** The per-user cache folder: `$XDG_CACHE_HOME/synaptogen`, else `~/.cache/synaptogen`. */
export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'synaptogen');
}

/**
 * Where datasets live: the explicit option (e.g. `--data-dir`), else `$SYNAPTOGEN_DATA`, else the
 * user cache dir. Returns an absolute path; the folder may not exist yet.
 */
export function resolveDataRoot(option?: string): string {
  if (option) return path.resolve(option);
  const env = process.env[DATA_ENV];
  if (env) return path.resolve(env);
  return userCacheDir();
}
