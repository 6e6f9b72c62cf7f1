/**
 * Issue 15, tracing with a collector that is not there: customers are served as ever, the export's
 * failure is logged as `tracing.problem`, and closing the BFF (a SIGTERM's shutdown) neither fails nor
 * waits for the exporter's retries.
 */
import { afterAll, expect, it } from 'vitest';
import { freePort, startStack, type Stack } from './helpers/stack.ts';

let stack: Stack | undefined;
afterAll(() => stack?.close());

it('answers, logs tracing.problem, and closes without failing', async () => {
  // A port that was free a moment ago and has nothing listening on it now.
  const port = await freePort();
  stack = await startStack({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
  const response = await fetch(`${stack.appOrigin}/auth/session`, { headers: { 'x-request-id': 'lost-1' } });
  expect(response.status).toBe(200);

  await expect(stack.bff.close()).resolves.toBeUndefined();
  const problems = stack.logs.events().filter((line) => line['event'] === 'tracing.problem');
  expect(problems.length).toBeGreaterThan(0);
  expect(String(problems.at(-1)!['message'])).toMatch(/^spans not exported: ./);
});
