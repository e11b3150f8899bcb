import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chromiumPath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Debian's Chromium (never a Playwright browser download). When it is missing, the project's
 * install script is tried once; returns why it is unavailable, or null when it can be launched.
 */
export function chromiumUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  const script = resolve(repoRoot, 'scripts/install-chromium.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 600_000 });
  if (existsSync(chromiumPath)) return null;
  return (
    `Chromium is not at ${chromiumPath} and scripts/install-chromium.sh could not install it ` +
    `(exit ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').at(-1)}); ` +
    'browser tests skipped. Install it with `bash scripts/install-chromium.sh` or set SYNAPTOGEN_CHROMIUM.'
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // root in containers needs --no-sandbox; no GPU here
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
