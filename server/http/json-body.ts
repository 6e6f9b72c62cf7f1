import type { Context } from 'hono';
import { AppError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/**
 * The request body as a JSON object; an empty body reads as `{}` when `emptyIsObject`. The body is the
 * one the `bodyLimit` middleware read (within its cap), else read here whole.
 * @throws AppError BAD_REQUEST for anything else.
 */
export async function readJsonObject(
  c: Context<AppEnv>,
  { emptyIsObject = false } = {},
): Promise<Record<string, unknown>> {
  const text = c.get('body') ?? (await c.req.text());
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
