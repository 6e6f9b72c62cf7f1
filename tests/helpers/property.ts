/**
 * Property tests (fast-check) that say how many cases they tried. `itHolds` names the test with its
 * count, e.g. `safeReturnTo … (2,000 cases)`, and passes only when exactly that many generated cases
 * ran and held; a failure carries fast-check's own report (seed, path, shrunk counterexample), which
 * is enough to replay it with `{ seed, path }`.
 *
 * `client/core/` and `sw/` may not import this file (the layout rules in `tests/layout.test.ts`): their
 * property tests call `fc.assert` with the same `numRuns` in the test name instead.
 */
import fc from 'fast-check';
import { it } from 'vitest';

/** `1,000 cases`: how every property test states its count. */
export const casesLabel = (numRuns: number): string => `${numRuns.toLocaleString('en-US')} cases`;

/**
 * Declares a test that checks `property` on `numRuns` generated cases. `property` is built inside the
 * test, so its arbitraries may use what `beforeAll` prepared.
 */
export function itHolds<Ts>(
  name: string,
  numRuns: number,
  property: () => fc.IRawProperty<Ts>,
  timeoutMs?: number,
): void {
  it(
    `${name} (${casesLabel(numRuns)})`,
    async () => {
      const details = await fc.check(property(), { numRuns });
      if (details.failed) throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
      // The name states a count: it must be the number of cases that really ran.
      if (details.numRuns !== numRuns) throw new Error(`ran ${details.numRuns} cases, not ${numRuns}`);
    },
    timeoutMs,
  );
}
