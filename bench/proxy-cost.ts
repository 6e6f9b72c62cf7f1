/**
 * Scenario 1 alone (the proxy's own cost on a fast upstream), tables only, no build and no
 * BENCHMARKS.md: for working on the proxy's hot path. Run `npm run build` first.
 *
 *   node bench/proxy-cost.ts [--quick] [--cpu-prof]      (--cpu-prof: the BFFs' profiles in artifacts/profiles)
 */
import { markdownTable } from './lib/report.ts';
import { proxyCost } from './scenarios/proxy-cost.ts';

const result = await proxyCost.run({
  quick: process.argv.includes('--quick'),
  bffExecArgv: process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir=artifacts/profiles'] : [],
  before: null,
});
for (const figure of result.figures) console.log(`${figure.caption}\n${markdownTable(figure.table)}\n`);
process.exit(0);
