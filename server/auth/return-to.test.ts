import { describe, expect, it } from 'vitest';
import { loginUrlFor, safeReturnTo } from './return-to.ts';

const origin = 'http://localhost:3000';

describe('safeReturnTo', () => {
  it.each([
    ['/account', '/account'],
    ['/account?tab=orders#top', '/account?tab=orders#top'],
    ['/a/../b', '/b'],
    ['/%2F%2Fevil.example', '/'], // decodes to //evil.example: refused even though browsers keep it a path
  ])('keeps same-origin path %s as %s', (input, expected) => {
    expect(safeReturnTo(input, origin)).toBe(expected);
  });

  it.each([
    '//evil.example',
    '//evil.example/path',
    'https://evil.example',
    'http://localhost:3000.evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/%5Cevil.example',
    '/.//evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    'evil.example',
    '',
    '%2F%2Fevil.example',
    '/%E0%A4%A',
  ])('refuses %j', (input) => {
    expect(safeReturnTo(input, origin)).toBe('/');
  });

  it('treats a missing value as the home page', () => {
    expect(safeReturnTo(null, origin)).toBe('/');
    expect(safeReturnTo(undefined, origin)).toBe('/');
  });
});

describe('safeReturnTo under a base path', () => {
  const basePath = '/account-session';

  it.each(['/', '/account', '/account-sessions', '/account-session-2/x', '/shop/account-session'])(
    'keeps the storefront path %s',
    (path) => {
      expect(safeReturnTo(path, origin, basePath)).toBe(path);
    },
  );

  it.each([
    '/account-session',
    '/account-session/',
    '/account-session/auth/login?returnTo=%2F',
    '/account-session/api/customer/graphql',
    '/account%2Dsession/auth/login',
    '/x/../account-session/auth/logout',
  ])('refuses the BFF route %j: a returnTo is a page of the storefront', (path) => {
    expect(safeReturnTo(path, origin, basePath)).toBe('/');
  });

  it('keeps refusing what leaves the origin', () => {
    expect(safeReturnTo('//evil.example', origin, basePath)).toBe('/');
    expect(safeReturnTo('https://evil.example/account-session', origin, basePath)).toBe('/');
  });
});

describe('loginUrlFor', () => {
  it('encodes the return path', () => {
    expect(loginUrlFor('/account?x=1&y=2')).toBe('/auth/login?returnTo=%2Faccount%3Fx%3D1%26y%3D2');
  });

  it('lives under the base path; the return path does not', () => {
    expect(loginUrlFor('/account', '/account-session')).toBe('/account-session/auth/login?returnTo=%2Faccount');
  });
});
