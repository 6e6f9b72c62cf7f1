import { describe, expect, it } from 'vitest';
import { answerErrorCode } from './answer.ts';

describe('answerErrorCode', () => {
  it.each([
    [401, 'reauth_required', 'REAUTH_REQUIRED'],
    [401, undefined, 'HTTP_ERROR'],
    [503, 'offline', 'OFFLINE'],
    [503, 'upstream_unavailable', 'UPSTREAM_UNAVAILABLE'],
    [503, 'session_store_unavailable', 'UPSTREAM_UNAVAILABLE'],
    [429, 'upstream_unavailable', 'UPSTREAM_UNAVAILABLE'],
    [502, undefined, 'UPSTREAM_UNAVAILABLE'],
    [504, undefined, 'UPSTREAM_UNAVAILABLE'],
    [403, 'csrf', 'CSRF'],
    [403, undefined, 'HTTP_ERROR'],
    [400, 'bad_request', 'HTTP_ERROR'],
  ])('%i %s → %s', (status, error, code) => {
    expect(answerErrorCode(status, error)).toBe(code);
  });
});
