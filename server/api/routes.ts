import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.ts';
import type { AppDeps } from '../deps.ts';
import type { SessionRecord } from '../sessions/types.ts';
import type { UpstreamAnswer } from '../shopify/graphql.ts';
import { UNAUTHORIZED, type Unauthorized } from '../tokens/manager.ts';
import { requireCsrfHeader } from './guards.ts';

const MAX_GRAPHQL_BODY_BYTES = 64 * 1024;

/** The only shape forwarded upstream: parsed, checked, and rebuilt, so nothing else rides along. */
export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** @throws AppError BAD_REQUEST naming what is wrong. */
export function parseGraphqlRequest(raw: unknown): GraphqlRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('BAD_REQUEST', 'body must be a JSON object with a "query" string');
  }
  const { query, variables, operationName } = raw as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '')
    throw new AppError('BAD_REQUEST', '"query" must be a non-empty string');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw new AppError('BAD_REQUEST', '"variables" must be an object');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw new AppError('BAD_REQUEST', '"operationName" must be a string');
  }
  return {
    query,
    ...(variables ? { variables: variables as Record<string, unknown> } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
  };
}

/** `POST /api/customer/graphql` and `POST /auth/refresh`, both behind the CSRF header rule. */
export function apiRoutes(deps: AppDeps): { api: Hono; refresh: Hono } {
  const { cookie, sessions, tokens, shopify, upstream, metrics } = deps;

  /** The caller's live session id; idle and absolute timeouts apply here, before any token is used. */
  const requireSession = async (c: Context): Promise<string> => {
    const sid = await cookie.read(c);
    if (sid === null || (await sessions.load(sid)) === null) throw new AppError('REAUTH_REQUIRED', 'no session');
    return sid;
  };

  const api = new Hono();
  api.use('*', requireCsrfHeader());
  api.post(
    '/customer/graphql',
    bodyLimit({
      maxSize: MAX_GRAPHQL_BODY_BYTES,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `body exceeds ${MAX_GRAPHQL_BODY_BYTES} bytes`);
      },
    }),
    async (c) => {
      let raw: unknown;
      try {
        raw = JSON.parse(await c.req.text());
      } catch {
        throw new AppError('BAD_REQUEST', 'body is not valid JSON');
      }
      const body = JSON.stringify(parseGraphqlRequest(raw));
      const sid = await requireSession(c);
      const { graphqlApiUrl } = await shopify.endpoints();

      let used: SessionRecord | null = null;
      const answer = await tokens.withAccessToken(sid, async (record): Promise<UpstreamAnswer | Unauthorized> => {
        used = record;
        let result: UpstreamAnswer;
        try {
          result = await upstream.call(graphqlApiUrl, record.accessToken, body);
        } catch {
          metrics.upstreamRequestsTotal.inc({ status: 'error' });
          throw new AppError('UPSTREAM_UNAVAILABLE', 'the Customer Account API did not answer', {
            retryAfterSeconds: 2,
          });
        }
        metrics.upstreamRequestsTotal.inc({ status: String(result.status) });
        return result.status === 401 ? UNAUTHORIZED : result;
      });
      const record = used as SessionRecord | null;
      if (record !== null) {
        await sessions.touch(sid, record);
        c.header('X-Session-Expires-At', String(record.expiresAtMs));
      }
      c.header('Cache-Control', 'no-store');
      c.header('Content-Type', answer.contentType);
      return c.body(answer.body, answer.status as 200);
    },
  );

  const refresh = new Hono();
  refresh.use('*', requireCsrfHeader());
  refresh.post(
    '/',
    bodyLimit({
      maxSize: 1024,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', 'body too large');
      },
    }),
    async (c) => {
      const text = await c.req.text();
      let force = false;
      if (text.trim() !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new AppError('BAD_REQUEST', 'body is not valid JSON');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new AppError('BAD_REQUEST', 'body must be a JSON object');
        }
        const value = (parsed as { force?: unknown }).force;
        if (value !== undefined && typeof value !== 'boolean')
          throw new AppError('BAD_REQUEST', '"force" must be a boolean');
        force = value === true;
      }
      const sid = await requireSession(c);
      const record = await tokens.getAccessToken(sid, { force });
      c.header('X-Session-Expires-At', String(record.expiresAtMs));
      c.header('Cache-Control', 'no-store');
      return c.json({ expiresAt: record.expiresAtMs });
    },
  );

  return { api, refresh };
}
