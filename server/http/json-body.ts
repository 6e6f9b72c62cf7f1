import type { Context } from 'hono';
import { AppError } from '../errors.ts';

/**
 * The request body as a JSON object; an empty body reads as `{}` when `emptyIsObject`. Cap the body
 * first (the `bodyLimit` middleware): this reads it whole.
 * @throws AppError BAD_REQUEST for anything else.
 */
export async function readJsonObject(c: Context, { emptyIsObject = false } = {}): Promise<Record<string, unknown>> {
  const text = await c.req.text();
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
