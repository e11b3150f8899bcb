import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRecord } from './record.js';

/** The repository's scripts/ (this file runs from apps/bench/src or, bundled, apps/bench/dist). */
const SCRIPTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts');

/** ../shared/peer next to the data root: the PyTorch reference scripts. */
export function peerDir(ctx: BenchContext): string {
  return resolve(ctx.dataRoot, '..', 'peer');
}

export function torchAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * PyTorch for the peer (Debian's python3-torch). When absent it is installed by scripts/install-torch.sh
 * (root and apt-get only), unless SYNAPTOGEN_BENCH_NO_INSTALL is set. Returns false when unusable.
 */
export function ensureTorch(ctx: BenchContext): boolean {
  if (torchAvailable()) return true;
  if (process.env.SYNAPTOGEN_BENCH_NO_INSTALL) {
    ctx.log('peer: python3-torch is missing (bash scripts/install-torch.sh); PyTorch figures skipped');
    return false;
  }
  ctx.log('peer: python3-torch is missing; running scripts/install-torch.sh');
  const res = spawnSync('bash', [join(SCRIPTS, 'install-torch.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (res.status !== 0 || !torchAvailable()) {
    ctx.log(
      `peer: ${(res.stderr || res.stdout || 'install-torch.sh failed').trim()}; PyTorch figures skipped`,
    );
    return false;
  }
  return true;
}

/**
 * Runs the peer's training-throughput script (SpikingJelly semantics in PyTorch, 2 threads) and
 * returns its samples/s as records. Run after our own measurements, never at the same time.
 */
export async function peerTrainThroughput(ctx: BenchContext): Promise<BenchRecord[]> {
  const dir = peerDir(ctx);
  const script = join(dir, 'bench_train.py');
  if (!existsSync(script) || !torchAvailable()) {
    ctx.log(
      'peer: skipped (needs ../shared/peer and Debian python3-torch: apt-get install -y python3-torch)',
    );
    return [];
  }
  const args = [
    script,
    '--mnist',
    join(ctx.dataRoot, 'mnist'),
    '--cifar',
    join(ctx.dataRoot, 'cifar10'),
    '--threads',
    '2',
  ];
  args.push('--steps', ctx.quick ? '5' : '20', '--vgg-steps', ctx.quick ? '2' : '5', '--repeats', '1');
  const res = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 24 });
  if (res.status !== 0) {
    ctx.log(`peer: bench_train.py failed: ${res.stderr.split('\n').slice(-3).join(' ')}`);
    return [];
  }
  const records: BenchRecord[] = [];
  for (const line of res.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const model = r.model === 'gradr-mlp' ? 'gradr-mnist-mlp' : String(r.model);
    const metric = `${model}/pytorch-${r.optimizer ?? r.mode}-${r.linear_impl ?? 'conv'}-t${r.threads}`;
    const value = Number(r.samples_per_s ?? r.samples_per_sec ?? r.throughput);
    if (Number.isFinite(value))
      records.push({ benchmark: 'train-throughput', metric, value, unit: 'samples/s', config: r });
  }
  ctx.log(`peer: ${records.map((r) => `${r.metric} ${r.value.toFixed(1)}`).join(', ')}`);
  return records;
}
