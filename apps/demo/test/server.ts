import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { NOT_ISOLATED_MODE } from '../vite.config.js';

export const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The demo's vite dev server on a free port: cross-origin isolated (COOP/COEP, as `pnpm dev` serves it) or,
 * with `isolated: false`, without those headers (as a static host that sends none).
 */
export async function startDemoServer(
  options: { isolated?: boolean } = {},
): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root: demoDir,
    configFile: join(demoDir, 'vite.config.ts'),
    mode: options.isolated === false ? NOT_ISOLATED_MODE : undefined,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1' },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('vite dev server did not report a URL');
  }
  return { server, url };
}
