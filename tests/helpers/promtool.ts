import { spawnSync } from 'node:child_process';

/**
 * Runs Prometheus's `promtool` (Debian's `prometheus` package, which scripts/ensure-services.sh installs)
 * with `args`, and `input` on its standard input when given. Answers its exit status and everything it
 * printed. @throws Error, saying how to install it, when promtool cannot run at all.
 */
export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000, input });
  if (run.error !== undefined) {
    throw new Error(
      `promtool could not run (${run.error.message}): install Debian's prometheus package (scripts/ensure-services.sh does)`,
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
