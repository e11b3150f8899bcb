// `pnpm pack` for the check scripts: workspace:* rewritten and `files` applied, as npm would deliver a package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packs the package in `dir` into the folder `into`; returns the tarball's path. */
export function packDir(dir, into) {
  if (!existsSync(join(dir, 'dist'))) throw new Error(`${dir}/dist is missing: run \`pnpm build\` first`);
  mkdirSync(into, { recursive: true });
  const out = execFileSync('pnpm', ['pack', '--pack-destination', into], { cwd: dir, encoding: 'utf8' });
  const tarball = join(into, out.trim().split('\n').at(-1).trim().split('/').at(-1));
  if (!existsSync(tarball)) throw new Error(`pnpm pack in ${dir} did not produce a tarball (output: ${out})`);
  return tarball;
}

/** Publishable packages: packages/* and apps/* that are not private (the libraries and the CLI). */
export function publishableDirs() {
  return ['packages', 'apps']
    .flatMap((base) => readdirSync(join(root, base)).map((d) => join(root, base, d)))
    .filter((d) => existsSync(join(d, 'package.json')))
    .filter((d) => !JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).private);
}

/** Every publishable package, packed: name → { tarball, deps: its @synaptogen dependencies }. */
export function packPublishable(into) {
  const packed = {};
  for (const dir of publishableDirs()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const deps = Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@synaptogen/'));
    packed[pkg.name] = { tarball: packDir(dir, into), deps };
  }
  return packed;
}
