import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';

/**
 * Caps a request body at `maxBytes`: a declared `Content-Length` over it is refused before anything is
 * read, and a chunked body is cut off at the cap.
 * @throws AppError PAYLOAD_TOO_LARGE with `limitBytes`
 */
export const bodyLimit = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `body exceeds ${maxBytes} bytes`, { limitBytes: maxBytes });
    },
  });
