import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { datasetsThroughput } from './benchmarks/datasets-throughput.js';
import { demoBrowser } from './benchmarks/demo-browser.js';
import { divergenceCheck } from './benchmarks/divergence-check.js';
import { gradrMnist } from './benchmarks/gradr-mnist.js';
import { gradrSparseStep } from './benchmarks/gradr-sparse-step.js';
import { gradrStep } from './benchmarks/gradr-step.js';
import { gradrSweep } from './benchmarks/gradr-sweep.js';
import { hardwareCost } from './benchmarks/hardware-cost.js';
import { mainJob } from './benchmarks/main-job.js';
import { nirSinabs } from './benchmarks/nir-sinabs.js';
import { scaCifar } from './benchmarks/sca-cifar.js';
import { scaNmnist } from './benchmarks/sca-nmnist.js';
import { scaOverhead } from './benchmarks/sca-overhead.js';
import { scaSpeedup } from './benchmarks/sca-speedup.js';
import { threadSpin } from './benchmarks/thread-spin.js';
import { trainThroughput } from './benchmarks/train-throughput.js';
import { wasmConvKernels } from './benchmarks/wasm-conv-kernels.js';
import { wasmConvStep } from './benchmarks/wasm-conv-step.js';
import { wasmMatMulShapes } from './benchmarks/wasm-matmul-shapes.js';
import { wasmSimdPeak } from './benchmarks/wasm-simd-peak.js';
import { wasmSparseInference } from './benchmarks/wasm-sparse-inference.js';
import { wasmVsPytorch } from './benchmarks/wasm-vs-pytorch.js';
import type { Benchmark, BenchRecord } from './record.js';

const BENCHMARKS: Benchmark[] = [
  mainJob,
  datasetsThroughput,
  trainThroughput,
  wasmConvStep,
  wasmSparseInference,
  wasmSimdPeak,
  wasmConvKernels,
  wasmVsPytorch,
  threadSpin,
  scaOverhead,
  wasmMatMulShapes,
  gradrMnist,
  gradrStep,
  gradrSparseStep,
  gradrSweep,
  divergenceCheck,
  hardwareCost,
  scaCifar,
  scaSpeedup,
  scaNmnist,
  nirSinabs,
  demoBrowser,
];

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = resolve(here, '..', 'results');

function printTable(records: BenchRecord[]): void {
  const rows = records.map((r) => [
    r.benchmark,
    r.metric,
    r.value < 10 ? r.value.toFixed(3) : r.value.toFixed(1),
    r.unit,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), 6));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(['benchmark', 'metric', 'value', 'unit']));
  for (const row of rows) console.log(line(row));
}

const program = new Command('bench')
  .description('synaptogen benchmarks: each writes apps/bench/results/<name>.json and prints a table')
  .argument('[names...]', `benchmarks to run (default: all): ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  .option('--quick', 'fewer steps (noisier figures)')
  .option('--peer', 'also run the PyTorch peer side by side where a benchmark has one')
  .option('--no-simd', 'stock tfjs-wasm kernels instead of the wasm-simd ones (benchmarks that train)')
  .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ../shared/data)')
  .action(
    async (names: string[], flags: { quick?: boolean; peer?: boolean; simd: boolean; dataDir?: string }) => {
      const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
      if (unknown.length) {
        console.error(
          `bench: unknown benchmark ${unknown.join(', ')}; expected: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
        );
        process.exitCode = 2;
        return;
      }
      const dataRoot = resolve(
        flags.dataDir ?? process.env.SYNAPTOGEN_DATA ?? resolve(here, '../../../../shared/data'),
      );
      const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
      mkdirSync(resultsDir, { recursive: true });
      for (const b of selected) {
        console.error(`# ${b.name}: ${b.description}`);
        const records = await b.run({
          dataRoot,
          quick: Boolean(flags.quick),
          peer: Boolean(flags.peer),
          simd: flags.simd,
          log: (l) => console.error(`  ${l}`),
        });
        const file = join(resultsDir, `${b.name}.json`);
        writeFileSync(`${file}.tmp`, `${JSON.stringify(records, null, 2)}\n`);
        renameSync(`${file}.tmp`, file);
        printTable(records);
        console.error(`  wrote ${file}`);
      }
    },
  );

await program.parseAsync(process.argv);
