import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import {
  type CheckpointData,
  CheckpointError,
  type CheckpointManifest,
  decodeCheckpoint,
  encodeCheckpoint,
  MANIFEST_FILE,
  manifestDigestText,
  validateManifest,
  WEIGHTS_FILE,
} from '../checkpoint/format.js';
import type { ModelConfig } from '../models/spiking-model.js';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/*
 * Layout: a checkpoint directory holds `manifest.json` and the weights file it names,
 * `weights-<id>.bin`. A save writes a new weights file beside the current one, then the new manifest
 * under a temp name, and renames it over `manifest.json`: that rename is the one switch. At every
 * instant `manifest.json` names a complete weights file, so a kill at any point leaves the previous
 * checkpoint or the new one, never neither. What a killed save leaves behind (a temp manifest,
 * weights no manifest names) is removed by `recoverCheckpoint`, which every save runs first.
 */

/** Weights files a save may write or remove (the legacy `weights.bin` included). */
const OWNED_WEIGHTS = /^weights(-[0-9a-f]{12})?\.bin$/;
const TEMP_MANIFEST = /^manifest\.json\.tmp-[0-9a-f]{12}$/;

/**
 * The steps of a save, in order. Tests kill the process at each one by setting
 * `SYNAPTOGEN_TEST_CRASH_AT=<step>` (a SIGKILL, as a power cut or `kill -9` would): the directory
 * must still load, as the previous checkpoint before `switched` and as the new one from it on.
 */
export const SAVE_STEPS = [
  'weights-partial',
  'weights-written',
  'manifest-partial',
  'manifest-written',
  'switched',
  'cleaned',
] as const;
export type SaveStep = (typeof SAVE_STEPS)[number];

function crashPoint(step: SaveStep): void {
  if (process.env.SYNAPTOGEN_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

/** Writes `data` to a new file (failing if it exists) and flushes it to the disk. */
async function writeDurable(file: string, data: Uint8Array, midway?: () => void): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    const half = data.byteLength >> 1;
    await fh.write(data, 0, half);
    midway?.();
    await fh.write(data, half, data.byteLength - half);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Flushes a directory's entries (a rename is durable only once its directory is). Best effort:
 * Windows cannot open a directory for syncing, and the rename itself is already atomic there.
 */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // EINVAL/EPERM where directories cannot be synced
  } finally {
    await fh.close();
  }
}

/**
 * Writes a checkpoint into directory `dir` (created if needed) so that a crash or a kill at any
 * moment leaves either the previous checkpoint or the new one loadable (see the layout above). A
 * failed save (bad tensor, full disk) removes what it wrote and leaves the previous one in place.
 */
