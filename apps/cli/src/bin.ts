import pkg from '../package.json' with { type: 'json' };
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

// `synaptogen datasets list | head`: a closed pipe ends the output quietly, as Unix tools do
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(): Promise<void> {
  const program = buildProgram(pkg.version);
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander already printed its message (help, version or a usage error)
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    process.stderr.write(`synaptogen: ${e.message ?? String(err)}\n`);
    // the whole error, its stack and its causes, for every command
    if (process.env.SYNAPTOGEN_DEBUG) console.error(err);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}

await main();
