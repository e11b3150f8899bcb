import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Loaded into every child with `--import`: when the process that started the child is gone
 * (kill -9 of a queue worker), the child stops as on Ctrl-C, so train saves a checkpoint of its
 * unfinished epoch and no orphan keeps writing a run directory that another worker takes over.
 */
const PARENT_WATCH = `
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGINT');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 120000).unref();
}, 100);
timer.unref();
`;

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the child has exited, with everything it printed on stdout. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; lastErrors: string[] }>;
}

/**
 * Runs `node <cli> ...args` in its own process group (a Ctrl-C in the terminal reaches the sweep,
 * which passes exactly one SIGINT on: a second one would make train quit without saving).
 * `onLine` sees each stderr line as it comes.
 */
export function spawnCli(cli: string, args: string[], onLine: (line: string) => void): CliRun {
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(PARENT_WATCH)}`, cli, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: process.env },
  );
  let stdout = '';
  const lastErrors: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (line) => {
    lastErrors.push(line);
    if (lastErrors.length > 20) lastErrors.shift();
    onLine(line);
  });
  const done = new Promise<Awaited<CliRun['done']>>((resolve, reject) => {
    child.on('error', reject);
    // 'close': the exit status and all of stdout/stderr are in
    child.on('close', (code, signal) => resolve({ code, signal, stdout, lastErrors }));
  });
  return { child, done };
}

/** The last JSON object line of a child's stdout (train and cost print their summary last). */
export function lastJsonLine<T>(stdout: string): T | null {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return null;
  try {
    return JSON.parse(line) as T;
  } catch {
    return null;
  }
}
