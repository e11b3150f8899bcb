import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** tfjs-backend-wasm's binaries, which `setWasmPaths('<base>tfjs-wasm/')` points the worker at. */
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
const wasmFiles = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));

/** The data root, as everywhere in synaptogen: $SYNAPTOGEN_DATA, else ../shared/data beside the repo. */
const dataRoot = resolve(process.env.SYNAPTOGEN_DATA ?? join(here, '../../../shared/data'));
/** Only these files are served: the dev server must not expose the rest of the disk. */
const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

function send(res: ServerResponse, file: string, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', String(statSync(file).size));
  res.setHeader('Cache-Control', 'no-cache');
  createReadStream(file).pipe(res);
}

/** Finds an MNIST file under the data root, gzip or raw (`mnist/<name>[.gz]`). */
function mnistFile(name: string): string | undefined {
  const base = name.replace(/\.gz$/, '');
  if (!MNIST_FILES.includes(base)) return undefined;
  for (const candidate of [`${base}.gz`, base]) {
    const file = join(dataRoot, 'mnist', candidate);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Serves `/tfjs-wasm/*.wasm` (dev and preview) and emits them into the build, and serves MNIST from
 * the data root under `/data/mnist/` with an index at `/data/index.json` (dev and preview only: a
 * static build has no data root, the page then asks for files).
 */
function synaptogenAssets(): Plugin {
  const middleware = (req: { url?: string }, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const wasm = /\/tfjs-wasm\/([\w.-]+\.wasm)$/.exec(url.pathname);
    if (wasm && wasmFiles.includes(wasm[1])) return send(res, join(wasmDir, wasm[1]), 'application/wasm');
    if (url.pathname.endsWith('/data/index.json')) {
      const files = MNIST_FILES.map((n) => mnistFile(n)).filter((f): f is string => Boolean(f));
      const body = JSON.stringify({
        mnist: files.length === MNIST_FILES.length ? files.map((f) => f.slice(dataRoot.length + 1)) : null,
      });
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(body);
      return;
    }
    const data = /\/data\/mnist\/([\w.-]+)$/.exec(url.pathname);
    if (data) {
      const file = mnistFile(data[1]);
      if (file) return send(res, file, 'application/octet-stream');
      res.statusCode = 404;
      res.end(`not found under the data root ${dataRoot}: mnist/${data[1]}`);
      return;
    }
    next();
  };
  return {
    name: 'synaptogen-assets',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
    generateBundle() {
      for (const f of wasmFiles)
        this.emitFile({ type: 'asset', fileName: `tfjs-wasm/${f}`, source: readFileSync(join(wasmDir, f)) });
    },
  };
}

/**
 * Cross-origin isolation gives the worker SharedArrayBuffer: tfjs' threaded wasm and wasm-simd's threads. The
 * mode `not-isolated` (`vite --mode not-isolated`, `vite preview --mode not-isolated`) serves without these
 * headers, as a static host that sends none: the page then trains on one thread.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
export const NOT_ISOLATED_MODE = 'not-isolated';

export default defineConfig(({ mode }) => {
  const headers = mode === NOT_ISOLATED_MODE ? {} : ISOLATION_HEADERS;
  return {
    // relative asset URLs: the build can be hosted under any path
    base: './',
    plugins: [synaptogenAssets()],
    worker: { format: 'es' },
    // pre-bundle up front what the worker imports (lazily, through linked workspace packages): otherwise the dev
    // server discovers them mid-session and reloads the page
    optimizeDeps: {
      include: [
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-core/dist/register_all_gradients',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-backend-cpu',
        'fflate',
        '@synaptogen/datasets > fzstd',
        'uplot',
      ],
    },
    build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
    server: { host: '127.0.0.1', headers },
    preview: { host: '127.0.0.1', headers },
  };
});
