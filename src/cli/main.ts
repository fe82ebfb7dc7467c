#!/usr/bin/env node
/**
 * `eoffice-kpi` (docs/integrators.md (command line)). The entry point only connects the real process to runCli:
 * arguments, environment, stdout/stderr, signals, and the exit code.
 */
import { runCli } from './program';

// `eoffice-kpi agency list | head`: a closed pipe ends the output quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, signals: process }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // runCli reports every failure itself; this is only reached if reporting failed.
    process.stderr.write(`Lỗi không mong muốn (unexpected error): ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
