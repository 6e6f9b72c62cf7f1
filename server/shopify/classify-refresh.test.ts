import { describe, expect, it } from 'vitest';
import { classifyRefreshFailure, parseRetryAfterSeconds, type TokenEndpointAnswer } from './classify-refresh.ts';

const answer = (status: number, body: unknown, extra: Partial<TokenEndpointAnswer> = {}): TokenEndpointAnswer => ({
  status,
  body,
  wwwAuthenticate: null,
  retryAfter: null,
  ...extra,
});

describe('classifyRefreshFailure', () => {
  it.each([
    [
      '400 invalid_grant',
      answer(400, { error: 'invalid_grant' }),
      { kind: 'dead_grant', status: 400, errorCode: 'invalid_grant' },
    ],
    [
      '400 invalid_request',
      answer(400, { error: 'invalid_request' }),
      { kind: 'dead_grant', status: 400, errorCode: 'invalid_request' },
    ],
    ['400 with no JSON body', answer(400, null), { kind: 'dead_grant', status: 400, errorCode: null }],
    [
      '200 body carrying invalid_grant',
      answer(200, { error: 'invalid_grant' }),
      { kind: 'dead_grant', status: 200, errorCode: 'invalid_grant' },
    ],
    [
      '401 invalid_grant',
      answer(401, { error: 'invalid_grant' }),
      { kind: 'dead_grant', status: 401, errorCode: 'invalid_grant' },
    ],
  ])('%s is a dead grant', (_name, input, expected) => {
    expect(classifyRefreshFailure(input)).toEqual(expected);
  });

  it.each([
    ['401 invalid_client', answer(401, { error: 'invalid_client' }), 'invalid_client'],
    ['401 unauthorized_client', answer(401, { error: 'unauthorized_client' }), 'unauthorized_client'],
    [
      '401 with invalid_token challenge',
      answer(401, null, { wwwAuthenticate: 'Bearer error="invalid_token", error_description="Origin not allowed"' }),
      'invalid_token',
    ],
    ['403 edge page', answer(403, null), null],
  ])('%s is a misconfiguration', (_name, input, errorCode) => {
    expect(classifyRefreshFailure(input)).toEqual({ kind: 'misconfiguration', status: input.status, errorCode });
  });

  it.each([
    [
      '401 with an empty error code',
      answer(401, { error: '', error_description: 'Access token request error.' }),
      401,
      null,
    ],
    ['401 with no body', answer(401, null), 401, null],
    ['429', answer(429, null, { retryAfter: '7' }), 429, 7],
    ['500', answer(500, null), 500, null],
    ['503 with JSON', answer(503, { error: 'temporarily_unavailable' }), 503, null],
    ['200 without a token and without an error', answer(200, { hello: 1 }), 200, null],
  ])('%s is transient', (_name, input, status, retryAfterSeconds) => {
    const result = classifyRefreshFailure(input);
    expect(result.kind).toBe('transient');
    expect(result.status).toBe(status);
    if (result.kind === 'transient') expect(result.retryAfterSeconds).toBe(retryAfterSeconds);
  });
});

describe('parseRetryAfterSeconds', () => {
  it('reads delta seconds and ignores anything else', () => {
    expect(parseRetryAfterSeconds('12')).toBe(12);
    expect(parseRetryAfterSeconds(' 3 ')).toBe(3);
    expect(parseRetryAfterSeconds('Wed, 21 Oct 2026 07:28:00 GMT')).toBeNull();
    expect(parseRetryAfterSeconds('-1')).toBeNull();
    expect(parseRetryAfterSeconds(null)).toBeNull();
  });
});
