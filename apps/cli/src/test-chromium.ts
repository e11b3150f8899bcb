/** Debian's Chromium for the browser tests (no Playwright browser download). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO } from './test-cli.js';

export const chromiumPath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';

/** Why Chromium cannot run here, or null; the project's install script is tried once when it is missing. */
export function chromiumUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  const r = spawnSync('bash', [join(REPO, 'scripts/install-chromium.sh')], { encoding: 'utf8' });
  if (existsSync(chromiumPath)) return null;
  return `Chromium is not at ${chromiumPath} and scripts/install-chromium.sh failed (exit ${r.status}); browser tests skipped`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // root in containers needs --no-sandbox; no GPU here
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
