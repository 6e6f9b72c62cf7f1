/**
 * Runs the shared browser scenarios (tests/engines/scenarios/) in each engine's driver, against one
 * stack (stack.ts), and writes artifacts/engines.json for the `npm test` totals line.
 *
 *   node tests/engines/run.ts                        # firefox and webkit (Chromium runs them too: --engine chromium)
 *   node tests/engines/run.ts --engine firefox --repeat 3 --only storm
 *
 * A scenario a driver cannot do (NotSupported) is reported "not run in <engine>: <why>", never passed.
 * Needs `npm run build` first (the compiled launcher); exits 1 when anything failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NotSupported, type Engine, type EngineName, type Profile } from './driver.ts';
import type { Scenario } from './scenario.ts';
import { startStack, type Stack } from './stack.ts';
import { scenario as features } from './scenarios/features.ts';
import { scenario as refreshStorm } from './scenarios/refresh-storm.ts';
import { scenario as mixedTabs } from './scenarios/mixed-tabs.ts';
import { scenario as revocation } from './scenarios/revocation.ts';
import { scenario as signOut } from './scenarios/sign-out.ts';
import { scenario as offline } from './scenarios/offline.ts';
import { scenario as swTerminated } from './scenarios/sw-terminated.ts';
import { scenario as isolation } from './scenarios/isolation.ts';
import { scenario as fallbackElection } from './scenarios/fallback-election.ts';
import { scenario as swWithoutLocks } from './scenarios/sw-without-locks.ts';

const SCENARIOS: readonly Scenario[] = [
  features,
  refreshStorm,
  mixedTabs,
  revocation,
  signOut,
  offline,
  swTerminated,
  isolation,
  fallbackElection,
  swWithoutLocks,
];

const SCENARIO_TIMEOUT_MS = 90_000;

async function launch(name: EngineName): Promise<Engine> {
  switch (name) {
    case 'chromium':
      return (await import('./drivers/chromium.ts')).launchChromium();
    case 'firefox':
      return (await import('./drivers/firefox.ts')).launchFirefox();
    case 'webkit':
      return (await import('./drivers/webkit.ts')).launchWebKit();
  }
}

interface Outcome {
  readonly scenario: string;
  readonly status: 'passed' | 'failed' | 'not run';
  readonly ms: number;
  readonly detail?: string;
  readonly short?: string;
}

interface EngineReport {
  engine: string;
  version: string;
  runs: number;
  passed: number;
  failed: number;
  notRun: { scenario: string; reason: string; short: string }[];
  outcomes: Outcome[];
}

async function runScenario(engine: Engine, stack: Stack, scenario: Scenario): Promise<Outcome> {
  const profiles: Profile[] = [];
  const notes: string[] = [];
  const startedMs = Date.now();
  const errorsBefore = stack.upstreamErrors.length;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      scenario.run({
        engine,
        stack,
        async profile() {
          const profile = await engine.newProfile();
          profiles.push(profile);
          return profile;
        },
        note: (text) => notes.push(text),
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS);
      }),
    ]);
    return { scenario: scenario.name, status: 'passed', ms: Date.now() - startedMs, detail: notes.join('; ') };
  } catch (error) {
    const status = error instanceof NotSupported ? 'not run' : 'failed';
    let detail =
      error instanceof Error ? (status === 'failed' ? (error.stack ?? error.message) : error.message) : String(error);
    const proxyErrors = stack.upstreamErrors.slice(errorsBefore);
    if (status === 'failed' && proxyErrors.length > 0) detail += `\nproxy could not forward: ${proxyErrors.join('; ')}`;
    const short = error instanceof NotSupported ? error.short : undefined;
    return { scenario: scenario.name, status, ms: Date.now() - startedMs, detail, ...(short ? { short } : {}) };
  } finally {
    clearTimeout(timer);
    await Promise.all(profiles.map((profile) => profile.close().catch(() => undefined)));
    stack.setFallback(null);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', multiple: true },
      repeat: { type: 'string', default: '1' },
      only: { type: 'string' },
      json: { type: 'string', default: 'artifacts/engines.json' },
    },
  });
  const engines = (values.engine ?? ['firefox', 'webkit']) as EngineName[];
  const repeat = Math.max(1, Number(values.repeat));
  const scenarios = SCENARIOS.filter((s) => values.only === undefined || s.name.includes(values.only));

  const stack = await startStack();
  const reports: EngineReport[] = [];
  try {
    for (const name of engines) {
      const report: EngineReport = {
        engine: name,
        version: '',
        runs: repeat,
        passed: 0,
        failed: 0,
        notRun: [],
        outcomes: [],
      };
      reports.push(report);
      let engine: Engine;
      const launchedMs = Date.now();
      try {
        engine = await launch(name);
      } catch (error) {
        report.failed += scenarios.length * repeat;
        console.log(`✗ ${name}: could not start: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      report.engine = engine.name;
      report.version = engine.version;
      console.log(`${engine.name} ${engine.version} (started in ${Date.now() - launchedMs} ms)`);
      try {
        for (let run = 1; run <= repeat; run += 1) {
          for (const scenario of scenarios) {
            const outcome = await runScenario(engine, stack, scenario);
            report.outcomes.push(outcome);
            const label = `${engine.name} ${engine.version} › ${scenario.name}${repeat > 1 ? ` [run ${run}]` : ''}`;
            const seconds = `${(outcome.ms / 1000).toFixed(1)} s`;
            if (outcome.status === 'passed') {
              report.passed += 1;
              console.log(`  ✓ ${label} (${seconds})${outcome.detail ? ` — ${outcome.detail}` : ''}`);
            } else if (outcome.status === 'not run') {
              if (run === 1)
                report.notRun.push({
                  scenario: scenario.name,
                  reason: outcome.detail ?? '',
                  short: outcome.short ?? '',
                });
              console.log(`  – not run in ${engine.name} ${engine.version}: ${scenario.name}: ${outcome.detail}`);
            } else {
              report.failed += 1;
              console.log(`  ✗ ${label} (${seconds})\n${indent(outcome.detail ?? '')}`);
            }
          }
        }
      } finally {
        await engine.close().catch(() => undefined);
      }
    }
  } finally {
    await stack.stop();
    mkdirSync('artifacts', { recursive: true });
    writeFileSync(values.json, `${JSON.stringify({ engines: reports }, null, 2)}\n`);
  }
  console.log(reports.map(summary).join(' · '));
  if (reports.some((r) => r.failed > 0 || r.passed === 0)) process.exitCode = 1;
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');

/** `firefox-esr 153: 9 passed` / `webkitgtk 2.50: 7 passed, 2 not run (no SW termination over WebDriver; …)`. */
function summary(report: EngineReport): string {
  const parts = [`${report.passed} passed`];
  if (report.failed > 0) parts.push(`${report.failed} failed`);
  if (report.notRun.length > 0)
    parts.push(`${report.notRun.length} not run (${report.notRun.map((n) => n.short).join('; ')})`);
  return `${report.engine} ${report.version}: ${parts.join(', ')}`;
}

await main();
