import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/** The client went away before its body arrived: there is no one left to answer, and nothing went wrong here. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
  constructor() {
    super('the client aborted the request body');
  }
}

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limitBytes: maxBytes });

/** Whether a declared `Content-Length` is already over the cap (nothing need be read to refuse it). */
export const declaredOver = (contentLength: string | undefined, maxBytes: number): boolean =>
  Number(contentLength ?? Number.NaN) > maxBytes;

/**
 * A Node request's whole body as UTF-8 text, read straight from the socket (no web streams), at most
 * `maxBytes`. Reading stops at the first chunk past the cap: the rest is discarded as it arrives, never
 * buffered, and the request stays usable for an answer (a `for await` loop would destroy it).
 * @throws AppError PAYLOAD_TOO_LARGE with `limitBytes`; the stream's error if the client goes away
 */
export function readBodyWithin(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  if (declaredOver(incoming.headers['content-length'], maxBytes)) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      done();
      incoming.resume(); // drain what is still coming, keep nothing
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => {
      done();
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)).toString('utf8'));
    };
    const onError = (error: Error) => {
      done();
      // A reset socket surfaces as an error on the request too: it is the same client going away.
      reject(
        incoming.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? new ClientAbortedError() : error,
      );
    };
    const onAborted = () => onError(new ClientAbortedError());
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}

/**
 * Reads the request body, at most `maxBytes`, into `c.var.body` (UTF-8 text) before the handler runs.
 * A declared `Content-Length` over the cap is refused before anything is read; a chunked body is cut
 * off at the cap.
 * @throws AppError PAYLOAD_TOO_LARGE with `limitBytes`
 */
export const bodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  async function bodyLimit(c, next) {
    const incoming = c.env?.incoming;
    if (incoming !== undefined) {
      c.set('body', await readBodyWithin(incoming, maxBytes));
    } else {
      // In-process (`app.request()`): no Node request, the body comes as a web stream.
      if (declaredOver(c.req.header('content-length'), maxBytes)) throw tooLarge(maxBytes);
      const bytes = Buffer.from(await c.req.arrayBuffer());
      if (bytes.length > maxBytes) throw tooLarge(maxBytes);
      c.set('body', bytes.toString('utf8'));
    }
    await next();
  };
