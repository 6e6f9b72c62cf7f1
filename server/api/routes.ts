import { Hono } from 'hono';
import { AppError } from '../errors.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../http/env.ts';
import type { UpstreamAnswer } from '../shopify/graphql.ts';
import { UNAUTHORIZED } from '../tokens/manager.ts';
import { limitBody, readJsonObject, requireCsrfHeader, sessionReader } from './guards.ts';

const MAX_GRAPHQL_BODY_BYTES = 64 * 1024;

/** The only shape forwarded upstream: parsed, checked, and rebuilt, so nothing else rides along. */
export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** @throws AppError BAD_REQUEST naming what is wrong. */
export function parseGraphqlRequest(body: Record<string, unknown>): GraphqlRequest {
  const { query, variables, operationName } = body;
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
export function apiRoutes(deps: AppDeps): { api: Hono<AppEnv>; refresh: Hono<AppEnv> } {
  const { sessions, tokens, shopify, upstream, metrics } = deps;
  const readSession = sessionReader(deps.cookie, sessions);

  const api = new Hono<AppEnv>();
  api.use('*', requireCsrfHeader());
  api.post('/customer/graphql', limitBody(MAX_GRAPHQL_BODY_BYTES), async (c) => {
    const body = JSON.stringify(parseGraphqlRequest(await readJsonObject(c)));
    const { sid, record: loaded } = await readSession(c);
    const { graphqlApiUrl } = await shopify.endpoints();

    const { answer, record } = await tokens.withAccessToken(
      sid,
      async (record) => {
        let answer: UpstreamAnswer;
        try {
          answer = await upstream.call(graphqlApiUrl, record.accessToken, body);
        } catch {
          metrics.upstreamRequestsTotal.inc({ status: 'error' });
          throw new AppError('UPSTREAM_UNAVAILABLE', 'the Customer Account API did not answer', {
            retryAfterSeconds: 2,
          });
        }
        metrics.upstreamRequestsTotal.inc({ status: String(answer.status) });
        return answer.status === 401 ? UNAUTHORIZED : { answer, record };
      },
      { loaded },
    );
    await sessions.touch(sid, record);
    c.header('X-Session-Expires-At', String(record.expiresAtMs));
    c.header('Cache-Control', 'no-store');
    c.header('Content-Type', answer.contentType);
    return c.body(answer.body, answer.status as 200);
  });

  const refresh = new Hono<AppEnv>();
  refresh.use('*', requireCsrfHeader());
  refresh.post('/', limitBody(1024), async (c) => {
    const { force } = await readJsonObject(c, { emptyIsObject: true });
    if (force !== undefined && typeof force !== 'boolean')
      throw new AppError('BAD_REQUEST', '"force" must be a boolean');
    const { sid, record: loaded } = await readSession(c);
    const record = await tokens.getAccessToken(sid, { force: force === true, loaded });
    c.header('X-Session-Expires-At', String(record.expiresAtMs));
    c.header('Cache-Control', 'no-store');
    return c.json({ expiresAt: record.expiresAtMs });
  });

  return { api, refresh };
}