export async function saveCheckpoint(
  dir: string,
  model: ModelConfig,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Record<string, unknown>,
): Promise<void> {
  const target = resolve(dir);
  const { manifest, data } = await encodeCheckpoint(model, tensors, meta);
  await mkdir(target, { recursive: true });
  await recoverCheckpoint(target);
  const id = randomBytes(6).toString('hex');
  manifest.weightsFile = `weights-${id}.bin`;
  manifest.weightsSha256 = sha256(data);
  manifest.manifestSha256 = sha256(manifestDigestText(manifest));
  const weights = join(target, manifest.weightsFile);
  const temp = join(target, `${MANIFEST_FILE}.tmp-${id}`);
  try {
    await writeDurable(weights, data, () => crashPoint('weights-partial'));
    crashPoint('weights-written');
    await writeDurable(temp, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`), () =>
      crashPoint('manifest-partial'),
    );
    crashPoint('manifest-written');
    await rename(temp, join(target, MANIFEST_FILE));
  } catch (e) {
    await rm(weights, { force: true });
    await rm(temp, { force: true });
    throw e;
  }
  await syncDir(target);
  crashPoint('switched');
  await recoverCheckpoint(target);
  crashPoint('cleaned');
}

/** What `recoverCheckpoint` did. */
export interface RecoveryReport {
  /** Files and folders removed: leftovers of interrupted saves. */
  removed: string[];
  /** A previous checkpoint put back under the directory's name (left aside by an older synaptogen). */
  restored?: string;
}

/**
 * Tidies a checkpoint directory after an interrupted save: removes temp manifests and weights files
 * that `manifest.json` does not name. When `manifest.json` is unreadable nothing is removed (it might
 * name any of them). Also repairs what an older synaptogen's save (directory renames) left when
 * killed: a missing directory comes back from its `.NAME.old-*` copy; `.NAME.tmp-*` copies go.
 */
export async function recoverCheckpoint(dir: string): Promise<RecoveryReport> {
  const target = resolve(dir);
  const report: RecoveryReport = { removed: [] };
  await recoverLegacySiblings(target, report);
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch {
    return report; // nothing there (yet), or not a directory: the caller's error
  }
  let keep: string | null = null;
  if (entries.includes(MANIFEST_FILE)) {
    try {
      const m = JSON.parse(await readFile(join(target, MANIFEST_FILE), 'utf8')) as { weightsFile?: unknown };
      if (typeof m?.weightsFile !== 'string') return report;
      keep = m.weightsFile;
    } catch {
      return report;
    }
  }
  for (const name of entries) {
    // without a manifest only this format's own names go: a bare `weights.bin` may be someone else's
    const stale =
      TEMP_MANIFEST.test(name) ||
      (OWNED_WEIGHTS.test(name) && name !== keep && (keep !== null || name !== WEIGHTS_FILE));
    if (!stale) continue;
    await rm(join(target, name), { force: true, recursive: true });
    report.removed.push(join(target, name));
  }
  return report;
}

async function recoverLegacySiblings(target: string, report: RecoveryReport): Promise<void> {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.`;
  let siblings: string[];
  try {
    siblings = (await readdir(parent)).filter(
      (n) => n.startsWith(`${prefix}old-`) || n.startsWith(`${prefix}tmp-`),
    );
  } catch {
    return;
  }
  if (!siblings.length) return;
  const hasCheckpoint = async (d: string) => (await stat(join(d, MANIFEST_FILE)).catch(() => null))?.isFile();
  for (const name of siblings.filter((n) => n.startsWith(`${prefix}old-`))) {
    if ((await hasCheckpoint(target)) || !(await hasCheckpoint(join(parent, name)))) continue;
    await rm(target, { recursive: true, force: true }); // an empty or manifest-less leftover
    await rename(join(parent, name), target);
    report.restored = join(parent, name);
  }
  for (const name of siblings) {
    const path = join(parent, name);
    if (path === report.restored) continue;
    await rm(path, { recursive: true, force: true });
    report.removed.push(path);
  }
}

/** Reads one file of a checkpoint; a missing file, a folder or a read error is a CheckpointError. */
async function readPart(dir: string, target: string, name: string, what: string): Promise<Buffer> {
  try {
    return await readFile(join(target, name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (name === MANIFEST_FILE) {
        const info = await stat(target).catch(() => null);
        if (!info) throw new CheckpointError(dir, 'directory does not exist');
        if (!info.isDirectory())
          throw new CheckpointError(
            dir,
            `is not a directory (expected a checkpoint directory with ${MANIFEST_FILE})`,
          );
        throw new CheckpointError(dir, `has no ${MANIFEST_FILE} (not a synaptogen checkpoint)`);
      }
      throw new CheckpointError(dir, `is missing ${name} (${what})`);
    }
    if (code === 'ENOTDIR')
      throw new CheckpointError(
        dir,
        `is not a directory (expected a checkpoint directory with ${MANIFEST_FILE})`,
      );
    if (code === 'EISDIR') throw new CheckpointError(dir, `${name} is a folder (expected ${what})`);
    throw new CheckpointError(dir, `cannot read ${name} (${code ?? (e as Error).message})`);
  }
}

/**
 * Reads and verifies a checkpoint directory: the manifest's fields, its SHA-256 and the weights
 * file's size and SHA-256 (both checksums are required). Writes nothing; every problem is a
 * CheckpointError naming the directory and the file.
 */
export async function loadCheckpoint(dir: string): Promise<CheckpointData> {
  const target = resolve(dir);
  const text = (await readPart(dir, target, MANIFEST_FILE, 'the checkpoint manifest')).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error, line breaks included: keep the message on one line
    const why = (e as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    throw new CheckpointError(dir, `${MANIFEST_FILE} is not valid JSON (${why})`);
  }
  const manifest: CheckpointManifest = validateManifest(dir, parsed);
  if (sha256(manifestDigestText(manifest)) !== manifest.manifestSha256)
    throw new CheckpointError(
      dir,
      `${MANIFEST_FILE} does not match its SHA-256 (manifestSha256): edited or corrupt`,
    );
  const data = await readPart(dir, target, manifest.weightsFile, `the weights named by ${MANIFEST_FILE}`);
  if (data.byteLength !== manifest.weightsByteLength)
    throw new CheckpointError(
      dir,
      `${manifest.weightsFile} has ${data.byteLength} bytes, ${MANIFEST_FILE} says ${manifest.weightsByteLength} (truncated or corrupt)`,
    );
  if (sha256(data) !== manifest.weightsSha256)
    throw new CheckpointError(
      dir,
      `${manifest.weightsFile} does not match its SHA-256 in the manifest (corrupt)`,
    );
  return decodeCheckpoint(dir, manifest, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
