// Prints the totals of the vitest and Playwright JSON reports and of the browser engines' scenarios
// (tests/engines/run.ts) as closing lines: one per kind, one line saying what ran in each engine,
// then the example storefront's, then "N passed, N failed". A missing engines or example report counts
// as a failure.
import { existsSync, readFileSync } from 'node:fs';

const [vitestFile, playwrightFile, enginesFile, exampleFile] = process.argv.slice(2);
const vitest = JSON.parse(readFileSync(vitestFile, 'utf8'));
const playwright = JSON.parse(readFileSync(playwrightFile, 'utf8')).stats;
const engines =
  enginesFile !== undefined && existsSync(enginesFile) ? JSON.parse(readFileSync(enginesFile, 'utf8')).engines : null;

let passed = vitest.numPassedTests + playwright.expected + playwright.flaky;
let failed = vitest.numFailedTests + playwright.unexpected;
const skipped = vitest.numPendingTests + vitest.numTodoTests + playwright.skipped;
console.log(
  `unit+integration: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed; browser: ${playwright.expected} passed, ${playwright.unexpected} failed`,
);

if (enginesFile !== undefined) {
  if (engines === null) {
    failed += 1;
    console.log(`browser engines: no report (${enginesFile}): the engines' run did not finish`);
  } else {
    const line = engines.map((report) => {
      passed += report.passed;
      failed += report.failed;
      const parts = [];
      // Chromium also runs the Playwright specs above: say both.
      if (report.engine === 'chromium') parts.push(`${playwright.expected} specs + ${report.passed} scenarios passed`);
      else parts.push(`${report.passed} passed`);
      if (report.engine === 'chromium' && playwright.unexpected > 0)
        parts.push(`${playwright.unexpected} specs failed`);
      if (report.failed > 0) parts.push(`${report.failed} failed`);
      if (report.notRun.length > 0)
        parts.push(`${report.notRun.length} not run (${report.notRun.map((n) => n.short).join('; ')})`);
      return `${report.engine} ${report.version}: ${parts.join(', ')}`;
    });
    console.log(`browser engines: ${line.join(' · ')}`);
  }
}

if (exampleFile !== undefined) {
  if (!existsSync(exampleFile)) {
    failed += 1;
    console.log(`example storefront: no report (${exampleFile}): its install, build or tests did not finish`);
  } else {
    const example = JSON.parse(readFileSync(exampleFile, 'utf8')).stats;
    passed += example.expected + example.flaky;
    failed += example.unexpected;
    console.log(
      `example storefront (from the packed tarball): ${example.expected} passed, ${example.unexpected} failed`,
    );
  }
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0 || passed === 0) process.exit(1);
