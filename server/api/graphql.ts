import type { Handler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv, LiveSession } from '../http/env.ts';
import { parseJsonObject, readJsonObject, requestBody, withinJsonBounds } from '../http/json-body.ts';
import { liveSession, updateSession } from '../http/middleware/session/index.ts';
import type { SessionRecord } from '../sessions/types.ts';
import { noAnswer, upstreamTrouble, type UpstreamAnswer } from '../shopify/graphql.ts';
import { UNAUTHORIZED } from '../tokens/manager.ts';

/** The only shape forwarded upstream: parsed, checked, and rebuilt, so nothing else rides along. */
export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

// Far beyond any real Customer Account API input (an address is three levels), and far below what would
// cost real CPU or overflow the stack when the body is rebuilt.
const VARIABLES_BOUNDS = { maxDepth: 32, maxValues: 5_000 };

/** @throws AppError BAD_REQUEST naming what is wrong. */
export function parseGraphqlRequest(body: Record<string, unknown>): GraphqlRequest {
  const { query, variables, operationName } = body;
  if (typeof query !== 'string' || query.trim() === '')
    throw new AppError('BAD_REQUEST', '"query" must be a non-empty string');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw new AppError('BAD_REQUEST', '"variables" must be an object');
  }
  if (!withinJsonBounds(variables, VARIABLES_BOUNDS)) {
    throw new AppError(
      'BAD_REQUEST',
      `"variables" may nest at most ${VARIABLES_BOUNDS.maxDepth} levels and hold at most ${VARIABLES_BOUNDS.maxValues} values`,
    );
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

/** The cap on a GraphQL request body. */
export const MAX_GRAPHQL_BODY_BYTES = 64 * 1024;

/**
 * One Customer Account API call for a live session: the body checked and rebuilt, the session's access
 * token (refreshed first when due, once per session), Shopify's answer as is, and the record it was
 * made with. Shared by the Hono route and the fast path (`fast-path.ts`); the upstream sends the id of
 * the request it runs for as `X-Request-Id`.
 * @throws AppError BAD_REQUEST, REAUTH_REQUIRED, UPSTREAM_UNAVAILABLE, UPSTREAM_INVALID
 */
export async function callCustomerApi(
  { tokens, shopify, upstream, metrics }: Pick<AppDeps, 'tokens' | 'shopify' | 'upstream' | 'metrics'>,
  live: LiveSession,
  bodyText: string,
): Promise<{ answer: UpstreamAnswer; record: SessionRecord }> {
  const body = JSON.stringify(parseGraphqlRequest(parseJsonObject(bodyText)));
  const { graphqlApiUrl } = await shopify.endpoints();
  return tokens.withAccessToken(
    live.sid,
    async (record) => {
      let answer: UpstreamAnswer;
      try {
        answer = await upstream.call(graphqlApiUrl, record.accessToken, body);
      } catch (error) {
        metrics.upstreamRequestsTotal.inc({ status: 'error' });
        throw noAnswer('Customer Account API', error);
      }
      metrics.upstreamRequestsTotal.inc({ status: String(answer.status) });
      if (answer.status === 401) return UNAUTHORIZED;
      const trouble = upstreamTrouble('Customer Account API', answer);
      if (trouble !== null) throw trouble;
      return { answer, record };
    },
    { loaded: live.record },
  );
}

/**
 * `POST /api/customer/graphql` through Hono: in-process (`app.request()`), and for whatever the fast
 * path hands over.
 * @throws AppError as `callCustomerApi`
 */
export const graphqlHandler = (deps: AppDeps): Handler<AppEnv> =>
  async function graphql(c) {
    const live = liveSession(c);
    const { answer, record } = await callCustomerApi(deps, live, await requestBody(c));
    updateSession(c, { sid: live.sid, record });
    c.header('Content-Type', answer.contentType);
    return c.body(answer.body, answer.status as 200);
  };

/**
 * `POST /auth/refresh` (`{ "force": true }` optional): refreshes when inside the buffer, or when forced.
 * @throws AppError BAD_REQUEST, REAUTH_REQUIRED, UPSTREAM_UNAVAILABLE
 */
export const refreshHandler = ({ tokens }: AppDeps): Handler<AppEnv> =>
  async function refresh(c) {
    const { force } = await readJsonObject(c, { emptyIsObject: true });
    if (force !== undefined && typeof force !== 'boolean')
      throw new AppError('BAD_REQUEST', '"force" must be a boolean');
    const live = liveSession(c);
    const record = await tokens.getAccessToken(live.sid, {
      force: force === true,
      loaded: live.record,
      waitForRefresh: true,
    });
    updateSession(c, { sid: live.sid, record });
    return c.json({ expiresAt: record.expiresAtMs });
  };
