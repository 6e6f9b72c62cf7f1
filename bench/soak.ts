/**
 * `npm run soak`: mixed traffic from 1,000 signed-in sessions for 10 minutes (`--minutes N`, `--quick`
 * for 1) through three compiled BFFs — one on SQLite in a tmpfs, two sharing a private Redis — against
 * the emulator in its strictest refresh-token mode, with expiry episodes, deliberate revocations,
 * Shopify token and GraphQL faults, one Redis restart and one SQLite disk-full episode. Loopback only;
 * it stops by itself. Prints one table and exits 0 when every target holds (no session lost, no
 * duplicate refresh, RSS and open file descriptors flat after warm-up), 1 otherwise, 2 for bad arguments.
 *
 *   node bench/soak.ts [--minutes N] [--quick] [--sessions N] [--rate N]
 *
 * The BFFs run from the build (`dist/node`): run `npm run build` first.
 */
import { describeMachine, machineRows, startLoadMonitor } from './lib/machine.ts';
import { markdownTable } from './lib/report.ts';
import { parseSoakArgs, USAGE, type SoakOptions } from './soak-plan.ts';
import { renderSoak } from './soak-report.ts';
import { runSoak } from './soak-run.ts';
import { builtBffMissing } from './soak-stack.ts';

/** Beyond the traffic: sign-in, the final check, start and stop. Past it the soak gives up (exit 1). */
const OVERHEAD_BOUND_MS = 5 * 60_000;

let options: SoakOptions;
try {
  options = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (builtBffMissing()) {
  console.error('dist/node/server/main.js is missing: run `npm run build` first');
  process.exit(1);
}
// Ctrl-C, or the bound: leave through 'exit', whose handler (soak-stack.ts) kills every process started.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
const bound = setTimeout(
  () => {
    console.error('the soak ran past its time bound: stopping');
    process.exit(1);
  },
  options.minutes * 60_000 + OVERHEAD_BOUND_MS,
);
bound.unref();

const machine = describeMachine();
const load = startLoadMonitor();
const startedAt = Date.now();
const say = (line: string) => console.log(`[soak] ${line}`);
const result = await runSoak(options, say);
const { text, passed } = renderSoak(result);
console.log(`\n${text}\n`);
console.log(markdownTable({ header: ['machine', ''], rows: machineRows(machine, load.stop()) }));
console.log(
  `\n${((Date.now() - startedAt) / 60_000).toFixed(1)} min in all. ${passed ? 'Every target holds.' : 'A target was missed.'}`,
);
process.exit(passed ? 0 : 1);
