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

/**
 * Whether a parsed JSON value stays within `maxDepth` levels of nesting and `maxValues` values in all.
 * Iterative on purpose: the point is to refuse a value deep enough to overflow the stack of anything
 * recursive (JSON.stringify, a validator) before it gets there.
 */
export function withinJsonBounds(
  value: unknown,
  { maxDepth, maxValues }: { maxDepth: number; maxValues: number },
): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let seen = 0;
  while (pending.length > 0) {
    const { value: next, depth } = pending.pop()!;
    seen += 1;
    if (seen > maxValues || depth > maxDepth) return false;
    if (typeof next === 'object' && next !== null) {
      for (const child of Object.values(next)) pending.push({ value: child, depth: depth + 1 });
    }
  }
  return true;
}
