/**
 * The Customer Account API GraphQL endpoint: raw-token auth, a per-customer cost bucket (THROTTLED
 * answered as HTTP 200, like Shopify), and real GraphQL parsing, validation and execution.
 */
import { Hono } from 'hono';
import { execute, getOperationAST, getVariableValues, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { findCustomerById } from './customers.ts';
import { faultResponse } from './faults.ts';
import { delay, type EmulatorContext, type EmulatorEnv } from './http.ts';
import type { Runtime } from './runtime.ts';
import { queryCost, rootValueFor, schema } from './schema.ts';

/** An API version in a path: `2026-10`, or `unstable`. Shared with the Storefront API (storefront.ts). */
export const VERSION = /^(\d{4}-(0[1-9]|1[0-2])|unstable)$/;

export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | null;
}

/** A GraphQL POST body, checked; or what is wrong with it. */
export function parseRequest(body: unknown): GraphqlRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const raw = body as Record<string, unknown>;
  if (typeof raw.query !== 'string' || raw.query.trim() === '') return 'query must be a non-empty string';
  const variables = raw.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    return 'variables must be an object';
  }
  const operationName = raw.operationName ?? null;
  if (operationName !== null && typeof operationName !== 'string') return 'operationName must be a string';
  return { query: raw.query, variables: variables as Record<string, unknown>, operationName };
}

// graphql-js parses and validates recursively: a query thousands of levels deep overflows the stack
// (a 500). Shopify refuses deep queries with an error; so does the emulator, before parsing.
export const MAX_QUERY_DEPTH = 64;

/** The deepest `{`/`(`/`[` nesting in a GraphQL text, strings and comments skipped; linear, no recursion. */
export function nestingDepth(query: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < query.length; i += 1) {
    const ch = query[i];
    if (ch === '#') {
      // A comment ends at any line terminator: \n, \r\n, or a lone \r.
      while (i + 1 < query.length && query[i + 1] !== '\n' && query[i + 1] !== '\r') i += 1;
    } else if (query.startsWith('"""', i)) {
      // A block string ends at the first """ that is not escaped as \""".
      let j = i + 3;
      while (j < query.length && !query.startsWith('"""', j)) j += query.startsWith('\\"""', j) ? 4 : 1;
      i = j + 2;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < query.length && query[j] !== '"') j += query[j] === '\\' ? 2 : 1;
      i = j;
    } else if (ch === '{' || ch === '(' || ch === '[') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (ch === '}' || ch === ')' || ch === ']') {
      depth -= 1;
    }
  }
  return deepest;
}

const badRequest = (c: EmulatorContext, message: string) =>
  c.json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }, 400);

export function graphqlRoutes(rt: Runtime): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();
  const { store } = rt;

  /** Leaky bucket: refills continuously at the restore rate up to the bucket size. */
  const takeFromBucket = (customerId: number, cost: number) => {
    const { graphqlBucketSize: max, graphqlRestoreRatePerSecond: rate } = rt.config;
    const nowMs = rt.now();
    const bucket = store.buckets.get(customerId) ?? { available: max, updatedAtMs: nowMs };
    bucket.available = Math.min(max, bucket.available + ((nowMs - bucket.updatedAtMs) / 1000) * rate);
    bucket.updatedAtMs = nowMs;
    const allowed = cost <= bucket.available;
    if (allowed) bucket.available -= cost;
    store.buckets.set(customerId, bucket);
    return {
      allowed,
      throttleStatus: {
        maximumAvailable: max,
        currentlyAvailable: Math.floor(bucket.available),
        restoreRate: rate,
      },
    };
  };

  app.post('/:shopId/account/customer/api/:version/graphql', async (c) => {
    if (c.req.param('shopId') !== rt.shopId || !VERSION.test(c.req.param('version'))) return c.notFound();
    // Counted on arrival, like the token endpoint's requests: a test can tell a call is in flight.
    store.stats.graphql.received++;

    const fault = rt.faults.take('graphql');
    if (fault !== null) store.stats.faults.injected++;
    if (fault !== null && fault.phase === 'before') return faultResponse(c, fault, rt.shutdown);
    await delay(rt.config.graphqlLatencyMs, rt.shutdown);
    const response = await answer(c);
    return fault !== null ? faultResponse(c, fault, rt.shutdown) : response;
  });

  const answer = async (c: EmulatorContext): Promise<Response> => {
    // The raw token, without "Bearer" (SHOPIFY.md); anything else is just an unknown token.
    const grant = rt.store.grantForAccessToken(c.req.header('authorization') ?? '');
    const customer = grant === null ? null : findCustomerById(grant.customerId);
    if (customer === null) {
      store.stats.graphql.unauthorized++;
      return c.json({ errors: 'User does not have access' }, 401);
    }

    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let request: GraphqlRequest | string;
    try {
      request =
        mediaType === 'application/json'
          ? parseRequest(JSON.parse(await c.req.text()))
          : 'Content-Type must be application/json';
    } catch {
      request = 'body is not valid JSON';
    }
    if (typeof request === 'string') {
      store.stats.graphql.badRequest++;
      return badRequest(c, request);
    }

    if (nestingDepth(request.query) > MAX_QUERY_DEPTH) {
      store.stats.graphql.badRequest++;
      return c.json({
        errors: [
          { message: `Query depth exceeds ${MAX_QUERY_DEPTH} levels`, extensions: { code: 'MAX_DEPTH_EXCEEDED' } },
        ],
      });
    }
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (err) {
      store.stats.graphql.badRequest++;
      return c.json({ errors: [(err as GraphQLError).toJSON()] });
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      store.stats.graphql.badRequest++;
      return c.json({ errors: validationErrors.map((e) => e.toJSON()) });
    }
    const operation = getOperationAST(document, request.operationName) ?? null;
    const coerced =
      operation === null ? null : getVariableValues(schema, operation.variableDefinitions ?? [], request.variables);
    const cost =
      operation !== null && coerced?.coerced !== undefined ? queryCost(document, operation, coerced.coerced) : 0;

    const bucket = takeFromBucket(customer.id, cost);
    const costExtension = {
      requestedQueryCost: cost,
      actualQueryCost: bucket.allowed ? cost : null,
      throttleStatus: bucket.throttleStatus,
    };
    if (!bucket.allowed) {
      store.stats.graphql.throttled++;
      const code = cost > rt.config.graphqlBucketSize ? 'MAX_COST_EXCEEDED' : 'THROTTLED';
      const message =
        code === 'THROTTLED' ? 'Throttled' : `Query cost ${cost} exceeds the single query max cost limit.`;
      return c.json({ errors: [{ message, extensions: { code } }], extensions: { cost: costExtension } });
    }

    const result = await execute({
      schema,
      document,
      rootValue: rootValueFor(customer, store.accounts),
      variableValues: request.variables,
      operationName: request.operationName,
    });
    store.stats.graphql.ok++;
    return c.json({ ...result, extensions: { cost: costExtension } });
  };
  return app;
}
