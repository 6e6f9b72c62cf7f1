import type { Context } from 'hono';
import { AppError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/**
 * `text` as a JSON object; an empty text reads as `{}` when `emptyIsObject`. The trust boundary of
 * every JSON body.
 * @throws AppError BAD_REQUEST for anything else.
 */
export function parseJsonObject(text: string, { emptyIsObject = false } = {}): Record<string, unknown> {
  if (emptyIsObject && text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('BAD_REQUEST', 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The body the `bodyLimit` middleware read (within its cap), else the request's whole body. */
export const requestBody = async (c: Context<AppEnv>): Promise<string> => c.get('body') ?? (await c.req.text());

/**
 * The request body as a JSON object (see `parseJsonObject`).
 * @throws AppError BAD_REQUEST
 */
export async function readJsonObject(
  c: Context<AppEnv>,
  options: { emptyIsObject?: boolean } = {},
): Promise<Record<string, unknown>> {
  return parseJsonObject(await requestBody(c), options);
}
