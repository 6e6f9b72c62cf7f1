/**
 * `npm run bench`: the seven scenarios of issue 10 and the cost of tracing (issue 15), each printing its figures as ratios to a baseline
 * measured in the same run on the same machine, then BENCHMARKS.md with the machine, every table and
 * its reading. Speed never fails the run; a broken correctness invariant (more than one refresh per
 * storm, a duplicate refresh, a lost session, a failed call) or a scenario that cannot finish sets
 * the exit code to 1. See bench/README.md.
 *
 *   node bench/run.ts [--quick] [--only proxy-cost,storms,…] [--no-build] [--cpu-prof] [--before <ref>|none]
 *
 * --quick    a smoke run of every scenario (fewer rounds and sessions), written to artifacts/
 * --only     these scenarios (ids below), written to artifacts/
 * --no-build skip `npm run build` (the BFF and the demo run from dist/)
 * --cpu-prof profile the BFF processes of the proxy-cost and tracing scenarios into artifacts/profiles
 * --before   the commit whose BFF the tracing scenario compares with (default: the last before tracing)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { describeMachine, machineRows, startLoadMonitor } from './lib/machine.ts';
import {
  invariantsTable,
  markdownTable,
  renderScenario,
  summaryTable,
  type RunEntry,
  type Scenario,
} from './lib/report.ts';
import { browser } from './scenarios/browser.ts';
import { cluster } from './scenarios/cluster.ts';
import { manySessions } from './scenarios/many-sessions.ts';
import { massExpiry } from './scenarios/mass-expiry.ts';
import { proxyCost } from './scenarios/proxy-cost.ts';
import { proxyEmulator } from './scenarios/proxy-emulator.ts';
import { storms } from './scenarios/storms.ts';
import { BEFORE_TRACING, tracing } from './scenarios/tracing.ts';

const SCENARIOS: Scenario[] = [proxyCost, proxyEmulator, manySessions, massExpiry, storms, cluster, browser, tracing];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    before: { type: 'string', default: BEFORE_TRACING },
  },
});
const only = args.only?.split(',').map((id) => id.trim()) ?? null;
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const selected = only === null ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.id));
// A full run of every scenario is the one that replaces BENCHMARKS.md; anything less goes to artifacts/.
const output = args.quick
  ? 'artifacts/BENCHMARKS.quick.md'
  : only !== null
    ? 'artifacts/BENCHMARKS.partial.md'
    : 'BENCHMARKS.md';
// Ctrl-C: leave through 'exit', whose handler stops every server the bench started.
process.once('SIGINT', () => process.exit(130));
const startedAt = performance.now();

if (!args['no-build']) {
  // The BFF children and the demo run from dist/: measure what the sources say now.
  const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('bench: `npm run build` failed');
    process.exit(1);
  }
}

const machine = describeMachine();
const monitor = startLoadMonitor();
console.log(
  `bench${args.quick ? ' --quick' : ''}: ${selected.length} scenario(s) on ${machine.cpuModel} × ${machine.cpuCount}, ` +
    `Node ${machine.node}, load average ${machine.loadAtStart.toFixed(2)}`,
);

const entries: RunEntry[] = [];
for (const scenario of selected) {
  console.log(`\n${scenario.title} …`);
  const scenarioStartedAt = performance.now();
  let outcome: RunEntry['outcome'];
  try {
    outcome = {
      result: await scenario.run({
        quick: args.quick,
        bffExecArgv: bffExecArgv(),
        before: args.before === 'none' ? null : args.before,
      }),
    };
  } catch (error) {
    console.error(error);
    outcome = { error: error instanceof Error ? error.message : String(error) };
  }
  const seconds = (performance.now() - scenarioStartedAt) / 1000;
  entries.push({ scenario, seconds, outcome });
  if ('result' in outcome)
    for (const figure of outcome.result.figures) console.log(`\n${figure.caption}\n${markdownTable(figure.table)}`);
  console.log(`(${seconds.toFixed(1)} s)`);
}

const load = monitor.stop();
const totalSeconds = (performance.now() - startedAt) / 1000;
const summary = markdownTable(summaryTable(entries));
const invariants = invariantsTable(entries);
const document = [
  '# Benchmarks',
  `Written by \`npm run bench${args.quick ? ' -- --quick' : ''}\` on ${machine.date.slice(0, 10)} in ` +
    `${(totalSeconds / 60).toFixed(1)} minutes${args.quick ? ' (a smoke run: fewer rounds and sessions; do not quote it)' : ''}. ` +
    'Every speed figure is a ratio to a baseline measured in the same run on the same machine; what each scenario ' +
    'does and how to read it is in [bench/README.md](bench/README.md). Absolute figures (req/s, ms) are printed for ' +
    'scale only: on a shared 2-core machine they move from run to run, the ratios much less.',
  '## Machine',
  markdownTable({ header: ['', ''], rows: machineRows(machine, load) }),
  '## Summary',
  summary,
  invariants.broken.length === 0
    ? `All ${invariants.table.rows.length} correctness invariants hold.`
    : `**${invariants.broken.length} correctness invariant(s) broken** (see the end).`,
  ...entries.map(renderScenario),
  '## Correctness invariants',
  'Checked in every run; a broken one makes `npm run bench` exit with code 1.',
  markdownTable(invariants.table),
  '',
].join('\n\n');
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, document);

console.log(`\nSummary\n${summary}\n`);
console.log(
  invariants.broken.length === 0
    ? `correctness invariants: all ${invariants.table.rows.length} hold`
    : `correctness invariants: ${invariants.broken.length} BROKEN\n${markdownTable({
        header: invariants.table.header,
        rows: invariants.broken,
      })}`,
);
console.log(`wrote ${output}; total ${totalSeconds.toFixed(1)} s`);
process.exit(invariants.broken.length === 0 ? 0 : 1);

function bffExecArgv(): string[] {
  return args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=artifacts/profiles'] : [];
}
