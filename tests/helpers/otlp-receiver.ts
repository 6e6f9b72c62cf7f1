/**
 * A small OTLP/HTTP receiver for the tracing tests: keeps every body POSTed to `<url>/v1/traces`, as
 * bytes, and answers 200 `{}` as a collector does. `url` is what `OTEL_EXPORTER_OTLP_ENDPOINT` takes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpReceiver {
  /** The endpoint's base (with a path of its own, to show it is kept): `<url>/v1/traces` receives. */
  url: string;
  bodies: Buffer[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/otlp/v1/traces') bodies.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/otlp`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
