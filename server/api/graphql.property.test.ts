/**
 * Properties of `parseGraphqlRequest`, the GraphQL body boundary: nothing but AppError BAD_REQUEST is
 * ever thrown, what passes is rebuilt from `query`, `variables` and `operationName` alone, and
 * `variables` deeper than 32 levels or holding more than 5,000 values are refused.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { isAppError } from '../errors.ts';
import { parseJsonObject } from '../http/json-body.ts';
import { parseGraphqlRequest, type GraphqlRequest } from './graphql.ts';

type Outcome = { request: GraphqlRequest } | { code: string; message: string };

function outcome(body: Record<string, unknown>): Outcome {
  try {
    return { request: parseGraphqlRequest(body) };
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
}

const BOUNDS_MESSAGE = '"variables" may nest at most 32 levels and hold at most 5000 values';
const json = fc.jsonValue({ maxDepth: 3 });
/** Bodies mixing the three fields (well- and ill-typed) with arbitrary other keys. */
const body = fc.record(
  {
    query: fc.oneof(fc.string(), fc.constantFrom('', '  ', '\n\t', '{ customer { id } }'), json),
    variables: fc.oneof(fc.dictionary(fc.string(), json, { maxKeys: 4 }), json),
    operationName: fc.oneof(fc.string(), json),
    extensions: json,
    other: json,
  },
  { requiredKeys: [] },
);
/** A body JSON.parse made with an own `__proto__` key, as a hostile client can send. */
const protoBody = fc
  .tuple(json, fc.oneof(fc.string(), json))
  .map(([proto, query]) => parseJsonObject(`{"__proto__":${JSON.stringify(proto)},"query":${JSON.stringify(query)}}`));

/** `{ a: { a: … 1 } }`: `levels` nested objects (the outer one is `variables` itself). */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i += 1) value = { a: value };
  return value;
}

describe('parseGraphqlRequest', () => {
  itHolds('any JSON body: a request, or AppError BAD_REQUEST — never another throw', 1_500, () =>
    fc.property(fc.oneof(body, protoBody, fc.dictionary(fc.string(), json)), (input) => {
      const result = outcome(input);
      if ('code' in result) expect(result.code).toBe('BAD_REQUEST');
    }),
  );

  itHolds('what passes is rebuilt from query, variables and operationName only, values untouched', 1_500, () =>
    fc.property(fc.oneof(body, protoBody), (input) => {
      const result = outcome(input);
      if ('code' in result) return;
      const { request } = result;
      expect(Object.keys(request).every((key) => ['query', 'variables', 'operationName'].includes(key))).toBe(true);
      expect(request.query).toBe(input.query);
      expect(request.query.trim()).not.toBe('');
      if ('variables' in request) expect(request.variables).toBe(input.variables);
      else expect(input.variables ?? null).toBeNull();
      if ('operationName' in request) expect(request.operationName).toBe(input.operationName);
      else expect(input.operationName ?? null).toBeNull();
    }),
  );

  itHolds('accepts exactly: a non-blank query, object-or-null variables, string-or-null operationName', 1_500, () =>
    fc.property(body, (input) => {
      const { query, variables, operationName } = input;
      const valid =
        typeof query === 'string' &&
        query.trim() !== '' &&
        (variables === undefined ||
          variables === null ||
          (typeof variables === 'object' && !Array.isArray(variables))) &&
        (operationName === undefined || operationName === null || typeof operationName === 'string');
      expect('request' in outcome(input)).toBe(valid);
    }),
  );

  itHolds('the body as sent over the wire reads back the same through parseJsonObject', 1_000, () =>
    fc.property(body, (input) => {
      const result = outcome(input);
      if ('code' in result) return;
      const wire = JSON.stringify(result.request);
      expect(parseGraphqlRequest(parseJsonObject(wire))).toEqual(JSON.parse(wire));
    }),
  );

  itHolds('variables nested more than 32 levels are refused, up to 32 accepted', 500, () =>
    fc.property(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 50_000 })), (levels) => {
      expect(outcome({ query: '{ x }', variables: nested(levels) })).toEqual(
        levels <= 32
          ? { request: { query: '{ x }', variables: nested(levels) } }
          : { code: 'BAD_REQUEST', message: BOUNDS_MESSAGE },
      );
    }),
  );

  itHolds('variables holding more than 5,000 values are refused, up to 5,000 accepted', 24, () =>
    fc.property(fc.integer({ min: 4_995, max: 5_005 }), fc.boolean(), (values, asArray) => {
      // The variables object and its one child are 2 values; the rest are leaves.
      const leaves = Array.from({ length: values - 2 }, (_, i) => i);
      const child = asArray ? leaves : Object.fromEntries(leaves.map((leaf) => [`k${leaf}`, leaf]));
      const result = outcome({ query: '{ x }', variables: { list: child } });
      expect('request' in result).toBe(values <= 5_000);
      if ('code' in result) expect(result).toEqual({ code: 'BAD_REQUEST', message: BOUNDS_MESSAGE });
    }),
  );
});
