import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limitBytes: maxBytes });

/**
 * Reads the request body, at most `maxBytes`, into `c.var.body` (UTF-8 text) before the handler runs.
 * A declared `Content-Length` over the cap is refused before anything is read; a chunked body is cut
 * off at the cap. The body is read straight from the Node request (no web streams) when there is one.
 * @throws AppError PAYLOAD_TOO_LARGE with `limitBytes`
 */
export const bodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  async function bodyLimit(c, next) {
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > maxBytes) throw tooLarge(maxBytes);
    const incoming = c.env?.incoming;
    let bytes: Buffer;
    if (incoming === undefined) {
      bytes = Buffer.from(await c.req.arrayBuffer());
      if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    } else {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of incoming) {
        length += (chunk as Buffer).length;
        // Stop reading at once: the rest of an oversized body is never buffered.
        if (length > maxBytes) throw tooLarge(maxBytes);
        chunks.push(chunk as Buffer);
      }
      bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
    }
    c.set('body', bytes.toString('utf8'));
    await next();
  };
